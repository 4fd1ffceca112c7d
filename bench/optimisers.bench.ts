/**
 * Optimiser bench (ADR-134, issue 13): the seeded CMA-ES and NSGA-II of `sdk/calibration`
 * against Debian's reference implementations (python3-cmaes 0.9.1 `CMA`, python3-deap 1.3.1
 * NSGA-II with SBX crossover + polynomial mutation) and a seeded random search, on sphere /
 * Rosenbrock / Rastrigin in 4 dimensions over [-5, 5], all started at x = (-3, …, -3).
 * Figure: evaluations until the objective first reaches the target (budget-capped), per seed,
 * in one run. GRINDER's optimisers search the spec's index lattice (here 201 values per axis,
 * step 0.05, which contains every optimum exactly); the references search the continuous box.
 * Two CMA-ES ablations (ADR-170) show what each lattice measure buys: without IPOP restarts, and
 * without restarts and without the one-bin floor on the sampling spread (margin 0).
 * Writes bench/results/optimisers.json. Not a test: counts, not times.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { CmaEs } from "../sdk/calibration/cmaes";
import { Nsga2 } from "../sdk/calibration/nsga2";
import type { Optimiser } from "../sdk/calibration/optimiser";
import { SeededRandom } from "../sdk/calibration/rng";
import { buildAxes } from "../sdk/calibration/space";

const D = 4;
const LO = -5;
const HI = 5;
const START = -3;
const BUDGET = Number(process.env.GRINDER_OPT_BUDGET ?? 4000);
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const PROBLEMS = [
  { name: "sphere", target: 0.01, f: (x: number[]) => x.reduce((s, v) => s + v * v, 0) },
  { name: "rosenbrock", target: 0.5, f: (x: number[]) => x.slice(0, -1).reduce((s, v, i) => s + 100 * (x[i + 1] - v * v) ** 2 + (1 - v) ** 2, 0) },
  { name: "rastrigin", target: 2, f: (x: number[]) => 10 * x.length + x.reduce((s, v) => s + v * v - 10 * Math.cos(2 * Math.PI * v), 0) },
];

const axes = buildAxes(Array.from({ length: D }, (_, i) => ({ path: `x.${i}`, min: LO, max: HI, step: 0.05 })));
const startIdx = axes.map((a) => a.values.indexOf(START));
const point = (idx: number[]): number[] => idx.map((k, i) => axes[i].values[k] as number);

function runOptimiser(o: Optimiser, f: (x: number[]) => number, target: number): number | null {
  let evals = 0;
  while (!o.done && evals < BUDGET) {
    const batch = o.ask();
    if (!batch.length) break;
    const res = [];
    for (const idx of batch) {
      const v = f(point(idx));
      evals++;
      if (v <= target) return evals;
      res.push({ score: -v, objectives: [-v] });
    }
    o.tell(res);
  }
  return null;
}

function randomSearch(seed: number, f: (x: number[]) => number, target: number): number | null {
  const rng = new SeededRandom(seed);
  for (let e = 1; e <= BUDGET; e++) if (f(point(axes.map((a) => rng.int(a.values.length)))) <= target) return e;
  return null;
}

const runs: Array<{ optimiser: string; problem: string; seed: number; evals: number | null }> = [];
for (const p of PROBLEMS)
  for (const seed of SEEDS) {
    runs.push({ optimiser: "grinder CMA-ES", problem: p.name, seed, evals: runOptimiser(new CmaEs(axes, { seed, start: startIdx, sigma0: 0.3, generations: 1e9 }), p.f, p.target) });
    // Ablations (ADR-170): without IPOP restarts, and without restarts and the one-bin spread floor.
    runs.push({ optimiser: "grinder CMA-ES, no restarts", problem: p.name, seed, evals: runOptimiser(new CmaEs(axes, { seed, start: startIdx, sigma0: 0.3, generations: 1e9, restarts: false }), p.f, p.target) });
    runs.push({ optimiser: "grinder CMA-ES, no restarts, no margin", problem: p.name, seed, evals: runOptimiser(new CmaEs(axes, { seed, start: startIdx, sigma0: 0.3, generations: 1e9, restarts: false, margin: 0 }), p.f, p.target) });
    runs.push({ optimiser: "grinder NSGA-II", problem: p.name, seed, evals: runOptimiser(new Nsga2(axes, { seed, start: startIdx, population: 40, generations: 1e9, crossover: 0.9 }), p.f, p.target) });
    runs.push({ optimiser: "random search", problem: p.name, seed, evals: randomSearch(seed, p.f, p.target) });
  }

const job = { d: D, lo: LO, hi: HI, start: START, budget: BUDGET, seeds: SEEDS, problems: PROBLEMS.map(({ name, target }) => ({ name, target })) };
const py = spawnSync("/usr/bin/python3", [path.join(__dirname, "optimisers_ref.py")], { input: JSON.stringify(job), encoding: "utf8", timeout: 1_800_000 });
let ref: { cmaes_version: string; deap_version: string; runs: typeof runs } | null = null;
if (py.status === 0) ref = JSON.parse(py.stdout);
else process.stderr.write(`reference optimisers unavailable (apt-get install python3-cmaes python3-deap): ${py.stderr.slice(0, 400)}\n`);
if (ref) runs.push(...ref.runs);

const median = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const optimisers = [...new Set(runs.map((r) => r.optimiser))];
const summary = PROBLEMS.flatMap((p) =>
  optimisers.map((o) => {
    const rs = runs.filter((r) => r.problem === p.name && r.optimiser === o);
    const ok = rs.filter((r) => r.evals !== null).map((r) => r.evals as number);
    return { problem: p.name, target: p.target, optimiser: o, reached: `${ok.length}/${rs.length}`, median_evals_when_reached: median(ok), max_evals_when_reached: ok.length ? Math.max(...ok) : null };
  }),
);
for (const s of summary) process.stdout.write(`${s.problem.padEnd(11)} ≤ ${String(s.target).padEnd(5)} ${s.optimiser.padEnd(38)} reached ${s.reached.padStart(5)}  median evals ${String(s.median_evals_when_reached ?? "—").padStart(6)}  max ${String(s.max_evals_when_reached ?? "—").padStart(6)}\n`);
const out = { bench: "optimisers", d: D, box: [LO, HI], start: START, budget: BUDGET, seeds: SEEDS, lattice_step: 0.05, references: ref ? { cmaes: ref.cmaes_version, deap: ref.deap_version } : null, summary, runs };
writeFileSync(path.join(__dirname, "results", "optimisers.json"), JSON.stringify(out, null, 2) + "\n");
