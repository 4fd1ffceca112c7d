import type { InstrumentSpec, Snapshot } from "../sdk/contracts/market";

/** The instrument of the synthetic bench market. */
export const BENCH_INST: InstrumentSpec = { symbol: "BENCHUSDT", tick_size: 0.01, lot_size: 0.001, min_notional: 5 };

/** Chunk of a synthetic L1 market in typed arrays (prices on the tick grid). */
export interface Chunk {
  n: number;
  ts: Float64Array;
  bid: Float64Array;
  ask: Float64Array;
  bidQty: Float64Array;
  askQty: Float64Array;
}

/**
 * Deterministic synthetic market: a mean-reverting random walk in integer ticks (xorshift32
 * PRNG), one quote every `dtMs`, generated chunk by chunk into reused typed arrays so a stream of
 * any length costs constant memory.
 */
export class SyntheticMarket {
  // PRNG state, mid (ticks) and clock live in typed arrays: writing a non-Smi number into an
  // object field can allocate a heap number, a typed-array store never does
  private readonly st = new Uint32Array(1);
  private readonly num = new Float64Array([200_000, 1_704_067_200_000]); // [mid ticks (= 2000.00), ts]
  readonly chunk: Chunk;
  constructor(seed = 1, readonly chunkSize = 1 << 16, readonly dtMs = 100) {
    this.st[0] = seed >>> 0 || 1;
    this.chunk = { n: 0, ts: new Float64Array(chunkSize), bid: new Float64Array(chunkSize), ask: new Float64Array(chunkSize), bidQty: new Float64Array(chunkSize), askQty: new Float64Array(chunkSize) };
  }
  private rnd(): number {
    let x = this.st[0];
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.st[0] = x;
    return this.st[0] / 4294967296;
  }
  /** Fill the next `n` (≤ chunkSize) quotes. */
  next(n: number): Chunk {
    const c = this.chunk;
    const v = this.num;
    for (let i = 0; i < n; i++) {
      const u = this.rnd();
      // ±0..6 ticks per quote, pulled back toward 2000 outside ±2 %
      const step = Math.floor(u * 13) - 6;
      v[0] += step + (v[0] > 204_000 ? -2 : v[0] < 196_000 ? 2 : 0);
      const half = this.rnd() < 0.8 ? 1 : 2;
      c.ts[i] = v[1];
      c.bid[i] = (v[0] - half) / 100;
      c.ask[i] = (v[0] + half) / 100;
      c.bidQty[i] = 1 + Math.floor(this.rnd() * 50) / 10;
      c.askQty[i] = 1 + Math.floor(this.rnd() * 50) / 10;
      v[1] += this.dtMs;
    }
    c.n = n;
    return c;
  }
}

/**
 * `total` snapshots of the synthetic market pushed into `fn` from a plain loop: ONE reused
 * Snapshot object (the engine keeps no reference to a snapshot), no generator protocol, so the
 * driver allocates nothing per snapshot. With `l2`, each carries a 10-level book built around
 * the quote (also reused).
 */
export function forEachSnapshot(total: number, opts: { seed?: number; l2?: boolean }, fn: (s: Snapshot) => void): void {
  const m = new SyntheticMarket(opts.seed ?? 1);
  const snap: Snapshot = { ts: 0.5, symbol: BENCH_INST.symbol, bid_price: 0.5, bid_qty: 0.5, ask_price: 0.5, ask_qty: 0.5 };
  const LEVELS = 10;
  const bids = Array.from({ length: LEVELS }, () => ({ price: 0, qty: 0 }));
  const asks = Array.from({ length: LEVELS }, () => ({ price: 0, qty: 0 }));
  const book = { bids, asks, ts: 0 };
  if (opts.l2) snap.book = book;
  let done = 0;
  while (done < total) {
    const n = Math.min(m.chunkSize, total - done);
    const c = m.next(n);
    for (let i = 0; i < n; i++) {
      snap.ts = c.ts[i];
      snap.bid_price = c.bid[i];
      snap.ask_price = c.ask[i];
      snap.bid_qty = c.bidQty[i];
      snap.ask_qty = c.askQty[i];
      if (opts.l2) {
        book.ts = c.ts[i];
        for (let k = 0; k < LEVELS; k++) {
          bids[k].price = Math.round((c.bid[i] - k * 0.01) * 100) / 100;
          bids[k].qty = c.bidQty[i] * (1 + 0.5 * k);
          asks[k].price = Math.round((c.ask[i] + k * 0.01) * 100) / 100;
          asks[k].qty = c.askQty[i] * (1 + 0.5 * k);
        }
      }
      fn(snap);
    }
    done += n;
  }
}
