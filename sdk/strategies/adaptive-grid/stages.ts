import type { InstrumentSpec, Snapshot } from "../../contracts/market";
import type { Features, ToxAssessment } from "../../contracts/features";
import type { GridPlan, ReasonCode, Regime, RegimeTransition } from "../../contracts/trading";

/** Guard state handed to the policy (spec 17.14.3). */
export type GuardMode = "NORMAL" | "DAMAGE_CONTROL" | "EMERGENCY";

/** What the engine gives the policy at a tick (same shape as the policy's `PlanInput`). */
export interface EnginePlanInput {
  symbol: string;
  ts: number;
  instrument: InstrumentSpec;
  features: Features;
  regime: Regime;
  tox: ToxAssessment;
  dd_budget: number;
  equity: number;
  inventory_qty: number;
  guard: GuardMode;
  /** The features' bar interval (ms, `features.bar_interval_ms`): the engine's policy tick (ADR-253). */
  bar_interval_ms?: number;
}

export interface FeatureStage {
  /** True when a bar closed (a policy tick). */
  update(s: Snapshot): boolean;
  /** Bring lazily evaluated fields (L2) up to date before a read between bar closes. */
  syncL2(): void;
  /**
   * Data time moved on without a snapshot of this symbol: close its due bars (ageing it into
   * staleness); true when a bar closed. Optional: stages without it are not ticked while silent.
   */
  advanceTime?(ts: number): boolean;
  readonly features: Features;
}

export interface RegimeStage {
  update(f: Features, tox: ToxAssessment): { regime: Regime; changed: boolean; transition?: RegimeTransition; reasons: ReasonCode[] };
  latchEmergency(ts: number, reason: ReasonCode): unknown;
  readonly regime: Regime;
  /** SHA-256 of the ML regime model when one classifies (ADR-112); put in the digest header. */
  readonly classifierId?: string;
  /** Diagnostics of the last update, for the regime record (optional for scripted stages). */
  readonly diagnostics?: { readonly vol_ratio: number | null; readonly depth_ratio: number | null };
}

/**
 * The pipeline stages the replay loop drives, per symbol. The default (`defaultStages` in
 * `./default-stages`) wires FeatureEngine → assessToxicity → RegimeController → planGrid; a test
 * or a notebook may pass its own to exercise the engine on a scripted plan.
 */
export interface StageFactory<C = unknown> {
  features(instrument: InstrumentSpec, cfg: C): FeatureStage;
  toxicity(f: Features, cfg: C): ToxAssessment;
  regime(symbol: string, cfg: C): RegimeStage;
  plan(input: EnginePlanInput, cfg: C): GridPlan;
}
