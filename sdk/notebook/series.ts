/**
 * Fixture snapshots as column series for charts: one `SnapshotSeries` per symbol, read by
 * streaming the fixture once (every row validated by the loader).
 */
import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import type { Snapshot } from "../contracts/market";
import { openFixture, streamFixture, type Fixture, type FixtureSummary } from "../data/fixture";

/** Column arrays of one symbol's snapshots (time in ms, prices in quote, quantities in base). */
export interface SnapshotSeries {
  symbol: string;
  ts: number[];
  bid: number[];
  ask: number[];
  mid: number[];
  spread_bps: number[];
  bid_qty: number[];
  ask_qty: number[];
  /** Quote depth of the top `depthLevels` book levels, both sides; null when the row has no book. */
  depth_quote: Array<number | null>;
}

export interface SeriesOptions {
  /** Only these symbols (default: all). */
  symbols?: ReadonlyArray<string>;
  /** Keep every n-th row per symbol (default 1 = all). */
  every?: number;
  /** Stop after this many rows per symbol. */
  maxRows?: number;
  /** Only rows with `ts` in `[from, to)`. */
  from?: number;
  to?: number;
  /** Book levels per side summed into `depth_quote` (default 10). */
  depthLevels?: number;
}

function depthOf(s: Snapshot, n: number): number | null {
  if (!s.book || s.book.stale) return null;
  let d = 0;
  for (let i = 0; i < Math.min(n, s.book.bids.length); i++) d += s.book.bids[i].price * s.book.bids[i].qty;
  for (let i = 0; i < Math.min(n, s.book.asks.length); i++) d += s.book.asks[i].price * s.book.asks[i].qty;
  return d;
}

/** Read a fixture into per-symbol column series (symbols in lexical order). */
export async function fixtureSeries(fixture: Fixture | string, opts: SeriesOptions = {}): Promise<Map<string, SnapshotSeries>> {
  const fx = typeof fixture === "string" ? openFixture(fixture) : fixture;
  const want = opts.symbols ? new Set(opts.symbols) : null;
  const every = Math.max(1, Math.floor(opts.every ?? 1));
  const depthLevels = opts.depthLevels ?? 10;
  const out = new Map<string, SnapshotSeries>();
  const seen = new Map<string, number>();
  for (const sym of fx.instruments.keys()) {
    if (want && !want.has(sym)) continue;
    out.set(sym, { symbol: sym, ts: [], bid: [], ask: [], mid: [], spread_bps: [], bid_qty: [], ask_qty: [], depth_quote: [] });
    seen.set(sym, 0);
  }
  for await (const s of streamFixture(fx)) {
    if (opts.to !== undefined && s.ts >= opts.to) break;
    const y = out.get(s.symbol);
    if (!y || (opts.from !== undefined && s.ts < opts.from)) continue;
    const k = seen.get(s.symbol) as number;
    seen.set(s.symbol, k + 1);
    if (k % every !== 0) continue;
    if (opts.maxRows !== undefined && y.ts.length >= opts.maxRows) continue;
    const mid = (s.bid_price + s.ask_price) / 2;
    y.ts.push(s.ts);
    y.bid.push(s.bid_price);
    y.ask.push(s.ask_price);
    y.mid.push(mid);
    y.spread_bps.push(((s.ask_price - s.bid_price) / mid) * 1e4);
    y.bid_qty.push(s.bid_qty);
    y.ask_qty.push(s.ask_qty);
    y.depth_quote.push(depthOf(s, depthLevels));
  }
  return out;
}

/** The project's fixture folder (`<root>/fixtures`). */
export const FIXTURES_ROOT = path.resolve(__dirname, "..", "..", "fixtures");

/** Names of the fixtures under `root` (folders holding a fixture.json), sorted. */
export function fixtureNames(root = FIXTURES_ROOT): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(root, d.name, "fixture.json")))
    .map((d) => d.name)
    .sort();
}

/** One table row per symbol of a validated fixture (span in hours, spread in bps). */
export function fixtureSummaryRows(s: FixtureSummary): Array<Record<string, unknown>> {
  return s.symbols.map((y) => ({
    fixture: s.name,
    symbol: y.symbol,
    rows: y.rows,
    span_h: Math.round(((y.last_ts - y.first_ts) / 3.6e6) * 100) / 100,
    l2_rows: y.l2_rows,
    min_mid: y.min_mid,
    max_mid: y.max_mid,
    mean_spread_bps: Math.round(y.mean_spread_bps * 100) / 100,
    max_gap_ms: y.max_gap_ms,
    rejected: s.report.rejectedTotal,
    hash_ok: s.hash_ok,
  }));
}
