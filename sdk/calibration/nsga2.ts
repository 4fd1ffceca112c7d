import { indexOfCoord, unitOfIndex, type Optimiser, type OptimiserResult } from "./optimiser";
import { crowdingDistance, nonDominatedSort } from "./pareto";
import { SeededRandom } from "./rng";
import type { Axis } from "./space";
import * as libm from "../util/libm";

interface Member {
  /** Genome: a continuous point of the unit cube. */
  x: number[];
  /** The lattice point it is evaluated at (each coordinate's bin). */
  idx: number[];
  obj: ReadonlyArray<number | null>;
  score: number | null;
  rank: number;
  crowd: number;
}

/** Distribution index of SBX crossover and of polynomial mutation (Deb's usual 20, as deap's defaults in the bench). */
const ETA_C = 20;
const ETA_M = 20;

/**
 * Seeded NSGA-II (Deb et al. 2002) on the unit cube of the spec's axes (ADR-063 amended by
 * ADR-171): binary tournaments on (front rank, crowding distance), simulated binary crossover
 * (SBX, η = 20, each coordinate with probability ½) and polynomial mutation (η = 20, per
 * coordinate with probability `mutation`), both bounded to the cube as in Deb's and deap's
 * `cxSimulatedBinaryBounded` / `mutPolynomialBounded`; elitist (μ + λ) replacement by
 * non-dominated sorting and crowding. Genomes stay continuous; each is evaluated at the lattice
 * point of its bin (so small steps accumulate instead of being rounded away). An infeasible
 * candidate (score null) has every objective at −∞, so any feasible point dominates it. Random
 * draws come from one `SeededRandom` in a fixed order.
 */
export class Nsga2 implements Optimiser {
  private pop: Member[] = [];
  private pending: number[][] | null = null;
  private gen = -1; // -1: initial population not yet asked
  private readonly rng: SeededRandom;
  private readonly pm: number;

  constructor(
    private readonly axes: readonly Axis[],
    private readonly opts: { seed: number; start: readonly number[]; population: number; generations: number; crossover: number; mutation?: number },
  ) {
    this.rng = new SeededRandom(opts.seed);
    this.pm = opts.mutation ?? 1 / Math.max(1, axes.length);
  }

  get done(): boolean {
    return this.gen >= this.opts.generations;
  }

  /** The current population's first front (index vectors), for reports and tests. */
  get front(): number[][] {
    return this.pop.filter((m) => m.rank === 0).map((m) => m.idx.slice());
  }

  ask(): number[][] {
    if (this.done) return [];
    const P = this.opts.population;
    let out: number[][];
    if (this.gen < 0) {
      out = [this.axes.map((a, i) => unitOfIndex(a, this.opts.start[i]))];
      while (out.length < P) out.push(this.axes.map(() => this.rng.uniform()));
    } else {
      out = [];
      while (out.length < P) {
        const c1 = this.tournament().x.slice();
        const c2 = this.tournament().x.slice();
        if (this.rng.uniform() < this.opts.crossover) sbx(c1, c2, this.rng);
        this.mutate(c1);
        this.mutate(c2);
        out.push(c1);
        if (out.length < P) out.push(c2);
      }
    }
    this.pending = out;
    return out.map((x) => this.quantise(x));
  }

  tell(results: ReadonlyArray<OptimiserResult>): void {
    const asked = this.pending;
    if (!asked || results.length !== asked.length) throw new Error("Nsga2.tell: results must answer the last ask, one per candidate");
    this.pending = null;
    const kids: Member[] = asked.map((x, i) => ({
      x,
      idx: this.quantise(x),
      obj: results[i].score === null ? results[i].objectives.map(() => null) : results[i].objectives,
      score: results[i].score,
      rank: 0,
      crowd: 0,
    }));
    const all = this.gen < 0 ? kids : [...this.pop, ...kids];
    this.pop = select(all, this.opts.population);
    this.gen++;
  }

  private quantise(x: readonly number[]): number[] {
    return x.map((u, i) => indexOfCoord(this.axes[i], u));
  }

  private tournament(): Member {
    const a = this.pop[this.rng.int(this.pop.length)];
    const b = this.pop[this.rng.int(this.pop.length)];
    if (a.rank !== b.rank) return a.rank < b.rank ? a : b;
    return b.crowd > a.crowd ? b : a;
  }

  /** Bounded polynomial mutation on [0, 1] (Deb & Goyal; deap's `mutPolynomialBounded`). */
  private mutate(x: number[]): void {
    const p = 1 / (ETA_M + 1);
    for (let i = 0; i < x.length; i++) {
      if (this.axes[i].values.length < 2 || !(this.rng.uniform() < this.pm)) continue;
      const u = this.rng.uniform();
      let dq: number;
      if (u < 0.5) {
        const xy = 1 - x[i];
        dq = libm.pow(2 * u + (1 - 2 * u) * libm.pow(xy, ETA_M + 1), p) - 1;
      } else {
        const xy = x[i];
        dq = 1 - libm.pow(2 * (1 - u) + 2 * (u - 0.5) * libm.pow(xy, ETA_M + 1), p);
      }
      x[i] = Math.min(1, Math.max(0, x[i] + dq));
    }
  }
}

/** Bounded simulated binary crossover on [0, 1], in place (Deb & Agrawal; deap's `cxSimulatedBinaryBounded`). */
function sbx(a: number[], b: number[], rng: SeededRandom): void {
  const p = 1 / (ETA_C + 1);
  const q = (beta: number, u: number): number => {
    const alpha = 2 - libm.pow(beta, -(ETA_C + 1));
    return u <= 1 / alpha ? libm.pow(u * alpha, p) : libm.pow(1 / (2 - u * alpha), p);
  };
  for (let i = 0; i < a.length; i++) {
    if (!(rng.uniform() <= 0.5) || !(Math.abs(a[i] - b[i]) > 1e-14)) continue;
    const x1 = Math.min(a[i], b[i]);
    const x2 = Math.max(a[i], b[i]);
    const u = rng.uniform();
    const c1 = Math.min(1, Math.max(0, 0.5 * (x1 + x2 - q(1 + (2 * x1) / (x2 - x1), u) * (x2 - x1))));
    const c2 = Math.min(1, Math.max(0, 0.5 * (x1 + x2 + q(1 + (2 * (1 - x2)) / (x2 - x1), u) * (x2 - x1))));
    if (rng.uniform() <= 0.5) {
      a[i] = c2;
      b[i] = c1;
    } else {
      a[i] = c1;
      b[i] = c2;
    }
  }
}

/** Elitist NSGA-II survivor selection: whole fronts in order, the last one cut by crowding (ties to the earlier member). */
function select(all: Member[], P: number): Member[] {
  const vs = all.map((m) => m.obj);
  const fronts = nonDominatedSort(vs);
  const out: Member[] = [];
  fronts.forEach((f, r) => {
    const cd = crowdingDistance(vs, f);
    f.forEach((i, k) => {
      all[i].rank = r;
      all[i].crowd = cd[k];
    });
  });
  for (const f of fronts) {
    if (out.length + f.length <= P) {
      for (const i of f) out.push(all[i]);
      continue;
    }
    const rest = f.slice().sort((a, b) => all[b].crowd - all[a].crowd || a - b);
    for (const i of rest) {
      if (out.length >= P) break;
      out.push(all[i]);
    }
    break;
  }
  return out;
}
