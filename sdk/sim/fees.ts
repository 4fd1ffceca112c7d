import Decimal from "decimal.js";
import type { Side } from "../contracts/trading";
import type { FeeConfig } from "./config";
import type { InstrumentSpec } from "../contracts/market";

/**
 * Pluggable fee model of the venue: the fee (settlement currency, positive = paid) of one fill.
 * `symbol` lets a schedule apply an instrument's contract terms (ADR-120).
 */
export interface FeeSchedule {
  fee(price: number, qty: number, taker: boolean, symbol?: string): number;
}

/**
 * Maker/taker fee model in basis points of notional (positive = paid). Spot-like instruments:
 * rate × price × qty in quote. With contract terms (ADR-120, `instruments` given): linear
 * rate × M·qty·price (quote), inverse rate × M·qty / price (base coin, the settlement currency).
 */
export class FeeModel implements FeeSchedule {
  private readonly maker: Decimal;
  private readonly taker: Decimal;
  private readonly terms = new Map<string, { m: Decimal; inverse: boolean }>();
  constructor(cfg: FeeConfig, instruments?: Iterable<Pick<InstrumentSpec, "symbol" | "contract_multiplier" | "inverse">>) {
    this.maker = new Decimal(cfg.maker_bps).div(10_000);
    this.taker = new Decimal(cfg.taker_bps).div(10_000);
    for (const i of instruments ?? []) {
      const m = i.contract_multiplier ?? 1;
      if (m !== 1 || i.inverse === true) this.terms.set(i.symbol, { m: new Decimal(m), inverse: i.inverse === true });
    }
  }
  /** Fee of a fill, computed in decimal and returned as the nearest double. */
  fee(price: number, qty: number, taker: boolean, symbol?: string): number {
    const t = symbol === undefined || this.terms.size === 0 ? undefined : this.terms.get(symbol);
    const rate = taker ? this.taker : this.maker;
    if (t === undefined) return new Decimal(price).mul(qty).mul(rate).toNumber();
    const n = t.inverse ? t.m.mul(qty).div(price) : t.m.mul(qty).mul(price);
    return n.mul(rate).toNumber();
  }
}

/**
 * An order is marketable when it would trade against the current opposite best on arrival:
 * BUY limit ≥ ask or SELL limit ≤ bid. Such an order is charged the taker fee when it fills.
 */
export function isMarketable(side: Side, price: number, bid: number, ask: number): boolean {
  return side === "BUY" ? price >= ask : price <= bid;
}
