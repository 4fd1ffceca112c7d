import { z } from "zod";
import * as libm from "../util/libm";

/** Classes of the regime model, in weight-row order. */
export const ML_CLASSES = ["RANGE", "TREND_UP", "TREND_DOWN", "VOL_SHOCK"] as const;
export type MlClass = (typeof ML_CLASSES)[number];
export const CLASS_RANGE = 0;
export const CLASS_TREND_UP = 1;
export const CLASS_TREND_DOWN = 2;
export const CLASS_VOL_SHOCK = 3;

/**
 * Label definition (ADR-111): what a tick's regime "really was", judged from the NEXT
 * `horizon_bars` bar closes. With r_j = ln(c_j / c_{j−1}) over the forward window:
 * VOL_SHOCK when mean |r| ≥ `vol_ratio` × the symbol's trailing mean |r| (an EMA over
 * `vol_baseline_bars` PAST bars: a reference, not an input); else TREND_UP / TREND_DOWN when
 * |Σ r| ≥ `trend_z` × sqrt(Σ r²) (the net move is `trend_z` random-walk standard deviations of
 * the window's own noise; a driftless walk exceeds 2 about 5 % of the time); else RANGE.
 */
export const LabelDefSchema = z
  .object({
    version: z.literal(1).default(1),
    horizon_bars: z.number().int().min(2).max(1440).default(30),
    trend_z: z.number().positive().default(2),
    vol_ratio: z.number().positive().default(1.8),
    vol_baseline_bars: z.number().int().min(1).default(240),
  })
  .strict();
export type LabelDef = z.infer<typeof LabelDefSchema>;
export type LabelDefInput = z.input<typeof LabelDefSchema>;

/** No label (the forward window runs past the end of the data, or no baseline yet). */
export const NO_LABEL = -1;

/**
 * Forward labels for one symbol's series of bar closes at its policy ticks (index i = tick i).
 * `labels[i]` uses closes[i+1 .. i+H] and the trailing baseline at i; the last H ticks get
 * NO_LABEL. Also returns the trailing baseline (past only) for diagnostics.
 */
export function forwardLabels(closes: ArrayLike<number>, def: LabelDef): { labels: Int8Array; baseline: Float64Array } {
  const n = closes.length;
  const H = def.horizon_bars;
  const labels = new Int8Array(n).fill(NO_LABEL);
  const baseline = new Float64Array(n).fill(Number.NaN);
  const k = 2 / (def.vol_baseline_bars + 1);
  let base = 0;
  let baseN = 0;
  for (let i = 1; i < n; i++) {
    const a = Math.abs(libm.log(closes[i] / closes[i - 1]));
    base = baseN === 0 ? a : base + k * (a - base);
    baseN++;
    baseline[i] = base;
  }
  for (let i = 1; i + H < n; i++) {
    let sum = 0;
    let sumAbs = 0;
    let sumSq = 0;
    for (let j = i + 1; j <= i + H; j++) {
      const r = libm.log(closes[j] / closes[j - 1]);
      sum += r;
      sumAbs += Math.abs(r);
      sumSq += r * r;
    }
    const b = baseline[i];
    if (!(b > 0)) continue;
    if (sumAbs / H >= def.vol_ratio * b) labels[i] = CLASS_VOL_SHOCK;
    else if (sumSq > 0 && Math.abs(sum) >= def.trend_z * Math.sqrt(sumSq)) labels[i] = sum > 0 ? CLASS_TREND_UP : CLASS_TREND_DOWN;
    else labels[i] = CLASS_RANGE;
  }
  return { labels, baseline };
}
