import { ErrorCode, GrinderError } from "../contracts/errors";
import { TS_MAX_MS, TS_MIN_MS, type BookLevel, type InstrumentSpec, type OrderBook, type Snapshot } from "../contracts/market";

/**
 * Fast row validator for the fixture loader's hot path. It accepts exactly what
 * `SnapshotSchema` (zod) accepts — a property test holds the two together — but allocates
 * nothing on a good row and names the first bad field on a bad one.
 */
const SNAPSHOT_KEYS = new Set(["ts", "symbol", "bid_price", "bid_qty", "ask_price", "ask_qty", "last_price", "book", "funding_rate"]);
const BOOK_KEYS = new Set(["bids", "asks", "ts", "stale"]);
const REQUIRED: ReadonlyArray<"bid_price" | "bid_qty" | "ask_price" | "ask_qty"> = ["bid_price", "bid_qty", "ask_price", "ask_qty"];

function fail(code: (typeof ErrorCode)[keyof typeof ErrorCode], detail: string, field: string): never {
  throw new GrinderError(code, detail, { field });
}

function positiveNumber(v: unknown, field: string): void {
  if (v === undefined) fail(ErrorCode.MISSING_FIELD, "required field is missing", field);
  if (typeof v !== "number") fail(ErrorCode.BAD_TYPE, `expected number, got ${v === null ? "null" : typeof v}`, field);
  if (!Number.isFinite(v) || v <= 0) fail(ErrorCode.BAD_NUMBER, `expected a positive finite number, got ${v}`, field);
}

/** Plausible data-time range of a row (epoch ms, inclusive); see `TS_MIN_MS` / `TS_MAX_MS` (ADR-080). */
export interface TimeRange {
  min: number;
  max: number;
}
export const DEFAULT_TIME_RANGE: Readonly<TimeRange> = Object.freeze({ min: TS_MIN_MS, max: TS_MAX_MS });

/** A data time: a non-negative integer ms inside the plausible range (ADR-080); shared by every row validator. */
export function msTime(v: unknown, field: string, range: TimeRange): void {
  if (v === undefined) fail(ErrorCode.MISSING_FIELD, "required field is missing", field);
  if (typeof v !== "number") fail(ErrorCode.BAD_TYPE, `expected integer ms, got ${v === null ? "null" : typeof v}`, field);
  if (!Number.isInteger(v) || v < 0) fail(ErrorCode.BAD_NUMBER, `expected a non-negative integer ms time, got ${v}`, field);
  if (v < range.min || v > range.max)
    fail(ErrorCode.TIME_RANGE, `ts ${v} is outside the plausible epoch-ms range [${range.min}, ${range.max}]`, field);
}

function levels(v: unknown, field: string, descending: boolean): void {
  if (v === undefined) fail(ErrorCode.MISSING_FIELD, "required field is missing", field);
  if (!Array.isArray(v)) fail(ErrorCode.BAD_TYPE, "expected an array of levels", field);
  let prev = descending ? Infinity : -Infinity;
  for (let i = 0; i < v.length; i++) {
    const l = v[i] as BookLevel;
    const f = `${field}[${i}]`;
    if (l === null || typeof l !== "object" || Array.isArray(l)) fail(ErrorCode.BAD_TYPE, "expected {price, qty}", f);
    for (const k in l) if (k !== "price" && k !== "qty") fail(ErrorCode.EXTRA_FIELD, `unknown field '${k}'`, `${f}.${k}`);
    positiveNumber(l.price, `${f}.price`);
    positiveNumber(l.qty, `${f}.qty`);
    if (descending ? !(l.price < prev) : !(l.price > prev))
      fail(ErrorCode.BOOK_ORDER, descending ? "bids must strictly descend" : "asks must strictly ascend", `${f}.price`);
    prev = l.price;
  }
}

