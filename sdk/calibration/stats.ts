import { ErrorCode, GrinderError } from "../contracts/errors";
import * as libm from "../util/libm";

/**
 * Overfitting statistics of a calibration (ADR-061, docs/CALIBRATION.md): Sharpe / Sortino of a
 * PnL series, the Probability of Backtest Overfitting by Combinatorially Symmetric Cross-
 * Validation (Bailey, Borwein, López de Prado & Zhu 2017) and the Deflated Sharpe Ratio (Bailey &
 * López de Prado 2014). Pure functions of their inputs; summation in index order (deterministic).
 */

/** Mean of a series (0 when empty). */
export function mean(xs: ArrayLike<number>): number {
  if (!xs.length) return 0;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

/** Sample standard deviation (n − 1); 0 below two values. */
export function stdev(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 2) return 0;
  const m = mean(xs);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const dv = xs[i] - m;
    ss += dv * dv;
  }
  return Math.sqrt(ss / (n - 1));
}

/** Sharpe ratio per bucket: mean / sample sd (not annualised); null with fewer than 2 values or sd 0. */
export function sharpeRatio(xs: ArrayLike<number>): number | null {
  const sd = stdev(xs);
  if (xs.length < 2 || !(sd > 1e-12)) return null;
  return mean(xs) / sd;
}

/** Sortino ratio per bucket: mean / sqrt(mean(min(x, 0)²)); null without a losing bucket. */
export function sortinoRatio(xs: ArrayLike<number>): number | null {
  if (xs.length < 2) return null;
  let dd = 0;
  for (let i = 0; i < xs.length; i++) if (xs[i] < 0) dd += xs[i] * xs[i];
  const d = Math.sqrt(dd / xs.length);
  return d > 1e-12 ? mean(xs) / d : null;
}

/** Sample skewness (biased, third standardised moment); 0 when sd is 0. */
export function skewness(xs: ArrayLike<number>): number {
  const n = xs.length;
  const m = mean(xs);
  let m2 = 0;
  let m3 = 0;
  for (let i = 0; i < n; i++) {
    const d = xs[i] - m;
    m2 += d * d;
    m3 += d * d * d;
  }
  m2 /= n;
  m3 /= n;
  return m2 > 0 ? m3 / (m2 * Math.sqrt(m2)) : 0;
}

/** Sample kurtosis (biased, fourth standardised moment; 3 for a normal); 3 when sd is 0. */
export function kurtosis(xs: ArrayLike<number>): number {
  const n = xs.length;
  const m = mean(xs);
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = xs[i] - m;
    m2 += d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  m4 /= n;
  return m2 > 0 ? m4 / (m2 * m2) : 3;
}

/** erfc(x) to ~1e-15: positive-term series for |x| < 3, Lentz continued fraction beyond. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 3) {
    // erf(x) = 2/√π · e^{−x²} · Σ 2ⁿ x^{2n+1} / (1·3·…·(2n+1))
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * libm.exp(-x * x) * sum;
  }
  // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
  const tiny = 1e-300;
  let f = x;
  let C = x;
  let D = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    D = x + a * D;
    D = D === 0 ? tiny : D;
    C = x + a / C;
    C = C === 0 ? tiny : C;
    D = 1 / D;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return libm.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** Standard normal CDF Φ(x). */
export function normCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** Standard normal quantile Φ⁻¹(p), p ∈ (0, 1): Acklam's rational start, two Halley steps on Φ. */
export function normInv(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `normInv: p must be in (0, 1), got ${p}`);
  }
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * libm.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - 0.02425) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * libm.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  for (let k = 0; k < 2; k++) {
    const e = normCdf(x) - p;
    const u = e * Math.sqrt(2 * Math.PI) * libm.exp((x * x) / 2);
    x = x - u / (1 + (x * u) / 2);
  }
  return x;
}

const EULER_GAMMA = 0.5772156649015329;

/**
 * Expected maximum Sharpe ratio of `trials` independent strategies with true Sharpe 0 whose
 * estimated Sharpe ratios have variance `variance` (Bailey & López de Prado 2014, eq. for SR₀):
 * √V · ((1 − γ) Φ⁻¹(1 − 1/N) + γ Φ⁻¹(1 − 1/(N e))). 0 for a single trial (nothing selected).
 */
export function expectedMaxSharpe(trials: number, variance: number): number {
  if (!(trials > 1) || !(variance > 0)) return 0;
  return Math.sqrt(variance) * ((1 - EULER_GAMMA) * normInv(1 - 1 / trials) + EULER_GAMMA * normInv(1 - 1 / (trials * Math.E)));
}

export interface DeflatedSharpe {
  /** The selected strategy's Sharpe ratio per bucket. */
  sharpe: number;
  /** Benchmark SR₀ = expected maximum Sharpe under the null, given the trials. */
  sr0: number;
  /** Number of trials N (every evaluated parameter point, feasible or not). */
  trials: number;
  /** Buckets T of the series. */
  observations: number;
  skew: number;
  kurtosis: number;
  /** Variance of the trials' Sharpe ratios. */
  sharpe_variance: number;
  /** DSR = Φ((SR − SR₀) √(T − 1) / √(1 − skew·SR + (kurt − 1)/4 · SR²)): probability the true Sharpe exceeds SR₀. */
  dsr: number;
}

/**
 * Deflated Sharpe Ratio of the selected series given the number of trials and the variance of
 * the trials' Sharpe ratios. Null when the series has fewer than 3 buckets or no variance.
 */
export function deflatedSharpe(series: ArrayLike<number>, trials: number, sharpeVariance: number): DeflatedSharpe | null {
  const sr = sharpeRatio(series);
  const T = series.length;
  if (sr === null || T < 3) return null;
  const g3 = skewness(series);
  const g4 = kurtosis(series);
  return deflatedSharpeFromMoments(sr, T, g3, g4, trials, sharpeVariance);
}

