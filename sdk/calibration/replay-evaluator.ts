import type { GrinderConfig } from "../config";
import type { Snapshot } from "../contracts/market";
import { openFixture, streamFixture } from "../data/fixture";
import { runReplay } from "../engine/run";
import type { EvalTask, TrialMetrics } from "./evaluator";

/**
 * The production evaluator: replay one evaluation unit with `runReplay` (sdk/engine) and map its
 * result to calibration metrics. Loaded by pool workers by module path (see REPLAY_EVALUATOR).
 *
 * - window: the unit's [from_ts, to_ts) becomes runReplay's inclusive [from_ts, to_ts − 1];
 *   snapshots before from_ts only warm the features up (no trading), so each unit starts flat.
 * - net_pnl = equity_end − equity_start (realised + unrealised, after fees);
 *   max_drawdown = summary.max_dd; dd_budget = risk.dd_budget_abs ?? risk.equity · risk.dd_budget_pct (spec 17.7.1).
 * - emergency_ms / damage_control_ms: data time between the guard's transitions into and out of
 *   that mode (from the run's transition list), the guard being NORMAL at from_ts.
 */
export async function evaluate(task: EvalTask): Promise<TrialMetrics> {
  const config = task.config as unknown as GrinderConfig;
  const { unit } = task;
  const fx = openFixture(task.fixture_dir);
  let snapshots: AsyncIterable<Snapshot> | undefined;
  let instruments = undefined;
  if (unit.symbols) {
    const keep = new Set(unit.symbols);
    instruments = [...fx.instruments.values()].filter((i) => keep.has(i.symbol));
    snapshots = (async function* () {
      for await (const s of streamFixture(fx)) if (keep.has(s.symbol)) yield s;
    })();
  }
  const to = unit.to_ts - 1;
  const r = await runReplay({
    fixture: snapshots ? undefined : fx,
    snapshots,
    instruments,
    config,
    window: { from_ts: unit.from_ts, to_ts: to },
    keepEvents: false,
  });
  const s = r.summary;
  const risk = config.risk;
  const dd_budget = risk.dd_budget_abs ?? risk.equity * risk.dd_budget_pct;
  let mode = "NORMAL";
  let since = unit.from_ts;
  const inMode: Record<string, number> = {};
  const guardTr = r.transitions
    .filter((t) => t.kind === "guard")
    .map((t) => ({ ts: t.ts as number, to: t.to as string }))
    .sort((a, b) => a.ts - b.ts);
  for (const t of guardTr) {
    const ts = Math.min(Math.max(t.ts, unit.from_ts), unit.to_ts);
    inMode[mode] = (inMode[mode] ?? 0) + (ts - since);
    mode = t.to;
    since = ts;
  }
  inMode[mode] = (inMode[mode] ?? 0) + (unit.to_ts - since);
  return {
    net_pnl: s.equity_end - s.equity_start,
    fees: s.fees,
    max_drawdown: s.max_dd,
    dd_budget,
    cycles: s.cycles,
    duration_ms: unit.to_ts - unit.from_ts,
    emergency_ms: inMode.EMERGENCY ?? 0,
    damage_control_ms: inMode.DAMAGE_CONTROL ?? 0,
    fill_model: r.fill_model,
    digest: r.digest,
  };
}
