/**
 * Typed events of the engine (ADR-040): every market input the engine loop consumes and every
 * record it writes to the event log. One discriminated union per direction, one canonical
 * serialiser (`serialiseRecord`); the run digest is the SHA-256 of exactly those lines.
 */
import { ErrorCode, GrinderError } from "./errors";
import type { InstrumentSpec, Snapshot } from "./market";
import type { Selection } from "./features";
import type { Fill, GridLevel, GridPlan, Intent, ReasonCode, RegimeTransition, Side } from "./trading";
import { canonicalJson } from "../util/canonical";
import { shortDecimal, shortDecimalText } from "../util/short-decimal";

// ---------------------------------------------------------------------------------------------
// Market events (inputs)
// ---------------------------------------------------------------------------------------------

/** L1 (+ optional L2) snapshot of one symbol. The engine reuses one holder per symbol (no allocation). */
export interface QuoteEvent {
  type: "quote";
  ts: number;
  symbol: string;
  /** Position of the symbol in the run's lexical instrument list (set by the engine; saves a lookup). */
  symbol_index?: number;
  snapshot: Snapshot;
}

/** A public trade print. `aggressor` = the side that took liquidity (BUY = hit the asks). */
export interface TradeEvent {
  type: "trade";
  ts: number;
  symbol: string;
  symbol_index?: number;
  price: number;
  qty: number;
  aggressor: Side;
}

/** One changed L2 level: `qty` is the new total resting at `price` (0 = level removed). */
export interface DepthChange {
  side: "bid" | "ask";
  price: number;
  qty: number;
}

/** Incremental L2 update (the venue applies it to its book view). */
export interface DepthDeltaEvent {
  type: "depth_delta";
  ts: number;
  symbol: string;
  symbol_index?: number;
  changes: DepthChange[];
}

export type MarketEvent = QuoteEvent | TradeEvent | DepthDeltaEvent;
export type MarketEventType = MarketEvent["type"];

// ---------------------------------------------------------------------------------------------
// Log records (outputs). Field names are the digest's: changing one changes every digest.
// ---------------------------------------------------------------------------------------------

/** Version of the event-log line format; part of the digest (run header). */
export const EVENT_LOG_VERSION = 1;

export type GuardState = "NORMAL" | "DAMAGE_CONTROL" | "EMERGENCY";

export interface RunRecord {
  t: "run";
  v: number;
  fill_model: string;
  config_hash: string;
  content_sha256: string;
  symbols: InstrumentSpec[];
  /** Only when a latency model other than `none` is configured (ADR-042). */
  latency?: string;
  /** Only when a strategy other than the default adaptive grid runs (ADR-043). */
  strategy?: string;
  /** Only when the replay was fed a trades sidecar: its content hash (ADR-054). */
  trades_sha256?: string;
  /** Only when an ML regime model classifies: its artifact's SHA-256 (ADR-112). */
  regime_model?: string;
}

export interface PlanRecord {
  t: "plan";
  plan: GridPlan;
}

/** What the strategy's order manager sent (accepted) or refused itself (with a reason). */
export type IntentRecord = { t: "intent" } & Intent;

/** The venue received a request (only logged with a latency model other than `none`, ADR-042). */
export interface AckRecord {
  t: "ack";
  ts: number;
  symbol: string;
  order_id: string;
  type: "PLACE" | "CANCEL" | "AMEND";
  /** Data time the request was sent. */
  sent_ts: number;
}

/** The venue refused a request (e.g. cancel of an order that already filled). */
export interface RejectRecord {
  t: "reject";
  ts: number;
  symbol: string;
  order_id: string;
  type: "PLACE" | "CANCEL" | "AMEND";
  reason: ReasonCode;
}

export type FillRecord = { t: "fill" } & Fill & { level: number; realized: number };

/** A completed grid cycle: a grid fill and the take-profit that closed it. */
export interface CycleRecord {
  symbol: string;
  /** Side of the opening (grid) fill. */
  side: Side;
  level: number;
  entry_ts: number;
  ts: number;
  entry_price: number;
  exit_price: number;
  qty: number;
  fees: number;
  /** Quote, after both fills' fees. */
  profit: number;
  /** profit / (entry_price·qty) in basis points. */
  profit_bps: number;
}
export type CycleLogRecord = { t: "cycle" } & CycleRecord;

