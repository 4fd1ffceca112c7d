import { ErrorCode, GrinderError } from "../contracts/errors";
import { isSpotLike, qtyNotional } from "../contracts/market";
import type { GridLevel, GridPlan, ReasonCode, Side } from "../contracts/trading";
import { quantize } from "../util/quantize";
import type { GeometryRegime, PolicyConfig } from "./config";
import { PolicyReason } from "./reasons";
import { DEFAULT_BAR_INTERVAL_MS, PlanInput } from "./types";
import { computeStress, type StressResult } from "./stress";
import { computeLevels, computeStep, type LevelsResult, type StepResult } from "./step";
import { regimeActions, type RegimeActions } from "./actions";
import { applyCaps, notionalCap, type CapsResult, type SideBuild } from "./caps";
import { newLevel } from "./levels";

function requireFinite(x: number, field: string, min?: number): void {
  if (!Number.isFinite(x) || (min !== undefined && x < min))
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `plan input ${field} must be a finite number${min !== undefined ? ` >= ${min}` : ""}, got ${x}`, { field });
}

function pushUnique(out: ReasonCode[], codes: ReadonlyArray<ReasonCode>): void {
  for (const c of codes) if (!out.includes(c)) out.push(c);
}

/** Orders asked of a side: grid levels scaled by the throttle (at least 1), the reduce-only maximum, or 0. */
function levelsFor(kind: string, lv: number, act: RegimeActions, cfg: PolicyConfig): number {
  return kind === "grid" ? Math.max(1, Math.floor(lv * act.levels_factor)) : kind === "reduce" ? cfg.reduce_only.levels : 0;
}

function toLevels(b: SideBuild): GridLevel[] {
  const out: GridLevel[] = [];
  for (let i = 0; i < b.prices.length; i++) out.push(newLevel(b.side as Side, i + 1, b.prices[i], b.qtys[i]));
  return out;
}

/**
 * The levels' quantities, pushed one by one: a packed array of numbers (`Array.prototype.map`
 * builds a holey one, and the plan writers then see arrays of several elements kinds).
 */
function qtysOf(levels: ReadonlyArray<GridLevel>): number[] {
  const out: number[] = [];
  for (let i = 0; i < levels.length; i++) out.push(levels[i].qty);
  return out;
}

/**
 * The adaptive grid policy (spec 17.22 step 5): one pure function from features, regime,
 * toxicity, DD budget and inventory to a `GridPlan`, with a reason code for every decision.
 * Runs once per bar per symbol; O(levels) apart from the bounded caps resolution.
 *
 * Order: regime actions (17.6.3) → X_stress and widths (17.8) → step (17.9) → centre skew →
 * levels (17.10) → sizes (17.11) → caps resolution (17.11.5) → plan.
 *
 * Two-sided symmetric inventory (ADR-015): the BUY ladder below the centre adds long risk, the SELL
 * ladder above adds short risk, each sized so that its worst case (all its levels filled, marked
 * at its stress mark) plus the held inventory's loss there stays within the DD budget. The two
 * worst cases are exclusive (price cannot go both ways), so each side gets the whole budget.
 *
 * @example
 * const plan = planGrid({ symbol: "BTCUSDT", ts, instrument, features, regime: "RANGE", tox,
 *   dd_budget: 100, equity: 10_000, inventory_qty: 0, guard: "NORMAL" }, defaultPolicyConfig());
 */
export function planGrid(input: PlanInput, cfg: PolicyConfig): GridPlan {
  return explainGrid(input, cfg).plan;
}

/** `planGrid` with every intermediate it decided on, for notebooks and audits. */
export interface PlanExplanation {
  plan: GridPlan;
  actions: RegimeActions;
  /** Absent when the plan cancels all (no geometry). */
  stress?: StressResult;
  step?: StepResult;
  levels?: { down: LevelsResult; up: LevelsResult };
  /** Centre shift in steps (skew), before the tick rounding of the centre. */
  center_shift_steps?: number;
  caps?: CapsResult;
}

/**
 * The same computation as `planGrid`, returning the plan together with the regime actions,
 * X_stress, step, levels, skew and caps resolution that produced it.
 *
 * @example
 * const e = explainGrid(input, defaultPolicyConfig());
 * e.stress?.sigma_h; e.caps?.reasons; e.plan.bids;
 */
