import type { Features } from "../contracts/features";
import * as libm from "../util/libm";

/**
 * Inputs of the regime classifier (spec 17.16), in this order. Every value is computed from the
 * feature engine's outputs at the policy tick and from this extractor's own state, which only
 * ever holds PAST ticks (a ring of bar closes, an EMA of NATR): nothing after the tick is seen
 * (leakage test in test/ml/features.test.ts). Versioned with the model artifact: changing the
 * list or a formula is a new `ML_FEATURE_SET_VERSION`.
 */
export const ML_FEATURES = [
  "trend_strength",
  "abs_trend_strength",
  "log_vol_ratio",
  "log_range_score",
  "ret_5_z",
  "ret_15_z",
  "ret_30_z",
  "abs_ret_30_z",
  "bar_return_z",
  "log_spread_ratio",
  "imbalance_l1",
  "depth_imbalance_topn",
  "l2_present",
] as const;
export type MlFeature = (typeof ML_FEATURES)[number];
export const ML_FEATURE_SET_VERSION = 1;

/** Bars of history the extractor needs before `ready` (30-bar returns, NATR baseline warm-up). */
export const ML_WARMUP_BARS = 31;
/** EMA length (bars) of the NATR baseline behind `log_vol_ratio` (the regime controller's 240). */
export const ML_VOL_BASELINE_BARS = 240;
const RING = 32;

function clip(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/**
 * Streaming, allocation-free feature extractor for one symbol. Call `update(f)` at every policy
 * tick with the symbol's `Features`; it advances its state once per closed bar (`f.bars`), so
 * calling it twice in one bar is harmless. `values` (reused) holds the vector of `ML_FEATURES`;
 * `ready` says whether every input is defined (warm features, enough bars of history).
 */
export class RegimeFeatureExtractor {
  readonly values = new Float64Array(ML_FEATURES.length);
  ready = false;
  private readonly closes = new Float64Array(RING);
  private n = 0;
  private lastBar = -1;
  private base = 0;
  private baseN = 0;
  private readonly baseK = 2 / (ML_VOL_BASELINE_BARS + 1);
  private volRatio = NaN;

  update(f: Readonly<Features>): boolean {
    if (f.bars !== this.lastBar && f.bar_close !== null) {
      this.lastBar = f.bars;
      this.closes[this.n % RING] = f.bar_close;
      this.n++;
      const natr = f.natr;
      // Ratio to the baseline BEFORE this bar joins it (as the regime controller does).
      this.volRatio = natr !== null && this.baseN >= 30 && this.base > 0 ? natr / this.base : NaN;
      if (natr !== null) {
        this.base = this.baseN === 0 ? natr : this.base + this.baseK * (natr - this.base);
        this.baseN++;
      }
    }
    const v = this.values;
    const natr = f.natr;
    const ts = f.trend_strength;
    const rs = f.range_score;
    if (!f.warm || natr === null || !(natr > 0) || ts === null || rs === null || this.n < ML_WARMUP_BARS || this.volRatio !== this.volRatio) {
      this.ready = false;
      v.fill(0);
      return false;
    }
    v[0] = clip(ts, -20, 20);
    v[1] = Math.abs(v[0]);
    v[2] = clip(libm.log(this.volRatio), -3, 3);
    v[3] = clip(libm.log(rs > 1e-9 ? rs : 1e-9), -5, 10);
    v[4] = this.ret(5, natr);
    v[5] = this.ret(15, natr);
    v[6] = this.ret(30, natr);
    v[7] = Math.abs(v[6]);
    v[8] = f.bar_return === null ? 0 : clip(f.bar_return / natr, -20, 20);
    const sb = f.spread_bps_baseline;
    v[9] = sb !== null && sb > 0 && f.spread_bps > 0 ? clip(libm.log(f.spread_bps / sb), -3, 3) : 0;
    v[10] = f.imbalance_l1;
    v[11] = f.depth_imbalance_topn ?? 0;
    v[12] = f.depth_imbalance_topn === null ? 0 : 1;
    this.ready = true;
    return true;
  }

  /** log(close_t / close_{t-k}) in units of NATR·√k, from the ring of past closes. */
  private ret(k: number, natr: number): number {
    const c = this.closes[(this.n - 1) % RING];
    const p = this.closes[(this.n - 1 - k) % RING];
    return clip(libm.log(c / p) / (natr * Math.sqrt(k)), -20, 20);
  }

  reset(): void {
    this.values.fill(0);
    this.ready = false;
    this.closes.fill(0);
    this.n = 0;
    this.lastBar = -1;
    this.base = 0;
    this.baseN = 0;
    this.volRatio = NaN;
  }
}
