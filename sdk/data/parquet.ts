import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import * as path from "node:path";
import { ErrorCode, GrinderError } from "../contracts/errors";
import { InstrumentSpecSchema, type InstrumentSpec, type Snapshot } from "../contracts/market";
import { checkGrid, validateSnapshotRow } from "./validate";
import { sha256File } from "./importers/common";
import { columnarSnapshots, moveFolderInto, writeColumnarStore, type ColumnarStore, type L1ColumnSource, type StoreManifest } from "./store";

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

export interface ParquetExport {
  /** The file written, or the folder of a date-partitioned export. */
  file: string;
  rows: number;
  bytes: number;
  /** SHA-256 of the written file (the same store and options give the same bytes); of a partitioned export, of its files' paths and hashes. */
  sha256: string;
  content_sha256: string;
  /** A date-partitioned export's files (`date=YYYY-MM-DD/data_0.parquet`, relative), in date order. */
  files?: Array<{ file: string; bytes: number; sha256: string }>;
  /** The store's trade prints, which the quote layout does not hold (ADR-255): not in the export. */
  trades_left_out: number;
}

/**
 * Write `store` as one Parquet file at `file` (atomic: a temp file renamed into place; an
 * existing file is refused unless `force`): rows in stream order, the columns `PARQUET_COLUMNS`
 * (`ts` as BIGINT epoch ms, the rest DOUBLE; `last_price` / `funding_rate` NULL where a row has
 * none: every export has the same schema), and the store's manifest (name, instruments, rows,
 * content hash) as file metadata under `PARQUET_META_KEY`, so `importParquetStore` needs no
 * instrument flags for it. The rows are staged in a DuckDB file beside the output (memory
 * bounded at any length), removed afterwards.
 */
