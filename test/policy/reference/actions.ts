import type { ToxAssessment } from "../../../sdk/contracts/features";
import type { PlanMode, ReasonCode, Regime } from "../../../sdk/contracts/trading";
import type { PolicyConfig } from "../../../sdk/policy/config";
import type { GuardState } from "../../../sdk/policy/types";
import type { SideKind } from "./caps";
import { PolicyReason } from "../../../sdk/policy/reasons";

/** What the regime, the toxicity gate and the DD guard allow for this plan (spec 17.6.3). */
export interface RegimeActions {
  mode: PlanMode;
  /** false → cancel all: no geometry, empty ladders (PAUSE / EMERGENCY). */
  place: boolean;
  buy: SideKind;
  sell: SideKind;
  /** DD budget multiplier per side (throttle, trend restriction). */
  buy_budget_factor: number;
  sell_budget_factor: number;
  /** Levels multiplier for grid sides (throttle). */
  levels_factor: number;
  /** Reduce-only ladder spacing multiplier (damage-control TP distance). */
  reduce_step_factor: number;
  /** Centre skew: shift (steps) per unit inventory utilization, and toward the trend. */
  inventory_skew_steps: number;
  trend_shift_steps: number;
  reasons: ReasonCode[];
}

/** The side that reduces the held inventory (long → SELL, short → BUY), or none when flat. */
export function reducingSide(inventoryQty: number): "BUY" | "SELL" | null {
  return inventoryQty > 0 ? "SELL" : inventoryQty < 0 ? "BUY" : null;
}

/**
 * Regime actions (spec 17.6.3, 17.14.1–3), highest precedence first:
 *  EMERGENCY (guard, regime or toxicity action) → cancel all;
 *  PAUSED → cancel all; DAMAGE_CONTROL guard → adds off, reduce-only (TP distance factor);
 *  TOXIC or toxicity PAUSE → pause new risk, reduce-only when holding inventory;
 *  VOL_SHOCK → adds off, reduce-only (wider step through shock_multiplier);
 *  THIN_BOOK → reduce-only when holding inventory, else THROTTLE or PAUSE (config);
 *  TREND_* → bilateral with skew, restricted adds against the trend, asymmetric width;
 *  RANGE → bilateral with mild inventory skew. A toxicity THROTTLE throttles RANGE / TREND.
 * `warm` false (no NATR) → PAUSE.
 */
export function regimeActions(regime: Regime, tox: ToxAssessment, guard: GuardState, inventoryQty: number, warm: boolean, cfg: PolicyConfig): RegimeActions {
  const base: RegimeActions = {
    mode: "NORMAL", place: true, buy: "grid", sell: "grid", buy_budget_factor: 1, sell_budget_factor: 1, levels_factor: 1,
    reduce_step_factor: 1, inventory_skew_steps: 0, trend_shift_steps: 0, reasons: [],
  };
  const cancelAll = (mode: PlanMode, reasons: ReasonCode[]): RegimeActions => ({ ...base, mode, place: false, buy: "off", sell: "off", reasons });
  if (guard === "EMERGENCY") return cancelAll("EMERGENCY", [PolicyReason.GUARD_EMERGENCY, PolicyReason.EMERGENCY_CANCEL_ALL]);
  if (regime === "EMERGENCY") return cancelAll("EMERGENCY", [PolicyReason.REGIME_EMERGENCY, PolicyReason.EMERGENCY_CANCEL_ALL]);
  if (tox.action === "EMERGENCY") return cancelAll("EMERGENCY", [PolicyReason.TOX_EMERGENCY, PolicyReason.EMERGENCY_CANCEL_ALL]);
  if (regime === "PAUSED") return cancelAll("PAUSE", [PolicyReason.REGIME_PAUSED]);
  if (!warm) return cancelAll("PAUSE", [PolicyReason.FEATURES_NOT_WARM]);

  const red = reducingSide(inventoryQty);
  const reduceOnly = (mode: PlanMode, reasons: ReasonCode[], reduce_step_factor = 1): RegimeActions => ({
    ...base, mode, buy: red === "BUY" ? "reduce" : "off", sell: red === "SELL" ? "reduce" : "off", reduce_step_factor,
    reasons: [...reasons, PolicyReason.ADDS_OFF, PolicyReason.REDUCE_ONLY, ...(red === null ? [PolicyReason.NOTHING_TO_REDUCE] : [])],
  });
  if (guard === "DAMAGE_CONTROL")
    return reduceOnly("DAMAGE_CONTROL", [PolicyReason.GUARD_DAMAGE_CONTROL], cfg.damage_control.tp_distance_factor);
  if (regime === "TOXIC" || tox.action === "PAUSE") {
    const why = regime === "TOXIC" ? PolicyReason.REGIME_TOXIC : PolicyReason.TOX_PAUSE;
    if (red === null) return { ...cancelAll("PAUSE", [why, PolicyReason.PAUSE_NEW_RISK]), place: true };
    return reduceOnly("REDUCE_ONLY", [why, PolicyReason.PAUSE_NEW_RISK]);
  }
  if (regime === "VOL_SHOCK") return reduceOnly("REDUCE_ONLY", [PolicyReason.REGIME_VOL_SHOCK]);
  const throttle = (a: RegimeActions, why: ReasonCode): RegimeActions => ({
    ...a, mode: "THROTTLE", levels_factor: cfg.throttle.levels_factor, buy_budget_factor: a.buy_budget_factor * cfg.throttle.budget_factor,
    sell_budget_factor: a.sell_budget_factor * cfg.throttle.budget_factor, reasons: [...a.reasons, why, PolicyReason.THROTTLE],
  });
  if (regime === "THIN_BOOK") {
    if (red !== null) return reduceOnly("REDUCE_ONLY", [PolicyReason.REGIME_THIN_BOOK]);
    if (cfg.throttle.thin_book_action === "PAUSE")
      return { ...cancelAll("PAUSE", [PolicyReason.REGIME_THIN_BOOK, PolicyReason.PAUSE_NEW_RISK]), place: true };
    return throttle({ ...base, inventory_skew_steps: cfg.skew.range_inventory_steps }, PolicyReason.REGIME_THIN_BOOK);
  }
  let a: RegimeActions;
  if (regime === "TREND_UP" || regime === "TREND_DOWN") {
    const against = regime === "TREND_UP" ? "SELL" : "BUY";
    const f = cfg.trend.against_adds_factor;
    const reasons: ReasonCode[] = [PolicyReason.REGIME_TREND];
    a = { ...base, inventory_skew_steps: cfg.skew.trend_inventory_steps, trend_shift_steps: cfg.skew.trend_shift_steps, reasons };
    if (f > 0) {
      if (against === "SELL") a.sell_budget_factor = f;
      else a.buy_budget_factor = f;
      if (f < 1) reasons.push(PolicyReason.TREND_ADDS_RESTRICTED);
    } else {
      // Against side only unloads what is held on it (or nothing).
      const k: SideKind = red === against ? "reduce" : "off";
      if (against === "SELL") a.sell = k;
      else a.buy = k;
      reasons.push(PolicyReason.TREND_AGAINST_REDUCE_ONLY);
    }
  } else {
    a = { ...base, inventory_skew_steps: cfg.skew.range_inventory_steps, reasons: [PolicyReason.REGIME_RANGE] };
  }
  if (tox.action === "THROTTLE") a = throttle(a, PolicyReason.TOX_THROTTLE);
  return a;
}
