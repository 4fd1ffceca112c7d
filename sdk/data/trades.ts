import { createWriteStream, existsSync } from "node:fs";
import { createHash } from "node:crypto";
import * as path from "node:path";
import { createGzip } from "node:zlib";
import { once } from "node:events";
import { ErrorCode, GrinderError } from "../contracts/errors";
import type { FixtureEvent, InstrumentSpec, Snapshot, Trade, TradesFile } from "../contracts/market";
import { DEFAULT_MAX_GAP_MS, newLoadReport, openFixture, streamFixture, streamJsonlRows, type Fixture, type JsonlRowKind, type LoadReport, type StreamExpectation, type StreamOptions } from "./fixture";
import { DEFAULT_TIME_RANGE, onGridValue, type TimeRange } from "./validate";
import { numText } from "./line-bytes";

/**
 * Trades as market data (ADR-050): a fixture may carry a **trades sidecar** (`trades.jsonl` or
 * `trades.jsonl.gz`, one `Trade` per line, non-decreasing `ts`) declared in the manifest's
 * `trades` section with its own row count and content hash. The snapshots file and its
 * `content_sha256` are untouched, so fixtures without trades stay valid and keep their digests.
 * `streamFixtureEvents` merges the two files by time: at equal `ts`, **trades come before
 * snapshots** (a quote stamped t already shows the book after the prints stamped t); within a
 * kind, file order.
 */

const TRADE_KEYS = new Set(["ts", "symbol", "price", "qty", "aggressor", "id"]);

function fail(code: ErrorCode, detail: string, field: string): never {
  throw new GrinderError(code, detail, { field });
}

function positiveNumber(v: unknown, field: string): void {
  if (v === undefined) fail(ErrorCode.MISSING_FIELD, "required field is missing", field);
  if (typeof v !== "number") fail(ErrorCode.BAD_TYPE, `expected number, got ${v === null ? "null" : typeof v}`, field);
  if (!Number.isFinite(v) || v <= 0) fail(ErrorCode.BAD_NUMBER, `expected a positive finite number, got ${v}`, field);
}

/** Non-negative integer; `safe` also bounds it by 2^53 - 1 (ids; times follow the snapshot rule). */
function nonNegInt(v: unknown, field: string, what: string, safe: boolean): void {
  if (v === undefined) fail(ErrorCode.MISSING_FIELD, "required field is missing", field);
  if (typeof v !== "number") fail(ErrorCode.BAD_TYPE, `expected ${what}, got ${v === null ? "null" : typeof v}`, field);
  if (!(safe ? Number.isSafeInteger(v) : Number.isInteger(v)) || v < 0) fail(ErrorCode.BAD_NUMBER, `expected ${what}, got ${v}`, field);
}

/**
 * Fast validator of one decoded trade row: accepts exactly what `TradeSchema` (zod) accepts
 * (a property test holds them together), `ts` in `range` (default 2000..2100 UTC, ADR-130),
 * allocates nothing on a good row, names the field.
 */
export function validateTradeRow(row: unknown, range: TimeRange = DEFAULT_TIME_RANGE): Trade {
  if (row === null || typeof row !== "object" || Array.isArray(row)) fail(ErrorCode.BAD_TYPE, "row is not a JSON object", "");
  const r = row as Record<string, unknown>;
  for (const k in r) if (!TRADE_KEYS.has(k)) fail(ErrorCode.EXTRA_FIELD, `unknown field '${k}'`, k);
  nonNegInt(r.ts, "ts", "a non-negative integer ms time", false);
  const ts = r.ts as number;
  if (ts < range.min || ts > range.max) fail(ErrorCode.TIME_RANGE, `ts ${ts} is outside the plausible epoch-ms range [${range.min}, ${range.max}]`, "ts");
  if (r.symbol === undefined) fail(ErrorCode.MISSING_FIELD, "required field is missing", "symbol");
  if (typeof r.symbol !== "string" || r.symbol.length === 0) fail(ErrorCode.BAD_TYPE, "expected a non-empty string", "symbol");
  positiveNumber(r.price, "price");
  positiveNumber(r.qty, "qty");
  if (r.aggressor === undefined) fail(ErrorCode.MISSING_FIELD, "required field is missing", "aggressor");
  if (r.aggressor !== "BUY" && r.aggressor !== "SELL") fail(ErrorCode.BAD_TYPE, `expected 'BUY' or 'SELL', got ${JSON.stringify(r.aggressor)}`, "aggressor");
  nonNegInt(r.id, "id", "a non-negative integer trade id", true);
  return r as unknown as Trade;
}