export type RegimeRecord = { t: "regime" } & RegimeTransition;

export interface GuardRecord {
  t: "guard";
  ts: number;
  from: GuardState;
  to: GuardState;
  dd: number;
  dd_budget: number;
  dd_utilization: number;
  reason: string;
}

export type SelectionRecord = { t: "selection" } & Selection;

export type AlertKind = "DD_UTILIZATION_WARNING" | "DD_UTILIZATION_EMERGENCY" | "TOX_HIGH_SUSTAINED" | "L2_STALE_SUSTAINED" | "LEVERAGE_OVER_CAP";
export interface AlertRecord {
  t: "alert";
  ts: number;
  alert: AlertKind;
  symbol?: string;
  value: number;
  threshold: number;
}

export interface MarkRecord {
  t: "mark";
  ts: number;
  equity: number;
  realized_pnl: number;
  unrealized_pnl: number;
  fees: number;
  inventory_notional: number;
  effective_leverage: number;
  dd: number;
  dd_utilization: number;
  guard: GuardState;
  symbols: Array<{ symbol: string; position: number; avg_entry: number; mark: number }>;
}

/** The run summary (last line). Typed loosely here; the engine's `ReplaySummary` is its shape. */
export interface SummaryRecord {
  t: "end";
  ts: number;
  summary: Record<string, number | string>;
}

export type LogRecord =
  | RunRecord
  | PlanRecord
  | IntentRecord
  | AckRecord
  | RejectRecord
  | FillRecord
  | CycleLogRecord
  | RegimeRecord
  | GuardRecord
  | SelectionRecord
  | AlertRecord
  | MarkRecord
  | SummaryRecord;
export type LogRecordType = LogRecord["t"];

// ---------------------------------------------------------------------------------------------
// The canonical serialiser
// ---------------------------------------------------------------------------------------------

/**
 * The one canonical line of a record: canonical JSON (sorted keys, shortest numbers, no
 * whitespace). Intents and plans — the bulk of a log — take hand-written writers that are
 * byte-identical to `canonicalJson` (property-tested) and fall back to it on any field they do
 * not know.
 */
export function serialiseRecord(r: LogRecord): string {
  switch (r.t) {
    case "intent":
      return intentRecordLine(r);
    case "plan":
      return planLine(r.plan);
    case "mark":
      return markLine(r);
    default:
      return canonicalJson(r);
  }
}

// Number text cache (ADR-150): a plan's prices and sizes come back in the intents of the same
// tick and in the next plans; `String(v)` of a double is the costly part of a line. Direct-mapped
// on the double's bits; a hit returns the very string `String(v)` gave for the same value.
const NUM_SLOTS = 2048;
const numKey = new Float64Array(NUM_SLOTS);
const numText: string[] = new Array<string>(NUM_SLOTS).fill("0");
const numBits = new Float64Array(1);
const numWords = new Uint32Array(numBits.buffer);

function num(v: number): string {
  if (!Number.isFinite(v)) throw new GrinderError(ErrorCode.INVARIANT, `non-finite number ${v} in canonical JSON`);
  if (v === 0) return "0"; // also -0
  numBits[0] = v;
  const h = (Math.imul(numWords[0] ^ numWords[1], 0x9e3779b1) >>> 21) & (NUM_SLOTS - 1);
  if (numKey[h] === v) return numText[h];
  const t = shortDecimalText(v) ?? String(v);
  numKey[h] = v;
  numText[h] = t;
  return t;
}


/**
 * JSON string of any string: a string of plain characters (U+0020..U+D7FF without `"` and `\`)
 * is quoted as it is — exactly what `JSON.stringify` gives for it — anything else goes through
 * `JSON.stringify` (escapes, surrogates).
 */
function quote(s: string): string {
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c >= 0xd800) return JSON.stringify(s);
  }
  return '"' + s + '"';
}

