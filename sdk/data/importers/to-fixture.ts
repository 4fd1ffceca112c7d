import { promises as fsp } from "node:fs";
import { presetOverrides, withContractTerms, type ContractImportOptions } from "./presets";
import * as path from "node:path";
import { ErrorCode, GrinderError } from "../../contracts/errors";
import type { InstrumentSpec } from "../../contracts/market";
import { SDK_VERSION } from "../../version";
import { FixtureWriter, sortKeysDeep, sweepStaleTemps, writeFileAtomic, type FixtureManifest } from "../fixture";
import { importBinanceWs, type WsClock } from "./binance-ws";
import { importBookTickerCsv, inferBookTickerInstrument, type InstrumentOverrides, type SnapshotImport } from "./bookticker-csv";
import { sha256File, type ImportReport } from "./common";
import { importKlinesCsv, KLINE_COLUMNS, klineCsvLine } from "./klines-csv";
import type { Trade } from "../../contracts/market";
import { TradeWriter } from "../trades";
import { importTradesCsv } from "./trades-csv";

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
  /**
   * `binance-bookticker-csv`: a Binance trades / aggTrades CSV dump merged into the fixture as
   * its trades sidecar (ADR-050/052). `binance-ws` keeps the recording's own trades.
   */
  trades?: string;
  /** `binance-ws`: continuation files of the same recording, read after `input` as one stream. */
  more?: string[];
  /** Replace an existing output (default false: an existing fixture folder or klines.csv is refused, ADR-084). */
  force?: boolean;
  /** `binance-ws`: clock of ts and merge order (`exchange` default, `receive`; ADR-140). */
  clock?: WsClock;
  /** Contract terms of the instrument: a venue preset (`binance-coinm`) or explicit multiplier / inverse (ADR-121). */
  contract?: ContractImportOptions;
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

const WS_TS_RULES: Record<WsClock, string> = {
  exchange:
    "ts = exchange time (futures: T of bookTicker, trade and depth; spot: trade T, depth E, bookTicker = E of the depth update containing its update id); streams merged by that time, prints first at equal time (ADR-140)",
  receive: "ts = receive time (ns -> ms, floor); book.ts = receive time of the last applied depth update or resyncing REST snapshot",
};

const TS_RULES: Record<ImportFormat, string> = {
  "binance-bookticker-csv": "ts = event_time (exchange ms)",
  "binance-ws": "ts = receive time (ns -> ms, floor); book.ts = receive time of the last applied depth update or resyncing REST snapshot",
  "binance-klines-csv": "ts = close_time + 1 (exchange ms; microsecond dumps converted)",
};

/** Where trades come from while the snapshots are written (ADR-050). */
interface TradeSource {
  /** Trades produced so far (drained after each snapshot; the ws importer pushes them in stream order). */
  queue?: Trade[];
  /** A separate trades stream (a CSV dump), written after the snapshots. */
  stream?: AsyncIterable<Trade>;
  /** Provenance of the trades (added under `provenance.trades`). */
  provenance?: () => Promise<Record<string, unknown>>;
}

async function writeSnapshots(imp: SnapshotImport, spec: InstrumentSpec, format: ImportFormat, input: string, opts: ImportToFixtureOptions, sha: string, bytes: number, inferred: boolean, trades?: TradeSource, extraProvenance?: Record<string, unknown>): Promise<ImportResult> {
  const tsRule = format === "binance-ws" ? WS_TS_RULES[opts.clock ?? "exchange"] : TS_RULES[format];
  const name = opts.name ?? path.basename(path.resolve(opts.out));
  // FixtureWriter reads `provenance` when it closes; it is filled in once the stream has ended.
  const provenance: Record<string, unknown> = {};
  const w = await FixtureWriter.create(
    opts.out,
    {
      name,
      description: opts.description ?? `${spec.symbol} imported from ${path.basename(input)} (${format})`,
      scenario: sortKeysDeep({ importer: format, symbol: spec.symbol, lenient: !!opts.lenient, ...(format === "binance-ws" ? { depth: opts.depth ?? 20, clock: opts.clock ?? "exchange" } : {}) }),
      symbols: [spec],
      provenance,
      gzip: opts.gzip,
      noOverwrite: !opts.force,
    },
    bytes * (format === "binance-ws" ? 4 : 1.6),
  );
  const tw = trades ? TradeWriter.create(w.stagingDir, [spec.symbol], opts.gzip ?? bytes > 4_000_000, new Map([[spec.symbol, spec]])) : undefined;
  try {
    const q = trades?.queue;
    for await (const s of imp) {
      if (q && q.length) {
        for (const t of q) await tw!.write(t);
        q.length = 0;
      }
      await w.write(s);
    }
    allRejected(imp.report, input);
    if (q) for (const t of q) await tw!.write(t);
    if (trades?.stream) for await (const t of trades.stream) await tw!.write(t);
    if (tw) {
      const section = await tw.close();
      if (section.rows > 0) w.setTrades(section);
      else await fsp.rm(path.join(w.stagingDir, section.file), { force: true });
    }
  } catch (e) {
    await w.abort();
    throw e;
  }
  imp.report.instrument = spec;
  imp.report.instrument_inferred = inferred;
  Object.assign(provenance, provenanceOf(format, imp.report, sha, bytes, tsRule));
  if (trades?.provenance) provenance.trades = await trades.provenance();
  if (extraProvenance) Object.assign(provenance, extraProvenance);
  const manifest = await w.close();
  const written = [path.join(opts.out, "fixture.json"), path.join(opts.out, manifest.snapshots)];
  if (manifest.trades) written.push(path.join(opts.out, manifest.trades.file));
  return { format, report: imp.report, manifest, written };
}

