import type { Optimiser, OptimiserResult } from "./optimiser";
import { crowdingDistance, nonDominatedSort } from "./pareto";
import { SeededRandom } from "./rng";
import type { Axis } from "./space";

interface Member {
  idx: number[];
  obj: ReadonlyArray<number | null>;
  score: number | null;
  rank: number;
  crowd: number;
}

/**
 * Seeded NSGA-II (Deb et al. 2002) on the index lattice of the spec's axes (ADR-063): binary
 * tournaments on (front rank, crowding distance), uniform crossover of index vectors, integer
 * mutation (a normal step of about a sixth of the axis, at least one index), elitist (μ + λ)
 * replacement by non-dominated sorting and crowding. An infeasible candidate (score null) has
 * every objective at −∞, so any feasible point dominates it. Random draws come from one
 * `SeededRandom` in a fixed order.
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
      out = [this.opts.start.slice()];
      while (out.length < P) out.push(this.axes.map((a) => this.rng.int(a.values.length)));
    } else {
      out = [];
      while (out.length < P) {
        const a = this.tournament();
        const b = this.tournament();
        let c1 = a.idx.slice();
        let c2 = b.idx.slice();
        if (this.rng.uniform() < this.opts.crossover) {
          const x = c1.slice();
          const y = c2.slice();
          for (let i = 0; i < x.length; i++)
            if (this.rng.uniform() < 0.5) {
              x[i] = c2[i];
              y[i] = c1[i];
            }
          c1 = x;
          c2 = y;
        }
        out.push(this.mutate(c1));
        if (out.length < P) out.push(this.mutate(c2));
      }
    }
    this.pending = out;
    return out.map((x) => x.slice());
  }

  tell(results: ReadonlyArray<OptimiserResult>): void {
    const asked = this.pending;
    if (!asked || results.length !== asked.length) throw new Error("Nsga2.tell: results must answer the last ask, one per candidate");
    this.pending = null;
    const kids: Member[] = asked.map((idx, i) => ({ idx, obj: results[i].score === null ? results[i].objectives.map(() => null) : results[i].objectives, score: results[i].score, rank: 0, crowd: 0 }));
    const all = this.gen < 0 ? kids : [...this.pop, ...kids];
    this.pop = select(all, this.opts.population);
    this.gen++;
  }

  private tournament(): Member {
    const a = this.pop[this.rng.int(this.pop.length)];
    const b = this.pop[this.rng.int(this.pop.length)];
    if (a.rank !== b.rank) return a.rank < b.rank ? a : b;
    return b.crowd > a.crowd ? b : a;
  }

  private mutate(x: number[]): number[] {
    const y = x.slice();
    for (let i = 0; i < y.length; i++) {
      const n = this.axes[i].values.length;
      if (n < 2 || !(this.rng.uniform() < this.pm)) continue;
      let step = Math.round((this.rng.normal() * n) / 6);
      if (step === 0) step = this.rng.uniform() < 0.5 ? -1 : 1;
      let j = y[i] + step;
      if (j < 0) j = 0;
      if (j > n - 1) j = n - 1;
      if (j === y[i]) j = y[i] === 0 ? 1 : y[i] - 1;
      y[i] = j;
    }
    return y;
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