/** Price on the instrument's tick grid, quantity on its lot grid (ADR-130; same tolerance as snapshots). */
export function checkTradeGrid(t: Trade, spec: InstrumentSpec): void {
  if (!onGridValue(t.price, spec.tick_size)) fail(ErrorCode.OFF_GRID, `${t.price} is not a multiple of the tick size ${spec.tick_size}`, "price");
  if (!onGridValue(t.qty, spec.lot_size)) fail(ErrorCode.OFF_GRID, `${t.qty} is not a multiple of the lot size ${spec.lot_size}`, "qty");
}

/**
 * Stream validated trades from a JSONL file with the snapshot loader's protections (ADR-130):
 * `ts` a safe integer in `timeRange` (default 2000..2100 UTC), no jump above `maxGapMs`,
 * non-decreasing `ts`, declared symbol, price/qty on the instrument's tick/lot grid, lines
 * bounded by `maxLineBytes`. Blank lines are allowed only at the end; one followed by a row is
 * a rejected line, so `accepted + rejectedTotal = lines` (trailing blank lines counted apart).
 * A rejected row never becomes the reference of the next row's time checks. Strict: the first
 * bad row throws a `GrinderError` with file, line and field; lenient: it is skipped and counted.
 * With `expect`, the lines are hashed as they stream (no second pass; an early stop hashes the
 * rest without parsing) and a row-count or hash mismatch is `E_HASH_MISMATCH`. The loop is the
 * snapshot reader's (`streamJsonlRows`, sdk/data/fixture.ts); only the row kind differs.
 */
export function streamTradeFile(file: string, opts: StreamOptions = {}): AsyncGenerator<Trade> {
  return streamJsonlRows(file, opts, TRADE_ROWS);
}

function checkTradesExpectation(sha: string, rows: number, x: StreamExpectation): void {
  if (rows !== x.rows)
    throw new GrinderError(ErrorCode.HASH_MISMATCH, `manifest says ${x.rows} trades, the trades file has ${rows}`, { file: x.manifest, field: "trades.rows" });
  if (sha !== x.content_sha256)
    throw new GrinderError(ErrorCode.HASH_MISMATCH, `trades content SHA-256 ${sha} does not match the manifest's ${x.content_sha256}: the file was changed`, { file: x.manifest, field: "trades.content_sha256" });
}

const TRADE_ROWS: JsonlRowKind<Trade> = { noun: "trade", validate: validateTradeRow, grid: checkTradeGrid, checkExpectation: checkTradesExpectation };

/** Absolute path of a fixture's trades sidecar, or undefined when it has none. */
export function tradesPath(fx: Fixture): string | undefined {
  const t = fx.manifest.trades;
  return t ? path.resolve(fx.dir, t.file) : undefined;
}

/**
 * Stream a fixture's trades (empty when it has no sidecar): symbols and tick/lot grid from the
 * manifest, and the lines hashed while they stream and checked against the manifest's
 * `trades.rows` / `trades.content_sha256` when the stream ends (`verify: false` to skip; ADR-130).
 */
export async function* streamFixtureTrades(fx: Fixture | string, opts: StreamOptions & { verify?: boolean } = {}): AsyncGenerator<Trade> {
  const f = typeof fx === "string" ? openFixture(fx) : fx;
  const file = tradesPath(f);
  const decl = f.manifest.trades;
  if (!file || !decl) return;
  if (!existsSync(file)) throw new GrinderError(ErrorCode.IO, "trades file is missing", { file });
  const { verify, ...rest } = opts;
  const expect: StreamExpectation | undefined =
    verify === false ? undefined : { rows: decl.rows, content_sha256: decl.content_sha256, manifest: path.join(f.dir, "fixture.json") };
  yield* streamTradeFile(file, { symbols: f.instruments.keys(), instruments: f.instruments, expect, ...rest });
}