const FIXTURE_NAME = /^[a-z0-9_\-.]+$/i;

/** The output must be a folder (or absent) and, without `force`, not an existing import (ADR-084). */
async function checkOutput(format: ImportFormat, opts: ImportToFixtureOptions): Promise<void> {
  const out = path.resolve(opts.out);
  await sweepStaleTemps(out);
  let st;
  try {
    st = await fsp.stat(out);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return;
    throw new GrinderError(ErrorCode.IO, `cannot use the output folder: ${(e as Error).message}`, { file: out });
  }
  if (!st.isDirectory()) throw new GrinderError(ErrorCode.IO, "output exists and is not a folder", { file: out });
  if (opts.force) return;
  const mine = format === "binance-klines-csv" ? path.join(out, "klines.csv") : out;
  let exists = format !== "binance-klines-csv";
  if (!exists) {
    try {
      await fsp.stat(mine);
      exists = true;
    } catch {
      exists = false;
    }
  }
  if (exists) throw new GrinderError(ErrorCode.REFUSED, `output exists: pass --force to replace it`, { file: mine });
}

/**
 * Import a real market data file into a fixture folder (snapshot formats) or a `klines.csv`
 * sidecar (klines), with provenance: source name, SHA-256, row counts, rejected counts by
 * reason, gaps. The result is an ordinary fixture: `fixtures validate` and replay accept it.
 */
export async function importToFixture(format: ImportFormat, input: string, opts: ImportToFixtureOptions): Promise<ImportResult> {
  let bytes: number;
  try {
    const st = await fsp.stat(input);
    if (!st.isFile()) throw new GrinderError(ErrorCode.IO, "input is not a regular file", { file: input });
    bytes = st.size;
  } catch (e) {
    if (e instanceof GrinderError) throw e;
    throw new GrinderError(ErrorCode.IO, `cannot read input: ${(e as Error).message}`, { file: input });
  }
  // Output checks come before any row is read: a bad name or an existing output costs nothing.
  if (format !== "binance-klines-csv") {
    const name = opts.name ?? path.basename(path.resolve(opts.out));
    if (!FIXTURE_NAME.test(name))
      throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `fixture name '${name}' must use only letters, digits, '_', '-' and '.' (pass --name)`, { field: "name" });
  }
  await checkOutput(format, opts);
  const sha = await sha256File(input);
  switch (format) {
    case "binance-bookticker-csv": {
      const given = presetOverrides(opts.contract, opts.contract?.preset !== undefined ? importBookTickerCsv(input, { symbol: opts.symbol }).symbol : undefined, opts.instrument ?? {});
      let spec: InstrumentSpec;
      let inferred = false;
      if (given.tick_size !== undefined && given.lot_size !== undefined) {
        const imp0 = importBookTickerCsv(input, { symbol: opts.symbol });
        spec = { symbol: imp0.symbol, tick_size: given.tick_size, lot_size: given.lot_size, min_notional: given.min_notional ?? 0 };
      } else {
        ({ spec, inferred } = await inferBookTickerInstrument(input, { symbol: opts.symbol, instrument: given, lenient: opts.lenient }));
      }
      spec = withContractTerms(spec, opts.contract);
      const imp = importBookTickerCsv(input, { symbol: spec.symbol, instrument: spec, lenient: opts.lenient, reuse: true });
      let trades: TradeSource | undefined;
      if (opts.trades) {
        const tfile = opts.trades;
        const timp = importTradesCsv(tfile, { symbol: spec.symbol, lenient: opts.lenient });
        trades = {
          stream: timp,
          provenance: async () => {
            const st = await fsp.stat(tfile);
            return sortKeysDeep({ ...provenanceOf("binance-trades-csv" as ImportFormat, timp.report, await sha256File(tfile), st.size, "ts = time / transact_time (exchange ms; microsecond dumps converted)"), importer: "binance-trades-csv", kind: timp.kind ?? null });
          },
        };
      }
      return writeSnapshots(imp, spec, format, input, opts, sha, bytes, inferred, trades);
    }
    case "binance-ws": {
      // First pass learns symbol and tick/lot (the book rebuild is cheap); the second writes.
      const files = [input, ...(opts.more ?? [])];
      const wsGiven = opts.contract?.preset !== undefined && opts.symbol !== undefined ? presetOverrides(opts.contract, opts.symbol, opts.instrument ?? {}) : opts.instrument;
      const probe = importBinanceWs(files, { symbol: opts.symbol, instrument: wsGiven, lenient: opts.lenient, depth: opts.depth, clock: opts.clock });
      for await (const _ of probe);
      const probed = probe.report.instrument;
      if (!probed) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "no bookTicker message was accepted: cannot build snapshots", { file: input });
      const spec = withContractTerms(probed, opts.contract);
      const queue: Trade[] = [];
      const imp = importBinanceWs(files, { symbol: spec.symbol, instrument: spec, lenient: opts.lenient, depth: opts.depth, clock: opts.clock, onTrade: (t) => queue.push(t) });
      // Continuation files: every source file is hashed into the provenance.
      let extra: Record<string, unknown> | undefined;
      if (files.length > 1) {
        const sources = [];
        for (const f of files) sources.push({ file: path.basename(f), sha256: await sha256File(f), bytes: (await fsp.stat(f)).size });
        extra = { source_files: sources };
      }
      return writeSnapshots(imp, spec, format, input, opts, sha, bytes, !!probe.report.instrument_inferred, { queue }, extra);
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
