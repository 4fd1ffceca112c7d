import Decimal from "decimal.js";
import { ErrorCode, GrinderError } from "../contracts/errors";
import type { InstrumentSpec } from "../contracts/market";
import type { Side } from "../contracts/trading";

/**
 * Contract arithmetic for instruments with a multiplier, linear or inverse (ADR-075).
 *
 * - Linear (default, multiplier M base units per contract): PnL = M·q·(exit − entry) in quote;
 *   notional = M·q·price (quote). M = 1 is the spot-like case the Ledger books today.
 * - Inverse (Binance COIN-M: BTCUSD_PERP M = 100 USD per contract, ETHUSD_PERP M = 10 USD):
 *   a contract is worth M quote, i.e. M/price base coin; PnL of a long q contracts from entry
 *   to exit = M·q·(1/entry − 1/exit) **in the base coin** (short: the negative); notional in
 *   base = M·q/price, in quote = M·q; fees are rate × base notional (base coin).
 *   The average entry of an inverse position is the harmonic mean of the fill prices weighted
 *   by contracts (Σq / Σ(q/p)), which makes realised PnL equal to the sum over the lots.
 */
export interface ContractTerms {
  multiplier: number;
  inverse: boolean;
}

export function contractTerms(spec: Pick<InstrumentSpec, "contract_multiplier" | "inverse">): ContractTerms {
  return { multiplier: spec.contract_multiplier ?? 1, inverse: spec.inverse ?? false };
}

/**
 * The contract terms of the instruments that carry any (multiplier ≠ 1 or inverse), by symbol,
 * for the `Ledger` (ADR-120); instruments without the fields are absent (booked as before).
 */
export function instrumentTerms(insts: Iterable<Pick<InstrumentSpec, "symbol" | "contract_multiplier" | "inverse">>): Map<string, ContractTerms> {
  const out = new Map<string, ContractTerms>();
  for (const i of insts) {
    const t = contractTerms(i);
    if (t.multiplier !== 1 || t.inverse) out.set(i.symbol, t);
  }
  return out;
}

/** PnL (settlement currency: quote for linear, base for inverse) of `qty` contracts held `side` from entry to exit. */
export function contractPnl(t: ContractTerms, side: Side, qty: Decimal.Value, entry: Decimal.Value, exit: Decimal.Value): Decimal {
  const q = new Decimal(qty);
  const m = new Decimal(t.multiplier);
  const sign = side === "BUY" ? 1 : -1;
  const raw = t.inverse
    ? m.mul(q).mul(new Decimal(1).div(entry).sub(new Decimal(1).div(exit)))
    : m.mul(q).mul(new Decimal(exit).sub(entry));
  return raw.mul(sign);
}

/** Notional of `qty` contracts at `price`, in the settlement currency (quote linear, base inverse). */
export function contractNotional(t: ContractTerms, qty: Decimal.Value, price: Decimal.Value): Decimal {
  const m = new Decimal(t.multiplier).mul(qty);
  return t.inverse ? m.div(price) : m.mul(price);
}

/**
 * One symbol's position in contracts with average-entry accounting under contract terms, in
 * decimal. `applyFill` returns the realised PnL of the fill (settlement currency, before fees);
 * `fee` is booked as given (settlement currency). A fill through zero closes the old position
 * and opens the rest at the fill price.
 */
export class ContractBook {
  position = new Decimal(0);
  /** Average entry price (harmonic for inverse, arithmetic for linear); 0 when flat. */
  avg_entry = new Decimal(0);
  realized = new Decimal(0);
  fees = new Decimal(0);
  constructor(readonly terms: ContractTerms) {
    if (!(terms.multiplier > 0)) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `contract multiplier must be positive, got ${terms.multiplier}`, { field: "contract_multiplier" });
  }

  applyFill(side: Side, price: number, qty: number, fee = 0): Decimal {
    if (!(qty > 0) || !(price > 0) || !Number.isFinite(fee)) throw new GrinderError(ErrorCode.INVARIANT, `bad fill ${side} ${qty}@${price} fee ${fee}`);
    const p = new Decimal(price);
    const q = new Decimal(qty);
    const signed = side === "BUY" ? q : q.neg();
    const pos = this.position;
    let realized = new Decimal(0);
    if (pos.isZero() || pos.isPositive() === signed.isPositive()) {
      const n = pos.abs().add(q);
      this.avg_entry = this.terms.inverse
        ? n.div((pos.isZero() ? new Decimal(0) : pos.abs().div(this.avg_entry)).add(q.div(p)))
        : this.avg_entry.mul(pos.abs()).add(p.mul(q)).div(n);
      this.position = pos.add(signed);
    } else {
      const closeQty = Decimal.min(pos.abs(), q);
      realized = contractPnl(this.terms, pos.isPositive() ? "BUY" : "SELL", closeQty, this.avg_entry, p);
      const newPos = pos.add(signed);
      if (newPos.isZero()) this.avg_entry = new Decimal(0);
      else if (newPos.isPositive() !== pos.isPositive()) this.avg_entry = p;
      this.position = newPos;
    }
    this.realized = this.realized.add(realized);
    this.fees = this.fees.add(fee);
    return realized;
  }

  /** Unrealised PnL at `mark` (settlement currency). */
  unrealized(mark: number): Decimal {
    if (this.position.isZero()) return new Decimal(0);
    return contractPnl(this.terms, this.position.isPositive() ? "BUY" : "SELL", this.position.abs(), this.avg_entry, mark);
  }

  /** Fee of a fill at `rate` (fraction) on its notional, settlement currency. */
  feeFor(rate: number, price: number, qty: number): Decimal {
    return contractNotional(this.terms, qty, price).mul(rate);
  }
}
