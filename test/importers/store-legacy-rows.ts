import type { Snapshot } from "../../sdk/contracts/market";

/**
 * The rows of the committed version-1 store `test/importers/data/store-v1` (written by the
 * store writer of before ADR-235, eight float64 columns in every partition): two symbols
 * interleaved across a UTC midnight, `last_price` on some rows, `funding_rate` on others, one
 * symbol with neither. Deterministic (no random source).
 */
export function legacyRows(): Snapshot[] {
  const out: Snapshot[] = [];
  const t0 = 1_704_153_590_000; // 2024-01-01T23:59:50Z
  for (let i = 0; i < 360; i++) {
    const ts = t0 + i * 50;
    if (i % 3 !== 2) {
      const s: Snapshot = { ts, symbol: "AAAUSDT", bid_price: 100 + (i % 7) * 0.1, bid_qty: 1 + (i % 5), ask_price: 100.8 + (i % 7) * 0.1, ask_qty: 2 + (i % 4) * 0.5 };
      if (i % 4 === 0) s.last_price = 100.4 + (i % 7) * 0.1;
      if (i >= 200 && i % 10 === 0) s.funding_rate = 0.0001 * (i % 3);
      out.push(s);
    } else out.push({ ts, symbol: "BBB_PERP", bid_price: 25 + (i % 11) * 0.01, bid_qty: 10 + i, ask_price: 25.2 + (i % 11) * 0.01, ask_qty: 3.5 });
  }
  return out;
}
