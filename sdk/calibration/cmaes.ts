import { indexOfCoord, rankByScore, unitOfIndex, type Optimiser, type OptimiserResult } from "./optimiser";
import { SeededRandom } from "./rng";
import type { Axis } from "./space";
import * as libm from "../util/libm";

/** Tries to draw a candidate inside the unit cube before clipping it (as python3-cmaes does). */
const MAX_RESAMPLE = 100;

/**
 * Seeded (μ/μ_w, λ)-CMA-ES on the unit cube of the spec's axes, as in Hansen's tutorial ("The CMA
 * Evolution Strategy: A Tutorial", 2016, default parameters, ADR-063 amended by ADR-170):
 * all λ recombination weights (negative ones for the worse half, active CMA), cumulative step-size
 * adaptation, rank-one + rank-μ covariance update with the tutorial's learning rates.
 *
 * A candidate x is a continuous point of the cube; it is evaluated at the lattice point of its
 * bin (each coordinate's equal-width bin), and the distribution is updated with x itself, never
 * with the quantised point. Out-of-cube samples are redrawn (up to 100 times, then clipped), so
 * the mean cannot drift outside the box where every clamped sample would score the same.
 *
 * A lattice has a margin problem: once the sampling spread on an axis is well below one bin,
 * every sample lands in the mean's bin and that axis stops moving. After each update the
 * per-axis spread σ·a_j·√C_jj is therefore kept at least `margin` bin widths by a diagonal factor
 * a_j ≥ 1 applied when sampling only (the idea of Hamano et al.'s CMA-ES with margin, 2022).
 * When a whole generation scores the same (or the spread is below `tolBins` bins on every axis)
 * for `10 + ⌈30d/λ⌉` generations, the run restarts (IPOP, Auger & Hansen 2005) from a mean drawn
 * uniformly in the cube with λ doubled, within the same generation budget.
 *
 * Normals and uniforms come from one `SeededRandom` in a fixed order (candidate by candidate,
 * coordinate by coordinate); the covariance is decomposed by cyclic Jacobi rotations
 * (deterministic). Infeasible candidates (score null) rank last.
 */
export class CmaEs implements Optimiser {
  private readonly d: number;
  private readonly lambda0: number;
  private readonly sigma0: number;
  private readonly maxGen: number;
  private readonly rng: SeededRandom;
  /** Bin width of each axis in unit coordinates. */
  private readonly bin: number[];
  private readonly margin: number;
  private readonly restarts: boolean;
  // Strategy parameters of the current run (depend on λ).
  lambda = 0;
  private mu = 0;
  private w: number[] = [];
  private mueff = 0;
  private cs = 0;
  private ds = 0;
  private cc = 0;
  private c1 = 0;
  private cmu = 0;
  private chiN = 0;
  // State of the current run.
  private m: number[];
  private sigma: number;
  private ps: number[] = [];
  private pc: number[] = [];
  private C: number[][] = [];
  private B: number[][] = [];
  private D: number[] = [];
  private a: number[] = [];
  private runGen = 0;
  private flat = 0;
  private runBest: number | null = null;
  private gen = 0;
  private nRestarts = 0;
  private pending: number[][] | null = null;

  constructor(
    private readonly axes: readonly Axis[],
    opts: { seed: number; start: readonly number[]; population?: number; sigma0: number; generations: number; margin?: number; restarts?: boolean },
  ) {
    const d = (this.d = axes.length);
    this.rng = new SeededRandom(opts.seed);
    this.lambda0 = opts.population ?? 4 + Math.floor(3 * libm.log(d));
    this.sigma0 = opts.sigma0;
    this.maxGen = opts.generations;
    this.bin = axes.map((ax) => 1 / ax.values.length);
    this.margin = opts.margin ?? 1;
    this.restarts = opts.restarts ?? true;
    this.m = axes.map((ax, i) => unitOfIndex(ax, opts.start[i]));
    this.sigma = this.sigma0;
    this.reset(this.lambda0);
  }