/** JSON string of a value from a small vocabulary (symbols, sides, types, modes, regimes). */
const quoted = new Map<string, string>();
function str(s: string): string {
  let q = quoted.get(s);
  if (q === undefined) {
    q = quote(s);
    if (quoted.size < 4096) quoted.set(s, q);
  }
  return q;
}

function intentRecordLine(r: IntentRecord): string {
  // every own key must be an intent field (else the generic writer); for-in: no key array
  for (const k in r) {
    switch (k) {
      case "t": case "type": case "ts": case "symbol": case "order_id": case "side": case "price": case "qty": case "accepted": case "reason":
        continue;
      default:
        return canonicalJson(r);
    }
  }
  return intentLine(r);
}

/** Number of own enumerable keys of a plain record (no key array allocated). */
function keyCount(o: object): number {
  let n = 0;
  for (const _k in o) n++;
  return n;
}

/**
 * The log record of a fill: the `Fill` fields, then `level` and `realized` (the same keys, in the
 * same order, as `{ t: "fill", ...fill, level, realized }`), spelled out. A spread followed by keys
 * the source lacks builds each record through a slow path that lands it in the old generation
 * (Node.js 20), so records made per fill are built as one literal (ADR-253).
 */
export function fillRecord(f: Fill, level: number, realized: number): FillRecord {
  return {
    t: "fill", order_id: f.order_id, symbol: f.symbol, side: f.side, kind: f.kind, price: f.price, qty: f.qty, ts: f.ts, fee: f.fee,
    liquidity: f.liquidity, level, realized,
  };
}

/** The log record of an intent: exactly the intent fields (the same keys as `{ t, ...i }` for an `Intent`), spelled out. */
export function intentRecord(i: Intent): IntentRecord {
  return i.reason === undefined
    ? { t: "intent", type: i.type, ts: i.ts, symbol: i.symbol, order_id: i.order_id, side: i.side, price: i.price, qty: i.qty, accepted: i.accepted }
    : { t: "intent", type: i.type, ts: i.ts, symbol: i.symbol, order_id: i.order_id, side: i.side, price: i.price, qty: i.qty, accepted: i.accepted, reason: i.reason };
}

/**
 * Canonical JSON line of an intent, built by hand for speed. Equals
 * `canonicalJson({ t: "intent", ...i })` byte for byte for an `Intent` (tested).
 */
export function intentLine(i: Intent): string {
  return (
    `{"accepted":${i.accepted ? "true" : "false"},"order_id":${quote(i.order_id)},"price":${num(i.price)},"qty":${num(i.qty)}` +
    (i.reason !== undefined ? `,"reason":${str(i.reason)}` : "") +
    `,"side":${str(i.side)},"symbol":${str(i.symbol)},"t":"intent","ts":${num(i.ts)},"type":${str(i.type)}}`
  );
}

const MARK_KEYS = 12;

/**
 * Canonical JSON line of a mark record, built by hand for speed (ADR-206). Falls back to
 * `canonicalJson` when the record carries another set of fields or a value that is not a
 * number / string where one is expected, so it always equals `canonicalJson(r)` (tested).
 */
export function markLine(r: MarkRecord): string {
  if (
    keyCount(r) !== MARK_KEYS || typeof r.ts !== "number" || typeof r.equity !== "number" || typeof r.realized_pnl !== "number" ||
    typeof r.unrealized_pnl !== "number" || typeof r.fees !== "number" || typeof r.inventory_notional !== "number" ||
    typeof r.effective_leverage !== "number" || typeof r.dd !== "number" || typeof r.dd_utilization !== "number" ||
    typeof r.guard !== "string" || !Array.isArray(r.symbols)
  )
    return canonicalJson(r);
  let syms = "[";
  for (let i = 0; i < r.symbols.length; i++) {
    const x = r.symbols[i];
    if (keyCount(x) !== 4 || typeof x.avg_entry !== "number" || typeof x.mark !== "number" || typeof x.position !== "number" || typeof x.symbol !== "string")
      return canonicalJson(r);
    syms += `${i ? "," : ""}{"avg_entry":${num(x.avg_entry)},"mark":${num(x.mark)},"position":${num(x.position)},"symbol":${str(x.symbol)}}`;
  }
  return (
    `{"dd":${num(r.dd)},"dd_utilization":${num(r.dd_utilization)},"effective_leverage":${num(r.effective_leverage)},"equity":${num(r.equity)}` +
    `,"fees":${num(r.fees)},"guard":${str(r.guard)},"inventory_notional":${num(r.inventory_notional)},"realized_pnl":${num(r.realized_pnl)}` +
    `,"symbols":${syms}],"t":"mark","ts":${num(r.ts)},"unrealized_pnl":${num(r.unrealized_pnl)}}`
  );
}

