/**
 * Contracts of the simulated venue (exchange side, ADR-041). The venue keeps resting orders,
 * matches them against market events through a `FillModel` and answers with execution reports.
 * It knows nothing of grids, levels, take-profits or the strategy's intentions: only orders.
 */
import type { BookLevel } from "../contracts/market";
import type { MarketEvent } from "../contracts/events";
import type { Liquidity, ReasonCode, Side } from "../contracts/trading";
import type { FillModelKind } from "./config";

/** What the venue knows of the market of one symbol (updated from quotes and depth deltas). */
export interface BookView {
  readonly symbol: string;
  /** Data time of the last market event applied. NaN before the first. */
  readonly ts: number;
  readonly bid_price: number;
  readonly bid_qty: number;
  readonly ask_price: number;
  readonly ask_qty: number;
  /** L2 levels when the feed carries them (bids descending, asks ascending). */
  readonly bids: ReadonlyArray<BookLevel> | null;
  readonly asks: ReadonlyArray<BookLevel> | null;
}

/**
 * A resting order as the venue (and its fill model) sees it. `remaining` shrinks with partial
 * fills; `state` is the fill model's own per-order object (created by `FillModel.init` on arrival,
 * re-created on an accepted amend), e.g. a queue position.
 */
export interface SimOrder {
  readonly id: string;
  readonly symbol: string;
  readonly side: Side;
  /** Limit price (tick grid). Changes only by an accepted amend. */
  readonly price: number;
  /** Original quantity (lot grid); changes only by an accepted amend. */
  readonly qty: number;
  /** Unfilled quantity. */
  readonly remaining: number;
  /** Data time the order became live at the venue (sent ts + entry latency). */
  readonly arrival_ts: number;
  /** Venue-wide arrival rank (ties at one price fill in this order). */
  readonly arrival_seq: number;
  /** Marketable on arrival (or on its last amend): charged the taker fee. */
  readonly taker: boolean;
  state: unknown;
}

/**
 * Shared liquidity at one price (ADR-041): the venue offers a market event to its resting
 * orders of one symbol best price first, then in arrival order within a price, and tells the
 * model how much of its OWN size sits ahead of this order and how much it has already filled
 * at this side and price on this event. A queue model subtracts both from the traded volume
 * it grants, so two own orders at one price never share the same print twice.
 */
export interface LevelShare {
  /** Remaining qty of own orders on this side at this price that arrived earlier. */
  own_ahead: number;
  /** Qty already filled for own orders on this side at this price during the current event. */
  own_filled: number;
  /**
   * Qty already filled for own orders on this side at ANY price during the current event
   * (ADR-053): one print that sweeps several own prices is consumed once. Absent = own_filled.
   */
  side_filled?: number;
}

/**
 * Paper fill model (spec 17.13). A closed set chosen by `execution.fill_model.kind` (the
 * registry `FILL_MODELS`); `id` = `kind@version` goes into every digest header, so changing a
 * model's semantics means bumping its version.
 */
export interface FillModel {
  readonly kind: FillModelKind;
  readonly id: string;
  /** The order's own state at arrival (and after an amend). Return null when the model keeps none. */
  init(order: SimOrder, book: BookView): unknown;
  /**
   * Quantity of `order` filled by `ev` given the venue's book (already updated by `ev`): a
   * multiple of the lot size in [0, order.remaining]. The fill is at the order's limit price.
   * Called only for events at or after the order's arrival.
   */
  fillQty(order: SimOrder, ev: MarketEvent, book: BookView, share: LevelShare, lot: number): number;
  /**
   * Optional conservative pre-check on the hot path: false only when NO order with a BUY limit
   * ≤ bounds[0] and SELL limit ≥ bounds[1] can fill on `ev` (bounds = best own BUY, best own
   * SELL; ∓Infinity when a side is empty). Only objects cross the call (no boxed doubles).
   */
  mayFill?(ev: MarketEvent, book: BookView, bounds: Float64Array): boolean;
  /**
   * Optional hot-path hint of a stateful model (ADR-150) for a quote or depth event: writes a
   * horizon per side (`out[0]` for BUYs, `out[1]` for SELLs) and returns true when, for every
   * order priced strictly beyond it (BUY below `out[0]`, SELL above `out[1]`), `fillQty` fills
   * nothing and leaves a *settled* state as it is. An order is settled when the last event
   * offered to it was a quote or depth event that found it beyond that event's horizon (so its
   * state is what a call beyond the horizon leaves). The venue skips such calls. Return false
   * (no skipping on this event) whenever unsure. Never called for trades.
   */
  horizon?(ev: MarketEvent, book: BookView, out: Float64Array): boolean;
}

/** Strategy → venue. Ids are the strategy's (`symbol:seq`), never random. */
export type OrderRequest =
  | { type: "PLACE"; ts: number; symbol: string; order_id: string; side: Side; price: number; qty: number }
  | { type: "CANCEL"; ts: number; symbol: string; order_id: string }
  | { type: "AMEND"; ts: number; symbol: string; order_id: string; price: number; qty: number };

/** Venue → strategy. `ts` = venue data time of the event. */
export type ExecutionReport =
  | { type: "ACK"; ts: number; symbol: string; order_id: string; request: OrderRequest["type"]; sent_ts: number }
  | { type: "REJECT"; ts: number; symbol: string; order_id: string; request: OrderRequest["type"]; reason: ReasonCode }
  | { type: "FILL"; ts: number; symbol: string; order_id: string; side: Side; price: number; qty: number; remaining: number; fee: number; liquidity: Liquidity }
  | { type: "CANCELED"; ts: number; symbol: string; order_id: string; remaining: number; sent_ts: number };

export type FillReport = Extract<ExecutionReport, { type: "FILL" }>;

/** Where the venue sends its reports (the engine loop applies the response latency). */
export interface VenueSink {
  /** Reports produced by one request or one market event, in order (fills: by price, then arrival). */
  reports(batch: ReadonlyArray<ExecutionReport>): void;
}

/** Reject reasons of the venue (stable: hashed when logged). */
export const VENUE_REJECTS = {
  UNKNOWN_ORDER: "VENUE_UNKNOWN_ORDER",
  DUPLICATE_ID: "VENUE_DUPLICATE_ID",
  UNKNOWN_SYMBOL: "VENUE_UNKNOWN_SYMBOL",
} as const;
