import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { buildArtifact, loadArtifact, renderArtifact } from "../../sdk/calibration/artifact";
import { runCalibration } from "../../sdk/calibration/calibrate";
import { CmaEs, jacobiEigen } from "../../sdk/calibration/cmaes";
import { Nsga2 } from "../../sdk/calibration/nsga2";
import type { Optimiser } from "../../sdk/calibration/optimiser";
import { SeededRandom } from "../../sdk/calibration/rng";
import { buildAxes } from "../../sdk/calibration/space";
import { parseSpec } from "../../sdk/calibration/spec";
import { SYNTH, smallSpec, tinyFixture, tmp } from "./helpers";

const BIN = path.resolve(__dirname, "../../bin/grinder.js");

/** Drive an optimiser on a function of the index vector (maximised); returns every candidate asked. */
function drive(opt: Optimiser, f: (idx: number[]) => number, objs?: (idx: number[]) => number[]): number[][] {
  const seen: number[][] = [];
  for (let g = 0; g < 200 && !opt.done; g++) {
    const b = opt.ask();
    if (!b.length) break;
    seen.push(...b);
    opt.tell(b.map((x) => ({ score: f(x), objectives: objs ? objs(x) : [f(x)] })));
  }
  return seen;
}

describe("calibration: seeded optimisers (unit)", () => {
  const axes = buildAxes([
    { path: "a.x", min: 0, max: 100, step: 1 },
    { path: "a.y", min: 0, max: 100, step: 1 },
    { path: "a.z", min: 0, max: 100, step: 1 },
  ]);
  const sphere = (idx: number[]) => -idx.reduce((s, v, i) => s + (v - [70, 20, 55][i]) ** 2, 0);

  it("SeededRandom: same seed → same draws; different seeds differ", () => {
    const a = new SeededRandom(7);
    const b = new SeededRandom(7);
    const c = new SeededRandom(8);
    const da = Array.from({ length: 20 }, () => a.uniform());
    expect(Array.from({ length: 20 }, () => b.uniform())).to.deep.equal(da);
    expect(Array.from({ length: 20 }, () => c.uniform())).to.not.deep.equal(da);
    expect(da.every((x) => x >= 0 && x < 1)).to.equal(true);
  });

  it("Jacobi eigen-decomposition reconstructs a symmetric matrix", () => {
    const A = [
      [4, 1, 0.5],
      [1, 3, 0.2],
      [0.5, 0.2, 2],
    ];
    const { values, vectors: V } = jacobiEigen(A);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += V[i][k] * values[k] * V[j][k];
        expect(s).to.be.closeTo(A[i][j], 1e-10);
      }
  });

  it("CMA-ES finds the optimum of a sphere on a 101³ lattice, and a seed fixes the whole trajectory", () => {
    const run = (seed: number) => drive(new CmaEs(axes, { seed, start: [10, 90, 10], sigma0: 0.3, generations: 60 }), sphere);
    const a = run(1);
    expect(a).to.deep.equal(run(1));
    expect(run(2)).to.not.deep.equal(a);
    const best = Math.max(...a.map(sphere));
    expect(best, "within 2 lattice steps per axis of (70, 20, 55)").to.be.at.least(-3);
    expect(sphere([10, 90, 10])).to.be.below(-5000);
  });

  it("NSGA-II: a seed fixes the trajectory, and its front covers the two-objective trade-off", () => {
    const ax = buildAxes([
      { path: "a.x", min: 0, max: 50, step: 1 },
      { path: "a.y", min: 0, max: 50, step: 1 },
    ]);
    // maximise f1 = x and f2 = 50 − x, minimise y: the front is y = 0, any x
    const objs = (i: number[]) => [i[0] - i[1], 50 - i[0] - i[1]];
    const run = (seed: number) => {
      const o = new Nsga2(ax, { seed, start: [25, 40], population: 20, generations: 30, crossover: 0.9 });
      const seen = drive(o, (i) => objs(i)[0] + objs(i)[1], objs);
      return { seen, front: o.front };
    };
    const a = run(3);
    expect(run(3)).to.deep.equal(a);
    expect(run(4).seen).to.not.deep.equal(a.seen);
    const ys = a.front.map((i) => i[1]);
    expect(Math.max(...ys), "front members near y = 0").to.be.at.most(2);
    const xs = a.front.map((i) => i[0]);
    expect(Math.max(...xs) - Math.min(...xs), "front spread along x").to.be.at.least(25);
  });
});

