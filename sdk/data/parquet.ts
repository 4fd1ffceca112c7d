import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import * as path from "node:path";
import { ErrorCode, GrinderError } from "../contracts/errors";
import { InstrumentSpecSchema, type BookLevel, type InstrumentSpec, type OrderBook, type Snapshot, type Trade } from "../contracts/market";
import { checkGrid, markCheckedRows, validateSnapshotRow } from "./validate";
import { sha256File } from "./importers/common";
import { TradeChecker } from "./trades";
import { BOOK_STORE_VERSION, columnarSnapshots, moveFolderInto, storeTrades, writeColumnarStore, type ColumnarStore, type L1ColumnSource, type StoreManifest } from "./store";

/**
 * Parquet interchange of L1 quote streams (ADR-251), through DuckDB (`@duckdb/node-api`, its
 * binary ships inside the npm package): a columnar store exported as one Parquet file that
 * pandas, polars or DuckDB read directly, and Parquet quote files (ours or anyone's, with a
 * column mapping) imported into a columnar store with the same validation as every importer.
 * The content hash does not depend on the format: export → import gives the store's
 * `content_sha256`. DuckDB runs in memory on one thread (row order = file order, deterministic
 * bytes) and is loaded only when a Parquet function is called.
 */

/** The columns of an exported file, in order (`last_price` / `funding_rate` NULL where a row has none). */
export const PARQUET_COLUMNS = ["symbol", "ts", "bid_price", "bid_qty", "ask_price", "ask_qty", "last_price", "funding_rate"] as const;
/** The key of the file metadata entry holding the exporting store's manifest (name, instruments, content hash). */
export const PARQUET_META_KEY = "grinder_store";
/**
 * The book columns of an export of a store with L2 books (ADR-263), after `PARQUET_COLUMNS`:
 * `book_ts` BIGINT epoch ms (NULL where the book has no ts), `book_stale` BOOLEAN (NULL where the
 * book does not say), and the level lists `book_{bid,ask}_{price,qty}` DOUBLE[] (NULL where the row
 * has no book; an empty list is an empty side). An export of a store without books has none of them.
 */
export const PARQUET_BOOK_COLUMNS = ["book_ts", "book_stale", "book_bid_price", "book_bid_qty", "book_ask_price", "book_ask_qty"] as const;
/** The columns of an exported trades file (ADR-263): `ts` BIGINT epoch ms, `symbol`, `price`, `qty` DOUBLE, `aggressor` VARCHAR 'BUY' / 'SELL', `id` BIGINT. */
export const PARQUET_TRADE_COLUMNS = ["ts", "symbol", "price", "qty", "aggressor", "id"] as const;
/** The key of a trades file's metadata entry: the store's name, the prints' count and content hash (and a partitioned export's trade dates). */
export const PARQUET_TRADES_META_KEY = "grinder_trades";
/** The folder of a date-partitioned export that holds its prints (`trades/date=YYYY-MM-DD/data_0.parquet`); not part of its quotes. */
export const PARQUET_TRADES_FOLDER = "trades";

/** The trades file beside a single-file export `file`: `x.parquet` → `x.trades.parquet` (another name `n` → `n.trades.parquet`). */
export function parquetTradesFile(file: string): string {
  return `${file.replace(/\.parquet$/i, "")}.trades.parquet`;
}

/** The part of `@duckdb/node-api` used here (typed locally: the package's own types are not needed to compile the SDK). */
interface DuckVector {
  readonly items?: ArrayLike<number>;
  getItem(i: number): unknown;
}
interface DuckChunk {
  readonly rowCount: number;
  getColumnVector(i: number): DuckVector;
}
interface DuckStream {
  fetchChunk(): Promise<DuckChunk | null>;
}
interface DuckReader {
  getRowObjects(): Record<string, unknown>[];
}
interface DuckAppender {
  appendDataChunk(c: unknown): void;
  flushSync(): void;
  closeSync(): void;
}
interface DuckConnection {
  run(sql: string): Promise<unknown>;
  runAndReadAll(sql: string): Promise<DuckReader>;
  stream(sql: string): Promise<DuckStream>;
  createAppender(table: string): Promise<DuckAppender>;
  closeSync(): void;
}
interface DuckModule {
  DuckDBInstance: { create(path: string, opts: Record<string, string>): Promise<{ connect(): Promise<DuckConnection>; closeSync(): void }> };
  DuckDBDataChunk: { create(types: readonly unknown[], rows: number): { setColumnValues(i: number, values: ArrayLike<unknown>): void } };
  DOUBLE: unknown;
  VARCHAR: unknown;
  BOOLEAN: unknown;
  LIST(valueType: unknown): unknown;
  listValue(items: readonly number[]): unknown;
}
/** A LIST vector of a chunk: row i's items are `childVector.items[getEntryOffset(i) ..+ getEntryLength(i)]`. */
interface DuckListVector extends DuckVector {
  readonly childVector: DuckVector;
  getEntryOffset(i: number): number;
  getEntryLength(i: number): number;
}

function duck(): DuckModule {
  try {
    return require("@duckdb/node-api") as DuckModule;
  } catch (e) {
    throw new GrinderError(ErrorCode.IO, `Parquet needs the @duckdb/node-api package (npm ci installs it): ${(e as Error).message}`);
  }
}

/** One DuckDB connection (in memory unless `db` names a file) on one thread (rows in file order), no extension downloads; closed by `use`'s end. */
async function withDuck<T>(use: (con: DuckConnection, m: DuckModule) => Promise<T>, db = ":memory:", settings: Record<string, string> = {}): Promise<T> {
  const m = duck();
  const inst = await m.DuckDBInstance.create(db, { threads: "1", preserve_insertion_order: "true", autoinstall_known_extensions: "false", autoload_known_extensions: "false", ...settings });
  const con = await inst.connect();
  try {
    return await use(con, m);
  } finally {
    con.closeSync();
    inst.closeSync();
  }
}

const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/** DuckDB's message for `file`, first line only, as a typed error naming the file. */
function duckError(e: unknown, file: string, what: string): GrinderError {
  if (e instanceof GrinderError) return e;
  const msg = String((e as Error)?.message ?? e).split("\n")[0];
  return new GrinderError(/IO Error/.test(msg) ? ErrorCode.IO : ErrorCode.PARSE, `${what}: ${msg}`, { file });
}

/** DuckDB's memory limit while an export stages its rows (the rest of the table stays in the staging file). */
export const PARQUET_EXPORT_MEMORY = "64MB";

export const PARQUET_COMPRESSIONS: readonly ParquetCompression[] = ["zstd", "snappy", "uncompressed"];
export type ParquetCompression = "zstd" | "snappy" | "uncompressed";

export interface ParquetExportFile {
  /** Relative to the export's `file` (a partitioned export) or to the trades folder. */
  file: string;
  bytes: number;
  sha256: string;
}

export interface ParquetTradesExport {
  /** The trades file written (`parquetTradesFile` of a single-file export), or the trades folder of a partitioned one (`<folder>/trades`). */
  file: string;
  rows: number;
  bytes: number;
  /** SHA-256 of the trades file; of a partitioned export's trades, of its files' paths and hashes. */
  sha256: string;
  /** The store manifest's `trades.content_sha256`: the prints' canonical JSON lines. */
  content_sha256: string;
  /** A partitioned export's trades files (`date=YYYY-MM-DD/data_0.parquet`, relative to `file`), in date order. */
  files?: ParquetExportFile[];
}

