import { z } from "zod";
import { ErrorCode, GrinderError, SafeResult } from "./errors";
import { fromZodError } from "./zod";

/** One price level of an L2 book (spec 17.4.2). */
export interface BookLevel {
  price: number;
  qty: number;
}

/**
 * Optional L2 order book (spec 17.4.2): bids strictly descending, asks strictly ascending.
 * `ts` is the data time (ms) of the last book update; `stale` is set by an importer when the
 * book can no longer be trusted (sequence gap) until it is resynchronised (spec 17.4.3).
 */
export interface OrderBook {
  bids: BookLevel[];
  asks: BookLevel[];
  ts?: number;
  stale?: boolean;
}

/**
 * L1 snapshot (spec 17.4.1). Times are integer milliseconds of data time. Prices and
 * quantities are positive finite numbers already on the instrument's tick/lot grid.
 */
export interface Snapshot {
  ts: number;
  symbol: string;
  bid_price: number;
  bid_qty: number;
  ask_price: number;
  ask_qty: number;
  last_price?: number;
  book?: OrderBook;
  /** Optional funding rate (futures), used only by an optional Top-K gate. */
  funding_rate?: number;
}

/** Instrument rules (spec 17.3): prices on `tick_size`, quantities on `lot_size`. */
export interface InstrumentSpec {
  symbol: string;
  tick_size: number;
  lot_size: number;
  min_notional: number;
  // --- contract terms (ADR-075; optional, absent = a linear spot-like instrument, multiplier 1) ---
  /** Quote value of one contract (inverse) or base units per contract (linear); default 1. Binance COIN-M BTCUSD_PERP: 100 (USD). */
  contract_multiplier?: number;
  /** Inverse contract: quantities are contracts of `contract_multiplier` quote each, PnL and fees settle in the base coin. */
  inverse?: boolean;
}

/**
 * Plausible data time of a snapshot (epoch ms, inclusive): 2000-01-01 .. 2100-01-01 UTC.
 * A value outside (0, a seconds or nanoseconds time, 1e300) is a corrupt row, refused as
 * `E_TIME_RANGE`; the loader takes a different range through `StreamOptions.timeRange` (ADR-080).
 */
export const TS_MIN_MS = 946_684_800_000;
export const TS_MAX_MS = 4_102_444_800_000;

const positive = z.number().finite().positive();
const msTime = z
  .number()
  .int()
  .nonnegative()
  .superRefine((v, ctx) => {
    if (v < TS_MIN_MS || v > TS_MAX_MS) ctx.addIssue({ code: "custom", message: `ts ${v} is outside the plausible epoch-ms range [${TS_MIN_MS}, ${TS_MAX_MS}]` });
  });

/**
 * A zod object shape that shares no hidden class with the records it describes. V8 links object
 * literals that add the same keys in the same order to one chain of hidden classes; a field
 * that holds a zod type (an object) in one of them and a double in another is widened to "any
 * value" in all of them, and every store of a double into such a field then allocates a heap
 * number — the replay's reused snapshot, book-level and trade holders paid that on every event.
 * The shape is written after a separator key and the separator is deleted: the object starts a
 * chain of its own and, after the delete, keeps its properties in a dictionary of its own. Key
 * order — zod's output order — is unchanged.
 */
const SHAPE_SEP = "__own_shape__";
function ownShape<T extends { [SHAPE_SEP]: null }>(shape: T): Omit<T, typeof SHAPE_SEP> {
  delete (shape as Partial<T>)[SHAPE_SEP];
  return shape;
}

export const BookLevelSchema = z.object(ownShape({ [SHAPE_SEP]: null, price: positive, qty: positive })).strict();

