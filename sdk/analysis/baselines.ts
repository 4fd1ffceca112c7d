import type { GrinderConfig } from "../config";
import { parseConfig } from "../config";
import type { ReplayResult } from "../engine/replay";
import { runReplay, type ReplayOptions } from "../engine/run";
import { applyPoint, cloneJson, type ParamPoint } from "../calibration/space";
import { replayBarDataset, type BarReplayOptions } from "../engine/replay-bars";
import type { OpenedBarDataset } from "../data/dataset";

/**
 * Baselines of a replay (ADR-065), computed from what a replay returns — never inside the
 * engine loop:
 * - buy-and-hold: the run's starting equity split equally over its symbols, bought at each
 *   symbol's first mid of the run and marked at its last mid (no fees);
 * - static grid: the same engine and base config with adaptation switched off — fixed step
 *   (`alpha` → 1e-9, so step = `step_min_frac`), fixed width (`x_min_frac` = `x_cap_frac` = 2 %),
 *   trend and vol-shock regimes unreachable; the DD guard, caps, toxicity and thin-book
 *   protection stay as configured. (The separate `StaticGridStrategy` of
 *   sdk/strategies/static-grid is not used here: this baseline keeps the same guards and caps.)
 */
export const STATIC_GRID_OVERRIDES: ParamPoint = {
  "policy.alpha": 1e-9,
  "policy.x_min_frac": 0.02,
  "policy.x_cap_frac": 0.02,
  "regime.trend_enter_th": 1e9,
  "regime.trend_exit_th": 1e9,
  "regime.vol_enter_ratio": 1e9,
  "regime.vol_exit_ratio": 1e9,
  "regime.vol_jump_natr": 1e9,
};

/** The static-grid counterpart of a (resolved or partial) config. */
export function staticGridConfig(config: GrinderConfig | Record<string, unknown>): GrinderConfig {
  return parseConfig(applyPoint(cloneJson(config as Record<string, unknown>), STATIC_GRID_OVERRIDES));
}

/** Buy-and-hold PnL over a replay's bars (see the module note); 0 without bars. */
export function buyAndHoldPnl(bars: ReplayResult["bars"], equity: number, fromTs = -Infinity): number {
  const n = bars.numRows();
  if (!n) return 0;
  const ts = bars.array("ts") as ArrayLike<number>;
  const sym = bars.array("symbol") as ArrayLike<string>;
  const mid = bars.array("mid") as ArrayLike<number>;
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    if (ts[i] < fromTs || !(mid[i] > 0)) continue;
    if (!first.has(sym[i])) first.set(sym[i], mid[i]);
    last.set(sym[i], mid[i]);
  }
  if (!first.size) return 0;
  const each = equity / first.size;
  let pnl = 0;
  for (const s of [...first.keys()].sort()) pnl += each * (last.get(s)! / first.get(s)! - 1);
  return pnl;
}

export interface BaselineRow {
  strategy: "adaptive grid" | "static grid" | "buy and hold";
  net_pnl: number;
  return_pct: number;
  max_dd: number | null;
  fills: number | null;
  /** Adaptive net PnL minus this row's (0 for the adaptive row). */
  uplift: number;
}

/**
 * The adaptive run next to its baselines on the same data and window: replays the static grid
 * (same options, static config) and computes buy-and-hold from the adaptive run's bars.
 */
export async function replayBaselines(adaptive: ReplayResult, opts: ReplayOptions): Promise<BaselineRow[]> {
  const cfg = opts.config ?? parseConfig({});
  // only the summary is read: no event log digest, no tables (ADR-205)
  const stat = await runReplay({ ...opts, config: staticGridConfig(cfg), keepEvents: false, tables: false, digest: false });
  return baselineRows(adaptive, stat.summary, opts.window?.from_ts);
}

/**
 * The baselines of a bar dataset's replay (ADR-265): the static grid replays the same recipe
 * through the same intrabar path model, with the static config adapted to the dataset's interval
 * as the adaptive run's is (ADR-071); buy-and-hold from the adaptive run's bars.
 */
export async function replayBarBaselines(adaptive: ReplayResult, ds: string | OpenedBarDataset, opts: Pick<BarReplayOptions, "config" | "window" | "adapt"> = {}): Promise<BaselineRow[]> {
  const cfg = opts.config ?? parseConfig({});
  const stat = await replayBarDataset(ds, { config: staticGridConfig(cfg), window: opts.window, adapt: opts.adapt, keepEvents: false, tables: false });
  return baselineRows(adaptive, stat.summary, opts.window?.from_ts);
}

/** The part of the static-grid run's summary the baseline rows read. */
export type StaticGridSummary = Pick<ReplayResult["summary"], "equity_start" | "equity_end" | "max_dd" | "fills">;

/**
 * The three baseline rows from the adaptive run and a static-grid run's summary (computed by
 * `replayBaselines`, or by `grinder replay` on another thread while the adaptive run replays,
 * ADR-190).
 */
export function baselineRows(adaptive: ReplayResult, stat: StaticGridSummary, fromTs?: number): BaselineRow[] {
  const eq0 = adaptive.summary.equity_start;
  const a = adaptive.summary.equity_end - eq0;
  const s = stat.equity_end - stat.equity_start;
  const bh = buyAndHoldPnl(adaptive.bars, eq0, fromTs);
  const pct = (x: number): number => (eq0 > 0 ? (100 * x) / eq0 : 0);
  return [
    { strategy: "adaptive grid", net_pnl: a, return_pct: pct(a), max_dd: adaptive.summary.max_dd, fills: adaptive.summary.fills, uplift: 0 },
    { strategy: "static grid", net_pnl: s, return_pct: pct(s), max_dd: stat.max_dd, fills: stat.fills, uplift: a - s },
    { strategy: "buy and hold", net_pnl: bh, return_pct: pct(bh), max_dd: null, fills: null, uplift: a - bh },
  ];
}