const PLAN_KEYS = 19;

function levelsJson(ls: ReadonlyArray<GridLevel>): string {
  let out = "[";
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i];
    if (keyCount(l) !== 4) return canonicalJson(ls);
    out += `${i ? "," : ""}{"index":${num(l.index)},"price":${num(l.price)},"qty":${num(l.qty)},"side":${str(l.side)}}`;
  }
  return out + "]";
}

function numsJson(xs: ReadonlyArray<number>): string {
  let out = "[";
  for (let i = 0; i < xs.length; i++) out += (i ? "," : "") + num(xs[i]);
  return out + "]";
}

/**
 * Canonical JSON line of a plan record, built by hand for speed. Falls back to `canonicalJson`
 * when the plan carries fields this writer does not know (an additive contract change), so it
 * always equals `canonicalJson({ t: "plan", plan })` (tested).
 */
export function planLine(p: GridPlan): string {
  const ss = p.size_schedule;
  if (keyCount(p) !== PLAN_KEYS || keyCount(ss) !== 2 || p.reasons.some((r) => typeof r !== "string"))
    return canonicalJson({ t: "plan", plan: p });
  return (
    `{"plan":{"adds_allowed":${p.adds_allowed ? "true" : "false"},"asks":${levelsJson(p.asks)},"bids":${levelsJson(p.bids)}` +
    `,"center_price":${num(p.center_price)},"dd_budget":${num(p.dd_budget)},"levels_down":${num(p.levels_down)},"levels_up":${num(p.levels_up)}` +
    `,"mode":${str(p.mode)},"reasons":[${p.reasons.map(str).join(",")}],"reduce_only":${p.reduce_only ? "true" : "false"}` +
    `,"regime":${JSON.stringify(p.regime)},"size_schedule":{"buy":${numsJson(ss.buy)},"sell":${numsJson(ss.sell)}},"step_frac":${num(p.step_frac)}` +
    `,"symbol":${JSON.stringify(p.symbol)},"ts":${num(p.ts)},"width_down_frac":${num(p.width_down_frac)},"width_up_frac":${num(p.width_up_frac)}` +
    `,"worst_case_loss":${num(p.worst_case_loss)},"x_stress_frac":${num(p.x_stress_frac)}},"t":"plan"}`
  );
}

// ---------------------------------------------------------------------------------------------
// Canonical lines as bytes (the recorder's digest path): the same bytes as the UTF-8 of the
// string writers above, written straight into one reused buffer — no line strings, no string
// concatenation to flatten and re-encode before hashing.
// ---------------------------------------------------------------------------------------------

/** A growable byte buffer canonical lines are written into (`at` = bytes used). */
export class LineBytes {
  buf: Uint8Array;
  at = 0;
  constructor(capacity = 1 << 17) {
    this.buf = new Uint8Array(capacity);
  }
  /** Room for `n` more bytes. */
  ensure(n: number): void {
    if (this.at + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.at + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.at));
    this.buf = b;
  }
}

const utf8 = new TextEncoder();

function bytesOf(s: string): Uint8Array {
  return utf8.encode(s);
}

function put(w: LineBytes, piece: Uint8Array): void {
  const n = piece.length;
  w.ensure(n);
  const b = w.buf;
  let at = w.at;
  for (let i = 0; i < n; i++) b[at++] = piece[i];
  w.at = at;
}