export const OrderBookSchema = z
  .object({
    bids: z.array(BookLevelSchema),
    asks: z.array(BookLevelSchema),
    ts: msTime.optional(),
    stale: z.boolean().optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    for (let i = 1; i < b.bids.length; i++) {
      if (!(b.bids[i].price < b.bids[i - 1].price))
        ctx.addIssue({ code: "custom", path: ["bids", i, "price"], message: "bids must strictly descend" });
    }
    for (let i = 1; i < b.asks.length; i++) {
      if (!(b.asks[i].price > b.asks[i - 1].price))
        ctx.addIssue({ code: "custom", path: ["asks", i, "price"], message: "asks must strictly ascend" });
    }
  });

export const SnapshotSchema = z
  .object(ownShape({
    [SHAPE_SEP]: null,
    ts: msTime,
    symbol: z.string().min(1),
    bid_price: positive,
    bid_qty: positive,
    ask_price: positive,
    ask_qty: positive,
    last_price: positive.optional(),
    book: OrderBookSchema.optional(),
    funding_rate: z.number().finite().optional(),
  }))
  .strict()
  .superRefine((s, ctx) => {
    if (s.bid_price >= s.ask_price)
      ctx.addIssue({ code: "custom", path: ["bid_price"], message: "crossed book: bid_price >= ask_price" });
    const b = s.book;
    if (!b) return;
    // ADR-081: a book is not newer than its row and not crossed.
    if (b.ts !== undefined && b.ts > s.ts) ctx.addIssue({ code: "custom", path: ["book", "ts"], message: "book mismatch: book.ts is after the row's ts" });
    if (b.bids.length && b.asks.length && b.bids[0].price >= b.asks[0].price)
      ctx.addIssue({ code: "custom", path: ["book", "bids", 0, "price"], message: "crossed L2 book: best bid >= best ask" });
    // ADR-141: a current (not stale) book agrees with its row's L1 quote: it does not cross it.
    if (b.stale !== true) {
      if (b.bids.length && b.bids[0].price >= s.ask_price)
        ctx.addIssue({ code: "custom", path: ["book", "bids", 0, "price"], message: "book mismatch: current book's best bid >= the row's ask_price" });
      if (b.asks.length && b.asks[0].price <= s.bid_price)
        ctx.addIssue({ code: "custom", path: ["book", "asks", 0, "price"], message: "book mismatch: current book's best ask <= the row's bid_price" });
    }
  });

export const InstrumentSpecSchema = z
  .object({
    symbol: z.string().min(1),
    tick_size: positive,
    lot_size: positive,
    min_notional: z.number().finite().nonnegative(),
    contract_multiplier: positive.optional(),
    inverse: z.boolean().optional(),
  })
  .strict();

/** Validate a snapshot; throws `GrinderError`. */
export function parseSnapshot(x: unknown): Snapshot {
  const r = SnapshotSchema.safeParse(x);
  if (!r.success) throw fromZodError(r.error, "snapshot");
  return r.data;
}

export function safeParseSnapshot(x: unknown): SafeResult<Snapshot> {
  try {
    return { success: true, data: parseSnapshot(x) };
  } catch (e) {
    if (e instanceof GrinderError) return { success: false, error: e };
    throw e;
  }
}

export function parseInstrumentSpec(x: unknown): InstrumentSpec {
  const r = InstrumentSpecSchema.safeParse(x);
  if (!r.success) throw fromZodError(r.error, "instrument spec");
  return r.data;
}

export function safeParseInstrumentSpec(x: unknown): SafeResult<InstrumentSpec> {
  try {
    return { success: true, data: parseInstrumentSpec(x) };
  } catch (e) {
    if (e instanceof GrinderError) return { success: false, error: e };
    throw e;
  }
}

// ---- Trades (spec 17.13.2: maker fills need the prints) -------------------------------------

/** Side of the taker: BUY lifted the ask (a resting SELL was hit), SELL hit the bid. */
export type Aggressor = "BUY" | "SELL";

/**
 * One public trade print (ADR-050). `ts` is integer ms of data time on the same clock as the
 * fixture's snapshots; `price`/`qty` positive, on the instrument's tick/lot grid; `id` is the
 * venue's trade id (a non-negative safe integer; aggregated dumps: the aggregate id).
 */
