import type { GrinderConfig } from "../../config";
import { FeatureEngine } from "../../features/engine";
import { assessToxicity } from "../../regime/toxicity";
import { RegimeController } from "../../regime/controller";
import { planGrid } from "../../policy/plan";
import type { StageFactory } from "./stages";

/** The production pipeline: FeatureEngine → assessToxicity → RegimeController → planGrid. */
export const defaultStages: StageFactory<GrinderConfig> = {
  features: (inst, cfg) => new FeatureEngine(inst, cfg.features),
  toxicity: (f, cfg) => assessToxicity(f, cfg.toxicity),
  regime: (symbol, cfg) => new RegimeController(symbol, cfg.regime),
  // the strategy's input already carries the features' bar interval: used as is (a copy with a key
  // added after a spread is built through a slow path into the old generation, ADR-253)
  plan: (input, cfg) =>
    planGrid(input.bar_interval_ms === cfg.features.bar_interval_ms ? input : { ...input, bar_interval_ms: cfg.features.bar_interval_ms }, cfg.policy),
};