  /** Fresh run: strategy parameters for population `lambda`, zero paths, identity covariance. */
  private reset(lambda: number): void {
    const d = this.d;
    this.lambda = lambda;
    this.mu = Math.floor(lambda / 2);
    const raw = Array.from({ length: lambda }, (_, i) => libm.log((lambda + 1) / 2) - libm.log(i + 1));
    const pos = raw.slice(0, this.mu);
    const neg = raw.slice(this.mu);
    const sq = (xs: number[]) => xs.reduce((s, x) => s + x * x, 0);
    const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
    const sqr = (v: number) => v * v;
    this.mueff = sqr(sum(pos)) / sq(pos);
    const me = this.mueff;
    const meMinus = neg.length && sq(neg) > 0 ? sqr(sum(neg)) / sq(neg) : 0;
    this.cs = (me + 2) / (d + me + 5);
    this.ds = 1 + 2 * Math.max(0, Math.sqrt((me - 1) / (d + 1)) - 1) + this.cs;
    this.cc = (4 + me / d) / (d + 4 + (2 * me) / d);
    this.c1 = 2 / (sqr(d + 1.3) + me);
    this.cmu = Math.min(1 - this.c1, (2 * (me - 2 + 1 / me)) / (sqr(d + 2) + me));
    const posSum = raw.filter((x) => x > 0).reduce((s, x) => s + x, 0);
    const negSum = raw.filter((x) => x < 0).reduce((s, x) => s - x, 0);
    const alphaMinus = Math.min(1 + this.c1 / this.cmu, 1 + (2 * meMinus) / (me + 2), (1 - this.c1 - this.cmu) / (d * this.cmu));
    this.w = raw.map((x) => (x >= 0 ? x / posSum : negSum > 0 ? (alphaMinus * x) / negSum : 0));
    this.chiN = Math.sqrt(d) * (1 - 1 / (4 * d) + 1 / (21 * d * d));
    this.ps = new Array<number>(d).fill(0);
    this.pc = new Array<number>(d).fill(0);
    this.C = identity(d);
    this.B = identity(d);
    this.D = new Array<number>(d).fill(1);
    this.a = new Array<number>(d).fill(1);
    this.runGen = 0;
    this.flat = 0;
    this.runBest = null;
    this.applyMargin();
  }

  get done(): boolean {
    return this.gen >= this.maxGen;
  }

  /** Current mean in unit coordinates, step size, generation and restarts so far (for reports and tests). */
  get state(): { mean: number[]; sigma: number; generation: number; restarts: number; lambda: number } {
    return { mean: this.m.slice(), sigma: this.sigma, generation: this.gen, restarts: this.nRestarts, lambda: this.lambda };
  }

  ask(): number[][] {
    if (this.done) return [];
    const cands: number[][] = [];
    for (let k = 0; k < this.lambda; k++) {
      let x = this.sample();
      for (let t = 1; t < MAX_RESAMPLE && !x.every((u) => u >= 0 && u <= 1); t++) x = this.sample();
      cands.push(x.map((u) => Math.min(1, Math.max(0, u))));
    }
    this.pending = cands;
    return cands.map((x) => x.map((u, i) => indexOfCoord(this.axes[i], u)));
  }

