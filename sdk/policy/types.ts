import type { InstrumentSpec } from "../contracts/market";
import type { Features, ToxAssessment } from "../contracts/features";
import type { Regime } from "../contracts/trading";

/** Drawdown guard state fed to the policy (spec 17.14.3). */
export type GuardState = "NORMAL" | "DAMAGE_CONTROL" | "EMERGENCY";

/** Everything `planGrid` needs for one symbol at one policy tick (one bar close). */
export interface PlanInput {
  symbol: string;
  /** Data time of the tick (ms). */
  ts: number;
  instrument: InstrumentSpec;
  features: Readonly<Features>;
  regime: Regime;
  tox: ToxAssessment;
  /** Per-symbol DD budget (quote, spec 17.7.2). */
  dd_budget: number;
  /** Portfolio equity (quote), for the pct-of-equity and leverage caps (spec 17.7.3). */
  equity: number;
  /** Signed BASE inventory: > 0 long, < 0 short. */
  inventory_qty: number;
  guard: GuardState;
  /**
   * Bar interval TF of the features (features config `bar_interval_ms`), for n = H / TF
   * (spec 17.8.2). Defaults to 60 000 ms, the features default; pass it when bars differ.
   */
  bar_interval_ms?: number;
}

/** Default TF when `PlanInput.bar_interval_ms` is omitted (= features config default). */
export const DEFAULT_BAR_INTERVAL_MS = 60_000;