export async function exportStoreToParquet(store: ColumnarStore, file: string, opts: { force?: boolean; compression?: ParquetCompression; partitioned?: boolean } = {}): Promise<ParquetExport> {
  const out = path.resolve(file);
  if (existsSync(out) && !opts.force) throw new GrinderError(ErrorCode.REFUSED, `${opts.partitioned ? "folder" : "file"} exists (use --force to replace it)`, { file: out });
  const compression = opts.compression ?? "zstd";
  if (!PARQUET_COMPRESSIONS.includes(compression)) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `compression '${compression}' is not ${PARQUET_COMPRESSIONS.join(", ")}`, { field: "compression" });
  const m = store.manifest;
  const tmp = `${out}.tmp-${process.pid}`;
  const stageDb = `${out}.stage-${process.pid}.duckdb`;
  // a partitioned export names its dates: an import of all of them must reproduce the content hash, of some of them cannot
  const dates = opts.partitioned ? [...new Set(m.partitions.map((p) => p.date))].sort() : undefined;
  const meta = JSON.stringify({ format: m.format, name: m.name, description: m.description, rows: m.rows, content_sha256: m.content_sha256, symbols: m.symbols, ...(dates ? { dates } : {}) });
  const cols = PARQUET_COLUMNS;
  try {
    await withDuck(async (con, d) => {
      await con.run(`CREATE TABLE q (${cols.map((c) => `${ident(c)} ${c === "symbol" ? "VARCHAR" : "DOUBLE"}`).join(", ")})`);
      const ap = await con.createAppender("q");
      const types = cols.map((c) => (c === "symbol" ? d.VARCHAR : d.DOUBLE));
      const N = 2048;
      const v = cols.map(() => new Array<unknown>(N));
      let n = 0;
      // one chunk reused for every full batch (a chunk per batch kept native memory the JS heap does not see)
      const full = d.DuckDBDataChunk.create(types, N);
      const push = (rows: number): void => {
        const ch = rows === N ? full : d.DuckDBDataChunk.create(types, rows);
        for (let k = 0; k < cols.length; k++) ch.setColumnValues(k, rows === N ? v[k] : v[k].slice(0, rows));
        ap.appendDataChunk(ch);
      };
      let row = 0;
      // the rows of each UTC date (a store streams in time order): a date's file is a rowid range of the staging table
      const ranges: Array<{ date: string; from: number; to: number }> = [];
      let day = -1;
      for (const s of columnarSnapshots(store, { reuse: true })) {
        const d = Math.floor(s.ts / 86_400_000);
        if (d !== day) {
          day = d;
          ranges.push({ date: new Date(d * 86_400_000).toISOString().slice(0, 10), from: row, to: row });
        }
        ranges[ranges.length - 1].to = row;
        row++;
        // the Parquet layout is the L1 quote (ADR-251): a row with a book would lose it (ADR-254)
        if (s.book !== undefined)
          throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `Parquet export writes L1 rows only: store row ${row} has an L2 book; export the store to a JSONL fixture (grinder store export) instead`, { file: path.join(store.dir, "store.json"), field: "book" });
        v[0][n] = s.symbol;
        v[1][n] = s.ts;
        v[2][n] = s.bid_price;
        v[3][n] = s.bid_qty;
        v[4][n] = s.ask_price;
        v[5][n] = s.ask_qty;
        v[6][n] = s.last_price ?? null;
        v[7][n] = s.funding_rate ?? null;
        if (++n === N) {
          push(N);
          n = 0;
        }
      }
      if (n) push(n);
      ap.flushSync();
      ap.closeSync();
      const sel = cols.map((c) => (c === "ts" ? `CAST(ts AS BIGINT) AS ts` : ident(c))).join(", ");
      if (opts.partitioned) {
        // hive style, one folder per UTC date (`date=YYYY-MM-DD`, the column only in the path), written
        // one date at a time as the single file is (DuckDB's PARTITION_BY writer does not keep row order)
        mkdirSync(tmp, { recursive: true });
        for (const r of ranges) {
          mkdirSync(path.join(tmp, `date=${r.date}`));
          await con.run(
            `COPY (SELECT ${sel} FROM q WHERE rowid BETWEEN ${r.from} AND ${r.to} ORDER BY rowid) TO ${lit(path.join(tmp, `date=${r.date}`, "data_0.parquet"))} ` +
              `(FORMAT parquet, COMPRESSION ${compression}, KV_METADATA {${PARQUET_META_KEY}: ${lit(meta)}})`,
          );
        }
      } else await con.run(`COPY (SELECT ${sel} FROM q) TO ${lit(tmp)} (FORMAT parquet, COMPRESSION ${compression}, KV_METADATA {${PARQUET_META_KEY}: ${lit(meta)}})`);
    }, stageDb, { memory_limit: PARQUET_EXPORT_MEMORY, temp_directory: `${stageDb}.spill` });
    if (opts.partitioned) {
      const files: NonNullable<ParquetExport["files"]> = [];
      for (const rel of parquetFilesUnder(tmp)) files.push({ file: rel, bytes: statSync(path.join(tmp, rel)).size, sha256: await sha256File(path.join(tmp, rel)) });
      moveFolderInto(tmp, out);
      const sha256 = createHash("sha256").update(files.map((f) => `${f.sha256}  ${f.file}\n`).join("")).digest("hex");
      return { file: out, rows: m.rows, bytes: files.reduce((a, f) => a + f.bytes, 0), sha256, content_sha256: m.content_sha256, files, trades_left_out: m.trades?.rows ?? 0 };
    }
    const sha256 = await sha256File(tmp);
    const bytes = statSync(tmp).size;
    renameSync(tmp, out);
    return { file: out, rows: m.rows, bytes, sha256, content_sha256: m.content_sha256, trades_left_out: m.trades?.rows ?? 0 };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw duckError(e, out, "cannot write the Parquet file");
  } finally {
    for (const f of [stageDb, `${stageDb}.wal`, `${stageDb}.spill`]) rmSync(f, { recursive: true, force: true });
  }
}

