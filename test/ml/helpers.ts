import * as path from "node:path";
import type { TrainSpecInput } from "../../sdk/ml/train";

export const ROOT = path.resolve(__dirname, "..", "..");
export const FIXTURES = path.join(ROOT, "fixtures");

/** A small training spec (three single-symbol fixtures, two folds, thinned rows, few steps): seconds, not minutes. */
export const SMALL_SPEC: TrainSpecInput = {
  name: "regime-test",
  version: 1,
  datasets: ["fixtures/range_day_l1", "fixtures/trend_day_l1", "fixtures/vol_shock_l1"],
  label: { horizon_bars: 30, trend_z: 2, vol_ratio: 1.8, vol_baseline_bars: 240 },
  trainer: { num_steps: 120, learning_rate: 2, seed: 18 },
  folds: 2,
  stride: 3,
};
