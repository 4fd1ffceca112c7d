/**
 * Types that later stages produce: regimes, reason codes, grid plans, orders, fills, intents.
 * Quantities are always BASE quantity (spec 17.11.1); prices are quote per base.
 */

/** The seven regimes of spec 17.6.1 (trend split by sign). */
export const REGIMES = [
  "RANGE",
  "TREND_UP",
  "TREND_DOWN",
  "VOL_SHOCK",
  "THIN_BOOK",
  "TOXIC",
  "PAUSED",
  "EMERGENCY",
] as const;
export type Regime = (typeof REGIMES)[number];

/** Operating mode of a plan: what the executor may do with it. */
export const PLAN_MODES = ["NORMAL", "THROTTLE", "REDUCE_ONLY", "DAMAGE_CONTROL", "PAUSE", "EMERGENCY"] as const;
export type PlanMode = (typeof PLAN_MODES)[number];

export type Side = "BUY" | "SELL";

/** Toxicity severity and recommended action (spec 17.14.1). */
export const TOX_SEVERITIES = ["LOW", "MID", "HIGH", "EXTREME"] as const;
export type ToxSeverity = (typeof TOX_SEVERITIES)[number];
export const TOX_ACTIONS = ["NORMAL", "THROTTLE", "PAUSE", "EMERGENCY"] as const;
export type ToxAction = (typeof TOX_ACTIONS)[number];

/**
 * Reason codes: short stable strings (UPPER_SNAKE) explaining every decision. The list is
 * open: stages may add codes, but a code once published keeps its meaning (it is hashed in
 * digests). Stages declare the codes they use as constants next to their code.
 */
export type ReasonCode = string;

/** One resting level of a grid plan. */
export interface GridLevel {
  side: Side;
  /** 1 = closest to the centre. */
  index: number;
  /** Tick-quantised price. */
  price: number;
  /** Lot-quantised BASE quantity (spec 17.11.1). */
  qty: number;
}

/** Policy output (spec 17.12.1): desired grid geometry, mode, sizes and the reasons. */
export interface GridPlan {
  symbol: string;
  ts: number;
  regime: Regime;
  mode: PlanMode;
  center_price: number;
  /** Fractions, not percent: 0.002 = 0.2 %. */
  step_frac: number;
  x_stress_frac: number;
  width_up_frac: number;
  width_down_frac: number;
  levels_up: number;
  levels_down: number;
  bids: GridLevel[];
  asks: GridLevel[];
  /** BASE quantity per level, closest first (spec 17.11.1). */
  size_schedule: { buy: number[]; sell: number[] };
  adds_allowed: boolean;
  reduce_only: boolean;
  /** Per-symbol DD budget the sizing used (quote). */
  dd_budget: number;
  /**
   * Worst-case unrealised loss (quote) at width_down / width_up: max over the two sides of the
   * side's new-risk ladder loss plus the held inventory's loss at that side's stress mark
   * (ADR-015). For a long book this is the buy ladder at width_down.
   */
  worst_case_loss: number;
  reasons: ReasonCode[];
}

export type OrderKind = "GRID" | "TP";

/** A resting paper order. Ids are derived (`symbol:seq`), never random. */
export interface Order {
  id: string;
  symbol: string;
  side: Side;
  price: number;
  qty: number;
  kind: OrderKind;
  /** Grid level index (GRID) or the level of the fill that created the TP. */
  level: number;
  reduce_only: boolean;
  created_ts: number;
}

export type Liquidity = "MAKER" | "TAKER";

export interface Fill {
  order_id: string;
  symbol: string;
  side: Side;
  kind: OrderKind;
  price: number;
  qty: number;
  ts: number;
  /** Fee in quote (positive = paid). */
  fee: number;
  liquidity: Liquidity;
}

export type IntentType = "PLACE" | "CANCEL" | "AMEND";

/** What the execution engine asks of the venue, accepted or refused with a reason. */
export interface Intent {
  type: IntentType;
  ts: number;
  symbol: string;
  order_id: string;
  side: Side;
  price: number;
  qty: number;
  accepted: boolean;
  reason?: ReasonCode;
}

/** A regime change recorded with its reasons (spec 17.6). */
export interface RegimeTransition {
  symbol: string;
  ts: number;
  from: Regime;
  to: Regime;
  reasons: ReasonCode[];
}
