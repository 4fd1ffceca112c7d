import { existsSync } from "node:fs";
import * as path from "node:path";
import { Option, type Command } from "commander";
import { ErrorCode, GrinderError } from "../../contracts/errors";
import { FixtureWriter, openFixture, streamFixture } from "../../data/fixture";
import { streamFixtureTrades, tradesPath, TradeWriter } from "../../data/trades";
import { BOOK_STORE_VERSION, columnarContentHash, columnarSnapshots, columnarTradesHash, isColumnarStore, storeTrades, openColumnarStore, writeColumnarStore } from "../../data/store";
import { importBookTickerCsv, inferBookTickerInstrument } from "../../data/importers";
import { exportStoreToParquet, importParquetStore, PARQUET_COMPRESSIONS, PARQUET_FIELDS, PARQUET_TIME_UNITS, PARQUET_TRADE_FIELDS, type ParquetCompression, type ParquetTimeUnit } from "../../data/parquet";
import { parseFieldMap } from "./import";
import { resolveFixture } from "../fixtures-path";

/** An option's number: undefined when not given, else positive (or ≥ 0 with `zero`), else `E_INVALID_ARGUMENT` naming the option. */
function optionNumber(v: string | undefined, k: string, zero = false): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!(zero ? x >= 0 : x > 0)) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `--${k} must be a ${zero ? "non-negative" : "positive"} number, got '${v}'`, { field: k });
  return x;
}