/** The `.parquet` files under `dir` (relative paths, any depth), sorted: a date-partitioned folder's `date=…` files in date order. */
export function parquetFilesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile() && e.name.endsWith(".parquet")) out.push(r);
    }
  };
  walk("");
  return out.sort();
}

/** The store columns a Parquet import reads, and which file columns hold them. */
export const PARQUET_FIELDS = ["ts", "symbol", "bid_price", "bid_qty", "ask_price", "ask_qty", "last_price", "funding_rate"] as const;
export type ParquetField = (typeof PARQUET_FIELDS)[number];
const REQUIRED_FIELDS: readonly ParquetField[] = ["ts", "bid_price", "bid_qty", "ask_price", "ask_qty"];

export type ParquetTimeUnit = "s" | "ms" | "us" | "ns";
export const PARQUET_TIME_UNITS: readonly ParquetTimeUnit[] = ["s", "ms", "us", "ns"];

export interface ParquetImportOptions {
  /** Store field → file column (default: the field's own name; `symbol` optional when `symbol` is given). */
  columns?: Partial<Record<ParquetField, string>>;
  /** The symbol of every row when the files have no symbol column. */
  symbol?: string;
  /** Unit of a numeric `ts` column (default ms); a TIMESTAMP column needs none. Times are floored to the millisecond. */
  ts_unit?: ParquetTimeUnit;
  /** Instruments by symbol (tick, lot, …); default: `instrument` for every symbol, else those of a GRINDER export's metadata. */
  instruments?: InstrumentSpec[];
  /** One tick/lot for the symbol (`symbol`) or for every symbol of the files' symbol column. */
  instrument?: { tick_size: number; lot_size: number; min_notional?: number };
  name?: string;
  description?: string;
  force?: boolean;
}

export interface ParquetImport {
  manifest: StoreManifest;
  /** Rows read per file, in the order given. */
  files: Array<{ file: string; rows: number; sha256: string }>;
  /** The instruments came from a GRINDER export's metadata. */
  instruments_from_metadata: boolean;
  /** The content hash a single GRINDER export's metadata claims, reproduced by the import (a difference is refused); null: no such metadata, or several files. */
  metadata_content_sha256: string | null;
}