/** Any text as UTF-8 (what hashing the line string does). */
function putText(w: LineBytes, s: string): void {
  const n = s.length;
  w.ensure(n);
  const b = w.buf;
  let at = w.at;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      w.at = at;
      w.ensure(3 * (n - i));
      w.at += utf8.encodeInto(s.slice(i), w.buf.subarray(w.at)).written;
      return;
    }
    b[at++] = c;
  }
  w.at = at;
}

// Number bytes cache: `num`'s cache (ADR-150) as bytes, 32 bytes a slot (`String(v)` of a double
// is at most 25 characters), direct-mapped on the double's bits like `num`'s.
const numByteKey = new Float64Array(NUM_SLOTS);
const numByteLen = new Uint8Array(NUM_SLOTS);
const numBytePool = new Uint8Array(NUM_SLOTS * 32);

/** `num(v)`'s text as bytes. */
function putNum(w: LineBytes, v: number): void {
  w.ensure(32);
  const b = w.buf;
  let at = w.at;
  if (v === 0) {
    b[at] = 48;
    w.at = at + 1;
    return;
  }
  if (!Number.isFinite(v)) num(v); // throws the string writer's error
  numBits[0] = v;
  const h = (Math.imul(numWords[0] ^ numWords[1], 0x9e3779b1) >>> 21) & (NUM_SLOTS - 1);
  const o = h << 5;
  if (numByteKey[h] === v) {
    const n = numByteLen[h];
    for (let i = 0; i < n; i++) b[at++] = numBytePool[o + i];
    w.at = at;
    return;
  }
  let n = shortDecimal(v, b, at);
  if (n === 0) {
    const t = String(v); // = num(v) when shortDecimal has no text for v (shortDecimalText is then null)
    n = t.length;
    for (let i = 0; i < n; i++) b[at + i] = t.charCodeAt(i);
  }
  for (let i = 0; i < n; i++) numBytePool[o + i] = b[at + i];
  numByteKey[h] = v;
  numByteLen[h] = n;
  w.at = at + n;
}

/** `quote(s)` as bytes: plain ASCII straight, anything else through `JSON.stringify`. */
function putQuoted(w: LineBytes, s: string): void {
  const n = s.length;
  w.ensure(n + 2);
  const b = w.buf;
  let at = w.at;
  b[at++] = 34;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c >= 0x80) {
      putText(w, JSON.stringify(s));
      return;
    }
    b[at++] = c;
  }
  b[at++] = 34;
  w.at = at;
}

/** `str(s)` as bytes (small vocabulary: cached). */
const quotedBytes = new Map<string, Uint8Array>();
function putStr(w: LineBytes, s: string): void {
  let q = quotedBytes.get(s);
  if (q === undefined) {
    q = bytesOf(quote(s));
    if (quotedBytes.size < 4096) quotedBytes.set(s, q);
  }
  put(w, q);
}

const B_TRUE = bytesOf("true");
const B_FALSE = bytesOf("false");
const B_COMMA = bytesOf(",");
const I_ACCEPTED = bytesOf('{"accepted":');
const I_ORDER_ID = bytesOf(',"order_id":');
const I_PRICE = bytesOf(',"price":');
const I_QTY = bytesOf(',"qty":');
const B_CLOSE = bytesOf("}");

function isIntentShape(i: Intent): boolean {
  return (
    typeof i.order_id === "string" && typeof i.price === "number" && typeof i.qty === "number" && typeof i.ts === "number" &&
    typeof i.side === "string" && typeof i.symbol === "string" && typeof i.type === "string" && (i.reason === undefined || typeof i.reason === "string")
  );
}

/**
 * The bytes between an intent's qty and its ts — `,"reason":R` (when present), `,"side":S`,
 * `,"symbol":Y`, `,"t":"intent","ts":` — for the last few (reason, side, symbol) seen: a
 * symbol's intents cycle through a handful of them.
 */
const MID_SLOTS = 8;
const midReason: Array<string | undefined> = new Array<string | undefined>(MID_SLOTS).fill(undefined);
const midSide: string[] = new Array<string>(MID_SLOTS).fill("");
const midSymbol: string[] = new Array<string>(MID_SLOTS).fill("");
const midBytes: Uint8Array[] = new Array<Uint8Array>(MID_SLOTS).fill(new Uint8Array(0));
let midNext = 0;

