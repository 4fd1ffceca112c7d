/**
 * The fill-model ladder on the real binance-ws captures (issue 12, ADR-142): imports each
 * recording (exchange clock by default; `--clock receive` for the old reading), replays it with
 * the short-bar config under every rung and prints, per rung: fill events, orders filled, filled
 * quantity, cycles, net PnL, and every fill broken down by its cause at the fill's millisecond:
 *
 * - `through`: a print of the opposite aggressor strictly through the limit;
 * - `at`: a print at the limit (the queue ahead consumed);
 * - `cross`: the opposite best at or through the limit;
 * - `touch`: the mid at or through the limit (nothing else);
 * - `none`: none of these (a fill with no market cause: a bug).
 *
 * Precedence: touch@1 / cross@1 (quote-only rungs) cross > touch; print rungs through > cross >
 * at > touch (so `at` counts only fills that nothing but a print at the limit explains). `mid_not_reached` counts fills where the mid had not reached the limit at
 * that millisecond (what touch@1 would not have filled then), `mid_within_1s` those of them
 * where it did within the next second. For `at` fills, where the order's
 * price stood in the book at its PLACE: a visible level, an empty price inside the visible
 * range, or beyond the captured depth.
 *
 * Then the same-orders comparison (ADR-196): the touch@1 run's order requests replayed under
 * every rung (`sameOrdersLadder`): orders placed / with a fill / completed, fill events, filled
 * quantity, fill ratio, median time to fill, and per rung the orders it filled that the rung
 * above it in the expected order did not (cross vs touch, trade_through vs cross, queue vs
 * trade_through).
 *
 * Usage: npx tsx scripts/ladder-real-captures.ts [--clock exchange|receive] [--json]
 */
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseConfig } from "../sdk/config";
import type { FillRecord, IntentRecord } from "../sdk/contracts/events";
import type { Snapshot, Trade } from "../sdk/contracts/market";
import { streamFixture } from "../sdk/data/fixture";
import { importToFixture } from "../sdk/data/importers";
import type { WsClock } from "../sdk/data/importers/binance-ws";
import { streamFixtureTrades } from "../sdk/data/trades";
import { LADDER, runReplay, sameOrdersLadder, sensitivityRow, type SameOrdersResult } from "../sdk/engine";
import { PROJECT_ROOT } from "../sdk/cli/fixtures-path";

const DATA = path.join(PROJECT_ROOT, "..", "shared", "data");
export const SHORT_BAR = { features: { bar_interval_ms: 5000 }, policy: { step_min_frac: 0.0001, alpha: 0.3 } };
export const CAPTURES = [
  { name: "USD-M BTCUSDT", files: [path.join(DATA, "binance-usdm", "btcusdt-2024-08-08-stream.txt")], tick: 0.1, lot: 0.001 },
  { name: "spot ETHUSDT 08-08 + 08-09", files: [path.join(DATA, "binance-spot", "ethusdt-2024-08-08-stream.txt"), path.join(DATA, "binance-spot", "ethusdt-2024-08-09-stream.txt")], tick: 0.01, lot: 0.0001 },
];

export interface RungCauses {
  fill_model: string;
  /** Prints the venue saw. */
  trades: number;
  fills: number;
  orders_filled: number;
  filled_qty: number;
  cycles: number;
  net_pnl: number;
  causes: { through: number; at: number; cross: number; touch: number; none: number };
  /** Queue rungs: pessimistic queue resets after a stale book (sequence gap or a book crossing L1, ADR-141). */
  gap_resets: number;
  mid_not_reached: number;
  /** Of those, fills where the mid reached the limit within the next second (touch@1 would fill the same order then, unless it was moved). */
  mid_within_1s: number;
  at_level: { visible: number; empty_inside: number; beyond_depth: number; no_book: number };
}

/** Last index with `ts[i] <= t` (-1 when none). */
function lastAtOrBefore(ts: Float64Array, n: number, t: number): number {
  let lo = 0;
  let hi = n - 1;
  let best = -1;
  while (lo <= hi) {
    const m = (lo + hi) >>> 1;
    if (ts[m] <= t) {
      best = m;
      lo = m + 1;
    } else hi = m - 1;
  }
  return best;
}

