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
import { shortDecimalText } from "../util/short-decimal";

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
