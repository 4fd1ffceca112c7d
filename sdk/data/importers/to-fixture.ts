import { promises as fsp } from "node:fs";
import * as path from "node:path";
import { ErrorCode, GrinderError } from "../../contracts/errors";
import type { InstrumentSpec } from "../../contracts/market";
import { SDK_VERSION } from "../../version";
import { FixtureWriter, sortKeysDeep, writeFileAtomic, type FixtureManifest } from "../fixture";
import { importBinanceWs } from "./binance-ws";
import { importBookTickerCsv, inferBookTickerInstrument, type InstrumentOverrides, type SnapshotImport } from "./bookticker-csv";
import { sha256File, type ImportReport } from "./common";
import { importKlinesCsv, KLINE_COLUMNS, klineCsvLine } from "./klines-csv";

export const IMPORT_FORMATS = ["binance-bookticker-csv", "binance-ws", "binance-klines-csv"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export interface ImportToFixtureOptions {
  /** Output folder (a fixture folder for snapshot formats; for klines, the folder receiving `klines.csv`). */
  out: string;
  /** Fixture name (default: the output folder's base name). */
  name?: string;
  description?: string;
  symbol?: string;
  instrument?: InstrumentOverrides;
  lenient?: boolean;
  /** L2 levels per side for `binance-ws` (default 20). */
  depth?: number;
  /** Force gzip of the snapshots (default: FixtureWriter's 4 MB rule). */
  gzip?: boolean;
}

export interface ImportResult {
  format: ImportFormat;
  report: ImportReport;
  /** The fixture manifest (snapshot formats). */
  manifest?: FixtureManifest;
  /** Files written. */
  written: string[];
}

/** What goes into `provenance`: no absolute paths, no wall-clock time (the manifest is hashed by nobody, but kept reproducible). */
function provenanceOf(format: ImportFormat, report: ImportReport, sha: string, bytes: number, tsRule: string): Record<string, unknown> {
  return {
    importer: format,
    sdk_version: SDK_VERSION,
    source_file: report.source,
    source_sha256: sha,
    source_bytes: bytes,
    ts_rule: tsRule,
    lines: report.lines,
    emitted: report.emitted,
    rejected: report.rejected,
    rejected_total: report.rejectedTotal,
    rejected_examples: report.examples.slice(0, 5),
    counts: report.counts,
    first_ts: report.first_ts ?? null,
    last_ts: report.last_ts ?? null,
    instrument_inferred: report.instrument_inferred ?? false,
  };
}

/** A lenient import that refused every data line made nothing: a refusal, not an empty fixture (ADR-074). */
function allRejected(report: ImportReport, input: string): void {
  if (report.emitted === 0 && report.rejectedTotal > 0)
    throw new GrinderError(ErrorCode.REFUSED, `every data line was rejected (${report.rejectedTotal}: ${JSON.stringify(report.rejected)}); nothing imported`, { file: input });
}

const TS_RULES: Record<ImportFormat, string> = {
  "binance-bookticker-csv": "ts = event_time (exchange ms)",
  "binance-ws": "ts = receive time (ns -> ms, floor); book.ts = receive time of the last applied depth update or resyncing REST snapshot",
  "binance-klines-csv": "ts = close_time + 1 (exchange ms; microsecond dumps converted)",
};

async function writeSnapshots(imp: SnapshotImport, spec: InstrumentSpec, format: ImportFormat, input: string, opts: ImportToFixtureOptions, sha: string, bytes: number, inferred: boolean): Promise<ImportResult> {
  const name = opts.name ?? path.basename(path.resolve(opts.out));
  // FixtureWriter reads `provenance` when it closes; it is filled in once the stream has ended.
  const provenance: Record<string, unknown> = {};
  const w = await FixtureWriter.create(
    opts.out,
    {
      name,
      description: opts.description ?? `${spec.symbol} imported from ${path.basename(input)} (${format})`,
      scenario: sortKeysDeep({ importer: format, symbol: spec.symbol, lenient: !!opts.lenient, ...(format === "binance-ws" ? { depth: opts.depth ?? 20 } : {}) }),
      symbols: [spec],
      provenance,
      gzip: opts.gzip,
    },
    bytes * (format === "binance-ws" ? 4 : 1.6),
  );
  try {
    for await (const s of imp) await w.write(s);
    allRejected(imp.report, input);
  } catch (e) {
    await w.abort();
    throw e;
  }
  imp.report.instrument = spec;
  imp.report.instrument_inferred = inferred;
  Object.assign(provenance, provenanceOf(format, imp.report, sha, bytes, TS_RULES[format]));
  const manifest = await w.close();
  return { format, report: imp.report, manifest, written: [path.join(opts.out, "fixture.json"), path.join(opts.out, manifest.snapshots)] };
}

/**
 * Import a real market data file into a fixture folder (snapshot formats) or a `klines.csv`
 * sidecar (klines), with provenance: source name, SHA-256, row counts, rejected counts by
 * reason, gaps. The result is an ordinary fixture: `fixtures validate` and replay accept it.
 */
export async function importToFixture(format: ImportFormat, input: string, opts: ImportToFixtureOptions): Promise<ImportResult> {
  let bytes: number;
  try {
    bytes = (await fsp.stat(input)).size;
  } catch (e) {
    throw new GrinderError(ErrorCode.IO, `cannot read input: ${(e as Error).message}`, { file: input });
  }
  const sha = await sha256File(input);
  switch (format) {
    case "binance-bookticker-csv": {
      const given = opts.instrument ?? {};
      let spec: InstrumentSpec;
      let inferred = false;
      if (given.tick_size !== undefined && given.lot_size !== undefined) {
        const imp0 = importBookTickerCsv(input, { symbol: opts.symbol });
        spec = { symbol: imp0.symbol, tick_size: given.tick_size, lot_size: given.lot_size, min_notional: given.min_notional ?? 0 };
      } else {
        ({ spec, inferred } = await inferBookTickerInstrument(input, { symbol: opts.symbol, instrument: given, lenient: opts.lenient }));
      }
      const imp = importBookTickerCsv(input, { symbol: spec.symbol, instrument: spec, lenient: opts.lenient, reuse: true });
      return writeSnapshots(imp, spec, format, input, opts, sha, bytes, inferred);
    }
    case "binance-ws": {
      // First pass learns symbol and tick/lot (the book rebuild is cheap); the second writes.
      const probe = importBinanceWs(input, { symbol: opts.symbol, instrument: opts.instrument, lenient: opts.lenient, depth: opts.depth });
      for await (const _ of probe);
      const spec = probe.report.instrument;
      if (!spec) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "no bookTicker message was accepted: cannot build snapshots", { file: input });
      const imp = importBinanceWs(input, { symbol: spec.symbol, instrument: spec, lenient: opts.lenient, depth: opts.depth });
      return writeSnapshots(imp, spec, format, input, opts, sha, bytes, !!probe.report.instrument_inferred);
    }
    case "binance-klines-csv": {
      const imp = importKlinesCsv(input, { symbol: opts.symbol, lenient: opts.lenient });
      const lines: string[] = [KLINE_COLUMNS.join(",")];
      for await (const k of imp) lines.push(klineCsvLine(k));
      allRejected(imp.report, input);
      const csv = path.join(opts.out, "klines.csv");
      const meta = path.join(opts.out, "klines.json");
      await writeFileAtomic(csv, lines.join("\n") + "\n");
      await writeFileAtomic(meta, JSON.stringify(sortKeysDeep({ symbol: imp.symbol, file: "klines.csv", provenance: provenanceOf(format, imp.report, sha, bytes, TS_RULES[format]) }), null, 2) + "\n");
      return { format, report: imp.report, written: [csv, meta] };
    }
    default:
      throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `unknown import format '${format as string}' (one of ${IMPORT_FORMATS.join(", ")})`, { field: "format" });
  }
}
