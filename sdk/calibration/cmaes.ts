import { indexOfCoord, rankByScore, unitOfIndex, type Optimiser, type OptimiserResult } from "./optimiser";
import { SeededRandom } from "./rng";
import type { Axis } from "./space";

/**
 * Seeded (μ/μ_w, λ)-CMA-ES (Hansen, "The CMA Evolution Strategy: A Tutorial", 2016, default
 * parameters) on the unit cube of the spec's axes; a candidate x is evaluated at the lattice
 * point nearest it (each coordinate's equal-width bin), ADR-063. Normals come from `SeededRandom`
 * in a fixed order (candidate by candidate, coordinate by coordinate); the covariance is
 * decomposed by cyclic Jacobi rotations (deterministic, exact enough for the few dimensions of a
 * calibration). Infeasible candidates (score null) rank last.
 */
export class CmaEs implements Optimiser {
  private readonly d: number;
  readonly lambda: number;
  private readonly mu: number;
  private readonly w: number[];
  private readonly mueff: number;
  private readonly cs: number;
  private readonly ds: number;
  private readonly cc: number;
  private readonly c1: number;
  private readonly cmu: number;
  private readonly chiN: number;
  private m: number[];
  private sigma: number;
  private ps: number[];
  private pc: number[];
  private C: number[][];
  private B: number[][];
  private D: number[];
  private gen = 0;
  private pending: { x: number[]; y: number[] }[] | null = null;
  private readonly rng: SeededRandom;

  constructor(
    private readonly axes: readonly Axis[],
    opts: { seed: number; start: readonly number[]; population?: number; sigma0: number; generations: number },
  ) {
    const d = (this.d = axes.length);
    this.rng = new SeededRandom(opts.seed);
    this.lambda = opts.population ?? 4 + Math.floor(3 * Math.log(d));
    this.mu = Math.floor(this.lambda / 2);
    const raw = Array.from({ length: this.mu }, (_, i) => Math.log(this.mu + 0.5) - Math.log(i + 1));
    const sw = raw.reduce((a, b) => a + b, 0);
    this.w = raw.map((x) => x / sw);
    this.mueff = 1 / this.w.reduce((a, b) => a + b * b, 0);
    const me = this.mueff;
    this.cs = (me + 2) / (d + me + 5);
    this.ds = 1 + 2 * Math.max(0, Math.sqrt((me - 1) / (d + 1)) - 1) + this.cs;
    this.cc = (4 + me / d) / (d + 4 + (2 * me) / d);
    this.c1 = 2 / ((d + 1.3) ** 2 + me);
    this.cmu = Math.min(1 - this.c1, (2 * (me - 2 + 1 / me)) / ((d + 2) ** 2 + me));
    this.chiN = Math.sqrt(d) * (1 - 1 / (4 * d) + 1 / (21 * d * d));
    this.m = axes.map((a, i) => unitOfIndex(a, opts.start[i]));
    this.sigma = opts.sigma0;
    this.ps = new Array<number>(d).fill(0);
    this.pc = new Array<number>(d).fill(0);
    this.C = identity(d);
    this.B = identity(d);
    this.D = new Array<number>(d).fill(1);
    this.maxGen = opts.generations;
  }

  private readonly maxGen: number;

  get done(): boolean {
    return this.gen >= this.maxGen || !(this.sigma > 1e-12);
  }

  /** Current mean in unit coordinates and step size (for reports and tests). */
  get state(): { mean: number[]; sigma: number; generation: number } {
    return { mean: this.m.slice(), sigma: this.sigma, generation: this.gen };
  }

  ask(): number[][] {
    if (this.done) return [];
    const cands: { x: number[]; y: number[] }[] = [];
    for (let k = 0; k < this.lambda; k++) {
      const z = Array.from({ length: this.d }, () => this.rng.normal());
      const y = new Array<number>(this.d).fill(0);
      for (let i = 0; i < this.d; i++) {
        let s = 0;
        for (let j = 0; j < this.d; j++) s += this.B[i][j] * this.D[j] * z[j];
        y[i] = s;
      }
      const x = this.m.map((mi, i) => mi + this.sigma * y[i]);
      cands.push({ x, y });
    }
    this.pending = cands;
    return cands.map((c) => c.x.map((u, i) => indexOfCoord(this.axes[i], u)));
  }

  tell(results: ReadonlyArray<OptimiserResult>): void {
    const cands = this.pending;
    if (!cands || results.length !== cands.length) throw new Error("CmaEs.tell: results must answer the last ask, one per candidate");
    this.pending = null;
    const d = this.d;
    const order = rankByScore(results).slice(0, this.mu);
    const yw = new Array<number>(d).fill(0);
    for (let r = 0; r < this.mu; r++) for (let i = 0; i < d; i++) yw[i] += this.w[r] * cands[order[r]].y[i];
    this.m = this.m.map((mi, i) => mi + this.sigma * yw[i]);
    // C^{-1/2} yw = B D^{-1} Bᵀ yw
    const bt = new Array<number>(d).fill(0);
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += this.B[i][j] * yw[i];
      bt[j] = s / this.D[j];
    }
    const cinv = new Array<number>(d).fill(0);
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += this.B[i][j] * bt[j];
      cinv[i] = s;
    }
    const csn = Math.sqrt(this.cs * (2 - this.cs) * this.mueff);
    this.ps = this.ps.map((p, i) => (1 - this.cs) * p + csn * cinv[i]);
    const psNorm = Math.sqrt(this.ps.reduce((a, b) => a + b * b, 0));
    this.gen++;
    const hsig = psNorm / Math.sqrt(1 - (1 - this.cs) ** (2 * this.gen)) / this.chiN < 1.4 + 2 / (d + 1) ? 1 : 0;
    const ccn = Math.sqrt(this.cc * (2 - this.cc) * this.mueff);
    this.pc = this.pc.map((p, i) => (1 - this.cc) * p + hsig * ccn * yw[i]);
    const dh = (1 - hsig) * this.cc * (2 - this.cc);
    for (let i = 0; i < d; i++)
      for (let j = 0; j <= i; j++) {
        let rankMu = 0;
        for (let r = 0; r < this.mu; r++) rankMu += this.w[r] * cands[order[r]].y[i] * cands[order[r]].y[j];
        const v = (1 - this.c1 - this.cmu) * this.C[i][j] + this.c1 * (this.pc[i] * this.pc[j] + dh * this.C[i][j]) + this.cmu * rankMu;
        this.C[i][j] = v;
        this.C[j][i] = v;
      }
    this.sigma *= Math.exp((this.cs / this.ds) * (psNorm / this.chiN - 1));
    // Keep the step meaningful on the unit cube.
    this.sigma = Math.min(this.sigma, 1);
    const { values, vectors } = jacobiEigen(this.C);
    this.B = vectors;
    this.D = values.map((v) => Math.sqrt(Math.max(v, 1e-20)));
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