describe("calibration: optimisers converge on the 0.05 lattice of [-5, 5]⁴ (bench problems, fixed seeds)", () => {
  const ax4 = buildAxes(Array.from({ length: 4 }, (_, i) => ({ path: `x.${i}`, min: -5, max: 5, step: 0.05 })));
  const start = ax4.map((a) => a.values.indexOf(-3));
  const at = (idx: number[]) => idx.map((k, i) => ax4[i].values[k] as number);
  const rosenbrock = (x: number[]) => x.slice(0, -1).reduce((s, v, i) => s + 100 * (x[i + 1] - v * v) ** 2 + (1 - v) ** 2, 0);
  const rastrigin = (x: number[]) => 10 * x.length + x.reduce((s, v) => s + v * v - 10 * Math.cos(2 * Math.PI * v), 0);
  const sphere4 = (x: number[]) => x.reduce((s, v) => s + v * v, 0);
  /** Evaluations until f(x) ≤ target (null: not within the budget). */
  const evalsTo = (o: Optimiser, f: (x: number[]) => number, target: number, budget: number): number | null => {
    let n = 0;
    while (!o.done && n < budget) {
      const b = o.ask();
      const res = [];
      for (const idx of b) {
        const v = f(at(idx));
        n++;
        if (v <= target) return n;
        res.push({ score: -v, objectives: [-v] });
      }
      o.tell(res);
    }
    return null;
  };
  const cma = (seed: number) => new CmaEs(ax4, { seed, start, sigma0: 0.3, generations: 1e6 });

  it("CMA-ES reaches Rosenbrock ≤ 0.5 on the lattice (it used to stall in the valley)", () => {
    for (const seed of [1, 2, 3]) expect(evalsTo(cma(seed), rosenbrock, 0.5, 2000), `seed ${seed}`).to.not.equal(null);
  });

  it("CMA-ES restarts (IPOP, λ doubled) out of Rastrigin's local minima and reaches ≤ 2", () => {
    const o = cma(1);
    expect(evalsTo(o, rastrigin, 2, 4000)).to.not.equal(null);
    expect(o.state.restarts, "restarted at least once").to.be.at.least(1);
    expect(o.state.lambda).to.equal(8 * 2 ** o.state.restarts);
  });

  it("CMA-ES keeps its mean inside the cube when the optimum is on the boundary", () => {
    const o = cma(4);
    for (let g = 0; g < 60; g++) {
      const b = o.ask();
      o.tell(b.map((idx) => ({ score: at(idx)[0] + at(idx)[3], objectives: [] })));
      for (const u of o.state.mean) expect(u).to.be.within(0, 1);
    }
    expect(o.state.mean[0], "pushed to the upper edge").to.be.above(0.95);
  });

  it("NSGA-II reaches sphere ≤ 0.01 within 1 000 evaluations (SBX + polynomial mutation on continuous genomes)", () => {
    for (const seed of [1, 2, 3]) {
      const e = evalsTo(new Nsga2(ax4, { seed, start, population: 40, generations: 1e6, crossover: 0.9 }), sphere4, 0.01, 4000);
      expect(e, `seed ${seed}`).to.not.equal(null);
      expect(e!, `seed ${seed}`).to.be.at.most(1000);
    }
  });
});

