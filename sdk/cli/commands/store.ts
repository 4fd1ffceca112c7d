import { existsSync } from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { ErrorCode, GrinderError } from "../../contracts/errors";
import { FixtureWriter, openFixture, streamFixture } from "../../data/fixture";
import { columnarContentHash, columnarSnapshots, isColumnarStore, openColumnarStore, writeColumnarStore } from "../../data/store";
import { importBookTickerCsv, inferBookTickerInstrument } from "../../data/importers";
import { resolveFixture } from "../fixtures-path";

/** `grinder store …`: the columnar (Arrow IPC) L1 store, ADR-076. */
export function registerStore(program: Command): void {
  const st = program.command("store").description("columnar L1 store (Arrow IPC partitioned by symbol/date, SHA-256 manifest): convert, export, verify, import");
  st.command("convert")
    .description("JSONL fixture → columnar store (same content_sha256)")
    .argument("<fixture>", "fixture folder or name")
    .requiredOption("--out <dir>", "store folder")
    .option("--force", "replace an existing store folder")
    .action(async (name: string, o: { out: string; force?: boolean }) => {
      const fx = openFixture(resolveFixture(name));
      const t0 = process.hrtime.bigint();
      const m = await writeColumnarStore(o.out, streamFixture(fx), { name: fx.manifest.name, description: fx.manifest.description, instruments: fx.instruments.values(), force: o.force, source: fx.snapshotsPath, provenance: { converted_from: fx.manifest.name, ...(fx.manifest.provenance ?? {}) } });
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      if (m.content_sha256 !== fx.manifest.content_sha256)
        throw new GrinderError(ErrorCode.HASH_MISMATCH, `converted content hash ${m.content_sha256} differs from the fixture's ${fx.manifest.content_sha256}`, { file: fx.dir });
      process.stdout.write(`✔ ${m.rows} rows → ${m.partitions.length} partitions in ${o.out} (${secs.toFixed(2)} s); content sha256 ${m.content_sha256} = fixture's\n`);
    });
  st.command("export")
    .description("columnar store → JSONL fixture (same content_sha256)")
    .argument("<store>", "store folder")
    .requiredOption("--out <dir>", "fixture folder")
    .option("--force", "replace an existing fixture folder")
    .action(async (dir: string, o: { out: string; force?: boolean }) => {
      const s = openColumnarStore(dir);
      if (existsSync(o.out) && !o.force) throw new GrinderError(ErrorCode.REFUSED, "fixture folder exists (use --force to replace it)", { file: o.out });
      const w = await FixtureWriter.create(o.out, { name: s.manifest.name, description: s.manifest.description, scenario: { exported_from: "columnar store" }, symbols: s.instruments, provenance: s.manifest.provenance });
      try {
        for (const x of columnarSnapshots(s)) await w.write(x);
      } catch (e) {
        await w.abort();
        throw e;
      }
      const m = await w.close();
      if (m.content_sha256 !== s.manifest.content_sha256)
        throw new GrinderError(ErrorCode.HASH_MISMATCH, `exported content hash ${m.content_sha256} differs from the store's ${s.manifest.content_sha256}`, { file: o.out });
      process.stdout.write(`✔ ${m.rows} rows → ${path.join(o.out, m.snapshots)}; content sha256 ${m.content_sha256} = store's\n`);
    });
  st.command("verify")
    .description("check every partition's SHA-256 and the content hash of the stream; non-zero exit on a mismatch")
    .argument("<store>", "store folder")
    .action((dir: string) => {
      if (!isColumnarStore(dir)) throw new GrinderError(ErrorCode.IO, "no store.json in folder", { file: dir });
      const s = openColumnarStore(dir);
      const h = columnarContentHash(s);
      if (h !== s.manifest.content_sha256) throw new GrinderError(ErrorCode.HASH_MISMATCH, `content hash ${h} differs from the manifest's ${s.manifest.content_sha256}`, { file: path.join(dir, "store.json") });
      process.stdout.write(`✔ ${s.manifest.name}: ${s.manifest.rows} rows, ${s.manifest.partitions.length} partitions, hashes match (content ${h})\n`);
    });
  st.command("import-bookticker")
    .description("Binance bookTicker CSV dump → columnar store directly")
    .argument("<csv>", "bookTicker CSV (.gz accepted)")
    .requiredOption("--out <dir>", "store folder")
    .option("--symbol <s>", "symbol (default: from the file name)")
    .option("--tick <t>", "tick size (default: inferred)")
    .option("--lot <l>", "lot size (default: inferred)")
    .option("--force", "replace an existing store folder")
    .action(async (csv: string, o: { out: string; symbol?: string; tick?: string; lot?: string; force?: boolean }) => {
      const t0 = process.hrtime.bigint();
      const tick = o.tick === undefined ? undefined : Number(o.tick);
      const lot = o.lot === undefined ? undefined : Number(o.lot);
      for (const [k, v] of [["tick", tick], ["lot", lot]] as const)
        if (v !== undefined && !(v > 0)) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `--${k} must be a positive number`, { field: k });
      const spec = tick !== undefined && lot !== undefined
        ? { symbol: importBookTickerCsv(csv, { symbol: o.symbol }).symbol, tick_size: tick, lot_size: lot, min_notional: 0 }
        : (await inferBookTickerInstrument(csv, { symbol: o.symbol, instrument: { tick_size: tick, lot_size: lot } })).spec;
      const imp = importBookTickerCsv(csv, { symbol: spec.symbol, instrument: spec, reuse: true });
      const m = await writeColumnarStore(o.out, imp, { name: path.basename(path.resolve(o.out)), instruments: [spec], force: o.force, provenance: { importer: "binance-bookticker-csv", source_file: path.basename(csv) } });
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      process.stdout.write(`✔ ${m.rows} rows → ${m.partitions.length} partitions in ${secs.toFixed(2)} s (${Math.round(m.rows / secs)} rows/s, parsed on ${imp.parse_threads} thread${imp.parse_threads > 1 ? "s" : ""}); content sha256 ${m.content_sha256}\n`);
    });
}