export interface MarketStreamOptions {
  lenient?: boolean;
  /** Filled in as the snapshots are read. */
  report?: LoadReport;
  /** Filled in as the trades are read. */
  tradeReport?: LoadReport;
}

/**
 * Snapshots and trades of a fixture as one time-ordered stream (ADR-050): by `ts`, trades
 * before snapshots at equal `ts`, file order within a kind. No wrapper objects: tell the two
 * apart with `isTrade`. A fixture without trades yields exactly `streamFixture`'s snapshots.
 */
export async function* streamFixtureEvents(fx: Fixture | string, opts: MarketStreamOptions = {}): AsyncGenerator<FixtureEvent> {
  const f = typeof fx === "string" ? openFixture(fx) : fx;
  const snaps = streamFixture(f, { lenient: opts.lenient, report: opts.report });
  if (!f.manifest.trades) {
    yield* snaps;
    return;
  }
  const trades = streamFixtureTrades(f, { lenient: opts.lenient, report: opts.tradeReport });
  try {
    let s: IteratorResult<Snapshot> = await snaps.next();
    let t: IteratorResult<Trade> = await trades.next();
    while (!s.done || !t.done) {
      if (!t.done && (s.done || t.value.ts <= s.value.ts)) {
        yield t.value;
        t = await trades.next();
      } else if (!s.done) {
        yield s.value;
        s = await snaps.next();
      }
    }
  } finally {
    // Both readers are closed (and check their hashes) even when the first one refuses.
    try {
      await snaps.return(undefined);
    } finally {
      await trades.return(undefined);
    }
  }
}

export interface TradesSummary {
  rows: number;
  per_symbol: Record<string, number>;
  buy: number;
  sell: number;
  first_ts?: number;
  last_ts?: number;
  report: LoadReport;
  content_sha256: string;
  hash_ok: boolean;
}

/**
 * Validate a fixture's trades sidecar: every row, the count and the content hash (a mismatch
 * is an `E_HASH_MISMATCH` refusal unless lenient). Undefined when the fixture has no trades.
 */
export async function validateFixtureTrades(dir: string | Fixture, opts: { lenient?: boolean } = {}): Promise<TradesSummary | undefined> {
  const fx = typeof dir === "string" ? openFixture(dir) : dir;
  const decl = fx.manifest.trades;
  const file = tradesPath(fx);
  if (!decl || !file) return undefined;
  const report = newLoadReport(file);
  const per: Record<string, number> = {};
  let buy = 0;
  let first: number | undefined;
  let last: number | undefined;
  // One pass: the lines are hashed as stored while they stream (ADR-130), also in lenient mode.
  for await (const t of streamFixtureTrades(fx, { lenient: opts.lenient, report, verify: false, hash: true })) {
    per[t.symbol] = (per[t.symbol] ?? 0) + 1;
    if (t.aggressor === "BUY") buy++;
    if (first === undefined) first = t.ts;
    last = t.ts;
  }
  const content_sha256 = report.content_sha256 ?? "";
  const rows = report.accepted;
  const hash_ok = report.rejectedTotal === 0 && content_sha256 === decl.content_sha256 && report.lines === decl.rows;
  const manifestFile = path.join(fx.dir, "fixture.json");
  if (!opts.lenient) {
    if (rows !== decl.rows) throw new GrinderError(ErrorCode.HASH_MISMATCH, `manifest says ${decl.rows} trades, file has ${rows}`, { file: manifestFile, field: "trades.rows" });
    if (!hash_ok) throw new GrinderError(ErrorCode.HASH_MISMATCH, `trades SHA-256 ${content_sha256} does not match the manifest's ${decl.content_sha256}`, { file: manifestFile, field: "trades.content_sha256" });
  }
  return { rows, per_symbol: per, buy, sell: rows - buy, first_ts: first, last_ts: last, report, content_sha256, hash_ok };
}

const AGG_JSON = { BUY: '{"aggressor":"BUY","id":', SELL: '{"aggressor":"SELL","id":' } as const;
let lastSym = "";
let lastSymJson = '"symbol":""';

/**
 * The canonical JSON line of a checked print (ADR-257): `canonicalJson(t) + "\n"` for every trade
 * that passed `validateTradeRow` (six keys, finite numbers; tested), built without sorting keys.
 */