function intentMid(reason: string | undefined, side: string, symbol: string): Uint8Array {
  for (let k = 0; k < MID_SLOTS; k++) if (midSide[k] === side && midSymbol[k] === symbol && midReason[k] === reason && midBytes[k].length > 0) return midBytes[k];
  const b = bytesOf((reason !== undefined ? `,"reason":${str(reason)}` : "") + `,"side":${str(side)},"symbol":${str(symbol)},"t":"intent","ts":`);
  const k = midNext;
  midNext = (midNext + 1) % MID_SLOTS;
  midReason[k] = reason;
  midSide[k] = side;
  midSymbol[k] = symbol;
  midBytes[k] = b;
  return b;
}

/** `,"type":T}` per intent type. */
const typeTail = new Map<string, Uint8Array>();
function intentTail(type: string): Uint8Array {
  let b = typeTail.get(type);
  if (b === undefined) {
    b = bytesOf(`,"type":${str(type)}}`);
    if (typeTail.size < 64) typeTail.set(type, b);
  }
  return b;
}
const I_TAIL_PLACE = intentTail("PLACE");
const I_TAIL_AMEND = intentTail("AMEND");
const I_TAIL_CANCEL = intentTail("CANCEL");

function putIntent(w: LineBytes, i: Intent): void {
  put(w, I_ACCEPTED);
  put(w, i.accepted ? B_TRUE : B_FALSE);
  put(w, I_ORDER_ID);
  putQuoted(w, i.order_id);
  put(w, I_PRICE);
  putNum(w, i.price);
  put(w, I_QTY);
  putNum(w, i.qty);
  put(w, intentMid(i.reason, i.side, i.symbol));
  putNum(w, i.ts);
  const t = i.type;
  put(w, t === "AMEND" ? I_TAIL_AMEND : t === "PLACE" ? I_TAIL_PLACE : t === "CANCEL" ? I_TAIL_CANCEL : intentTail(t));
}

/** `intentLine(i)` as bytes (its UTF-8), appended to `w`. */
export function writeIntentLine(i: Intent, w: LineBytes): void {
  if (isIntentShape(i)) putIntent(w, i);
  else putText(w, intentLine(i));
}

const P_ADDS = bytesOf('{"plan":{"adds_allowed":');
const P_ASKS = bytesOf(',"asks":');
const P_BIDS = bytesOf(',"bids":');
const P_CENTER = bytesOf(',"center_price":');
const P_DD = bytesOf(',"dd_budget":');
const P_LDOWN = bytesOf(',"levels_down":');
const P_LUP = bytesOf(',"levels_up":');
const P_MODE = bytesOf(',"mode":');
const P_REASONS = bytesOf(',"reasons":[');
const P_REDUCE = bytesOf('],"reduce_only":');
const P_REGIME = bytesOf(',"regime":');
const P_BUY = bytesOf(',"size_schedule":{"buy":');
const P_SELL = bytesOf(',"sell":');
const P_STEP = bytesOf('},"step_frac":');
const P_SYMBOL = bytesOf(',"symbol":');
const P_TS = bytesOf(',"ts":');
const P_WDOWN = bytesOf(',"width_down_frac":');
const P_WUP = bytesOf(',"width_up_frac":');
const P_WORST = bytesOf(',"worst_case_loss":');
const P_XS = bytesOf(',"x_stress_frac":');
const P_END = bytesOf('},"t":"plan"}');
const L_INDEX = bytesOf('{"index":');
const L_PRICE = bytesOf(',"price":');
const L_QTY = bytesOf(',"qty":');
const L_SIDE = bytesOf(',"side":');
const B_OPEN_ARR = bytesOf("[");
const B_CLOSE_ARR = bytesOf("]");

