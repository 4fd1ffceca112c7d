import { ErrorCode, GrinderError } from "../contracts/errors";
import type { BookLevel, OrderBook, Snapshot } from "../contracts/market";

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

function msTime(v: unknown, field: string): void {
  if (v === undefined) fail(ErrorCode.MISSING_FIELD, "required field is missing", field);
  if (typeof v !== "number") fail(ErrorCode.BAD_TYPE, `expected integer ms, got ${v === null ? "null" : typeof v}`, field);
  if (!Number.isInteger(v) || v < 0) fail(ErrorCode.BAD_NUMBER, `expected a non-negative integer ms time, got ${v}`, field);
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
export function validateSnapshotRow(row: unknown): Snapshot {
  if (row === null || typeof row !== "object" || Array.isArray(row)) fail(ErrorCode.BAD_TYPE, "row is not a JSON object", "");
  const r = row as Record<string, unknown>;
  for (const k in r) if (!SNAPSHOT_KEYS.has(k)) fail(ErrorCode.EXTRA_FIELD, `unknown field '${k}'`, k);
  msTime(r.ts, "ts");
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
    if (b.ts !== undefined) msTime(b.ts, "book.ts");
    if (b.stale !== undefined && typeof b.stale !== "boolean") fail(ErrorCode.BAD_TYPE, "expected boolean", "book.stale");
  }
  return r as unknown as Snapshot;
}
