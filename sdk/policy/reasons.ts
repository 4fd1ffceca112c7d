/**
 * Reason codes of the policy stage. A published code keeps its meaning (codes are hashed in
 * digests); add new ones, never repurpose old ones.
 */
export const PolicyReason = {
  // --- mode / regime actions (spec 17.6.3, 17.14) ---
  /** Guard latched EMERGENCY, or regime EMERGENCY: cancel all, nothing placed. */
  EMERGENCY_CANCEL_ALL: "EMERGENCY_CANCEL_ALL",
  GUARD_EMERGENCY: "GUARD_EMERGENCY",
  REGIME_EMERGENCY: "REGIME_EMERGENCY",
  TOX_EMERGENCY: "TOX_EMERGENCY",
  /** Manual / safety pause: cancel all. */
  REGIME_PAUSED: "REGIME_PAUSED",
  /** NATR (or mid) not available yet: no geometry can be computed. */
  FEATURES_NOT_WARM: "FEATURES_NOT_WARM",
  GUARD_DAMAGE_CONTROL: "GUARD_DAMAGE_CONTROL",
  REGIME_TOXIC: "REGIME_TOXIC",
  TOX_PAUSE: "TOX_PAUSE",
  TOX_THROTTLE: "TOX_THROTTLE",
  REGIME_VOL_SHOCK: "REGIME_VOL_SHOCK",
  REGIME_THIN_BOOK: "REGIME_THIN_BOOK",
  REGIME_RANGE: "REGIME_RANGE",
  REGIME_TREND: "REGIME_TREND",
  /** New risk is off for the whole plan. */
  ADDS_OFF: "ADDS_OFF",
  /** Only inventory-reducing orders are placed. */
  REDUCE_ONLY: "REDUCE_ONLY",
  /** Flat inventory in a reduce-only mode: nothing to place. */
  NOTHING_TO_REDUCE: "NOTHING_TO_REDUCE",
  /** A reduce-only ladder would be below min_notional even as one order. */
  REDUCE_BELOW_MIN_NOTIONAL: "REDUCE_BELOW_MIN_NOTIONAL",
  THROTTLE: "THROTTLE",
  PAUSE_NEW_RISK: "PAUSE_NEW_RISK",
  // --- geometry (spec 17.8–17.10) ---
  /** X_stress hit X_min / X_cap. */
  X_CLAMPED_MIN: "X_CLAMPED_MIN",
  X_CLAMPED_CAP: "X_CLAMPED_CAP",
  /** l2_penalty > 1 widened X_stress. */
  L2_PENALTY: "L2_PENALTY",
  /** No L2 features: l2_penalty = 1. */
  L2_ABSENT: "L2_ABSENT",
  TREND_PENALTY: "TREND_PENALTY",
  TREND_ASYMMETRIC_WIDTH: "TREND_ASYMMETRIC_WIDTH",
  /** TREND: adds on the side against the trend are restricted (budget × against_adds_factor). */
  TREND_ADDS_RESTRICTED: "TREND_ADDS_RESTRICTED",
  /** TREND: the against side only reduces inventory (against_adds_factor = 0). */
  TREND_AGAINST_REDUCE_ONLY: "TREND_AGAINST_REDUCE_ONLY",
  /** step = step_min_frac (the volatility term was smaller). */
  STEP_FLOOR: "STEP_FLOOR",
  /** step raised to one tick at the centre price so levels stay distinct. */
  STEP_TICK_FLOOR: "STEP_TICK_FLOOR",
  SHOCK_MULTIPLIER: "SHOCK_MULTIPLIER",
  LEVELS_CLAMPED_MIN: "LEVELS_CLAMPED_MIN",
  LEVELS_CLAMPED_MAX: "LEVELS_CLAMPED_MAX",
  INVENTORY_SKEW: "INVENTORY_SKEW",
  TREND_SKEW: "TREND_SKEW",
  // --- sizing (spec 17.11) ---
  SIZING_EQUAL_NOTIONAL: "SIZING_EQUAL_NOTIONAL",
  SIZING_TAPERED: "SIZING_TAPERED",
  /** A level's quantised notional fell below min_notional and the level was dropped. */
  LEVEL_BELOW_MIN_NOTIONAL: "LEVEL_BELOW_MIN_NOTIONAL",
  /** Held inventory's loss at the stress mark uses the whole DD budget of that side. */
  BUDGET_EXHAUSTED: "BUDGET_EXHAUSTED",
  /** Buy prices would reach zero: ladder truncated. */
  LADDER_TRUNCATED_AT_ZERO: "LADDER_TRUNCATED_AT_ZERO",
  // --- caps resolution (spec 17.11.5, ADR-014) ---
  CAP_INVENTORY_NOTIONAL: "CAP_INVENTORY_NOTIONAL",
  CAP_EFFECTIVE_LEVERAGE: "CAP_EFFECTIVE_LEVERAGE",
  CAP_MAX_OPEN_ORDERS: "CAP_MAX_OPEN_ORDERS",
  CAP_MIN_NOTIONAL: "CAP_MIN_NOTIONAL",
  /** Inventory already at / over the cap on a side: no adds there. */
  CAP_INVENTORY_FULL: "CAP_INVENTORY_FULL",
  CAPS_REDUCE_SIZES: "CAPS_REDUCE_SIZES",
  CAPS_REDUCE_LEVELS: "CAPS_REDUCE_LEVELS",
  CAPS_WIDEN_STEP: "CAPS_WIDEN_STEP",
  CAPS_THROTTLE: "CAPS_THROTTLE",
  CAPS_PAUSE: "CAPS_PAUSE",
} as const;
export type PolicyReason = (typeof PolicyReason)[keyof typeof PolicyReason];
