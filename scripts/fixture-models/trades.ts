import type { Snapshot, Trade } from "../../sdk/contracts/market";
import { Rng } from "./rng";

/**
 * Trade prints consistent with a generated quote stream (issue 12, ADR-057). Written as every
 * bundled fixture's trades sidecar (ADR-145); the snapshots and their content hash are unchanged.
 *
 * Per symbol, between two consecutive snapshots (prev → cur):
 * - the number of prints is Poisson with mean `base_rate · (1 + vol_boost · |r| / σ̄)`, where r is
 *   the mid log return of the step and σ̄ its EWMA, so activity clusters with volatility;
 * - the aggressor follows the move (down → mostly SELL, up → mostly BUY, flat → even);
 * - a SELL prints at the previous bid, a BUY at the previous ask; when the new quote moved through
 *   that side by k ≥ 1 ticks, the last print of the step sweeps to the new side's price (a print
 *   through the old touch, as on real feeds);
 * - sizes are lognormal around `size_frac` of the long-run touch quantity (slow EWMA), scaled by
 *   the same volatility factor, floored to the lot (at least one lot); σ̄ is a slow EWMA too, so
 *   volatile spells carry more and larger prints;
 * - `ts` = the current snapshot's ts minus a sub-step offset (never before prev.ts), ids count up
 *   per symbol from 1. Prints are emitted in time order across symbols (stable by symbol).
 */
export interface TradeModel {
  /** Mean prints per snapshot step at average volatility. */
  base_rate: number;
  /** Extra intensity per unit of |r| / σ̄. */
  vol_boost: number;
  /** Median print size as a fraction of the touch quantity. */
  size_frac: number;
  /** Lognormal sigma of print sizes. */
  size_sigma: number;
  /** Probability that a print follows the direction of the mid move. */
  follow: number;
}

export const DEFAULT_TRADE_MODEL: TradeModel = { base_rate: 0.6, vol_boost: 0.8, size_frac: 0.05, size_sigma: 0.9, follow: 0.8 };

interface SymState {
  prev?: Snapshot;
  ewma: number;
  /** Slow EWMA of the touch quantity (size scale). */
  qty: number;
  id: number;
  rng: Rng;
}

function poisson(rng: Rng, mean: number): number {
  // Knuth's method: means here are small (< 10).
  const l = Math.exp(-mean);
  let k = 0;
  let p = 1;
  for (;;) {
    p *= rng.uniform();
    if (p <= l) return k;
    k++;
  }
}

function floorLot(x: number, lot: number): number {
  const k = Math.max(1, Math.floor(x / lot + 1e-9));
  const d = Math.max(0, Math.ceil(-Math.log10(lot) - 1e-9));
  return Number((k * lot).toFixed(d));
}

/**
 * Prints for a time-ordered snapshot stream. `lots` gives each symbol's lot size and `ticks` its
 * tick size; `seed` derives one PRNG stream per symbol (`Rng.derive(seed, "trades:<S>")`).
 */
export function* tradesForSnapshots(snaps: Iterable<Snapshot>, seed: number, lots: Record<string, number>, ticks: Record<string, number>, model: TradeModel = DEFAULT_TRADE_MODEL): Generator<Trade> {
  const st = new Map<string, SymState>();
  const pending: Trade[] = [];
  let released = -Infinity;
  for (const s of snaps) {
    // Prints stamped before this snapshot can be released: they are all ≤ s.ts and later rows are ≥ s.ts.
    let a = st.get(s.symbol);
    if (!a) st.set(s.symbol, (a = { ewma: NaN, qty: NaN, id: 0, rng: Rng.derive(seed, `trades:${s.symbol}`) }));
    const prev = a.prev;
    a.prev = s;
    if (!prev) continue;
    const lot = lots[s.symbol];
    const tick = ticks[s.symbol];
    const m0 = (prev.bid_price + prev.ask_price) / 2;
    const m1 = (s.bid_price + s.ask_price) / 2;
    const r = Math.log(m1 / m0);
    const ar = Math.abs(r);
    // slow baselines (≈ 3 h at 1 s steps): intensity and size respond to volatility relative to the long run
    a.ewma = Number.isNaN(a.ewma) ? Math.max(ar, 1e-6) : 0.9999 * a.ewma + 0.0001 * Math.max(ar, 1e-9);
    const tq = (prev.bid_qty + prev.ask_qty) / 2;
    a.qty = Number.isNaN(a.qty) ? tq : 0.9999 * a.qty + 0.0001 * tq;
    const vf = 1 + model.vol_boost * (ar / a.ewma);
    const n = Math.min(12, poisson(a.rng, model.base_rate * vf));
    const dt = s.ts - prev.ts;
    for (let k = 0; k < n; k++) {
      const dir = r < 0 ? "SELL" : r > 0 ? "BUY" : a.rng.uniform() < 0.5 ? "SELL" : "BUY";
      const aggressor = a.rng.uniform() < (r === 0 ? 0.5 : model.follow) ? dir : dir === "SELL" ? "BUY" : "SELL";
      let price = aggressor === "SELL" ? prev.bid_price : prev.ask_price;
      // The step's last print sweeps through the old touch to the new quote when it moved through it.
      if (k === n - 1) {
        if (aggressor === "SELL" && s.bid_price < prev.bid_price - tick / 2) price = s.bid_price;
        if (aggressor === "BUY" && s.ask_price > prev.ask_price + tick / 2) price = s.ask_price;
      }
      const qty = floorLot(a.qty * model.size_frac * vf * Math.exp(model.size_sigma * a.rng.normal()), lot);
      const off = Math.floor(((n - k) * dt) / (n + 1));
      // never before a print already released (a symbol back from a feed gap): the output stays time ordered
      pending.push({ ts: Math.max(prev.ts, s.ts - off, released), symbol: s.symbol, price, qty, aggressor, id: ++a.id });
    }
    if (pending.length) {
      pending.sort((x, y) => x.ts - y.ts || (x.symbol < y.symbol ? -1 : x.symbol > y.symbol ? 1 : x.id - y.id));
      // Release everything up to the current time; a later symbol's step may still add prints ≥ its prev.ts.
      let w = 0;
      const cut = s.ts;
      for (const t of pending)
        if (t.ts <= cut - dt) {
          released = t.ts;
          yield t;
        } else pending[w++] = t;
      pending.length = w;
    }
  }
  pending.sort((x, y) => x.ts - y.ts || (x.symbol < y.symbol ? -1 : x.symbol > y.symbol ? 1 : x.id - y.id));
  for (const t of pending) yield t;
}
