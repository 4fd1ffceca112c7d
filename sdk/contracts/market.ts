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

const positive = z.number().finite().positive();
const msTime = z.number().int().nonnegative();

export const BookLevelSchema = z.object({ price: positive, qty: positive }).strict();

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
  .object({
    ts: msTime,
    symbol: z.string().min(1),
    bid_price: positive,
    bid_qty: positive,
    ask_price: positive,
    ask_qty: positive,
    last_price: positive.optional(),
    book: OrderBookSchema.optional(),
    funding_rate: z.number().finite().optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.bid_price >= s.ask_price)
      ctx.addIssue({ code: "custom", path: ["bid_price"], message: "crossed book: bid_price >= ask_price" });
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

/** Mid price (spec 17.4.1). */
export function midPrice(s: Pick<Snapshot, "bid_price" | "ask_price">): number {
  return (s.bid_price + s.ask_price) / 2;
}

export { ErrorCode };