export function tradeLine(t: Trade): string {
  const sym = t.symbol;
  if (sym !== lastSym) {
    lastSym = sym;
    lastSymJson = `"symbol":${JSON.stringify(sym)}`;
  }
  return `${AGG_JSON[t.aggressor]}${numText(t.id)},"price":${numText(t.price)},"qty":${numText(t.qty)},${lastSymJson},"ts":${numText(t.ts)}}\n`;
}

/**
 * The checks a print gets before it is written (`TradeWriter`, the columnar store's trades,
 * ADR-255): a valid row, a declared symbol, on its instrument's tick/lot grid when one is given,
 * time order and the gap limit. A refusal names `file` and the print's line.
 */
export class TradeChecker {
  private lastTs = -1;
  /** Prints checked so far. */
  rows = 0;
  constructor(
    private readonly file: string | undefined,
    private readonly known: ReadonlySet<string>,
    private readonly instruments?: ReadonlyMap<string, InstrumentSpec>,
  ) {}

  check(t: Trade): void {
    try {
      validateTradeRow(t);
      if (!this.known.has(t.symbol)) throw new GrinderError(ErrorCode.UNKNOWN_SYMBOL, `symbol '${t.symbol}' not declared`, { field: "symbol" });
      const spec = this.instruments?.get(t.symbol);
      if (spec) checkTradeGrid(t, spec);
      if (t.ts < this.lastTs) throw new GrinderError(ErrorCode.TIME_BACKWARDS, `trade ts ${t.ts} before ${this.lastTs}`, { field: "ts" });
      if (this.lastTs >= 0 && t.ts - this.lastTs > DEFAULT_MAX_GAP_MS)
        throw new GrinderError(ErrorCode.TIME_RANGE, `trade ts ${t.ts} jumps ${t.ts - this.lastTs} ms past the previous trade (more than ${DEFAULT_MAX_GAP_MS} ms)`, { field: "ts" });
    } catch (e) {
      throw e instanceof GrinderError ? e.at({ file: this.file, line: this.rows + 1 }) : e;
    }
    this.lastTs = t.ts;
    this.rows++;
  }
}

/**
 * Writes a trades sidecar into a folder (a `FixtureWriter`'s staging folder): canonical JSON
 * lines, validated on the way in, time order enforced. `close()` returns the manifest section.
 */
export class TradeWriter {
  private readonly checker: TradeChecker;
  private pending = "";
  private readonly hash = createHash("sha256");
  private constructor(
    readonly fileName: string,
    private readonly sink: NodeJS.WritableStream,
    private readonly fileStream: NodeJS.WritableStream,
    symbols: Iterable<string>,
    instruments?: ReadonlyMap<string, InstrumentSpec>,
  ) {
    this.checker = new TradeChecker(fileName, new Set(symbols), instruments);
  }

  /** With `instruments`, every trade must be on its tick/lot grid (what the loader will check). */
  static create(dir: string, symbols: Iterable<string>, gzip: boolean, instruments?: ReadonlyMap<string, InstrumentSpec>): TradeWriter {
    const fileName = gzip ? "trades.jsonl.gz" : "trades.jsonl";
    const fileStream = createWriteStream(path.join(dir, fileName));
    let sink: NodeJS.WritableStream = fileStream;
    if (gzip) {
      const gz = createGzip({ level: 9 });
      gz.pipe(fileStream);
      sink = gz;
    }
    return new TradeWriter(fileName, sink, fileStream, symbols, instruments);
  }

  async write(t: Trade): Promise<void> {
    this.checker.check(t);
    const line = tradeLine(t);
    this.hash.update(line);
    this.pending += line;
    if (this.pending.length >= 65536) await this.flush();
  }

  private async flush(): Promise<void> {
    const chunk = this.pending;
    this.pending = "";
    if (chunk.length && !this.sink.write(chunk)) await once(this.sink, "drain");
  }

  async close(): Promise<TradesFile> {
    await this.flush();
    const done = once(this.fileStream, "finish");
    this.sink.end();
    await done;
    return { file: this.fileName, rows: this.checker.rows, content_sha256: this.hash.digest("hex") };
  }

  get rowCount(): number {
    return this.checker.rows;
  }
}
