import { createWriteStream, existsSync } from "node:fs";
import { createHash } from "node:crypto";
import * as path from "node:path";
import { createGzip } from "node:zlib";
import { once } from "node:events";
import { ErrorCode, GrinderError } from "../contracts/errors";
import type { FixtureEvent, Snapshot, Trade, TradesFile } from "../contracts/market";
import { canonicalJson } from "../util/canonical";
import { DEFAULT_TIME_RANGE, msTime, type TimeRange } from "./validate";
import { newLoadReport, openFixture, readLines, streamFixture, type Fixture, type LoadReport, type StreamOptions } from "./fixture";

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
 * (a property test holds them together), allocates nothing on a good row, names the field.
 */
export function validateTradeRow(row: unknown, range: TimeRange = DEFAULT_TIME_RANGE): Trade {
  if (row === null || typeof row !== "object" || Array.isArray(row)) fail(ErrorCode.BAD_TYPE, "row is not a JSON object", "");
  const r = row as Record<string, unknown>;
  for (const k in r) if (!TRADE_KEYS.has(k)) fail(ErrorCode.EXTRA_FIELD, `unknown field '${k}'`, k);
  msTime(r.ts, "ts", range);
  if (r.symbol === undefined) fail(ErrorCode.MISSING_FIELD, "required field is missing", "symbol");
  if (typeof r.symbol !== "string" || r.symbol.length === 0) fail(ErrorCode.BAD_TYPE, "expected a non-empty string", "symbol");
  positiveNumber(r.price, "price");
  positiveNumber(r.qty, "qty");
  if (r.aggressor === undefined) fail(ErrorCode.MISSING_FIELD, "required field is missing", "aggressor");
  if (r.aggressor !== "BUY" && r.aggressor !== "SELL") fail(ErrorCode.BAD_TYPE, `expected 'BUY' or 'SELL', got ${JSON.stringify(r.aggressor)}`, "aggressor");
  nonNegInt(r.id, "id", "a non-negative integer trade id", true);
  return r as unknown as Trade;
}

/**
 * Stream validated trades from a JSONL file (non-decreasing `ts`; blank lines only at the end).
 * Strict: the first bad row throws a `GrinderError` with file, line and field; lenient: it is
 * skipped and counted in `opts.report`.
 */
export async function* streamTradeFile(file: string, opts: StreamOptions = {}): AsyncGenerator<Trade> {
  const known = opts.symbols ? new Set(opts.symbols) : undefined;
  const report = opts.report ?? newLoadReport(file);
  const maxExamples = opts.maxExamples ?? 20;
  let lastTs = -1;
  let lineNo = 0;
  let blankSeen = 0;
  const lines = readLines(file)[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<string>;
      try {
        next = await lines.next();
      } catch (e) {
        throw new GrinderError(ErrorCode.IO, `cannot read: ${(e as Error).message}`, { file, line: lineNo + 1 });
      }
      if (next.done) break;
      const line = next.value;
      lineNo++;
      report.lines = lineNo;
      if (line.length === 0) {
        if (!blankSeen) blankSeen = lineNo;
        continue;
      }
      let t: Trade | undefined;
      try {
        if (blankSeen) throw new GrinderError(ErrorCode.PARSE, `blank line ${blankSeen} inside the file`, {});
        let row: unknown;
        try {
          row = JSON.parse(line);
        } catch (e) {
          throw new GrinderError(ErrorCode.PARSE, `invalid JSON: ${(e as Error).message}`);
        }
        t = validateTradeRow(row);
        if (known && !known.has(t.symbol)) throw new GrinderError(ErrorCode.UNKNOWN_SYMBOL, `symbol '${t.symbol}' is not declared in the fixture`, { field: "symbol" });
        if (t.ts < lastTs) throw new GrinderError(ErrorCode.TIME_BACKWARDS, `ts ${t.ts} is before the previous trade's ${lastTs}`, { field: "ts" });
      } catch (e) {
        if (!(e instanceof GrinderError)) throw e;
        const err = e.at({ file, line: lineNo });
        if (!opts.lenient) throw err;
        report.rejected[err.code] = (report.rejected[err.code] ?? 0) + 1;
        report.rejectedTotal++;
        if (report.examples.length < maxExamples) report.examples.push({ line: lineNo, code: err.code, field: err.field, message: err.detail });
        continue;
      }
      lastTs = t.ts;
      report.accepted++;
      yield t;
    }
  } finally {
    await lines.return?.(undefined);
  }
}

