/**
 * Planning bench (ADR-175): the policy hot path against the implementation it replaced (kept as
 * the differential test's oracle in test/policy/reference/), both measured in the same run.
 *
 *  - micro: `planGrid` on the PlanInputs recorded from the replay bench's L1 stream (one per bar
 *    close), µs per plan, best of several passes;
 *  - replay: the L1 replay with the current planner and with the reference planner plugged in as
 *    the strategy's plan stage, interleaved repetitions, best of each; the digests must agree.
 *
 * Ratios (reference / current) are what count on a shared machine; absolute figures move with load.
 * Run: `npm run bench` or `node --expose-gc --require tsx/cjs bench/plan.bench.ts [--quick]`.
 * Writes `bench/results/plan.json`.
 */
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_ROOT } from "../sdk/cli/fixtures-path";
import { writeFileAtomic } from "../sdk/data/fixture";
import { ReplayEngine } from "../sdk/engine/replay";
import { defaultStages } from "../sdk/strategies/adaptive-grid/default-stages";
import type { StageFactory } from "../sdk/strategies/adaptive-grid/stages";
import { configHash, defaultConfig, type GrinderConfig } from "../sdk/config";
import { planGrid, type PlanInput } from "../sdk/policy";
import { explainGrid as explainGridReference } from "../test/policy/reference/plan";
import { BENCH_INST, forEachSnapshot } from "./market";

const QUICK = process.argv.includes("--quick");
const N = QUICK ? 1_000_000 : 3_000_000;
const REPS = QUICK ? 1 : 3;

type Planner = (input: PlanInput, cfg: GrinderConfig["policy"]) => ReturnType<typeof planGrid>;
const current: Planner = planGrid;
const reference: Planner = (input, cfg) => explainGridReference(input, cfg).plan;

function stagesWith(plan: Planner, record?: PlanInput[]): StageFactory<GrinderConfig> {
  return {
    ...defaultStages,
    plan: (input, cfg) => {
      const x: PlanInput = { ...input, features: record ? { ...input.features } : input.features, bar_interval_ms: cfg.features.bar_interval_ms };
      if (record) record.push(x);
      return plan(x, cfg.policy);
    },
  };
}

async function replay(plan: Planner, n: number, record?: PlanInput[]): Promise<{ secs: number; digest: string; ticks: number }> {
  const config = defaultConfig();
  const eng = new ReplayEngine({ config, configHash: configHash(config), instruments: [BENCH_INST], stages: stagesWith(plan, record), tables: true });
  const t0 = process.hrtime.bigint();
  forEachSnapshot(n, { l2: false }, (s) => eng.step(s));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const r = await eng.finish();
  return { secs, digest: r.digest, ticks: r.summary.ticks };
}

function microUs(plan: Planner, inputs: ReadonlyArray<PlanInput>, cfg: GrinderConfig["policy"]): number {
  let best = Infinity;
  let sink = 0;
  for (let pass = 0; pass < (QUICK ? 3 : 7); pass++) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < 3; k++) for (const x of inputs) sink += plan(x, cfg).bids.length;
    const us = Number(process.hrtime.bigint() - t0) / 1e3 / (3 * inputs.length);
    if (us < best) best = us;
  }
  if (sink < 0) throw new Error("unreachable");
  return best;
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = { quick: QUICK, node: process.version, load_average_start: os.loadavg().map((x) => Math.round(x * 100) / 100) };
  const inputs: PlanInput[] = [];
  await replay(current, 1_000_000, inputs);
  const cfg = defaultConfig().policy;
  let levels = 0;
  for (const x of inputs) {
    const p = planGrid(x, cfg);
    levels += p.bids.length + p.asks.length;
  }
  // interleaved, best of each
  let refUs = Infinity, curUs = Infinity;
  for (let r = 0; r < 2; r++) {
    refUs = Math.min(refUs, microUs(reference, inputs, cfg));
    curUs = Math.min(curUs, microUs(current, inputs, cfg));
  }
  results.micro = { plans: inputs.length, avg_orders_per_plan: levels / inputs.length, reference_us_per_plan: refUs, current_us_per_plan: curUs, speedup: refUs / curUs };
  let ref = await replay(reference, N);
  let cur = await replay(current, N);
  for (let r = 1; r < REPS; r++) {
    const a = await replay(reference, N);
    if (a.secs < ref.secs) ref = a;
    const b = await replay(current, N);
    if (b.secs < cur.secs) cur = b;
  }
  if (ref.digest !== cur.digest) throw new Error(`digests differ: reference ${ref.digest}, current ${cur.digest}`);
  results.replay_l1 = {
    snapshots: N, ticks: cur.ticks, digest: cur.digest, reference_secs: ref.secs, current_secs: cur.secs,
    reference_snapshots_per_s: Math.round(N / ref.secs), current_snapshots_per_s: Math.round(N / cur.secs), speedup: ref.secs / cur.secs,
  };
  results.load_average_end = os.loadavg().map((x) => Math.round(x * 100) / 100);
  process.stdout.write(
    [
      "plan bench" + (QUICK ? " (quick)" : ""),
      `micro  ${inputs.length} recorded plans (${(levels / inputs.length).toFixed(1)} orders each)  reference ${refUs.toFixed(2)} µs/plan  current ${curUs.toFixed(2)} µs/plan  speed-up ${(refUs / curUs).toFixed(2)}×`,
      `replay L1 n=${N}  reference planner ${Math.round(N / ref.secs).toLocaleString("en")} snap/s  current ${Math.round(N / cur.secs).toLocaleString("en")} snap/s  speed-up ${(ref.secs / cur.secs).toFixed(3)}×  (digests equal)`,
    ].join("\n") + "\n",
  );
  await writeFileAtomic(path.join(PROJECT_ROOT, "bench", "results", "plan.json"), JSON.stringify(results, null, 2) + "\n");
}

void main();