export async function ladderOnCapture(fixture: string): Promise<RungCauses[]> {
  const snaps: Snapshot[] = [];
  for await (const s of streamFixture(fixture)) snaps.push(s);
  const sTs = Float64Array.from(snaps.map((s) => s.ts));
  const prints = new Map<number, Trade[]>();
  for await (const t of streamFixtureTrades(fixture)) {
    const a = prints.get(t.ts);
    if (a) a.push(t);
    else prints.set(t.ts, [t]);
  }
  const config = parseConfig(SHORT_BAR);
  const out: RungCauses[] = [];
  for (const kind of LADDER) {
    const r = await runReplay({ fixture, config: parseConfig({ ...config, execution: { ...config.execution, fill_model: { kind } } }), keepEvents: true });
    const row = sensitivityRow(r);
    const placed = new Map<string, IntentRecord>();
    const res: RungCauses = { fill_model: row.fill_model, trades: row.trades, fills: row.fills, orders_filled: row.orders_filled, filled_qty: 0, cycles: row.cycles, net_pnl: row.net_pnl, causes: { through: 0, at: 0, cross: 0, touch: 0, none: 0 }, gap_resets: row.counters?.gap_resets ?? 0, mid_not_reached: 0, mid_within_1s: 0, at_level: { visible: 0, empty_inside: 0, beyond_depth: 0, no_book: 0 } };
    const quoteOnly = kind === "touch" || kind === "cross";
    for (const e of r.events ?? []) {
      if (e.t === "intent") {
        const i = e as IntentRecord;
        if (i.type === "PLACE" && i.accepted) placed.set(i.order_id, i);
        continue;
      }
      if (e.t !== "fill") continue;
      const f = e as FillRecord;
      res.filled_qty += f.qty;
      const buy = f.side === "BUY";
      const L = f.price;
      // Quotes at this millisecond, and the one in force before it.
      const hi = lastAtOrBefore(sTs, sTs.length, f.ts);
      const qs: Snapshot[] = [];
      for (let k = hi; k >= 0 && snaps[k].ts === f.ts; k--) qs.push(snaps[k]);
      const before = lastAtOrBefore(sTs, sTs.length, f.ts - 1);
      if (before >= 0) qs.push(snaps[before]);
      const cross = qs.some((q) => (buy ? q.ask_price <= L : q.bid_price >= L));
      const touch = qs.some((q) => (buy ? (q.bid_price + q.ask_price) / 2 <= L : (q.bid_price + q.ask_price) / 2 >= L));
      const ps = (prints.get(f.ts) ?? []).filter((p) => p.aggressor === (buy ? "SELL" : "BUY"));
      const through = ps.some((p) => (buy ? p.price < L : p.price > L));
      const at = ps.some((p) => p.price === L);
      if (!touch) {
        res.mid_not_reached++;
        for (let k = hi + 1; k < snaps.length && snaps[k].ts <= f.ts + 1000; k++) {
          const m = (snaps[k].bid_price + snaps[k].ask_price) / 2;
          if (buy ? m <= L : m >= L) {
            res.mid_within_1s++;
            break;
          }
        }
      }
      let cause: keyof RungCauses["causes"];
      if (quoteOnly) cause = cross ? "cross" : touch ? "touch" : "none";
      else cause = through ? "through" : cross ? "cross" : at ? "at" : touch ? "touch" : "none";
      res.causes[cause]++;
      if (cause === "at") {
        const p = placed.get(f.order_id);
        const k = p ? lastAtOrBefore(sTs, sTs.length, p.ts) : -1;
        const b = k >= 0 ? snaps[k].book : undefined;
        const lv = b ? (buy ? b.bids : b.asks) : undefined;
        if (!lv || lv.length === 0) res.at_level.no_book++;
        else if (lv.some((x) => x.price === L)) res.at_level.visible++;
        else if (buy ? L >= lv[lv.length - 1].price : L <= lv[lv.length - 1].price) res.at_level.empty_inside++;
        else res.at_level.beyond_depth++;
      }
    }
    res.filled_qty = Math.round(res.filled_qty * 1e8) / 1e8;
    res.net_pnl = Math.round(res.net_pnl * 100) / 100;
    out.push(res);
  }
  return out;
}

/** The rung each one is expected to stay within (queue ≤ trade_through ≤ cross ≤ touch). */
export const ABOVE: Record<string, string> = { "cross@1": "touch@1", "trade_through@2": "cross@1", "queue_risk_averse@2": "trade_through@2", "queue_prob@2": "trade_through@2" };