/** `grinder store …`: the columnar (Arrow IPC) store, ADR-076 (books ADR-254, trade prints ADR-255, Parquet ADR-251/256). */
export function registerStore(program: Command): void {
  const st = program.command("store").description("columnar store (Arrow IPC partitioned by symbol/date, SHA-256 manifest; L1, and L2 books and trade prints in version 3): convert, export, verify, import, Parquet in and out");
  st.command("convert")
    .description("JSONL fixture → columnar store (same content_sha256)")
    .argument("<fixture>", "fixture folder or name")
    .requiredOption("--out <dir>", "store folder")
    .option("--force", "replace an existing store folder")
    .action(async (name: string, o: { out: string; force?: boolean }) => {
      const fx = openFixture(resolveFixture(name));
      const t0 = process.hrtime.bigint();
      const tr = fx.manifest.trades;
      const m = await writeColumnarStore(o.out, streamFixture(fx), {
        name: fx.manifest.name, description: fx.manifest.description, instruments: fx.instruments.values(), force: o.force, source: fx.snapshotsPath,
        provenance: { converted_from: fx.manifest.name, ...(fx.manifest.provenance ?? {}) },
        // the trades sidecar goes along (ADR-255), its hash checked as it streams
        ...(tr !== undefined ? { trades: streamFixtureTrades(fx), trades_source: tradesPath(fx) } : {}),
      });
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      if (m.content_sha256 !== fx.manifest.content_sha256)
        throw new GrinderError(ErrorCode.HASH_MISMATCH, `converted content hash ${m.content_sha256} differs from the fixture's ${fx.manifest.content_sha256}`, { file: fx.dir });
      if (tr !== undefined && m.trades?.content_sha256 !== tr.content_sha256)
        throw new GrinderError(ErrorCode.HASH_MISMATCH, `converted trades hash ${m.trades?.content_sha256} differs from the fixture's ${tr.content_sha256}`, { file: fx.dir });
      process.stdout.write(`✔ ${m.rows} rows → ${m.partitions.length} partitions in ${o.out} (${secs.toFixed(2)} s); content sha256 ${m.content_sha256} = fixture's${m.version >= BOOK_STORE_VERSION ? ` (store version ${m.version})` : ""}\n`);
      if (m.trades !== undefined) process.stdout.write(`  trades ${m.trades.rows} → ${m.trades.partitions.length} partitions; sha256 ${m.trades.content_sha256} = fixture's\n`);
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
      const tr = s.manifest.trades;
      try {
        for (const x of columnarSnapshots(s)) await w.write(x);
        // the store's trade prints back as the fixture's sidecar (ADR-255)
        if (tr !== undefined) {
          const tw = TradeWriter.create(w.stagingDir, s.instruments.map((i) => i.symbol), true, new Map(s.instruments.map((i) => [i.symbol, i])));
          for (const t of storeTrades(s)) await tw.write(t);
          w.setTrades(await tw.close());
        }
      } catch (e) {
        await w.abort();
        throw e;
      }
      const m = await w.close();
      if (tr !== undefined && m.trades?.content_sha256 !== tr.content_sha256)
        throw new GrinderError(ErrorCode.HASH_MISMATCH, `exported trades hash ${m.trades?.content_sha256} differs from the store's ${tr.content_sha256}`, { file: o.out });
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
      const th = columnarTradesHash(s);
      if (th !== null && th !== s.manifest.trades!.content_sha256)
        throw new GrinderError(ErrorCode.HASH_MISMATCH, `trades content hash ${th} differs from the manifest's ${s.manifest.trades!.content_sha256}`, { file: path.join(dir, "store.json"), field: "trades.content_sha256" });
      const trades = th !== null ? `, ${s.manifest.trades!.rows} trades (content ${th})` : "";
      process.stdout.write(`✔ ${s.manifest.name}: ${s.manifest.rows} rows, ${s.manifest.partitions.length} partitions, hashes match (content ${h})${trades}\n`);
    });
  st.command("export-parquet")
    .description("columnar store → one Parquet file, or a folder of one file per UTC date (--partitioned); symbol, ts in epoch ms, bid/ask price and qty, L2 book columns when the store has books; the manifest as file metadata; trade prints in <out>.trades.parquet (or <folder>/trades/)")
    .argument("<store>", "store folder")
    .requiredOption("--out <path>", "Parquet file to write (a folder with --partitioned)")
    .addOption(new Option("--compression <c>", "Parquet compression").choices(PARQUET_COMPRESSIONS).default("zstd"))
    .option("--partitioned", "hive-style folder date=YYYY-MM-DD/data_0.parquet, one per UTC date (ADR-256); prints in trades/date=YYYY-MM-DD/data_0.parquet")
    .option("--force", "replace an existing file or folder (and trades file)")
    .action(async (dir: string, o: { out: string; compression: string; partitioned?: boolean; force?: boolean }) => {
      const t0 = process.hrtime.bigint();
      const r = await exportStoreToParquet(openColumnarStore(dir), o.out, { force: o.force, compression: o.compression as ParquetCompression, partitioned: o.partitioned });
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      if (r.files) {
        for (const f of r.files) process.stdout.write(`  ${f.file}  ${f.bytes} bytes  sha256 ${f.sha256}\n`);
        for (const f of r.trades?.files ?? []) process.stdout.write(`  trades/${f.file}  ${f.bytes} bytes  sha256 ${f.sha256}\n`);
        process.stdout.write(`✔ ${r.rows} rows → ${r.files.length} files in ${o.out} (${r.bytes} bytes, ${secs.toFixed(2)} s); content sha256 ${r.content_sha256}\n`);
      } else process.stdout.write(`✔ ${r.rows} rows → ${o.out} (${r.bytes} bytes, ${secs.toFixed(2)} s); file sha256 ${r.sha256}; content sha256 ${r.content_sha256}\n`);
      if (r.books > 0) process.stdout.write(`  books: ${r.books} of the ${r.rows} rows have an L2 book (book_ts, book_stale, book_{bid,ask}_{price,qty} columns)\n`);
      if (r.trades !== null)
        process.stdout.write(`  trades ${r.trades.rows} → ${r.trades.files ? `${r.trades.files.length} file${r.trades.files.length === 1 ? "" : "s"} in ${r.trades.file}` : r.trades.file} (${r.trades.bytes} bytes); file sha256 ${r.trades.sha256}; content sha256 ${r.trades.content_sha256}\n`);
    });
  st.command("import-parquet")
    .description("Parquet quote files (one stream, in time order; L2 book columns read where present) → columnar store; a GRINDER export needs no flags, and its trade prints come along")
    .argument("<files...>", "Parquet files, or folders (their .parquet files in path order, a trades/ folder left out: a --partitioned export in date order)")
    .requiredOption("--out <dir>", "store folder")
    .option("--columns <map>", `field=column pairs for other layouts (fields ${PARQUET_FIELDS.join(", ")}), e.g. ts=timestamp,bid_price=bid,bid_qty=bid_size`)
    .option("--symbol <s>", "symbol of every row (files without a symbol column)")
    .addOption(new Option("--ts-unit <u>", "unit of a numeric ts column, book_ts and the trades' ts too (a TIMESTAMP column needs none; times are floored to the ms)").choices(PARQUET_TIME_UNITS).default("ms"))
    .option("--tick <t>", "tick size (for every symbol; needed unless the files are a GRINDER export)")
    .option("--lot <l>", "lot size (with --tick)")
    .option("--min-notional <n>", "minimum order notional (with --tick)", "0")
    .option("--trades <path>", "trades Parquet file or folder to import with the quotes (repeatable, in time order; instead of a GRINDER export's own)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option("--trade-columns <map>", `field=column pairs of the trades files (fields ${PARQUET_TRADE_FIELDS.join(", ")}), e.g. ts=time,aggressor=side`)
    .option("--no-trades", "import the quotes alone (a GRINDER export's prints are imported by default)")
    .option("--force", "replace an existing store folder")
    .action(async (files: string[], o: { out: string; columns?: string; symbol?: string; tsUnit: string; tick?: string; lot?: string; minNotional: string; trades: boolean | string[]; tradeColumns?: string; force?: boolean }) => {
      const t0 = process.hrtime.bigint();
      const tick = optionNumber(o.tick, "tick"), lot = optionNumber(o.lot, "lot"), minNotional = optionNumber(o.minNotional, "min-notional", true) ?? 0;
      if ((tick === undefined) !== (lot === undefined)) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "--tick and --lot go together", { field: tick === undefined ? "tick" : "lot" });
      // commander gives --no-trades as false, --trades <path>… as the list (default [])
      const noTrades = o.trades === false;
      const tradesFiles = Array.isArray(o.trades) && o.trades.length ? o.trades : undefined;
      if (!noTrades && tradesFiles === undefined && o.tradeColumns !== undefined) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "--trade-columns needs --trades <file>", { field: "trade-columns" });
      const r = await importParquetStore(files, o.out, {
        columns: o.columns === undefined ? {} : parseFieldMap(o.columns, PARQUET_FIELDS), symbol: o.symbol, ts_unit: o.tsUnit as ParquetTimeUnit, force: o.force,
        instrument: tick !== undefined && lot !== undefined ? { tick_size: tick, lot_size: lot, min_notional: minNotional } : undefined,
        trades: !noTrades, tradesFiles, trade_columns: o.tradeColumns === undefined ? undefined : parseFieldMap(o.tradeColumns, PARQUET_TRADE_FIELDS),
      });
      const m = r.manifest;
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      for (const i of m.symbols) process.stdout.write(`  instrument ${i.symbol}: tick ${i.tick_size}, lot ${i.lot_size}${r.instruments_from_metadata ? " (from the export's metadata)" : ""}\n`);
      const check = r.metadata_content_sha256 !== null ? " = the export's" : "";
      process.stdout.write(`✔ ${m.rows} rows from ${r.files.length} file${r.files.length > 1 ? "s" : ""} → ${m.partitions.length} partitions in ${o.out} (${secs.toFixed(2)} s); content sha256 ${m.content_sha256}${check}\n`);
      if (r.books > 0) process.stdout.write(`  books: ${r.books} of the ${m.rows} rows have an L2 book (store version ${m.version})\n`);
      if (r.trades !== null)
        process.stdout.write(`  trades ${r.trades.rows} from ${r.trades.files.length} file${r.trades.files.length > 1 ? "s" : ""}; content sha256 ${r.trades.content_sha256}${r.metadata_trades_sha256 !== null ? " = the export's" : ""}\n`);
      else if (noTrades) process.stdout.write("  trades: not imported (--no-trades)\n");
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
      const tick = optionNumber(o.tick, "tick");
      const lot = optionNumber(o.lot, "lot");
      const spec = tick !== undefined && lot !== undefined
        ? { symbol: importBookTickerCsv(csv, { symbol: o.symbol }).symbol, tick_size: tick, lot_size: lot, min_notional: 0 }
        : (await inferBookTickerInstrument(csv, { symbol: o.symbol, instrument: { tick_size: tick, lot_size: lot } })).spec;
      const imp = importBookTickerCsv(csv, { symbol: spec.symbol, instrument: spec, reuse: true });
      const m = await writeColumnarStore(o.out, imp, { name: path.basename(path.resolve(o.out)), instruments: [spec], force: o.force, provenance: { importer: "binance-bookticker-csv", source_file: path.basename(csv) } });
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      process.stdout.write(`✔ ${m.rows} rows → ${m.partitions.length} partitions in ${secs.toFixed(2)} s (${Math.round(m.rows / secs)} rows/s, parsed on ${imp.parse_threads} thread${imp.parse_threads > 1 ? "s" : ""}); content sha256 ${m.content_sha256}\n`);
    });
}
