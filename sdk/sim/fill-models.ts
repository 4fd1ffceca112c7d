import type { MarketEvent } from "../contracts/events";
import type { FillModelConfig, FillModelKind } from "./config";
import type { BookView, FillModel, SimOrder } from "./types";
import { BarCrossFillModel } from "./bar-fill-models";
import { QueueFillModel, QueueProbFillModel, QueueRiskAverseFillModel, TradeThroughFillModel } from "./maker-fill-models";

/**
 * Spec 17.13.1 `touch@1`: a resting LIMIT BUY fills in full when the mid is at or below its
 * limit, a SELL when the mid is at or above it. Quote-driven: trades and depth deltas fill nothing.
 */
export const TouchFillModel: FillModel = {
  kind: "touch",
  id: "touch@1",
  init: () => null,
  fillQty(o: SimOrder, ev: MarketEvent, book: BookView): number {
    if (ev.type !== "quote") return 0;
    const mid = (book.bid_price + book.ask_price) / 2;
    return (o.side === "BUY" ? mid <= o.price : mid >= o.price) ? o.remaining : 0;
  },
  mayFill(ev: MarketEvent, book: BookView, bounds: Float64Array): boolean {
    if (ev.type !== "quote") return false;
    const mid = (book.bid_price + book.ask_price) / 2;
    return !(mid > bounds[0] && mid < bounds[1]);
  },
};

/** `cross@1`: the opposite best must reach the limit (ask ≤ BUY limit, bid ≥ SELL limit); full fill. */
export const CrossFillModel: FillModel = {
  kind: "cross",
  id: "cross@1",
  init: () => null,
  fillQty(o: SimOrder, ev: MarketEvent, book: BookView): number {
    if (ev.type !== "quote") return 0;
    return (o.side === "BUY" ? book.ask_price <= o.price : book.bid_price >= o.price) ? o.remaining : 0;
  },
  mayFill(ev: MarketEvent, book: BookView, bounds: Float64Array): boolean {
    if (ev.type !== "quote") return false;
    return !(book.ask_price > bounds[0] && book.bid_price < bounds[1]);
  },
};

/**
 * Every registered fill model, by config kind. The fill-model contract test loops over this
 * record, so a new kind is tested by registering it here (and adding it to the config enum).
 */
export const FILL_MODELS: Readonly<Record<FillModelKind, FillModel>> = {
  touch: TouchFillModel,
  cross: CrossFillModel,
  // Maker ladder (ADR-053, sdk/sim/maker-fill-models.ts)
  trade_through: TradeThroughFillModel,
  queue_risk_averse: QueueRiskAverseFillModel,
  queue_prob: QueueProbFillModel,
  // Bar-level conservative rule (ADR-122, sdk/sim/bar-fill-models.ts)
  bar_cross: BarCrossFillModel,
};

export function makeFillModel(cfg: FillModelConfig): FillModel {
  // Queue models keep per-run counters: a fresh instance per run.
  if (cfg.kind === "queue_risk_averse") return new QueueFillModel("risk_averse");
  if (cfg.kind === "queue_prob") return new QueueFillModel("prob", cfg.n ?? 2);
  const m = FILL_MODELS[cfg.kind];
  if (m === undefined) throw new Error(`unknown fill model ${String(cfg.kind)}`);
  return m;
}
