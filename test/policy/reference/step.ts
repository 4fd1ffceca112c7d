import type { ReasonCode } from "../../../sdk/contracts/trading";
import type { GeometryRegime, PolicyConfig } from "../../../sdk/policy/config";
import { PolicyReason } from "../../../sdk/policy/reasons";

export interface StepResult {
  /** Fraction: 0.002 = 0.2 %. */
  step: number;
  /** alpha · NATR · shock_multiplier(regime), before the floor. */
  vol_step: number;
  shock_multiplier: number;
  reasons: ReasonCode[];
}

/**
 * Grid spacing (spec 17.9.2): step = max(step_min_frac, alpha · NATR · shock_multiplier(regime)).
 *
 * @example
 * computeStep(0.002, "VOL_SHOCK", defaultPolicyConfig()).step // 0.004
 */
export function computeStep(natr: number, regime: GeometryRegime, cfg: PolicyConfig): StepResult {
  const shock_multiplier = cfg.shock_multiplier[regime];
  const vol_step = cfg.alpha * natr * shock_multiplier;
  const reasons: ReasonCode[] = [];
  if (shock_multiplier > 1) reasons.push(PolicyReason.SHOCK_MULTIPLIER);
  if (vol_step < cfg.step_min_frac) reasons.push(PolicyReason.STEP_FLOOR);
  return { step: Math.max(cfg.step_min_frac, vol_step), vol_step, shock_multiplier, reasons };
}

export interface LevelsResult {
  levels: number;
  /** ceil(width / step) before the clamp. */
  raw: number;
  reasons: ReasonCode[];
}

/**
 * Levels on one side (spec 17.10): ceil(width / step) clamped to [levels_min, levels_max].
 * A relative tolerance of 1e-9 keeps 0.01 / 0.002 at 5 rather than 6 (float noise).
 */
export function computeLevels(width: number, step: number, cfg: Pick<PolicyConfig, "levels_min" | "levels_max">): LevelsResult {
  const q = width / step;
  const raw = Math.max(0, Math.ceil(q * (1 - 1e-9)));
  const reasons: ReasonCode[] = [];
  let levels = raw;
  if (raw < cfg.levels_min) {
    levels = cfg.levels_min;
    reasons.push(PolicyReason.LEVELS_CLAMPED_MIN);
  } else if (raw > cfg.levels_max) {
    levels = cfg.levels_max;
    reasons.push(PolicyReason.LEVELS_CLAMPED_MAX);
  }
  return { levels, raw, reasons };
}