export function explainGrid(input: PlanInput, cfg: PolicyConfig): PlanExplanation {
  requireFinite(input.dd_budget, "dd_budget", 0);
  requireFinite(input.equity, "equity");
  requireFinite(input.inventory_qty, "inventory_qty");
  const f = input.features;
  const mid = f.mid;
  const natr = f.natr;
  const warm = natr !== null && Number.isFinite(natr) && natr >= 0 && Number.isFinite(mid) && mid > 0;
  const inv = input.inventory_qty;
  const act = regimeActions(input.regime, input.tox, input.guard, inv, warm, cfg);
  const reasons: ReasonCode[] = [...act.reasons];
  const ddBudget = input.dd_budget * Math.max(act.buy_budget_factor, act.sell_budget_factor);

  if (!act.place || natr === null || !warm) {
    const plan: GridPlan = {
      symbol: input.symbol, ts: input.ts, regime: input.regime, mode: act.mode,
      center_price: Number.isFinite(mid) ? mid : 0, step_frac: 0, x_stress_frac: 0, width_up_frac: 0, width_down_frac: 0,
      levels_up: 0, levels_down: 0, bids: [], asks: [], size_schedule: { buy: [], sell: [] },
      adds_allowed: false, reduce_only: false, dd_budget: 0, worst_case_loss: 0, reasons,
    };
    return { plan, actions: act };
  }
  const regime = input.regime as GeometryRegime;
  const tfMinutes = (input.bar_interval_ms ?? DEFAULT_BAR_INTERVAL_MS) / 60_000;
  requireFinite(tfMinutes, "bar_interval_ms", Number.MIN_VALUE);
  const stress = computeStress(natr, regime, tfMinutes, f, cfg);
  const stepR = computeStep(natr, regime, cfg);
  pushUnique(reasons, stress.reasons);
  pushUnique(reasons, stepR.reasons);

  // Centre skew (spec 17.3, 17.6.3): long inventory moves the centre down (buys further, sells
  // closer), a trend moves it with the trend; bounded below one step.
  const cap = notionalCap(input.equity, cfg.caps);
  // contract instruments (ADR-120): the inventory's quote notional, not contracts × mid
  const invNotional = isSpotLike(input.instrument) ? inv * mid : Math.sign(inv) * qtyNotional(input.instrument, Math.abs(inv), mid);
  const util = cap.cap > 0 ? Math.max(-1, Math.min(1, invNotional / cap.cap)) : 0;
  const dir = regime === "TREND_UP" ? 1 : regime === "TREND_DOWN" ? -1 : 0;
  const shiftRaw = dir * act.trend_shift_steps - act.inventory_skew_steps * util;
  const shift = Math.max(-cfg.skew.max_steps, Math.min(cfg.skew.max_steps, shiftRaw));
  if (act.inventory_skew_steps * util !== 0) reasons.push(PolicyReason.INVENTORY_SKEW);
  if (dir !== 0 && act.trend_shift_steps > 0) reasons.push(PolicyReason.TREND_SKEW);
  const tick = input.instrument.tick_size;
  const center = quantize(mid * (1 + shift * stepR.step), tick, "nearest");
  let step = stepR.step;
  if (step * center < tick) {
    step = tick / center;
    reasons.push(PolicyReason.STEP_TICK_FLOOR);
  }

  const lvDown = computeLevels(stress.width_down, step, cfg);
  const lvUp = computeLevels(stress.width_up, step, cfg);
  const anyGrid = act.buy === "grid" || act.sell === "grid";
  if (act.buy === "grid") pushUnique(reasons, lvDown.reasons);
  if (act.sell === "grid") pushUnique(reasons, lvUp.reasons);
  if (anyGrid) reasons.push(cfg.sizing.mode === "tapered" ? PolicyReason.SIZING_TAPERED : PolicyReason.SIZING_EQUAL_NOTIONAL);

  const caps = applyCaps(
    {
      center, mid, step, reduce_step_factor: act.reduce_step_factor, inventory_qty: inv, equity: input.equity, instrument: input.instrument,
      buy: { kind: act.buy, levels: levelsFor(act.buy, lvDown.levels, act, cfg), width: stress.width_down, budget: input.dd_budget * act.buy_budget_factor },
      sell: { kind: act.sell, levels: levelsFor(act.sell, lvUp.levels, act, cfg), width: stress.width_up, budget: input.dd_budget * act.sell_budget_factor },
    },
    cfg,
  );
  pushUnique(reasons, caps.buy.reasons);
  pushUnique(reasons, caps.sell.reasons);
  pushUnique(reasons, caps.reasons);

  const bids = toLevels(caps.buy);
  const asks = toLevels(caps.sell);
  const gridOrders = (caps.buy.kind === "grid" ? bids.length : 0) + (caps.sell.kind === "grid" ? asks.length : 0);
  let mode = act.mode;
  if (caps.reasons.includes(PolicyReason.CAPS_THROTTLE) && (mode === "NORMAL" || mode === "THROTTLE")) {
    if (bids.length + asks.length === 0) {
      mode = "PAUSE";
      reasons.push(PolicyReason.CAPS_PAUSE);
    } else mode = "THROTTLE";
  }
  const worst = Math.max(caps.buy.ladder_loss + caps.buy.inventory_loss, caps.sell.ladder_loss + caps.sell.inventory_loss);
  const plan: GridPlan = {
    symbol: input.symbol, ts: input.ts, regime: input.regime, mode, center_price: center,
    step_frac: caps.step, x_stress_frac: stress.x_stress, width_up_frac: stress.width_up, width_down_frac: stress.width_down,
    levels_up: asks.length, levels_down: bids.length, bids, asks,
    size_schedule: { buy: qtysOf(bids), sell: qtysOf(asks) },
    adds_allowed: gridOrders > 0, reduce_only: mode === "REDUCE_ONLY" || mode === "DAMAGE_CONTROL",
    dd_budget: ddBudget, worst_case_loss: worst, reasons,
  };
  return { plan, actions: act, stress, step: stepR, levels: { down: lvDown, up: lvUp }, center_shift_steps: shift, caps };
}