interface FileLayout {
  file: string;
  types: Map<string, string>;
  meta: { name?: string; description?: string; content_sha256?: string; symbols?: unknown } | null;
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
  const kv = await con.runAndReadAll(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${lit(file)})`);
  for (const r of kv.getRowObjects())
    if (r.k === PARQUET_META_KEY) {
      try {
        meta = JSON.parse(String(r.v)) as FileLayout["meta"];
      } catch {
        throw new GrinderError(ErrorCode.PARSE, `the '${PARQUET_META_KEY}' metadata is not JSON`, { file, field: PARQUET_META_KEY });
      }
    }
  return { file, types, meta };
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL\(\d+,\d+\))$/;
const TS_SCALE: Record<ParquetTimeUnit, string> = { s: "* 1000", ms: "", us: "/ 1000", ns: "/ 1000000" };

/** The SELECT list reading `fields` of `f` as DOUBLE (ts in epoch ms, floored; NULL as NaN) and symbol as VARCHAR. */
function selectList(f: FileLayout, cols: Record<ParquetField, string | undefined>, unit: ParquetTimeUnit, fields: readonly ParquetField[], symbols: readonly string[]): string {
  return fields
    .map((k) => {
      const c = cols[k]!;
      const t = f.types.get(c)!;
      if (k === "symbol") {
        if (t !== "VARCHAR") throw new GrinderError(ErrorCode.BAD_TYPE, `column '${c}' is ${t}; a symbol column must be VARCHAR`, { file: f.file, field: c });
        // the symbol as its 1-based position among the instruments (0: none of them; NaN: NULL), a number like every other column
        return `CASE WHEN ${ident(c)} IS NULL THEN 'nan'::DOUBLE ELSE CAST(coalesce(list_position([${symbols.map(lit).join(", ")}]::VARCHAR[], ${ident(c)}), 0) AS DOUBLE) END`;
      }
      if (k === "ts") {
        if (/^TIMESTAMP/.test(t)) return `CAST(epoch_ms(${ident(c)}) AS DOUBLE)`;
        if (!NUMERIC.test(t)) throw new GrinderError(ErrorCode.BAD_TYPE, `column '${c}' is ${t}; ts must be a TIMESTAMP or a number (epoch, --ts-unit)`, { file: f.file, field: c });
        return `coalesce(floor(CAST(${ident(c)} AS DOUBLE) ${TS_SCALE[unit]}), 'nan'::DOUBLE)`;
      }
      if (!NUMERIC.test(t)) throw new GrinderError(ErrorCode.BAD_TYPE, `column '${c}' is ${t}; ${k} must be a number`, { file: f.file, field: c });
      return `coalesce(CAST(${ident(c)} AS DOUBLE), 'nan'::DOUBLE)`;
    })
    .join(", ");
}

/**
 * Import Parquet quote files (in the order given: one stream, ts non-decreasing across them)
 * into a columnar store at `dir`. Every row is checked as a fixture's (positive prices and sizes,
 * bid < ask, integer ms times, tick/lot grid, declared symbol); the first bad row is refused
 * with its file, row (1-based within the file) and field — a NULL is a bad number, nothing is
 * dropped. Instruments: `opts.instruments`, else the metadata of a GRINDER export.
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
  // a folder stands for its .parquet files in path order (a date-partitioned export: date order)
  const abs: string[] = [];
  for (const f of files.map((x) => path.resolve(x))) {
    if (existsSync(f) && statSync(f).isDirectory()) {
      const inner = parquetFilesUnder(f);
      if (!inner.length) throw new GrinderError(ErrorCode.IO, "no .parquet file in folder", { file: f });
      abs.push(...inner.map((r) => path.join(f, r)));
    } else abs.push(f);
  }
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
    // which of the store's fields each file gives, checked before any row is read
    const plans = layouts.map((f) => {
      const fields: ParquetField[] = [...REQUIRED_FIELDS];
      for (const k of fields)
        if (!f.types.has(cols[k]!)) throw new GrinderError(ErrorCode.MISSING_FIELD, `no column '${cols[k]}' for ${k} (columns: ${[...f.types.keys()].join(", ")}; map it with --columns ${k}=<column>)`, { file: f.file, field: cols[k] });
      if (opts.columns?.symbol !== undefined && !f.types.has(cols.symbol!)) throw new GrinderError(ErrorCode.MISSING_FIELD, `no column '${cols.symbol}' for symbol (columns: ${[...f.types.keys()].join(", ")})`, { file: f.file, field: cols.symbol });
      const symCol = f.types.has(cols.symbol!) && (opts.columns?.symbol !== undefined || opts.symbol === undefined);
      if (symCol) fields.push("symbol");
      for (const k of ["last_price", "funding_rate"] as const) if (f.types.has(cols[k]!)) fields.push(k);
      return { f, fields, symCol };
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
    const out: ParquetImport["files"] = [];
    const sha = new Map<string, string>();
    for (const f of abs) sha.set(f, await sha256File(f));
    let lastTs = -Infinity;
    const symbolAt = async (file: string, row: number): Promise<string> => {
      const r = await con.runAndReadAll(`SELECT ${ident(cols.symbol!)} AS s FROM read_parquet(${lit(file)}) LIMIT 1 OFFSET ${row - 1}`);
      return String(r.getRowObjects()[0]?.s);
    };
    // the rows as column batches (runs of one symbol, views of DuckDB's chunk vectors): checked
    // row by row on one reused Snapshot, handed to the store writer without a Snapshot per row
    const source: L1ColumnSource = {
      l1Columns: async (onBatch) => {
        for (const { f, fields, symCol } of plans) {
            if (!symCol && opts.symbol === undefined && specs.size !== 1) throw new GrinderError(ErrorCode.MISSING_FIELD, `no symbol column '${cols.symbol}'; pass --symbol`, { file: f.file, field: "symbol" });
          const fixedSym = symCol ? undefined : (opts.symbol ?? [...specs.keys()][0]);
          const stream = await con.stream(`SELECT ${selectList(f, cols, unit, fields, symList)} FROM read_parquet(${lit(f.file)})`).catch((e) => {
            throw duckError(e, f.file, "cannot read the Parquet file");
          });
          const s: Snapshot = { ts: 0, symbol: fixedSym ?? "", bid_price: 0, bid_qty: 0, ask_price: 0, ask_qty: 0 };
          const at = fields.indexOf("symbol"), lpAt = fields.indexOf("last_price"), frAt = fields.indexOf("funding_rate");
          let row = 0;
          const fetch = (): Promise<DuckChunk | null> => {
            const p = stream.fetchChunk().catch((e) => {
              throw duckError(e, f.file, `cannot read the Parquet file after row ${row}`);
            });
            p.catch(() => undefined); // awaited below, or abandoned when a row was refused
            return p;
          };
          // the next chunk is decoded while this one is checked
          let pending = fetch();
          for (;;) {
            const ch = await pending;
            const rowCount = ch ? ch.rowCount : 0;
            if (!ch || rowCount === 0) break;
            pending = fetch();
            const v = fields.map((_, k) => ch.getColumnVector(k));
            const num = v.map((x) => x.items as Float64Array);
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
                  const name = await symbolAt(f.file, row);
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
                const spec = specs.get(s.symbol);
                if (!spec) throw new GrinderError(ErrorCode.UNKNOWN_SYMBOL, `symbol '${s.symbol}' has no instrument (known: ${[...specs.keys()].join(", ")})`, { field: "symbol" });
                checkGrid(s, spec);
                if (s.ts < lastTs) throw new GrinderError(ErrorCode.TIME_BACKWARDS, `ts ${s.ts} is before the previous row's ${lastTs}${row === 1 && f !== layouts[0] ? " (the last of the previous file: give the files in time order)" : ""}`, { field: "ts" });
                lastTs = s.ts;
              } catch (e) {
                if (!(e instanceof GrinderError)) throw e;
                // name the file's column, not the store field
                const fld = e.field !== undefined && (PARQUET_FIELDS as readonly string[]).includes(e.field) ? cols[e.field as ParquetField] : e.field;
                throw new GrinderError(e.code, e.detail, { file: f.file, line: row, field: fld });
              }
            }
            emit(rowCount);
          }
          out.push({ file: f.file, rows: row, sha256: sha.get(f.file)! });
        }
      },
    };
    const stage = `${target}.parquet-${process.pid}`;
    const manifest = await writeColumnarStore(stage, source, {
      name: opts.name ?? meta?.name ?? path.basename(target), description: opts.description ?? meta?.description, instruments, force: true,
      provenance: { importer: "parquet", sources: abs.map((f) => ({ file: path.basename(f), sha256: sha.get(f)! })) },
    });
    const claimed = meta?.content_sha256;
    if (claimed !== undefined && claimed !== manifest.content_sha256) {
      rmSync(stage, { recursive: true, force: true });
      throw new GrinderError(ErrorCode.HASH_MISMATCH, `the rows hash to ${manifest.content_sha256}, the file's '${PARQUET_META_KEY}' metadata says ${String(claimed)}: the rows were changed after the export`, { file: layouts[0].file });
    }
    try {
      moveFolderInto(stage, target);
    } catch (e) {
      rmSync(stage, { recursive: true, force: true });
      throw new GrinderError(ErrorCode.IO, `cannot move the store into place: ${(e as Error).message}`, { file: target });
    }
    return { manifest, files: out, instruments_from_metadata: fromMeta, metadata_content_sha256: claimed ?? null };
  });
}