/** The levels `levelsJson` writes by hand (4 keys of the expected types), else false. */
function plainLevels(ls: ReadonlyArray<GridLevel>): boolean {
  if (!Array.isArray(ls)) return false;
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i];
    if (keyCount(l) !== 4 || typeof l.index !== "number" || typeof l.price !== "number" || typeof l.qty !== "number" || typeof l.side !== "string") return false;
  }
  return true;
}

function plainNums(xs: ReadonlyArray<number>): boolean {
  if (!Array.isArray(xs)) return false;
  for (let i = 0; i < xs.length; i++) if (typeof xs[i] !== "number") return false;
  return true;
}

function putLevels(w: LineBytes, ls: ReadonlyArray<GridLevel>): void {
  put(w, B_OPEN_ARR);
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i];
    if (i) put(w, B_COMMA);
    put(w, L_INDEX);
    putNum(w, l.index);
    put(w, L_PRICE);
    putNum(w, l.price);
    put(w, L_QTY);
    putNum(w, l.qty);
    put(w, L_SIDE);
    putStr(w, l.side);
    put(w, B_CLOSE);
  }
  put(w, B_CLOSE_ARR);
}

function putNums(w: LineBytes, xs: ReadonlyArray<number>): void {
  put(w, B_OPEN_ARR);
  for (let i = 0; i < xs.length; i++) {
    if (i) put(w, B_COMMA);
    putNum(w, xs[i]);
  }
  put(w, B_CLOSE_ARR);
}

/** Every field of the plan is of the type `planLine` writes by hand (else: the string writer). */
function plainPlan(p: GridPlan): boolean {
  const ss = p.size_schedule;
  if (keyCount(p) !== PLAN_KEYS || ss === null || typeof ss !== "object" || keyCount(ss) !== 2 || !Array.isArray(p.reasons)) return false;
  for (let i = 0; i < p.reasons.length; i++) if (typeof p.reasons[i] !== "string") return false;
  return (
    typeof p.center_price === "number" && typeof p.dd_budget === "number" && typeof p.levels_down === "number" && typeof p.levels_up === "number" &&
    typeof p.mode === "string" && typeof p.regime === "string" && typeof p.step_frac === "number" && typeof p.symbol === "string" &&
    typeof p.ts === "number" && typeof p.width_down_frac === "number" && typeof p.width_up_frac === "number" &&
    typeof p.worst_case_loss === "number" && typeof p.x_stress_frac === "number" &&
    plainLevels(p.asks) && plainLevels(p.bids) && plainNums(ss.buy) && plainNums(ss.sell)
  );
}

function putPlan(w: LineBytes, p: GridPlan): void {
  const ss = p.size_schedule;
  put(w, P_ADDS);
  put(w, p.adds_allowed ? B_TRUE : B_FALSE);
  put(w, P_ASKS);
  putLevels(w, p.asks);
  put(w, P_BIDS);
  putLevels(w, p.bids);
  put(w, P_CENTER);
  putNum(w, p.center_price);
  put(w, P_DD);
  putNum(w, p.dd_budget);
  put(w, P_LDOWN);
  putNum(w, p.levels_down);
  put(w, P_LUP);
  putNum(w, p.levels_up);
  put(w, P_MODE);
  putStr(w, p.mode);
  put(w, P_REASONS);
  for (let i = 0; i < p.reasons.length; i++) {
    if (i) put(w, B_COMMA);
    putStr(w, p.reasons[i]);
  }
  put(w, P_REDUCE);
  put(w, p.reduce_only ? B_TRUE : B_FALSE);
  put(w, P_REGIME);
  putQuoted(w, p.regime);
  put(w, P_BUY);
  putNums(w, ss.buy);
  put(w, P_SELL);
  putNums(w, ss.sell);
  put(w, P_STEP);
  putNum(w, p.step_frac);
  put(w, P_SYMBOL);
  putQuoted(w, p.symbol);
  put(w, P_TS);
  putNum(w, p.ts);
  put(w, P_WDOWN);
  putNum(w, p.width_down_frac);
  put(w, P_WUP);
  putNum(w, p.width_up_frac);
  put(w, P_WORST);
  putNum(w, p.worst_case_loss);
  put(w, P_XS);
  putNum(w, p.x_stress_frac);
  put(w, P_END);
}