export interface Trade {
  ts: number;
  symbol: string;
  price: number;
  qty: number;
  aggressor: Aggressor;
  id: number;
}

export const TradeSchema = z
  .object(ownShape({
    [SHAPE_SEP]: null,
    ts: msTime,
    symbol: z.string().min(1),
    price: positive,
    qty: positive,
    aggressor: z.enum(["BUY", "SELL"]),
    id: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  }))
  .strict();

/** The `trades` section of a fixture manifest: the trades sidecar file (ADR-050). */
export const TradesFileSchema = z
  .object({
    /** File holding the trades, relative to the fixture folder (`trades.jsonl[.gz]`). */
    file: z.string(),
    /** Number of trade lines. */
    rows: z.number().int().nonnegative(),
    /** SHA-256 of the uncompressed trade lines (each line + "\n"). */
    content_sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();
export type TradesFile = z.infer<typeof TradesFileSchema>;

/** Validate a trade; throws `GrinderError`. */
export function parseTrade(x: unknown): Trade {
  const r = TradeSchema.safeParse(x);
  if (!r.success) throw fromZodError(r.error, "trade");
  return r.data;
}

export function safeParseTrade(x: unknown): SafeResult<Trade> {
  try {
    return { success: true, data: parseTrade(x) };
  } catch (e) {
    if (e instanceof GrinderError) return { success: false, error: e };
    throw e;
  }
}

/** A market event of a fixture stream: a snapshot or a trade (no wrapper object, ADR-050). */
export type FixtureEvent = Snapshot | Trade;

/** True for a trade, false for a snapshot (trades carry `aggressor`, snapshots never do). */
export function isTrade(e: FixtureEvent): e is Trade {
  return (e as Trade).aggressor !== undefined;
}

/** Mid price (spec 17.4.1). */
export function midPrice(s: Pick<Snapshot, "bid_price" | "ask_price">): number {
  return (s.bid_price + s.ask_price) / 2;
}

export { ErrorCode };

// --- contract sizing (ADR-120) ---

/**
 * Quantity (instrument units, before lot quantisation) worth `notional` quote at `price`:
 * notional / price for a spot-like instrument (the expression the policy always used), notional /
 * (M·price) base-contracts for a linear multiplier M, notional / M contracts for an inverse one
 * (qty_contracts = notional / multiplier).
 */
export function qtyForNotional(inst: Pick<InstrumentSpec, "contract_multiplier" | "inverse">, notional: number, price: number): number {
  if (inst.inverse === true) return notional / (inst.contract_multiplier ?? 1);
  const m = inst.contract_multiplier;
  return m === undefined || m === 1 ? notional / price : notional / (m * price);
}

/** Quote notional of `qty` instrument units at `price`: qty·price spot-like, M·qty·price linear, M·qty inverse. */
export function qtyNotional(inst: Pick<InstrumentSpec, "contract_multiplier" | "inverse">, qty: number, price: number): number {
  if (inst.inverse === true) return qty * (inst.contract_multiplier ?? 1);
  const m = inst.contract_multiplier;
  return m === undefined || m === 1 ? qty * price : qty * m * price;
}

/** True for an instrument without contract terms (multiplier 1, linear): sized and booked as spot. */
export function isSpotLike(inst: Pick<InstrumentSpec, "contract_multiplier" | "inverse">): boolean {
  return inst.inverse !== true && (inst.contract_multiplier === undefined || inst.contract_multiplier === 1);
}

/** Base-coin equivalent of `qty` instrument units at `price` (qty itself when spot-like; M·qty/price inverse). */
export function baseEquivalent(inst: Pick<InstrumentSpec, "contract_multiplier" | "inverse">, qty: number, price: number): number {
  return isSpotLike(inst) ? qty : qtyNotional(inst, qty, price) / price;
}