export interface SameOrdersOnCapture extends SameOrdersResult {
  /** Per rung: orders it filled that the rung above it (`ABOVE`) did not fill. */
  outside_above: Record<string, number>;
}

/** The same-orders ladder (reference touch@1) with the short-bar config. */
export async function sameOrdersOnCapture(fixture: string): Promise<SameOrdersOnCapture> {
  const r = await sameOrdersLadder({ fixture, config: parseConfig(SHORT_BAR), reference: "touch", orderIds: true });
  const ids = new Map(r.rows.map((x) => [x.fill_model, new Set(x.filled_order_ids)]));
  const outside: Record<string, number> = {};
  for (const row of r.rows) {
    const up = ids.get(ABOVE[row.fill_model] ?? "");
    if (up) outside[row.fill_model] = row.filled_order_ids!.filter((id) => !up.has(id)).length;
  }
  for (const row of r.rows) delete row.filled_order_ids;
  delete r.reference.filled_order_ids;
  return { ...r, outside_above: outside };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const ci = args.indexOf("--clock");
  const clock = (ci >= 0 ? args[ci + 1] : "exchange") as WsClock;
  const all: Record<string, RungCauses[]> = {};
  const same: Record<string, SameOrdersOnCapture> = {};
  for (const c of CAPTURES) {
    const dir = mkdtempSync(path.join(os.tmpdir(), "grinder-ladder-"));
    try {
      const fx = path.join(dir, "fx");
      const imp = await importToFixture("binance-ws", c.files[0], { out: fx, more: c.files.slice(1), instrument: { tick_size: c.tick, lot_size: c.lot }, clock });
      const k = imp.report.counts;
      console.error(`${c.name} (${clock} clock): ${imp.manifest!.rows} snapshots, ${imp.manifest!.trades?.rows ?? 0} prints, gaps ${k.gaps}, l1_crossed_books ${k.l1_crossed_books}`);
      all[c.name] = await ladderOnCapture(fx);
      same[c.name] = await sameOrdersOnCapture(fx);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (args.includes("--json")) {
    console.log(JSON.stringify({ closed_loop: all, same_orders: same }, null, 2));
    return;
  }
  for (const [name, rows] of Object.entries(all)) {
    console.log(`\n${name} (${clock} clock)`);
    console.log("| rung | fills | orders filled | filled qty | cycles | net PnL | through | at | cross | touch | none | mid not reached (reached within 1 s) | at: visible / empty / beyond depth | queue resets |");
    console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (const r of rows)
      console.log(`| ${r.fill_model} | ${r.fills} | ${r.orders_filled} | ${r.filled_qty} | ${r.cycles} | ${r.net_pnl} | ${r.causes.through} | ${r.causes.at} | ${r.causes.cross} | ${r.causes.touch} | ${r.causes.none} | ${r.mid_not_reached} (${r.mid_within_1s}) | ${r.at_level.visible} / ${r.at_level.empty_inside} / ${r.at_level.beyond_depth} | ${r.gap_resets} |`);
  }
  for (const [name, s] of Object.entries(same)) {
    const R = s.reference;
    console.log(`\n${name} (${clock} clock), same orders: reference ${R.fill_model}, ${R.requests} requests (${R.orders_placed} PLACE, ${R.cancels} CANCEL, ${R.amends} AMEND), ${R.orders_filled} orders filled; orders it completed stay ${R.filled_lifetime_ms === null ? "to the end" : `${R.filled_lifetime_ms} ms`} after that fill (${R.added_cancels} cancels added)`);
    console.log("| rung | orders placed | with a fill | completed | fills | filled qty | fill ratio | median ttf s | filled, not by the rung above |");
    console.log("|---|---|---|---|---|---|---|---|---|");
    for (const r of s.rows)
      console.log(`| ${r.fill_model} | ${r.orders_placed} | ${r.orders_filled} | ${r.orders_completed} | ${r.fills} | ${r.filled_qty} | ${r.fill_ratio.toFixed(3)} | ${r.median_time_to_fill_ms === null ? "-" : (r.median_time_to_fill_ms / 1000).toFixed(1)} | ${r.fill_model in s.outside_above ? `${s.outside_above[r.fill_model]} (vs ${ABOVE[r.fill_model]})` : "-"} |`);
  }
}

if (require.main === module) void main();