export interface ParquetExport {
  /** The file written, or the folder of a date-partitioned export. */
  file: string;
  rows: number;
  /** Rows that have an L2 book (ADR-263): 0 = the file has no book columns. */
  books: number;
  /** Bytes of the quote files (the trades' are in `trades`). */
  bytes: number;
  /** SHA-256 of the written file (the same store and options give the same bytes); of a partitioned export, of its quote files' paths and hashes. */
  sha256: string;
  content_sha256: string;
  /** A date-partitioned export's quote files (`date=YYYY-MM-DD/data_0.parquet`, relative), in date order. */
  files?: ParquetExportFile[];
  /** The store's trade prints as written (ADR-263), null when the store has none. */
  trades: ParquetTradesExport | null;
}

/** Rows staged per appended chunk. */
const CHUNK_ROWS = 2048;

/** Appends rows of `types` to a staging table one column batch at a time (one chunk reused for every full batch: a chunk per batch kept native memory the JS heap does not see). */
class Stager {
  readonly v: unknown[][];
  n = 0;
  private readonly full: { setColumnValues(i: number, values: ArrayLike<unknown>): void };
  constructor(private readonly d: DuckModule, private readonly ap: DuckAppender, private readonly types: readonly unknown[]) {
    this.v = types.map(() => new Array<unknown>(CHUNK_ROWS));
    this.full = d.DuckDBDataChunk.create(types, CHUNK_ROWS);
  }
  /** Call after filling row `n` of every column. */
  next(): void {
    if (++this.n === CHUNK_ROWS) this.push();
  }
  private push(): void {
    const rows = this.n;
    if (rows === 0) return;
    const ch = rows === CHUNK_ROWS ? this.full : this.d.DuckDBDataChunk.create(this.types, rows);
    for (let k = 0; k < this.v.length; k++) ch.setColumnValues(k, rows === CHUNK_ROWS ? this.v[k] : this.v[k].slice(0, rows));
    this.ap.appendDataChunk(ch);
    this.n = 0;
  }
  close(): void {
    this.push();
    this.ap.flushSync();
    this.ap.closeSync();
  }
}

/** Rowid ranges of a staged time-ordered stream per UTC date (a partitioned export's files). */
class DateRanges {
  readonly list: Array<{ date: string; from: number; to: number }> = [];
  private day = -1;
  private row = 0;
  add(ts: number): void {
    const d = Math.floor(ts / 86_400_000);
    if (d !== this.day) {
      this.day = d;
      this.list.push({ date: new Date(d * 86_400_000).toISOString().slice(0, 10), from: this.row, to: this.row });
    }
    this.list[this.list.length - 1].to = this.row++;
  }
}

/** Write `sel` of staging table `table` as Parquet: to the file `file`, or (partitioned) one `date=…/data_0.parquet` per range under the folder `file`. */
async function copyOut(con: DuckConnection, table: string, sel: string, file: string, ranges: DateRanges | null, compression: ParquetCompression, key: string, meta: string): Promise<void> {
  const opts = `(FORMAT parquet, COMPRESSION ${compression}, KV_METADATA {${key}: ${lit(meta)}})`;
  if (ranges === null) {
    await con.run(`COPY (SELECT ${sel} FROM ${table}) TO ${lit(file)} ${opts}`);
    return;
  }
  // hive style, one folder per UTC date (`date=YYYY-MM-DD`, the column only in the path), written
  // one date at a time as the single file is (DuckDB's PARTITION_BY writer does not keep row order)
  mkdirSync(file, { recursive: true });
  for (const r of ranges.list) {
    mkdirSync(path.join(file, `date=${r.date}`));
    await con.run(`COPY (SELECT ${sel} FROM ${table} WHERE rowid BETWEEN ${r.from} AND ${r.to} ORDER BY rowid) TO ${lit(path.join(file, `date=${r.date}`, "data_0.parquet"))} ${opts}`);
  }
}

/** The files of a partitioned export folder (or its trades folder) with their sizes and hashes, and the hash over their paths and hashes. */
async function folderFiles(dir: string, exclude: readonly string[] = []): Promise<{ files: ParquetExportFile[]; bytes: number; sha256: string }> {
  const files: ParquetExportFile[] = [];
  for (const rel of parquetFilesUnder(dir, { exclude })) files.push({ file: rel, bytes: statSync(path.join(dir, rel)).size, sha256: await sha256File(path.join(dir, rel)) });
  const sha256 = createHash("sha256").update(files.map((f) => `${f.sha256}  ${f.file}\n`).join("")).digest("hex");
  return { files, bytes: files.reduce((a, f) => a + f.bytes, 0), sha256 };
}

/**
 * Write `store` as one Parquet file at `file` (atomic: a temp file renamed into place; an
 * existing file is refused unless `force`): rows in stream order, the columns `PARQUET_COLUMNS`
 * (`ts` as BIGINT epoch ms, the rest DOUBLE; `last_price` / `funding_rate` NULL where a row has
 * none: every export has the same schema), and the store's manifest (name, instruments, rows,
 * content hash) as file metadata under `PARQUET_META_KEY`, so `importParquetStore` needs no
 * instrument flags for it. A store with L2 books adds `PARQUET_BOOK_COLUMNS` (ADR-263; a store
 * without has exactly the L1 file). A store with trade prints writes them too (ADR-263):
 * `parquetTradesFile(file)` beside a single file, `trades/date=…/data_0.parquet` inside a
 * partitioned folder, columns `PARQUET_TRADE_COLUMNS`, their count and content hash as metadata
 * `PARQUET_TRADES_META_KEY` and in the quote files' metadata. The rows are staged in a DuckDB
 * file beside the output (memory bounded at any length), removed afterwards.
 */