  /** x = m + σ · a ⊙ (B D z), z ~ N(0, I). */
  private sample(): number[] {
    const d = this.d;
    const z = Array.from({ length: d }, () => this.rng.normal());
    const x = new Array<number>(d);
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += this.B[i][j] * this.D[j] * z[j];
      x[i] = this.m[i] + this.sigma * this.a[i] * s;
    }
    return x;
  }

  tell(results: ReadonlyArray<OptimiserResult>): void {
    const xs = this.pending;
    if (!xs || results.length !== xs.length) throw new Error("CmaEs.tell: results must answer the last ask, one per candidate");
    this.pending = null;
    const d = this.d;
    const order = rankByScore(results);
    // y ~ N(0, C): the margin factor a is undone, so C learns the shape, not the floor.
    const ys = order.map((k) => xs[k].map((x, i) => (x - this.m[i]) / (this.sigma * this.a[i])));
    const yw = new Array<number>(d).fill(0);
    for (let r = 0; r < this.mu; r++) for (let i = 0; i < d; i++) yw[i] += this.w[r] * ys[r][i];
    this.m = this.m.map((mi, i) => mi + this.sigma * this.a[i] * yw[i]);
    const cinvYw = this.invSqrt(yw);
    const csn = Math.sqrt(this.cs * (2 - this.cs) * this.mueff);
    this.ps = this.ps.map((p, i) => (1 - this.cs) * p + csn * cinvYw[i]);
    const psNorm = Math.sqrt(this.ps.reduce((s, v) => s + v * v, 0));
    this.gen++;
    this.runGen++;
    const hsig = psNorm / Math.sqrt(1 - libm.pow(1 - this.cs, 2 * this.runGen)) < (1.4 + 2 / (d + 1)) * this.chiN ? 1 : 0;
    const ccn = Math.sqrt(this.cc * (2 - this.cc) * this.mueff);
    this.pc = this.pc.map((p, i) => (1 - this.cc) * p + hsig * ccn * yw[i]);
    const dh = (1 - hsig) * this.cc * (2 - this.cc);
    // Active weights: a negative weight is rescaled by d / ‖C^{-1/2} y‖² (tutorial eq. 46).
    const wo = this.w.map((w, r) => {
      if (w >= 0) return w;
      const v = this.invSqrt(ys[r]);
      return (w * d) / (v.reduce((s, x) => s + x * x, 0) + 1e-300);
    });
    const wsum = this.w.reduce((s, x) => s + x, 0);
    const keep = 1 + this.c1 * dh - this.c1 - this.cmu * wsum;
    for (let i = 0; i < d; i++)
      for (let j = 0; j <= i; j++) {
        let rankMu = 0;
        for (let r = 0; r < this.lambda; r++) rankMu += wo[r] * ys[r][i] * ys[r][j];
        const v = keep * this.C[i][j] + this.c1 * this.pc[i] * this.pc[j] + this.cmu * rankMu;
        this.C[i][j] = v;
        this.C[j][i] = v;
      }
    this.sigma *= libm.exp((this.cs / this.ds) * (psNorm / this.chiN - 1));
    // The cube has side 1: a larger step only produces clipped samples.
    this.sigma = Math.min(this.sigma, 1);
    const { values, vectors } = jacobiEigen(this.C);
    this.B = vectors;
    this.D = values.map((v) => Math.sqrt(Math.max(v, 1e-20)));
    this.applyMargin();
    // Stagnation (IPOP restart): no better score in this run for 2·(10 + ⌈30d/λ⌉) generations.
    const top = results[order[0]].score;
    if (top !== null && (this.runBest === null || top > this.runBest)) {
      this.runBest = top;
      this.flat = 0;
    } else this.flat++;
    if (this.restarts && !this.done && this.flat >= 2 * (10 + Math.ceil((30 * d) / this.lambda))) {
      this.nRestarts++;
      this.m = Array.from({ length: d }, () => this.rng.uniform());
      this.sigma = this.sigma0;
      this.reset(this.lambda * 2);
    }
  }

  /** C^{-1/2} v = B D^{-1} Bᵀ v. */
  private invSqrt(v: readonly number[]): number[] {
    const d = this.d;
    const bt = new Array<number>(d).fill(0);
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += this.B[i][j] * v[i];
      bt[j] = s / this.D[j];
    }
    const out = new Array<number>(d).fill(0);
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += this.B[i][j] * bt[j];
      out[i] = s;
    }
    return out;
  }

  /** Keep the sampling spread of each axis at least `margin` bins: a_j = max(1, margin·bin_j / (σ √C_jj)). */
  private applyMargin(): void {
    for (let j = 0; j < this.d; j++) {
      const sd = this.sigma * Math.sqrt(Math.max(this.C[j][j], 1e-300));
      this.a[j] = Math.max(1, (this.margin * this.bin[j]) / sd);
    }
  }
}

function identity(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: A = V diag(values) Vᵀ,
 * eigenvectors in the columns of V. Deterministic (fixed sweep order).
 */
export function jacobiEigen(A0: readonly (readonly number[])[]): { values: number[]; vectors: number[][] } {
  const n = A0.length;
  const A = A0.map((r) => r.slice());
  const V = identity(n);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p][q] * A[p][q];
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(A[p][q]) < 1e-300) continue;
        const theta = (A[q][q] - A[p][p]) / (2 * A[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k][p];
          const akq = A[k][q];
          A[k][p] = c * akp - s * akq;
          A[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p][k];
          const aqk = A[q][k];
          A[p][k] = c * apk - s * aqk;
          A[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k][p];
          const vkq = V[k][q];
          V[k][p] = c * vkp - s * vkq;
          V[k][q] = s * vkp + c * vkq;
        }
      }
  }
  return { values: A.map((r, i) => r[i]), vectors: V };
}