/** Absolute path of a fixture's trades sidecar, or undefined when it has none. */
export function tradesPath(fx: Fixture): string | undefined {
  const t = fx.manifest.trades;
  return t ? path.resolve(fx.dir, t.file) : undefined;
}

/** Stream a fixture's trades (empty when it has no sidecar). */
export async function* streamFixtureTrades(fx: Fixture | string, opts: StreamOptions = {}): AsyncGenerator<Trade> {
  const f = typeof fx === "string" ? openFixture(fx) : fx;
  const file = tradesPath(f);
  if (!file) return;
  if (!existsSync(file)) throw new GrinderError(ErrorCode.IO, "trades file is missing", { file });
  yield* streamTradeFile(file, { symbols: f.instruments.keys(), ...opts });
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
    await snaps.return(undefined);
    await trades.return(undefined);
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
  const hash = createHash("sha256");
  const per: Record<string, number> = {};
  let buy = 0;
  let first: number | undefined;
  let last: number | undefined;
  for await (const t of streamFixtureTrades(fx, { lenient: opts.lenient, report })) {
    hash.update(canonicalJson(t));
    hash.update("\n");
    per[t.symbol] = (per[t.symbol] ?? 0) + 1;
    if (t.aggressor === "BUY") buy++;
    if (first === undefined) first = t.ts;
    last = t.ts;
  }
  const content_sha256 = hash.digest("hex");
  const rows = report.accepted;
  const hash_ok = report.rejectedTotal === 0 && content_sha256 === decl.content_sha256;
  const manifestFile = path.join(fx.dir, "fixture.json");
  if (!opts.lenient) {
    if (rows !== decl.rows) throw new GrinderError(ErrorCode.HASH_MISMATCH, `manifest says ${decl.rows} trades, file has ${rows}`, { file: manifestFile, field: "trades.rows" });
    if (!hash_ok) throw new GrinderError(ErrorCode.HASH_MISMATCH, `trades SHA-256 ${content_sha256} does not match the manifest's ${decl.content_sha256}`, { file: manifestFile, field: "trades.content_sha256" });
  }
  return { rows, per_symbol: per, buy, sell: rows - buy, first_ts: first, last_ts: last, report, content_sha256, hash_ok };
}

/**
 * Writes a trades sidecar into a folder (a `FixtureWriter`'s staging folder): canonical JSON
 * lines, validated on the way in, time order enforced. `close()` returns the manifest section.
 */
export class TradeWriter {
  private rows = 0;
  private lastTs = -1;
  private pending = "";
  private readonly hash = createHash("sha256");
  private readonly known: Set<string>;
  private constructor(
    readonly fileName: string,
    private readonly sink: NodeJS.WritableStream,
    private readonly fileStream: NodeJS.WritableStream,
    symbols: Iterable<string>,
  ) {
    this.known = new Set(symbols);
  }

  static create(dir: string, symbols: Iterable<string>, gzip: boolean): TradeWriter {
    const fileName = gzip ? "trades.jsonl.gz" : "trades.jsonl";
    const fileStream = createWriteStream(path.join(dir, fileName));
    let sink: NodeJS.WritableStream = fileStream;
    if (gzip) {
      const gz = createGzip({ level: 9 });
      gz.pipe(fileStream);
      sink = gz;
    }
    return new TradeWriter(fileName, sink, fileStream, symbols);
  }

  async write(t: Trade): Promise<void> {
    try {
      validateTradeRow(t);
      if (!this.known.has(t.symbol)) throw new GrinderError(ErrorCode.UNKNOWN_SYMBOL, `symbol '${t.symbol}' not declared`, { field: "symbol" });
      if (t.ts < this.lastTs) throw new GrinderError(ErrorCode.TIME_BACKWARDS, `trade ts ${t.ts} before ${this.lastTs}`, { field: "ts" });
    } catch (e) {
      throw e instanceof GrinderError ? e.at({ file: this.fileName, line: this.rows + 1 }) : e;
    }
    this.lastTs = t.ts;
    const line = canonicalJson(t) + "\n";
    this.hash.update(line);
    this.rows++;
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
    return { file: this.fileName, rows: this.rows, content_sha256: this.hash.digest("hex") };
  }

  get rowCount(): number {
    return this.rows;
  }
}