export async function exportStoreToParquet(store: ColumnarStore, file: string, opts: { force?: boolean; compression?: ParquetCompression; partitioned?: boolean } = {}): Promise<ParquetExport> {
  const out = path.resolve(file);
  if (existsSync(out) && !opts.force) throw new GrinderError(ErrorCode.REFUSED, `${opts.partitioned ? "folder" : "file"} exists (use --force to replace it)`, { file: out });
  const compression = opts.compression ?? "zstd";
  if (!PARQUET_COMPRESSIONS.includes(compression)) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `compression '${compression}' is not ${PARQUET_COMPRESSIONS.join(", ")}`, { field: "compression" });
  const m = store.manifest;
  const tr = m.trades;
  // a single file's prints go beside it; a partitioned export's into its folder (built and moved as one)
  const tradesOut = tr !== undefined && !opts.partitioned ? parquetTradesFile(out) : undefined;
  if (tradesOut !== undefined && existsSync(tradesOut) && !opts.force) throw new GrinderError(ErrorCode.REFUSED, "trades file exists (use --force to replace it)", { file: tradesOut });
  const tmp = `${out}.tmp-${process.pid}`;
  const tradesTmp = tradesOut !== undefined ? `${tradesOut}.tmp-${process.pid}` : undefined;
  const stageDb = `${out}.stage-${process.pid}.duckdb`;
  // a partitioned export names its dates: an import of all of them must reproduce the content hash, of some of them cannot
  const dates = opts.partitioned ? [...new Set(m.partitions.map((p) => p.date))].sort() : undefined;
  // only a store that may hold books (version 3 and up) stages the book columns; the file has them only when some row has a book
  const mayBook = m.version >= BOOK_STORE_VERSION;
  const cols: readonly string[] = mayBook ? [...PARQUET_COLUMNS, ...PARQUET_BOOK_COLUMNS] : PARQUET_COLUMNS;
  let books = 0;
  try {
    await withDuck(async (con, d) => {
      const dbType = (c: string): string => (c === "symbol" ? "VARCHAR" : c === "book_stale" ? "BOOLEAN" : c.startsWith("book_") && c !== "book_ts" ? "DOUBLE[]" : "DOUBLE");
      await con.run(`CREATE TABLE q (${cols.map((c) => `${ident(c)} ${dbType(c)}`).join(", ")})`);
      const listType = mayBook ? d.LIST(d.DOUBLE) : undefined;
      const q = new Stager(d, await con.createAppender("q"), cols.map((c) => (c === "symbol" ? d.VARCHAR : c === "book_stale" ? d.BOOLEAN : c.startsWith("book_") && c !== "book_ts" ? listType : d.DOUBLE)));
      const v = q.v;
      const ranges = new DateRanges();
      let row = 0;
      for (const s of columnarSnapshots(store, { reuse: true })) {
        ranges.add(s.ts);
        row++;
        const n = q.n;
        v[0][n] = s.symbol;
        v[1][n] = s.ts;
        v[2][n] = s.bid_price;
        v[3][n] = s.bid_qty;
        v[4][n] = s.ask_price;
        v[5][n] = s.ask_qty;
        v[6][n] = s.last_price ?? null;
        v[7][n] = s.funding_rate ?? null;
        if (mayBook) {
          const b = s.book;
          if (b === undefined) for (let k = 8; k < 14; k++) v[k][n] = null;
          else {
            books++;
            v[8][n] = b.ts ?? null;
            v[9][n] = b.stale ?? null;
            v[10][n] = d.listValue(b.bids.map((l) => l.price));
            v[11][n] = d.listValue(b.bids.map((l) => l.qty));
            v[12][n] = d.listValue(b.asks.map((l) => l.price));
            v[13][n] = d.listValue(b.asks.map((l) => l.qty));
          }
        } else if (s.book !== undefined)
          throw new GrinderError(ErrorCode.HASH_MISMATCH, `store row ${row} has an L2 book, but the manifest's version ${m.version} holds none`, { file: path.join(store.dir, "store.json"), field: "version" });
        q.next();
      }
      q.close();
      // the prints, staged as the quotes are (all symbols of a date in stream order)
      let tRanges: DateRanges | null = null;
      if (tr !== undefined) {
        await con.run(`CREATE TABLE t (ts DOUBLE, symbol VARCHAR, price DOUBLE, qty DOUBLE, aggressor VARCHAR, id DOUBLE)`);
        const t = new Stager(d, await con.createAppender("t"), [d.DOUBLE, d.VARCHAR, d.DOUBLE, d.DOUBLE, d.VARCHAR, d.DOUBLE]);
        const w = t.v;
        tRanges = new DateRanges();
        for (const x of storeTrades(store)) {
          tRanges.add(x.ts);
          const n = t.n;
          w[0][n] = x.ts;
          w[1][n] = x.symbol;
          w[2][n] = x.price;
          w[3][n] = x.qty;
          w[4][n] = x.aggressor;
          w[5][n] = x.id;
          t.next();
        }
        t.close();
      }
      // the prints' file is not named (the bytes do not depend on the output's name): it is `parquetTradesFile` of the quote file, or the folder's trades/
      const tradesRef = tr !== undefined ? { rows: tr.rows, content_sha256: tr.content_sha256 } : undefined;
      // the keys of an L1 export without prints as before (same bytes); books and prints named only when there are some
      const meta = JSON.stringify({
        format: m.format, name: m.name, description: m.description, rows: m.rows, content_sha256: m.content_sha256, symbols: m.symbols, ...(dates ? { dates } : {}),
        ...(books > 0 ? { books } : {}), ...(tradesRef !== undefined ? { trades: tradesRef } : {}),
      });
      const sel = [...PARQUET_COLUMNS, ...(books > 0 ? PARQUET_BOOK_COLUMNS : [])].map((c) => (c === "ts" || c === "book_ts" ? `CAST(${c} AS BIGINT) AS ${c}` : ident(c))).join(", ");
      await copyOut(con, "q", sel, tmp, opts.partitioned ? ranges : null, compression, PARQUET_META_KEY, meta);
      if (tr !== undefined) {
        const tDates = opts.partitioned ? tRanges!.list.map((r) => r.date) : undefined;
        const tMeta = JSON.stringify({ format: m.format, name: m.name, rows: tr.rows, content_sha256: tr.content_sha256, ...(tDates ? { dates: tDates } : {}) });
        await copyOut(con, "t", "CAST(ts AS BIGINT) AS ts, symbol, price, qty, aggressor, CAST(id AS BIGINT) AS id", opts.partitioned ? path.join(tmp, PARQUET_TRADES_FOLDER) : tradesTmp!, opts.partitioned ? tRanges : null,
          compression, PARQUET_TRADES_META_KEY, tMeta);
      }
    }, stageDb, { memory_limit: PARQUET_EXPORT_MEMORY, temp_directory: `${stageDb}.spill` });
    if (opts.partitioned) {
      const q = await folderFiles(tmp, [PARQUET_TRADES_FOLDER]);
      const t = tr !== undefined ? await folderFiles(path.join(tmp, PARQUET_TRADES_FOLDER)) : undefined;
      moveFolderInto(tmp, out);
      const trades = t !== undefined ? { file: path.join(out, PARQUET_TRADES_FOLDER), rows: tr!.rows, bytes: t.bytes, sha256: t.sha256, content_sha256: tr!.content_sha256, files: t.files } : null;
      return { file: out, rows: m.rows, books, bytes: q.bytes, sha256: q.sha256, content_sha256: m.content_sha256, files: q.files, trades };
    }
    const sha256 = await sha256File(tmp);
    const bytes = statSync(tmp).size;
    let trades: ParquetTradesExport | null = null;
    if (tradesTmp !== undefined) {
      trades = { file: tradesOut!, rows: tr!.rows, bytes: statSync(tradesTmp).size, sha256: await sha256File(tradesTmp), content_sha256: tr!.content_sha256 };
      // the prints first: a quote file in place always has its prints beside it
      renameSync(tradesTmp, tradesOut!);
    }
    renameSync(tmp, out);
    return { file: out, rows: m.rows, books, bytes, sha256, content_sha256: m.content_sha256, trades };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (tradesTmp !== undefined) rmSync(tradesTmp, { force: true });
    throw duckError(e, out, "cannot write the Parquet file");
  } finally {
    for (const f of [stageDb, `${stageDb}.wal`, `${stageDb}.spill`]) rmSync(f, { recursive: true, force: true });
  }
}

/**
 * The `.parquet` files under `dir` (relative paths, any depth), sorted: a date-partitioned folder's
 * `date=…` files in date order. `exclude`: top-level folders left out (an export's `trades`).
 */
export function parquetFilesUnder(dir: string, opts: { exclude?: readonly string[] } = {}): string[] {
  const out: string[] = [];
  const skip = new Set(opts.exclude ?? []);
  const walk = (rel: string): void => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!(rel === "" && skip.has(e.name))) walk(r);
      } else if (e.isFile() && e.name.endsWith(".parquet")) out.push(r);
    }
  };
  walk("");
  return out.sort();
}