describe("calibration: CMA-ES and NSGA-II searches are byte-identical for any worker count and after a resume", () => {
  let root: string;
  before(async () => {
    root = tmp("opt");
    await tinyFixture(root, "fx_a");
    await tinyFixture(root, "fx_b", 30, 1_700_100_000_000);
  });
  const params = [
    { path: "policy.alpha", min: 0.1, max: 1.0, step: 0.05 },
    { path: "policy.k_tail.RANGE", min: 1.5, max: 3.5, step: 0.25 },
  ];
  const specs = {
    cmaes: smallSpec({ parameters: params, search: { method: "cmaes", seed: 11, generations: 4, budget: 200 }, gate: { max_pbo: 1, pbo_blocks: 4, min_dsr: 0 } }),
    nsga2: smallSpec({ parameters: params, search: { method: "nsga2", seed: 5, population: 8, generations: 3, budget: 200 }, gate: { max_pbo: 1, pbo_blocks: 4, min_dsr: 0 } }),
  };
  for (const [name, spec] of Object.entries(specs)) {
    it(`${name}: same seed → byte-identical artifact for 0, 1 and 2 workers and across runs`, async function () {
      this.timeout(180_000);
      let firstPoints = "";
      const run = async (workers: number) => {
        const r = await runCalibration(parseSpec(spec), { workers, evaluator: { module: SYNTH, export: "evaluateSeries", id: "synth-series" }, fixturesRoot: root });
        expect(r.search.method).to.equal(name);
        expect(r.validity.pbo, "PBO computed from the series").to.not.equal(null);
        expect(r.validity.dsr?.trials, "DSR counts every evaluated point").to.equal(r.search.points);
        firstPoints ||= JSON.stringify(r.points.filter((p) => p.fold === "all"));
        return renderArtifact(buildArtifact(r, { git_commit: null }));
      };
      const w0 = await run(0);
      const w1 = await run(1);
      const w2 = await run(2);
      const w2b = await run(2);
      expect(w1, "1 vs 0 workers").to.equal(w0);
      expect(w2, "2 vs 1 workers").to.equal(w1);
      expect(w2b, "two runs").to.equal(w2);
      const other = await runCalibration(parseSpec({ ...spec, search: { ...(spec.search as object), seed: 99 } }), {
        workers: 0,
        evaluator: { module: SYNTH, export: "evaluateSeries", id: "synth-series" },
        fixturesRoot: root,
      });
      expect(JSON.stringify(other.points.filter((p) => p.fold === "all")), "another seed explores differently").to.not.equal(firstPoints);
    });
  }

  for (const name of ["cmaes", "nsga2"] as const)
    it(`${name}: a CLI run killed with SIGKILL resumes to the same artifact as an uninterrupted run, no trial journalled twice`, async function () {
      this.timeout(180_000);
      const dir = tmp(`optresume-${name}`);
      await tinyFixture(dir, "fx_a");
      await tinyFixture(dir, "fx_b", 30, 1_700_100_000_000);
      const spec = { ...specs[name], datasets: [{ fixture: path.join(dir, "fx_a") }, { fixture: path.join(dir, "fx_b") }] };
      const specFile = path.join(dir, "spec.json");
      writeFileSync(specFile, JSON.stringify(spec, null, 2));
      const rs = parseSpec(spec, specFile);
      const uninterrupted = await runCalibration(rs, { workers: 0, evaluator: { module: SYNTH, export: "evaluateSeries", id: "x" } });
      const ref = buildArtifact(uninterrupted, { git_commit: null });
      const total = uninterrupted.run.evaluated;
      const out = path.join(dir, "out");
      const journal = path.join(out, ".journal", `t-${rs.hash.slice(0, 12)}.jsonl`);
      const args = [BIN, "calibrate", specFile, "--workers", "2", "--out", out, "--evaluator", `${SYNTH}#evaluateSeries`, "--no-progress"];
      const child = spawn(process.execPath, args, { env: { ...process.env, SYNTH_DELAY_MS: "60" }, stdio: "ignore" });
      const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
      const keys = () => (existsSync(journal) ? readFileSync(journal, "utf8").split("\n").filter((l) => l) : []);
      const t0 = Date.now();
      while (keys().length < 15) {
        if (Date.now() - t0 > 90_000) throw new Error("journal did not fill");
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill("SIGKILL");
      await exited;
      const before = keys().length;
      expect(before, "killed before the end").to.be.below(total);
      expect(readdirSync(out).filter((f) => f.endsWith(".json")), "no artifact from the killed run").to.deep.equal([]);
      appendFileSync(journal, '{"evaluator":"module:synth');
      const res = spawnSync(process.execPath, [...args, "--resume"], { encoding: "utf8" });
      expect(res.status, res.stderr + res.stdout).to.equal(0);
      const m = /\((\d+) evaluated, (\d+) from journal\)/.exec(res.stdout);
      expect(m, res.stdout).to.not.equal(null);
      expect(Number(m![2]), "finished trials are reused").to.equal(before);
      expect(Number(m![1]), "the resumed run evaluates the rest").to.be.above(0);
      expect(Number(m![1]) + Number(m![2]), "every trial of the uninterrupted run, once").to.equal(total);
      const recs = keys().map((l) => (JSON.parse(l) as { key: string }).key);
      expect(recs.length, "torn line dropped, one line per trial").to.equal(total);
      expect(new Set(recs).size, "no duplicate journal key").to.equal(total);
      const files = readdirSync(out).filter((f) => f.endsWith(".json"));
      expect(files).to.deep.equal([`t-v1-${ref.sha256.slice(0, 12)}.json`]);
      expect(loadArtifact(path.join(out, files[0])).sha256, "same artifact as the uninterrupted run").to.equal(ref.sha256);
    });
});