/** Validate one decoded row as a `Snapshot`; throws `GrinderError` naming the field. */
export function validateSnapshotRow(row: unknown, range: TimeRange = DEFAULT_TIME_RANGE): Snapshot {
  if (row === null || typeof row !== "object" || Array.isArray(row)) fail(ErrorCode.BAD_TYPE, "row is not a JSON object", "");
  const r = row as Record<string, unknown>;
  for (const k in r) if (!SNAPSHOT_KEYS.has(k)) fail(ErrorCode.EXTRA_FIELD, `unknown field '${k}'`, k);
  msTime(r.ts, "ts", range);
  if (r.symbol === undefined) fail(ErrorCode.MISSING_FIELD, "required field is missing", "symbol");
  if (typeof r.symbol !== "string" || r.symbol.length === 0) fail(ErrorCode.BAD_TYPE, "expected a non-empty string", "symbol");
  for (const k of REQUIRED) positiveNumber(r[k], k);
  if (r.last_price !== undefined) positiveNumber(r.last_price, "last_price");
  if (r.funding_rate !== undefined && (typeof r.funding_rate !== "number" || !Number.isFinite(r.funding_rate)))
    fail(ErrorCode.BAD_NUMBER, "expected a finite number", "funding_rate");
  if ((r.bid_price as number) >= (r.ask_price as number))
    fail(ErrorCode.CROSSED_BOOK, `crossed book: bid_price ${r.bid_price} >= ask_price ${r.ask_price}`, "bid_price");
  if (r.book !== undefined) {
    const b = r.book as OrderBook;
    if (b === null || typeof b !== "object" || Array.isArray(b)) fail(ErrorCode.BAD_TYPE, "expected an order book object", "book");
    for (const k in b) if (!BOOK_KEYS.has(k)) fail(ErrorCode.EXTRA_FIELD, `unknown field '${k}'`, `book.${k}`);
    levels(b.bids, "book.bids", true);
    levels(b.asks, "book.asks", false);
    if (b.ts !== undefined) {
      msTime(b.ts, "book.ts", range);
      if (b.ts > (r.ts as number)) fail(ErrorCode.BOOK_MISMATCH, `book.ts ${b.ts} is after the row's ts ${r.ts}`, "book.ts");
    }
    if (b.stale !== undefined && typeof b.stale !== "boolean") fail(ErrorCode.BAD_TYPE, "expected boolean", "book.stale");
    const nb = b.bids.length;
    const na = b.asks.length;
    if (nb && na && b.bids[0].price >= b.asks[0].price)
      fail(ErrorCode.CROSSED_BOOK, `crossed L2 book: best bid ${b.bids[0].price} >= best ask ${b.asks[0].price}`, "book.bids[0].price");
    // L1/L2 agreement (ADR-141): a current book must not cross its own row's quote. The
    // binance-ws importer writes such books as stale (counted as `l1_crossed_books`).
    if (b.stale !== true) {
      if (nb && b.bids[0].price >= (r.ask_price as number))
        fail(ErrorCode.BOOK_MISMATCH, `current book's best bid ${b.bids[0].price} >= the row's ask_price ${r.ask_price} (a book that disagrees with L1 must be marked stale)`, "book.bids[0].price");
      if (na && b.asks[0].price <= (r.bid_price as number))
        fail(ErrorCode.BOOK_MISMATCH, `current book's best ask ${b.asks[0].price} <= the row's bid_price ${r.bid_price} (a book that disagrees with L1 must be marked stale)`, "book.asks[0].price");
    }
  }
  return r as unknown as Snapshot;
}

/** Relative tolerance of the grid check: doubles like 100.07000000000001 are on a 0.01 grid. */
const GRID_TOL = 1e-9;

function onGrid(v: number, step: number): boolean {
  const k = Math.round(v / step);
  return k >= 1 && Math.abs(k * step - v) <= GRID_TOL * v;
}

/** `v` is a positive multiple of `step` within the grid tolerance (shared with the trades loader). */
export const onGridValue = onGrid;

function gridFail(code: typeof ErrorCode.OFF_GRID, v: number, step: number, what: string, field: string): never {
  fail(code, `${v} is not a multiple of the ${what} ${step}`, field);
}

/**
 * Prices on the instrument's tick grid and quantities on its lot grid (spec 17.3, 17.4.1),
 * L1 and every L2 level. Allocates nothing on a good row (ADR-081).
 */
export function checkGrid(s: Snapshot, spec: InstrumentSpec): void {
  const t = spec.tick_size;
  const q = spec.lot_size;
  if (!onGrid(s.bid_price, t)) gridFail(ErrorCode.OFF_GRID, s.bid_price, t, "tick size", "bid_price");
  if (!onGrid(s.ask_price, t)) gridFail(ErrorCode.OFF_GRID, s.ask_price, t, "tick size", "ask_price");
  if (!onGrid(s.bid_qty, q)) gridFail(ErrorCode.OFF_GRID, s.bid_qty, q, "lot size", "bid_qty");
  if (!onGrid(s.ask_qty, q)) gridFail(ErrorCode.OFF_GRID, s.ask_qty, q, "lot size", "ask_qty");
  const b = s.book;
  if (!b) return;
  for (let side = 0; side < 2; side++) {
    const lv = side === 0 ? b.bids : b.asks;
    for (let i = 0; i < lv.length; i++) {
      if (!onGrid(lv[i].price, t)) gridFail(ErrorCode.OFF_GRID, lv[i].price, t, "tick size", `book.${side === 0 ? "bids" : "asks"}[${i}].price`);
      if (!onGrid(lv[i].qty, q)) gridFail(ErrorCode.OFF_GRID, lv[i].qty, q, "lot size", `book.${side === 0 ? "bids" : "asks"}[${i}].qty`);
    }
  }
}

/**
 * Row streams whose every row already passed `validateSnapshotRow` (the fixture loader's), with
 * the instruments whose tick/lot grid each row of a listed symbol was checked against (ADR-257).
 * The store writer checks every other row itself; a row stream from anywhere else is checked.
 */
const CHECKED_ROWS = new WeakMap<object, ReadonlyMap<string, InstrumentSpec> | null>();

/** @internal Mark `rows` (an iterable the caller returns as is) as yielding only rows that passed `validateSnapshotRow` and, for the symbols of `grid`, `checkGrid` against those specs. */
export function markCheckedRows<T extends object>(rows: T, grid?: ReadonlyMap<string, InstrumentSpec>): T {
  CHECKED_ROWS.set(rows, grid ?? null);
  return rows;
}

/** @internal What `markCheckedRows` recorded for `rows`: undefined when nothing (every row must be checked). */
export function checkedRows(rows: object): { grid: ReadonlyMap<string, InstrumentSpec> | null } | undefined {
  const g = CHECKED_ROWS.get(rows);
  return g === undefined ? undefined : { grid: g };
}