/** The store columns a Parquet import reads, and which file columns hold them (the `book_*` ones: ADR-263, all four level lists or none). */
export const PARQUET_FIELDS = ["ts", "symbol", "bid_price", "bid_qty", "ask_price", "ask_qty", "last_price", "funding_rate", ...PARQUET_BOOK_COLUMNS] as const;
export type ParquetField = (typeof PARQUET_FIELDS)[number];
const REQUIRED_FIELDS: readonly ParquetField[] = ["ts", "bid_price", "bid_qty", "ask_price", "ask_qty"];
/** The level lists of a book, in the order the import reads them. */
const BOOK_LISTS = ["book_bid_price", "book_bid_qty", "book_ask_price", "book_ask_qty"] as const;
/** The fields of a print a trades import reads (ADR-263), and which file columns hold them. */
export const PARQUET_TRADE_FIELDS = PARQUET_TRADE_COLUMNS;
export type ParquetTradeField = (typeof PARQUET_TRADE_FIELDS)[number];

export type ParquetTimeUnit = "s" | "ms" | "us" | "ns";
export const PARQUET_TIME_UNITS: readonly ParquetTimeUnit[] = ["s", "ms", "us", "ns"];

export interface ParquetImportOptions {
  /** Store field → file column (default: the field's own name; `symbol` optional when `symbol` is given). */
  columns?: Partial<Record<ParquetField, string>>;
  /** The symbol of every row (and print) when the files have no symbol column. */
  symbol?: string;
  /** Unit of a numeric `ts` / `book_ts` column, and of a trades file's `ts` (default ms); a TIMESTAMP column needs none. Times are floored to the millisecond. */
  ts_unit?: ParquetTimeUnit;
  /** Instruments by symbol (tick, lot, …); default: `instrument` for every symbol, else those of a GRINDER export's metadata. */
  instruments?: InstrumentSpec[];
  /** One tick/lot for the symbol (`symbol`) or for every symbol of the files' symbol column. */
  instrument?: { tick_size: number; lot_size: number; min_notional?: number };
  /**
   * The prints of a GRINDER export (ADR-263) are imported with its quotes when the files are the
   * whole export (its metadata names them; missing, they are refused); false: the quotes alone.
   */
  trades?: boolean;
  /** Trades files (or folders) to import instead, in time order: a GRINDER trades export or anyone's with `trade_columns`. */
  tradesFiles?: string[];
  /** Print field → trades file column (default: the field's own name; `symbol` optional as for the quotes). */
  trade_columns?: Partial<Record<ParquetTradeField, string>>;
  name?: string;
  description?: string;
  force?: boolean;
}

export interface ParquetImport {
  manifest: StoreManifest;
  /** Rows read per file, in the order given. */
  files: Array<{ file: string; rows: number; sha256: string }>;
  /** Rows with an L2 book. */
  books: number;
  /** The instruments came from a GRINDER export's metadata. */
  instruments_from_metadata: boolean;
  /** The content hash a single GRINDER export's metadata claims, reproduced by the import (a difference is refused); null: no such metadata, or several files. */
  metadata_content_sha256: string | null;
  /** The prints imported (ADR-263): per file, their count and content hash (the manifest's `trades`); null: none imported. */
  trades: { files: Array<{ file: string; rows: number; sha256: string }>; rows: number; content_sha256: string } | null;
  /** The trades content hash the export's metadata claims, reproduced by the import; null: no claim (no prints, foreign trades files or a part of an export). */
  metadata_trades_sha256: string | null;
}

interface FileLayout {
  file: string;
  types: Map<string, string>;
  meta: { name?: string; description?: string; content_sha256?: string; symbols?: unknown; trades?: unknown } | null;
  /** The `grinder_trades` metadata of an exported trades file. */
  tradesMeta: { rows?: unknown; content_sha256?: unknown } | null;
}

async function layoutOf(con: DuckConnection, file: string): Promise<FileLayout> {
  if (!existsSync(file) || !statSync(file).isFile()) throw new GrinderError(ErrorCode.IO, "no such file", { file });
  let types: Map<string, string>;
  try {
    const d = await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${lit(file)})`);
    types = new Map(d.getRowObjects().map((r) => [String(r.column_name), String(r.column_type)]));
  } catch (e) {
    throw duckError(e, file, "not a readable Parquet file");
  }
  let meta: FileLayout["meta"] = null;
  let tradesMeta: FileLayout["tradesMeta"] = null;
  const kv = await con.runAndReadAll(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${lit(file)})`);
  for (const r of kv.getRowObjects())
    if (r.k === PARQUET_META_KEY || r.k === PARQUET_TRADES_META_KEY) {
      let v: unknown;
      try {
        v = JSON.parse(String(r.v));
      } catch {
        throw new GrinderError(ErrorCode.PARSE, `the '${String(r.k)}' metadata is not JSON`, { file, field: String(r.k) });
      }
      if (v === null || typeof v !== "object") throw new GrinderError(ErrorCode.PARSE, `the '${String(r.k)}' metadata is not a JSON object`, { file, field: String(r.k) });
      if (r.k === PARQUET_META_KEY) meta = v as FileLayout["meta"];
      else tradesMeta = v as FileLayout["tradesMeta"];
    }
  return { file, types, meta, tradesMeta };
}

const NUMERIC_TYPE = "(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL\\(\\d+,\\d+\\))";
const NUMERIC = new RegExp(`^${NUMERIC_TYPE}$`);
const NUMERIC_LIST = new RegExp(`^${NUMERIC_TYPE}\\[\\]$`);
const TS_SCALE: Record<ParquetTimeUnit, string> = { s: "* 1000", ms: "", us: "/ 1000", ns: "/ 1000000" };
const NAN = "'nan'::DOUBLE";

/**
 * The SELECT list reading `fields` of `f` as DOUBLE, NULL as NaN: times (`ts`, `book_ts`) in epoch
 * ms, floored; `symbol` as its 1-based position in `symbols` (0: none of them); `book_stale` 1 / 0;
 * `aggressor` 0 = BUY, 1 = SELL (any case), -1 = another text; every other field a number.
 */
function selectList(f: FileLayout, col: (k: string) => string, unit: ParquetTimeUnit, fields: readonly string[], symbols: readonly string[]): string {
  return fields
    .map((k) => {
      const c = col(k);
      const t = f.types.get(c)!;
      const id = ident(c);
      if (k === "symbol") {
        if (t !== "VARCHAR") throw new GrinderError(ErrorCode.BAD_TYPE, `column '${c}' is ${t}; a symbol column must be VARCHAR`, { file: f.file, field: c });
        // the symbol as its 1-based position among the instruments (0: none of them; NaN: NULL), a number like every other column
        return `CASE WHEN ${id} IS NULL THEN ${NAN} ELSE CAST(coalesce(list_position([${symbols.map(lit).join(", ")}]::VARCHAR[], ${id}), 0) AS DOUBLE) END`;
      }
      if (k === "ts" || k === "book_ts") {
        if (/^TIMESTAMP/.test(t)) return `coalesce(CAST(epoch_ms(${id}) AS DOUBLE), ${NAN})`;
        if (!NUMERIC.test(t)) throw new GrinderError(ErrorCode.BAD_TYPE, `column '${c}' is ${t}; ${k} must be a TIMESTAMP or a number (epoch, --ts-unit)`, { file: f.file, field: c });
        return `coalesce(floor(CAST(${id} AS DOUBLE) ${TS_SCALE[unit]}), ${NAN})`;
      }
      if (k === "book_stale") {
        if (t !== "BOOLEAN") throw new GrinderError(ErrorCode.BAD_TYPE, `column '${c}' is ${t}; book_stale must be BOOLEAN`, { file: f.file, field: c });
        return `CASE WHEN ${id} IS NULL THEN ${NAN} WHEN ${id} THEN 1.0 ELSE 0.0 END`;
      }
      if (k === "aggressor") {
        if (t !== "VARCHAR") throw new GrinderError(ErrorCode.BAD_TYPE, `column '${c}' is ${t}; aggressor must be VARCHAR ('BUY' / 'SELL')`, { file: f.file, field: c });
        return `CASE WHEN ${id} IS NULL THEN ${NAN} WHEN upper(${id}) = 'BUY' THEN 0.0 WHEN upper(${id}) = 'SELL' THEN 1.0 ELSE -1.0 END`;
      }
      if (!NUMERIC.test(t)) throw new GrinderError(ErrorCode.BAD_TYPE, `column '${c}' is ${t}; ${k} must be a number`, { file: f.file, field: c });
      return `coalesce(CAST(${id} AS DOUBLE), ${NAN})`;
    })
    .join(", ");
}

