import Decimal from "decimal.js";
import type { Side } from "../contracts/trading";
import type { FeeConfig } from "./config";

/** Pluggable fee model of the venue: the fee (quote, positive = paid) of one fill. */
export interface FeeSchedule {
  fee(price: number, qty: number, taker: boolean): number;
}

/** Maker/taker fee model in basis points of notional (quote, positive = paid). */
export class FeeModel implements FeeSchedule {
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

/**
 * An order is marketable when it would trade against the current opposite best on arrival:
 * BUY limit ≥ ask or SELL limit ≤ bid. Such an order is charged the taker fee when it fills.
 */
export function isMarketable(side: Side, price: number, bid: number, ask: number): boolean {
  return side === "BUY" ? price >= ask : price <= bid;
}
