import type { InstrumentSpec, Snapshot, Trade } from "../../sdk/contracts/market";

/** The instrument of `choppyStream`. */
export const CHOPPY_INST: InstrumentSpec = { symbol: "X", tick_size: 0.1, lot_size: 0.001, min_notional: 0 };

/**
 * A deterministic choppy L1 stream with prints at and through the quotes (no RNG: a fixed
 * integer recurrence), one snapshot every 500 ms and a print 200 ms after every third one.
 * `variableSpread`: the spread is 1..3 ticks (so touch and cross differ) instead of 1 tick.
 */
export function choppyStream(n: number, variableSpread = false): { snaps: Snapshot[]; trades: Trade[] } {
  const snaps: Snapshot[] = [];
  const trades: Trade[] = [];
  let x = 12345;
  let mid = 10000; // ticks
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const r = x / 2147483648;
    mid += r < 0.45 ? -1 : r > 0.55 ? 1 : 0;
    const ts = 1_700_000_000_000 + i * 500;
    const spread = variableSpread ? 1 + ((x >> 12) % 3) : 1;
    snaps.push({ ts, symbol: "X", bid_price: mid / 10, bid_qty: 1 + (i % 5), ask_price: (mid + spread) / 10, ask_qty: 1 + ((i * 3) % 4) });
    if (i % 3 === 0) {
      const sell = r < 0.5;
      const through = (x >> 8) % 4 === 0 ? 2 : 0;
      trades.push({ ts: ts + 200, symbol: "X", price: sell ? (mid - through) / 10 : (mid + spread + through) / 10, qty: 0.5 + (i % 7) * 0.25, aggressor: sell ? "SELL" : "BUY", id: i });
    }
  }
  return { snaps, trades };
}