/**
 * The SELECT list of a file's book level lists (ADR-263): the four lists as DOUBLE[] (a NULL level
 * as NaN), then one number whose bit k is set when list k is NULL.
 */
function bookSelect(f: FileLayout, col: (k: string) => string): string {
  const lists = BOOK_LISTS.map((k) => {
    const c = col(k);
    const t = f.types.get(c)!;
    if (!NUMERIC_LIST.test(t)) throw new GrinderError(ErrorCode.BAD_TYPE, `column '${c}' is ${t}; ${k} must be a list of numbers (e.g. DOUBLE[])`, { file: f.file, field: c });
    return `list_transform(CAST(${ident(c)} AS DOUBLE[]), x -> coalesce(x, ${NAN}))`;
  });
  const mask = BOOK_LISTS.map((k, i) => `${1 << i} * CAST(${ident(col(k))} IS NULL AS INTEGER)`).join(" + ");
  return `${lists.join(", ")}, CAST(${mask} AS DOUBLE)`;
}

/** The levels of row `i` of a list pair (prices, quantities). */
function levelsAt(px: DuckListVector, qty: DuckListVector, i: number): BookLevel[] {
  const a = px.getEntryOffset(i), b = qty.getEntryOffset(i), n = px.getEntryLength(i);
  const p = px.childVector.items!, q = qty.childVector.items!;
  const out = new Array<BookLevel>(n);
  for (let k = 0; k < n; k++) out[k] = { price: p[a + k], qty: q[b + k] };
  return out;
}

/** The files `files` stand for: a folder its `.parquet` files in path order (a date-partitioned export: date order), its `trades` folder left out. */
function expandFiles(files: readonly string[]): string[] {
  const abs: string[] = [];
  for (const f of files.map((x) => path.resolve(x))) {
    if (existsSync(f) && statSync(f).isDirectory()) {
      const inner = parquetFilesUnder(f, { exclude: [PARQUET_TRADES_FOLDER] });
      if (!inner.length) throw new GrinderError(ErrorCode.IO, "no .parquet file in folder", { file: f });
      abs.push(...inner.map((r) => path.join(f, r)));
    } else abs.push(f);
  }
  return abs;
}

/** The `trades` entry of an export's metadata, checked. */
function tradesClaim(meta: FileLayout["meta"], file: string): { rows: number; content_sha256: string } | null {
  const t = meta?.trades;
  if (t === undefined) return null;
  const x = t as { rows?: unknown; content_sha256?: unknown };
  if (t === null || typeof t !== "object" || typeof x.rows !== "number" || typeof x.content_sha256 !== "string")
    throw new GrinderError(ErrorCode.PARSE, `the '${PARQUET_META_KEY}' metadata's 'trades' entry is not {rows, content_sha256}`, { file, field: `${PARQUET_META_KEY}.trades` });
  return { rows: x.rows, content_sha256: x.content_sha256 };
}

/**
 * Import Parquet quote files (in the order given: one stream, ts non-decreasing across them)
 * into a columnar store at `dir`. Every row is checked as a fixture's (positive prices and sizes,
 * bid < ask, integer ms times, tick/lot grid, declared symbol; a book's levels sorted, positive,
 * not crossed, its lists of equal lengths); the first bad row is refused with its file, row
 * (1-based within the file) and the file's column — a NULL is a bad number, nothing is dropped.
 * Instruments: `opts.instruments`, else the metadata of a GRINDER export. The prints of a whole
 * GRINDER export come along (ADR-263; `trades: false` to leave them), or those of
 * `opts.tradesFiles`, each checked as a fixture's print is, refused with file, row and column.
 */
