import Decimal from "decimal.js";
import { ErrorCode, GrinderError } from "../contracts/errors";
import type { Side } from "../contracts/trading";
import type { FeeConfig, FillModelConfig } from "./config";

/**
 * Paper fill model (spec 17.13): decides whether a resting limit order fills on a snapshot.
 * A closed set selected by config `kind` (exhaustive switch in `makeFillModel`); the `id`
 * (`kind@version`) goes into every replay result and digest, so changing a model's semantics
 * means bumping its version.
 */
export interface FillModel {
  readonly kind: FillModelConfig["kind"];
  readonly id: string;
  /** True when a resting order at `price` fills on this quote. One full fill, no partials (v1). */
  fills(side: Side, price: number, bid: number, ask: number, mid: number): boolean;
}

/** Spec 17.13.1: LIMIT BUY fills if mid ≤ limit, LIMIT SELL fills if mid ≥ limit. */
export const TouchFillModel: FillModel = {
  kind: "touch",
  id: "touch@1",
  fills(side, price, _bid, _ask, mid) {
    return side === "BUY" ? mid <= price : mid >= price;
  },
};

/** Stricter: the opposite best must cross the limit (ask ≤ buy limit, bid ≥ sell limit). */
export const CrossFillModel: FillModel = {
  kind: "cross",
  id: "cross@1",
  fills(side, price, bid, ask) {
    return side === "BUY" ? ask <= price : bid >= price;
  },
};

export function makeFillModel(cfg: FillModelConfig): FillModel {
  const kind = cfg.kind;
  switch (kind) {
    case "touch":
      return TouchFillModel;
    case "cross":
      return CrossFillModel;
    case "trade_through":
    case "queue_risk_averse":
    case "queue_prob":
      // Maker ladder (ADR-053): these need trades and order quantities, i.e. the simulated venue (sdk/sim).
      throw new GrinderError(ErrorCode.CONFIG, `fill model '${kind}' runs only on the simulated venue (sdk/sim), which this replay loop does not use yet`, { field: "execution.fill_model.kind" });
    default: {
      const never: never = kind;
      throw new Error(`unknown fill model ${String(never)}`);
    }
  }
}

/**
 * An order is marketable when it would trade against the current opposite best on arrival:
 * BUY limit ≥ ask or SELL limit ≤ bid. Such an order is charged the taker fee when it fills.
 */
export function isMarketable(side: Side, price: number, bid: number, ask: number): boolean {
  return side === "BUY" ? price >= ask : price <= bid;
}

/** Maker/taker fee model in basis points of notional (quote, positive = paid). */
export class FeeModel {
  private readonly maker: Decimal;
  private readonly taker: Decimal;
  constructor(cfg: FeeConfig) {
    this.maker = new Decimal(cfg.maker_bps).div(10_000);
    this.taker = new Decimal(cfg.taker_bps).div(10_000);
  }
  /** Fee of a fill, computed in decimal and returned as the nearest double. */
  fee(price: number, qty: number, taker: boolean): number {
    return new Decimal(price).mul(qty).mul(taker ? this.taker : this.maker).toNumber();
  }
}