/** The DSR formula on given moments (see `deflatedSharpe`). */
export function deflatedSharpeFromMoments(sr: number, T: number, skew: number, kurt: number, trials: number, sharpeVariance: number): DeflatedSharpe {
  const sr0 = expectedMaxSharpe(trials, sharpeVariance);
  const den = 1 - skew * sr + ((kurt - 1) / 4) * sr * sr;
  const z = ((sr - sr0) * Math.sqrt(T - 1)) / Math.sqrt(Math.max(den, 1e-12));
  return { sharpe: sr, sr0, trials, observations: T, skew, kurtosis: kurt, sharpe_variance: sharpeVariance, dsr: normCdf(z) };
}

/** Sample variance (n − 1) of numbers (0 below two). */
export function variance(xs: ArrayLike<number>): number {
  const s = stdev(xs);
  return s * s;
}

export interface PboResult {
  /** Probability of backtest overfitting: fraction of splits whose in-sample best ranks at or below the out-of-sample median (logit ≤ 0). */
  pbo: number;
  /** Blocks S the rows were cut into. */
  blocks: number;
  /** Splits evaluated: C(S, S/2). */
  splits: number;
  /** Strategies (columns) N. */
  strategies: number;
  /** Rows T (buckets). */
  observations: number;
  /** Mean logit λ over splits. */
  mean_logit: number;
}

function blockSharpe(sum: number, sumsq: number, n: number): number {
  if (n < 2) return 0;
  const m = sum / n;
  const v = Math.max(0, (sumsq - n * m * m) / (n - 1));
  const sd = Math.sqrt(v);
  if (!(sd > 1e-12)) return m > 0 ? 1e9 : m < 0 ? -1e9 : 0;
  return m / sd;
}

/**
 * PBO by CSCV. `columns[j]` is strategy j's performance series (all the same length T). Rows are
 * cut into S contiguous blocks (sizes ⌊T/S⌋ or ⌈T/S⌉); for each of the C(S, S/2) ways to pick
 * half the blocks as in-sample (lexicographic order) the strategy with the best in-sample Sharpe
 * (ties to the lowest index) is ranked out of sample among all N (ascending, ties averaged),
 * ω = rank / (N + 1), λ = ln(ω / (1 − ω)); PBO = share of splits with λ ≤ 0.
 * Null when there are fewer than 2 strategies or fewer rows than blocks.
 */
export function pboCscv(columns: ReadonlyArray<ArrayLike<number>>, blocks = 16): PboResult | null {
  const N = columns.length;
  if (N < 2) return null;
  if (!(Number.isInteger(blocks) && blocks >= 2 && blocks % 2 === 0))
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `PBO: blocks must be an even integer ≥ 2, got ${blocks}`, { field: "blocks" });
  const T = columns[0].length;
  for (const c of columns) if (c.length !== T) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "PBO: every strategy series must have the same length");
  const S = blocks;
  if (T < S) return null;
  // Per block per strategy: sum, sum of squares, count.
  const sum = new Float64Array(S * N);
  const sq = new Float64Array(S * N);
  const cnt = new Float64Array(S);
  for (let b = 0; b < S; b++) {
    const lo = Math.floor((b * T) / S);
    const hi = Math.floor(((b + 1) * T) / S);
    cnt[b] = hi - lo;
    for (let j = 0; j < N; j++) {
      const col = columns[j];
      let s = 0;
      let q = 0;
      for (let t = lo; t < hi; t++) {
        s += col[t];
        q += col[t] * col[t];
      }
      sum[b * N + j] = s;
      sq[b * N + j] = q;
    }
  }
  const half = S / 2;
  const pick = Array.from({ length: half }, (_, i) => i);
  const inIs = new Uint8Array(S);
  const isR = new Float64Array(N);
  const oosR = new Float64Array(N);
  let splits = 0;
  let overfit = 0;
  let logitSum = 0;
  for (;;) {
    inIs.fill(0);
    for (const b of pick) inIs[b] = 1;
    for (let j = 0; j < N; j++) {
      let s1 = 0, q1 = 0, n1 = 0, s2 = 0, q2 = 0, n2 = 0;
      for (let b = 0; b < S; b++) {
        if (inIs[b]) {
          s1 += sum[b * N + j];
          q1 += sq[b * N + j];
          n1 += cnt[b];
        } else {
          s2 += sum[b * N + j];
          q2 += sq[b * N + j];
          n2 += cnt[b];
        }
      }
      isR[j] = blockSharpe(s1, q1, n1);
      oosR[j] = blockSharpe(s2, q2, n2);
    }
    let best = 0;
    for (let j = 1; j < N; j++) if (isR[j] > isR[best]) best = j;
    // Ascending rank of the chosen strategy out of sample, ties averaged.
    let below = 0;
    let equal = 0;
    for (let j = 0; j < N; j++) {
      if (oosR[j] < oosR[best]) below++;
      else if (oosR[j] === oosR[best]) equal++;
    }
    const rank = below + (equal + 1) / 2;
    const w = rank / (N + 1);
    const lambda = libm.log(w / (1 - w));
    splits++;
    logitSum += lambda;
    if (lambda <= 0) overfit++;
    // next combination (lexicographic)
    let i = half - 1;
    while (i >= 0 && pick[i] === S - half + i) i--;
    if (i < 0) break;
    pick[i]++;
    for (let k = i + 1; k < half; k++) pick[k] = pick[k - 1] + 1;
  }
  return { pbo: overfit / splits, blocks: S, splits, strategies: N, observations: T, mean_logit: logitSum / splits };
}