export async function importParquetStore(files: string[], dir: string, opts: ParquetImportOptions = {}): Promise<ParquetImport> {
  if (!files.length) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "no Parquet file given", { field: "files" });
  const unit = opts.ts_unit ?? "ms";
  if (!PARQUET_TIME_UNITS.includes(unit)) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `ts unit '${unit}' is not ${PARQUET_TIME_UNITS.join(", ")}`, { field: "ts_unit" });
  // written beside the target and moved into place only once its content hash is checked
  const target = path.resolve(dir);
  if (existsSync(target) && !opts.force) throw new GrinderError(ErrorCode.REFUSED, "store folder exists (use --force to replace it)", { file: target });
  for (const k of Object.keys(opts.columns ?? {}))
    if (!(PARQUET_FIELDS as readonly string[]).includes(k)) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `unknown field '${k}' in the column mapping (fields: ${PARQUET_FIELDS.join(", ")})`, { field: "columns" });
  for (const k of Object.keys(opts.trade_columns ?? {}))
    if (!(PARQUET_TRADE_FIELDS as readonly string[]).includes(k)) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `unknown field '${k}' in the trades column mapping (fields: ${PARQUET_TRADE_FIELDS.join(", ")})`, { field: "trade_columns" });
  if (opts.trades === false && opts.tradesFiles?.length) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "trades files given with the prints turned off", { field: "trades" });
  // a folder stands for its .parquet files in path order (a date-partitioned export: date order)
  const abs = expandFiles(files);
  return withDuck(async (con) => {
    const layouts: FileLayout[] = [];
    for (const f of abs) layouts.push(await layoutOf(con, f));
    // the claim of one export: a single file's, or that of all the date files of one partitioned export
    const m0 = layouts[0].meta;
    const dates = m0 && Array.isArray((m0 as { dates?: unknown }).dates) ? ((m0 as { dates: unknown[] }).dates as unknown[]) : null;
    const whole = dates !== null && layouts.length === dates.length && layouts.every((l) => l.meta?.content_sha256 === m0!.content_sha256) &&
      layouts.every((l, k) => path.basename(path.dirname(l.file)) === `date=${String(dates[k])}`);
    const meta = dates === null ? (layouts.length === 1 ? m0 : null) : whole ? m0 : null;
    const cols = {} as Record<ParquetField, string | undefined>;
    for (const k of PARQUET_FIELDS) cols[k] = opts.columns?.[k] ?? k;
    const col = (k: string): string => cols[k as ParquetField]!;
    // which of the store's fields each file gives, checked before any row is read
    const plans = layouts.map((f) => {
      const fields: ParquetField[] = [...REQUIRED_FIELDS];
      for (const k of fields)
        if (!f.types.has(cols[k]!)) {
          const hint = f.tradesMeta !== null ? "; it is a GRINDER trades file: the import of its whole export finds it, or give it as trades (--trades)" : "";
          throw new GrinderError(ErrorCode.MISSING_FIELD, `no column '${cols[k]}' for ${k} (columns: ${[...f.types.keys()].join(", ")}; map it with --columns ${k}=<column>)${hint}`, { file: f.file, field: cols[k] });
        }
      if (opts.columns?.symbol !== undefined && !f.types.has(cols.symbol!)) throw new GrinderError(ErrorCode.MISSING_FIELD, `no column '${cols.symbol}' for symbol (columns: ${[...f.types.keys()].join(", ")})`, { file: f.file, field: cols.symbol });
      const symCol = f.types.has(cols.symbol!) && (opts.columns?.symbol !== undefined || opts.symbol === undefined);
      if (symCol) fields.push("symbol");
      for (const k of ["last_price", "funding_rate"] as const) if (f.types.has(cols[k]!)) fields.push(k);
      // books (ADR-263): any book column asks for the four level lists
      const book = PARQUET_BOOK_COLUMNS.some((k) => f.types.has(cols[k]!));
      if (book) {
        for (const k of BOOK_LISTS)
          if (!f.types.has(cols[k]!)) throw new GrinderError(ErrorCode.MISSING_FIELD, `no column '${cols[k]}' for ${k}: a book needs all four level lists (columns: ${[...f.types.keys()].join(", ")}; map it with --columns ${k}=<column>)`, { file: f.file, field: cols[k] });
        for (const k of ["book_ts", "book_stale"] as const) if (f.types.has(cols[k]!)) fields.push(k);
      }
      return { f, fields, symCol, book };
    });
    let instruments = opts.instruments;
    let fromMeta = false;
    if (!instruments?.length && opts.instrument) {
      // the given tick/lot for the symbol, or for every symbol the files hold
      const syms = new Set<string>();
      for (const p of plans) {
        if (!p.symCol) {
          if (opts.symbol === undefined) throw new GrinderError(ErrorCode.MISSING_FIELD, `no symbol column '${cols.symbol}'; pass --symbol`, { file: p.f.file, field: "symbol" });
          syms.add(opts.symbol);
          continue;
        }
        const d = await con.runAndReadAll(`SELECT DISTINCT ${ident(cols.symbol!)} AS s FROM read_parquet(${lit(p.f.file)}) WHERE ${ident(cols.symbol!)} IS NOT NULL ORDER BY 1`);
        for (const r of d.getRowObjects()) syms.add(String(r.s));
      }
      instruments = [...syms].sort().map((symbol) => ({ symbol, tick_size: opts.instrument!.tick_size, lot_size: opts.instrument!.lot_size, min_notional: opts.instrument!.min_notional ?? 0 }));
    }
    if (!instruments?.length) {
      const metas = layouts.map((l) => l.meta);
      if (metas.some((x) => !x || !Array.isArray(x.symbols)))
        throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "the instrument is unknown: pass --tick and --lot (only a GRINDER export names its instruments)", { file: layouts.find((l) => !l.meta)?.file, field: "instrument" });
      const bySym = new Map<string, InstrumentSpec>();
      for (const [k, x] of metas.entries())
        for (const raw of x!.symbols as unknown[]) {
          const r = InstrumentSpecSchema.safeParse(raw);
          if (!r.success) throw new GrinderError(ErrorCode.PARSE, `an instrument in the '${PARQUET_META_KEY}' metadata is not valid: ${r.error.issues[0].message}`, { file: layouts[k].file, field: PARQUET_META_KEY });
          const had = bySym.get(r.data.symbol);
          if (had && JSON.stringify(had) !== JSON.stringify(r.data)) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `the files disagree on instrument '${r.data.symbol}'`, { file: layouts[k].file, field: "instrument" });
          bySym.set(r.data.symbol, r.data);
        }
      instruments = [...bySym.values()];
      fromMeta = true;
    }
    const specs = new Map(instruments.map((i) => [i.symbol, i]));
    const symList = [...specs.keys()];

    // the prints: a whole export's (named by its metadata), or the given trades files
    const claim = meta !== null && opts.trades !== false && !opts.tradesFiles?.length ? tradesClaim(meta, layouts[0].file) : null;
    let tradeFiles: string[] | null = null;
    if (opts.tradesFiles?.length) tradeFiles = expandFiles(opts.tradesFiles);
    else if (claim !== null) {
      // beside a single file; inside the folder of a partitioned export
      const at = dates === null ? parquetTradesFile(layouts[0].file) : path.join(path.dirname(path.dirname(layouts[0].file)), PARQUET_TRADES_FOLDER);
      if (!existsSync(at))
        throw new GrinderError(ErrorCode.IO, `the export had ${claim.rows} trade prints, but their ${dates === null ? "file" : "folder"} is missing (import the quotes alone with --no-trades)`, { file: at, field: "trades" });
      tradeFiles = dates === null ? [at] : expandFiles([at]);
    }
    const tradeLayouts: FileLayout[] = [];
    for (const f of tradeFiles ?? []) tradeLayouts.push(await layoutOf(con, f));
    const tcols = {} as Record<ParquetTradeField, string>;
    for (const k of PARQUET_TRADE_FIELDS) tcols[k] = opts.trade_columns?.[k] ?? k;
    const tcol = (k: string): string => tcols[k as ParquetTradeField];
    const tradePlans = tradeLayouts.map((f) => {
      const fields: ParquetTradeField[] = ["ts", "price", "qty", "aggressor", "id"];
      for (const k of fields)
        if (!f.types.has(tcols[k])) throw new GrinderError(ErrorCode.MISSING_FIELD, `no column '${tcols[k]}' for the prints' ${k} (columns: ${[...f.types.keys()].join(", ")}; map it with --trade-columns ${k}=<column>)`, { file: f.file, field: tcols[k] });
      if (opts.trade_columns?.symbol !== undefined && !f.types.has(tcols.symbol)) throw new GrinderError(ErrorCode.MISSING_FIELD, `no column '${tcols.symbol}' for the prints' symbol (columns: ${[...f.types.keys()].join(", ")})`, { file: f.file, field: tcols.symbol });
      const symCol = f.types.has(tcols.symbol) && (opts.trade_columns?.symbol !== undefined || opts.symbol === undefined);
      if (symCol) fields.push("symbol");
      if (!symCol && opts.symbol === undefined && specs.size !== 1) throw new GrinderError(ErrorCode.MISSING_FIELD, `no symbol column '${tcols.symbol}'; pass --symbol`, { file: f.file, field: "symbol" });
      return { f, fields, symCol, select: selectList(f, tcol, unit, fields, symList) };
    });

    const out: ParquetImport["files"] = [];
    const tradesOut: ParquetImport["files"] = [];
    const sha = new Map<string, string>();
    for (const f of [...abs, ...(tradeFiles ?? [])]) sha.set(f, await sha256File(f));
    let lastTs = -Infinity;
    let books = 0;
    const valueAt = async (file: string, column: string, row: number): Promise<string> => {
      const r = await con.runAndReadAll(`SELECT ${ident(column)} AS s FROM read_parquet(${lit(file)}) LIMIT 1 OFFSET ${row - 1}`);
      return String(r.getRowObjects()[0]?.s);
    };
    /** A chunk stream of `sql` over `file`, each next chunk decoded while this one is checked; `rows()` names the row reached in a read error. */
    const chunks = async function* (file: string, sql: string, rows: () => number): AsyncGenerator<DuckChunk> {
      const stream = await con.stream(sql).catch((e) => {
        throw duckError(e, file, "cannot read the Parquet file");
      });
      const fetch = (): Promise<DuckChunk | null> => {
        const p = stream.fetchChunk().catch((e) => {
          throw duckError(e, file, `cannot read the Parquet file after row ${rows()}`);
        });
        p.catch(() => undefined); // awaited below, or abandoned when a row was refused
        return p;
      };
      let pending = fetch();
      for (;;) {
        const ch = await pending;
        if (!ch || ch.rowCount === 0) return;
        pending = fetch();
        yield ch;
      }
    };
    /** A refusal of a row's field as the file's column (a book level's field as its list column, the level named). */
    const atColumn = (e: GrinderError, file: string, row: number): GrinderError => {
      let fld = e.field;
      let detail = e.detail;
      const lv = fld !== undefined ? /^book\.(bids|asks)(?:\[(\d+)\](?:\.(price|qty))?)?$/.exec(fld) : null;
      if (lv) {
        fld = cols[`book_${lv[1] === "bids" ? "bid" : "ask"}_${lv[3] ?? "price"}` as ParquetField];
        if (lv[2] !== undefined) detail = `level ${Number(lv[2]) + 1}: ${detail}`;
      } else if (fld === "book") fld = cols.book_bid_price;
      else if (fld === "book.ts" || fld === "book.stale") fld = cols[fld === "book.ts" ? "book_ts" : "book_stale"];
      else if (fld !== undefined && (PARQUET_FIELDS as readonly string[]).includes(fld)) fld = cols[fld as ParquetField];
      return new GrinderError(e.code, detail, { file, line: row, field: fld });
    };
    /** The common checks of a row (after `validateSnapshotRow`): its instrument's grid and the time order. */
    const checkRowRest = (s: Snapshot, row: number, first: boolean): void => {
      const spec = specs.get(s.symbol);
      if (!spec) throw new GrinderError(ErrorCode.UNKNOWN_SYMBOL, `symbol '${s.symbol}' has no instrument (known: ${[...specs.keys()].join(", ")})`, { field: "symbol" });
      checkGrid(s, spec);
      if (s.ts < lastTs) throw new GrinderError(ErrorCode.TIME_BACKWARDS, `ts ${s.ts} is before the previous row's ${lastTs}${row === 1 && !first ? " (the last of the previous file: give the files in time order)" : ""}`, { field: "ts" });
      lastTs = s.ts;
    };
    // the rows as column batches (runs of one symbol, views of DuckDB's chunk vectors): checked
    // row by row on one reused Snapshot, handed to the store writer without a Snapshot per row
    const l1Source: L1ColumnSource = {
      l1Columns: async (onBatch) => {
        for (const { f, fields, symCol } of plans) {
          if (!symCol && opts.symbol === undefined && specs.size !== 1) throw new GrinderError(ErrorCode.MISSING_FIELD, `no symbol column '${cols.symbol}'; pass --symbol`, { file: f.file, field: "symbol" });
          const fixedSym = symCol ? undefined : (opts.symbol ?? [...specs.keys()][0]);
          const s: Snapshot = { ts: 0, symbol: fixedSym ?? "", bid_price: 0, bid_qty: 0, ask_price: 0, ask_qty: 0 };
          const at = fields.indexOf("symbol"), lpAt = fields.indexOf("last_price"), frAt = fields.indexOf("funding_rate");
          let row = 0;
          for await (const ch of chunks(f.file, `SELECT ${selectList(f, col, unit, fields, symList)} FROM read_parquet(${lit(f.file)})`, () => row)) {
            const rowCount = ch.rowCount;
            const num = fields.map((_, k) => ch.getColumnVector(k).items as Float64Array);
            const lp = lpAt >= 0 ? num[lpAt] : undefined, fr = frAt >= 0 ? num[frAt] : undefined;
            let runStart = 0;
            let runSym = s.symbol;
            const emit = (end: number): void => {
              if (end > runStart)
                onBatch({
                  symbol: runSym, n: end - runStart, ts: num[0].subarray(runStart, end), bid_price: num[1].subarray(runStart, end), bid_qty: num[2].subarray(runStart, end),
                  ask_price: num[3].subarray(runStart, end), ask_qty: num[4].subarray(runStart, end), last_price: lp?.subarray(runStart, end), funding_rate: fr?.subarray(runStart, end),
                });
              runStart = end;
            };
            for (let i = 0; i < rowCount; i++) {
              row++;
              s.ts = num[0][i];
              s.bid_price = num[1][i];
              s.bid_qty = num[2][i];
              s.ask_price = num[3][i];
              s.ask_qty = num[4][i];
              if (at >= 0) {
                const k = num[at][i];
                if (Number.isNaN(k)) throw new GrinderError(ErrorCode.BAD_TYPE, "symbol is NULL", { file: f.file, line: row, field: cols.symbol });
                if (k === 0) {
                  const name = await valueAt(f.file, cols.symbol!, row);
                  throw new GrinderError(ErrorCode.UNKNOWN_SYMBOL, `symbol '${name}' has no instrument (known: ${symList.join(", ")})`, { file: f.file, line: row, field: cols.symbol });
                }
                const y = symList[k - 1];
                if (y !== runSym) {
                  emit(i);
                  runSym = y;
                }
                s.symbol = y;
              }
              // NULL (NaN) = the row has none; undefined keeps the object's shape (a delete per row would not)
              if (lp !== undefined) s.last_price = Number.isNaN(lp[i]) ? undefined : lp[i];
              if (fr !== undefined) s.funding_rate = Number.isNaN(fr[i]) ? undefined : fr[i];
              try {
                validateSnapshotRow(s);
                checkRowRest(s, row, f === layouts[0]);
              } catch (e) {
                if (!(e instanceof GrinderError)) throw e;
                throw atColumn(e, f.file, row);
              }
            }
            emit(rowCount);
          }
          out.push({ file: f.file, rows: row, sha256: sha.get(f.file)! });
        }
      },
    };
    // with books (ADR-263): a new Snapshot per row, its book built from the level lists, checked
    // here with the file's row and column (and marked checked, so the writer does not check it again)
    const bookRows = async function* (): AsyncGenerator<Snapshot> {
      for (const { f, fields, symCol, book } of plans) {
        if (!symCol && opts.symbol === undefined && specs.size !== 1) throw new GrinderError(ErrorCode.MISSING_FIELD, `no symbol column '${cols.symbol}'; pass --symbol`, { file: f.file, field: "symbol" });
        const fixedSym = symCol ? "" : (opts.symbol ?? [...specs.keys()][0]);
        const at = fields.indexOf("symbol"), lpAt = fields.indexOf("last_price"), frAt = fields.indexOf("funding_rate");
        const btAt = fields.indexOf("book_ts"), bsAt = fields.indexOf("book_stale");
        const nf = fields.length;
        let row = 0;
        const sql = `SELECT ${selectList(f, col, unit, fields, symList)}${book ? `, ${bookSelect(f, col)}` : ""} FROM read_parquet(${lit(f.file)})`;
        for await (const ch of chunks(f.file, sql, () => row)) {
          const rowCount = ch.rowCount;
          const num = fields.map((_, k) => ch.getColumnVector(k).items as Float64Array);
          const lists = book ? BOOK_LISTS.map((_, k) => ch.getColumnVector(nf + k) as DuckListVector) : [];
          const mask = book ? (ch.getColumnVector(nf + 4).items as Float64Array) : undefined;
          for (let i = 0; i < rowCount; i++) {
            row++;
            let symbol = fixedSym;
            if (at >= 0) {
              const k = num[at][i];
              if (Number.isNaN(k)) throw new GrinderError(ErrorCode.BAD_TYPE, "symbol is NULL", { file: f.file, line: row, field: cols.symbol });
              if (k === 0) {
                const name = await valueAt(f.file, cols.symbol!, row);
                throw new GrinderError(ErrorCode.UNKNOWN_SYMBOL, `symbol '${name}' has no instrument (known: ${symList.join(", ")})`, { file: f.file, line: row, field: cols.symbol });
              }
              symbol = symList[k - 1];
            }
            const s: Snapshot = { ts: num[0][i], symbol, bid_price: num[1][i], bid_qty: num[2][i], ask_price: num[3][i], ask_qty: num[4][i] };
            if (lpAt >= 0 && !Number.isNaN(num[lpAt][i])) s.last_price = num[lpAt][i];
            if (frAt >= 0 && !Number.isNaN(num[frAt][i])) s.funding_rate = num[frAt][i];
            const bt = btAt >= 0 ? num[btAt][i] : NaN, bs = bsAt >= 0 ? num[bsAt][i] : NaN;
            try {
              const nulls = mask !== undefined ? mask[i] : 15;
              if (nulls === 15) {
                // no book: nor a book time or stale flag
                if (!Number.isNaN(bt) || !Number.isNaN(bs))
                  throw new GrinderError(ErrorCode.MISSING_FIELD, `the row has a ${Number.isNaN(bt) ? "book_stale" : "book_ts"} but no book (its level lists are NULL)`, { field: "book" });
              } else {
                if (nulls !== 0) {
                  const k = [0, 1, 2, 3].find((b) => (nulls & (1 << b)) !== 0)!;
                  throw new GrinderError(ErrorCode.MISSING_FIELD, `${BOOK_LISTS[k]} is NULL where the row's other level lists are not (an empty side is an empty list)`, { field: BOOK_LISTS[k] });
                }
                for (const [p, q] of [[0, 1], [2, 3]])
                  if (lists[p].getEntryLength(i) !== lists[q].getEntryLength(i))
                    throw new GrinderError(ErrorCode.MISSING_FIELD, `${BOOK_LISTS[p]} has ${lists[p].getEntryLength(i)} levels, ${BOOK_LISTS[q]} ${lists[q].getEntryLength(i)}: each level needs a price and a qty`, { field: BOOK_LISTS[q] });
                const b: OrderBook = { bids: levelsAt(lists[0], lists[1], i), asks: levelsAt(lists[2], lists[3], i) };
                if (!Number.isNaN(bt)) b.ts = bt;
                if (!Number.isNaN(bs)) b.stale = bs === 1;
                s.book = b;
                books++;
              }
              validateSnapshotRow(s);
              checkRowRest(s, row, f === layouts[0]);
            } catch (e) {
              if (!(e instanceof GrinderError)) throw e;
              throw atColumn(e, f.file, row);
            }
            yield s;
          }
        }
        out.push({ file: f.file, rows: row, sha256: sha.get(f.file)! });
      }
    };
    // the prints, each checked as the store's trade writer checks it, refused with the file's row and column
    const tradeRows = async function* (): AsyncGenerator<Trade> {
      const checker = new TradeChecker(undefined, new Set(symList), specs);
      for (const { f, fields, symCol, select } of tradePlans) {
        const fixedSym = symCol ? "" : (opts.symbol ?? symList[0]);
        const at = fields.indexOf("symbol");
        let row = 0;
        for await (const ch of chunks(f.file, `SELECT ${select} FROM read_parquet(${lit(f.file)})`, () => row)) {
          const rowCount = ch.rowCount;
          const [ts, price, qty, agg, id] = [0, 1, 2, 3, 4].map((k) => ch.getColumnVector(k).items as Float64Array);
          const sym = at >= 0 ? (ch.getColumnVector(at).items as Float64Array) : undefined;
          for (let i = 0; i < rowCount; i++) {
            row++;
            let symbol = fixedSym;
            if (sym !== undefined) {
              const k = sym[i];
              if (Number.isNaN(k)) throw new GrinderError(ErrorCode.BAD_TYPE, "symbol is NULL", { file: f.file, line: row, field: tcols.symbol });
              symbol = k === 0 ? await valueAt(f.file, tcols.symbol, row) : symList[k - 1];
            }
            const a = agg[i];
            const aggressor = (a === 0 ? "BUY" : a === 1 ? "SELL" : Number.isNaN(a) ? null : await valueAt(f.file, tcols.aggressor, row)) as Trade["aggressor"];
            const t: Trade = { ts: ts[i], symbol, price: price[i], qty: qty[i], aggressor, id: id[i] };
            try {
              checker.check(t);
            } catch (e) {
              if (!(e instanceof GrinderError)) throw e;
              const fld = e.field !== undefined && (PARQUET_TRADE_FIELDS as readonly string[]).includes(e.field) ? tcols[e.field as ParquetTradeField] : e.field;
              throw new GrinderError(e.code, e.detail, { file: f.file, line: row, field: fld });
            }
            yield t;
          }
        }
        tradesOut.push({ file: f.file, rows: row, sha256: sha.get(f.file)! });
      }
    };
    const withBooks = plans.some((p) => p.book);
    const stage = `${target}.parquet-${process.pid}`;
    const fail = (e: GrinderError): never => {
      rmSync(stage, { recursive: true, force: true });
      throw e;
    };
    const manifest = await writeColumnarStore(stage, withBooks ? markCheckedRows(bookRows(), specs) : l1Source, {
      name: opts.name ?? meta?.name ?? path.basename(target), description: opts.description ?? meta?.description, instruments, force: true,
      provenance: {
        importer: "parquet", sources: abs.map((f) => ({ file: path.basename(f), sha256: sha.get(f)! })),
        ...(tradeFiles !== null ? { trades_sources: tradeFiles.map((f) => ({ file: path.basename(f), sha256: sha.get(f)! })) } : {}),
      },
      ...(tradeFiles !== null ? { trades: tradeRows(), trades_source: tradeFiles[0] } : {}),
    });
    const claimed = meta?.content_sha256;
    if (claimed !== undefined && claimed !== manifest.content_sha256)
      fail(new GrinderError(ErrorCode.HASH_MISMATCH, `the rows hash to ${manifest.content_sha256}, the file's '${PARQUET_META_KEY}' metadata says ${String(claimed)}: the rows were changed after the export`, { file: layouts[0].file }));
    if (claim !== null && (manifest.trades?.rows !== claim.rows || manifest.trades.content_sha256 !== claim.content_sha256))
      fail(new GrinderError(ErrorCode.HASH_MISMATCH, `the prints (${manifest.trades?.rows ?? 0}) hash to ${String(manifest.trades?.content_sha256)}, the export's metadata says ${claim.rows} hashing to ${claim.content_sha256}: the trades files were changed after the export`, { file: tradeFiles![0], field: "trades" }));
    try {
      moveFolderInto(stage, target);
    } catch (e) {
      fail(new GrinderError(ErrorCode.IO, `cannot move the store into place: ${(e as Error).message}`, { file: target }));
    }
    const trades = manifest.trades !== undefined ? { files: tradesOut, rows: manifest.trades.rows, content_sha256: manifest.trades.content_sha256 } : null;
    return { manifest, files: out, books, instruments_from_metadata: fromMeta, metadata_content_sha256: claimed ?? null, trades, metadata_trades_sha256: claim?.content_sha256 ?? null };
  });
}