/**
 * `serialiseRecord(r)` as bytes (its UTF-8), appended to `w`: plans and intents of the expected
 * shape straight into the buffer, every other record (and any odd plan or intent) through the
 * string writers.
 */
export function writeRecordLine(r: LogRecord, w: LineBytes): void {
  if (r.t === "plan" && r.plan !== null && typeof r.plan === "object" && plainPlan(r.plan)) putPlan(w, r.plan);
  else if (r.t === "intent" && intentKeysOnly(r) && isIntentShape(r)) putIntent(w, r);
  else if (r.t === "mark" && plainMark(r)) putMark(w, r);
  else putText(w, serialiseRecord(r));
}

/** The mark records `markLine` writes by hand (the same test), else false. */
function plainMark(r: MarkRecord): boolean {
  if (
    keyCount(r) !== MARK_KEYS || typeof r.ts !== "number" || typeof r.equity !== "number" || typeof r.realized_pnl !== "number" ||
    typeof r.unrealized_pnl !== "number" || typeof r.fees !== "number" || typeof r.inventory_notional !== "number" ||
    typeof r.effective_leverage !== "number" || typeof r.dd !== "number" || typeof r.dd_utilization !== "number" ||
    typeof r.guard !== "string" || !Array.isArray(r.symbols)
  )
    return false;
  for (let i = 0; i < r.symbols.length; i++) {
    const x = r.symbols[i];
    if (keyCount(x) !== 4 || typeof x.avg_entry !== "number" || typeof x.mark !== "number" || typeof x.position !== "number" || typeof x.symbol !== "string")
      return false;
  }
  return true;
}

const M_DD = bytesOf('{"dd":');
const M_DDU = bytesOf(',"dd_utilization":');
const M_LEV = bytesOf(',"effective_leverage":');
const M_EQ = bytesOf(',"equity":');
const M_FEES = bytesOf(',"fees":');
const M_GUARD = bytesOf(',"guard":');
const M_INV = bytesOf(',"inventory_notional":');
const M_REAL = bytesOf(',"realized_pnl":');
const M_SYMS = bytesOf(',"symbols":[');
const M_AVG = bytesOf('{"avg_entry":');
const M_MARK = bytesOf(',"mark":');
const M_POS = bytesOf(',"position":');
const M_SYM = bytesOf(',"symbol":');
const M_TS = bytesOf('],"t":"mark","ts":');
const M_UNR = bytesOf(',"unrealized_pnl":');

/** `markLine(r)` as bytes (its UTF-8). */
function putMark(w: LineBytes, r: MarkRecord): void {
  put(w, M_DD);
  putNum(w, r.dd);
  put(w, M_DDU);
  putNum(w, r.dd_utilization);
  put(w, M_LEV);
  putNum(w, r.effective_leverage);
  put(w, M_EQ);
  putNum(w, r.equity);
  put(w, M_FEES);
  putNum(w, r.fees);
  put(w, M_GUARD);
  putStr(w, r.guard);
  put(w, M_INV);
  putNum(w, r.inventory_notional);
  put(w, M_REAL);
  putNum(w, r.realized_pnl);
  put(w, M_SYMS);
  for (let i = 0; i < r.symbols.length; i++) {
    const x = r.symbols[i];
    if (i) put(w, B_COMMA);
    put(w, M_AVG);
    putNum(w, x.avg_entry);
    put(w, M_MARK);
    putNum(w, x.mark);
    put(w, M_POS);
    putNum(w, x.position);
    put(w, M_SYM);
    putStr(w, x.symbol);
    put(w, B_CLOSE);
  }
  put(w, M_TS);
  putNum(w, r.ts);
  put(w, M_UNR);
  putNum(w, r.unrealized_pnl);
  put(w, B_CLOSE);
}

function intentKeysOnly(r: IntentRecord): boolean {
  for (const k in r) {
    switch (k) {
      case "t": case "type": case "ts": case "symbol": case "order_id": case "side": case "price": case "qty": case "accepted": case "reason":
        continue;
      default:
        return false;
    }
  }
  return true;
}
