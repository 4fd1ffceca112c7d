/**
 * How often prints run ahead of the quote on a raw binance-ws recording (STATE 17.13.2, ADR-198):
 * prints beyond the bookTicker quote in force at their exchange time (a SELL print below the
 * quoted bid, a BUY print above the quoted ask), by how much, how soon a quote consistent with the
 * print follows, and, for SELL prints below the quoted bid, how often the ask never comes down to
 * a BUY limit one tick above the print within 30 s (a sweep that only a print-driven rung sees).
 *
 * Quotes are ordered by exchange time `T` (or `E`) then update id `u`; prints by trade time `T`.
 * Usage: npx tsx scripts/sweeps-real-capture.ts [recording] [tick]
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../sdk/cli/fixtures-path";

const file = process.argv[2] ?? path.join(PROJECT_ROOT, "..", "shared", "data", "binance-usdm", "btcusdt-2024-08-08-stream.txt");
const tick = Number(process.argv[3] ?? 0.1);
const EPS = 1e-9;

interface Q { t: number; u: number; bid: number; ask: number }
interface P { t: number; price: number; sell: boolean }
const quotes: Q[] = [];
const prints: P[] = [];
for (const line of readFileSync(file, "utf8").split("\n")) {
  const sp = line.indexOf(" ");
  if (sp < 0) continue;
  let m: { stream?: string; data?: Record<string, unknown> };
  try {
    m = JSON.parse(line.slice(sp + 1)) as typeof m;
  } catch {
    continue;
  }
  const d = m.data ?? {};
  const stream = m.stream ?? "";
  if (stream.endsWith("@bookTicker")) {
    const t = (d.T as number | undefined) ?? (d.E as number | undefined) ?? Math.floor(Number(line.slice(0, sp)) / 1e6);
    quotes.push({ t, u: d.u as number, bid: Number(d.b), ask: Number(d.a) });
  } else if (stream.endsWith("@trade")) prints.push({ t: d.T as number, price: Number(d.p), sell: d.m === true });
}
quotes.sort((a, b) => a.t - b.t || a.u - b.u);
const qt = Float64Array.from(quotes.map((q) => q.t));
/** Last quote with time ≤ t (-1 when none). */
function inForce(t: number): number {
  let lo = 0, hi = qt.length - 1, best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (qt[mid] <= t) { best = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return best;
}
const beyond: number[] = [];
const lags: number[] = [];
let sweeps = 0, neverReached = 0;
for (const p of prints) {
  const i = inForce(p.t);
  if (i < 0) continue;
  const q = quotes[i];
  const gap = p.sell ? q.bid - p.price : p.price - q.ask;
  if (!(gap > EPS)) continue;
  beyond.push(gap);
  for (let j = i; j < quotes.length && quotes[j].t - p.t <= 5000; j++) {
    if (p.sell ? quotes[j].bid <= p.price + EPS : quotes[j].ask >= p.price - EPS) { lags.push(quotes[j].t - p.t); break; }
  }
  const limit = p.price + tick;
  if (!p.sell || limit > q.bid - EPS) continue;
  sweeps++;
  let reached = false;
  for (let j = i; j < quotes.length && quotes[j].t <= p.t + 30_000; j++) if (quotes[j].ask <= limit + EPS) { reached = true; break; }
  if (!reached) neverReached++;
}
const median = (a: number[]): number => { const s = [...a].sort((x, y) => x - y); return s.length ? s[s.length >> 1] : NaN; };
const p90 = (a: number[]): number => { const s = [...a].sort((x, y) => x - y); return s.length ? s[Math.floor(s.length * 0.9)] : NaN; };
console.log(JSON.stringify({
  file: path.basename(file), quotes: quotes.length, prints: prints.length,
  prints_beyond_quote: beyond.length, median_beyond: Math.round(median(beyond) * 100) / 100,
  quote_catches_up_ms: { found: lags.length, median: median(lags), p90: p90(lags) },
  sell_sweeps_below_bid: sweeps, ask_never_reached_limit_within_30s: neverReached,
}, null, 1));
