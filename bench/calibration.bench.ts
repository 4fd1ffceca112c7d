/**
 * Calibration benchmark (issues 6, 17): trials/s of `runCalibration` with 1 and 2 worker threads on
 * real replays of the bundled fixtures, and the speed-up (target ≥ 1.8× with 2 workers on a
 * 2-core machine). Wall clock includes starting the pool (threads load the TypeScript engine),
 * as a user sees it (5×8 grid × 3 fixtures × 6 windows = 720 trials, so that each thread's fixed cost — loading
 * the engine, JIT warm-up, parsing the fixtures once — is amortised as in a real calibration;
 * `--quick`: 24). Also checks that both runs give the same result (hash of folds + final).
 * In the same run, the BullMQ backend on a Redis server of the bench's own: trials/s with 1
 * and 2 `grinder worker` processes (one evaluator thread each) and the queue's per-trial
 * overhead = ms per trial with the queue (1 worker process) − ms per trial on the local pool
 * (1 thread), both steady state.
 *
 * Run: `npx tsx bench/calibration.bench.ts [--quick]` or `npm run bench`.
 * Writes `bench/results/calibration.json`.
 */
import { rmSync } from "node:fs";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpus, loadavg } from "node:os";
import * as path from "node:path";
import { runCalibration, type CalibrationResult } from "../sdk/calibration/calibrate";
import { parseSpec } from "../sdk/calibration/spec";
import { PROJECT_ROOT } from "../sdk/cli/fixtures-path";
import { writeFileAtomic } from "../sdk/data/fixture";
import { hashCanonical } from "../sdk/util/canonical";
import { smallSpec, tinyFixture, tmp } from "../test/calibration/helpers";
import { redisAvailable, startRedis } from "../test/calibration/redis";

const QUICK = process.argv.includes("--quick");

const spec = parseSpec({
  name: "bench",
  version: 1,
  parameters: QUICK
    ? [
        { path: "policy.alpha", choices: [0.8, 1.2] },
        { path: "policy.k_tail.RANGE", choices: [1.5, 2.5] },
      ]
    : [
        { path: "policy.alpha", choices: [0.6, 0.8, 1.0, 1.2, 1.4] },
        { path: "policy.k_tail.RANGE", choices: [1.5, 1.75, 2, 2.25, 2.5, 2.75, 3, 3.25] },
      ],
  datasets: QUICK ? [{ fixture: "range_day_l1" }] : [{ fixture: "range_day_l1" }, { fixture: "trend_day_l1" }, { fixture: "vol_shock_l1" }],
  objective: { name: "pnl_per_dd" },
  folds: { segments: 6, time: { mode: "rolling", train: 2, test: 1 } },
  search: { method: "grid" },
});

interface Timed {
  workers: number;
  trials: number;
  secs: number;
  trials_per_s: number;
  /** Trials/s after the first 10 % of trials (start-up excluded). */
  steady_trials_per_s: number;
  /** CPU seconds of the whole process (all threads) over the run. */
  cpu_secs: number;
  /** cpu_secs / secs: how many cores the run actually got (≈ workers on an idle machine). */
  cores_used: number;
  /** 1-minute load average when the run started (other processes compete for the 2 cores). */
  loadavg_1m: number;
  result_hash: string;
}

async function timed(workers: number, queue?: { url: string; name: string }, synth?: { root: string }): Promise<Timed> {
  const load = loadavg()[0];
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  // Steady state: trials finished after the first 10 % (pool start-up, engine load and each
  // thread's first parse of the fixtures are behind us) over the time they took.
  let mark: { t: bigint; done: number } | undefined;
  let last: { t: bigint; done: number } | undefined;
  const r: CalibrationResult = await runCalibration(synth ? SYNTH_SPEC : spec, {
    workers,
    ...(queue ? { queue } : {}),
    ...(synth ? { evaluator: SYNTH_EV, fixturesRoot: synth.root } : {}),
    onProgress: (e) => {
      const now = { t: process.hrtime.bigint(), done: e.done };
      if (!mark && e.total > 0 && e.done >= 0.1 * e.total) mark = now;
      last = now;
    },
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const steady = mark && last && last.done > mark.done ? (last.done - mark.done) / (Number(last.t - mark.t) / 1e9) : NaN;
  const c = process.cpuUsage(c0);
  const cpu_secs = (c.user + c.system) / 1e6;
  return {
    workers,
    trials: r.search.trials,
    secs,
    trials_per_s: r.search.trials / secs,
    steady_trials_per_s: steady,
    cpu_secs,
    cores_used: cpu_secs / secs,
    loadavg_1m: load,
    result_hash: hashCanonical({ folds: r.folds, final: r.final, summary: r.summary }),
  };
}

interface Pair {
  v8_flags: string;
  runs: [Timed, Timed];
  speedup: number;
  steady_speedup: number;
  results_identical: boolean;
}

async function measure(label: string): Promise<Pair> {
  const line = (t: Timed): string =>
    `  ${t.workers} worker(s): ${t.trials} trials in ${t.secs.toFixed(2)} s = ${t.trials_per_s.toFixed(2)} trials/s overall, ` +
    `${t.steady_trials_per_s.toFixed(2)} trials/s steady (cores used ${t.cores_used.toFixed(2)}, load ${t.loadavg_1m.toFixed(1)})\n`;
  process.stdout.write(`${label}\n`);
  const w1 = await timed(1);
  process.stdout.write(line(w1));
  const w2 = await timed(2);
  process.stdout.write(line(w2));
  const speedup = w2.trials_per_s / w1.trials_per_s;
  const steady_speedup = w2.steady_trials_per_s / w1.steady_trials_per_s;
  const same = w1.result_hash === w2.result_hash;
  process.stdout.write(
    `  speed-up overall ${speedup.toFixed(2)}×, steady ${steady_speedup.toFixed(2)}× (target ≥ 1.8×) ${steady_speedup >= 1.8 ? "✔" : "✘"}; results identical: ${same ? "✔" : "✘"}\n`,
  );
  return { v8_flags: process.execArgv.filter((a) => a.startsWith("--single")).join(" ") || "(default)", runs: [w1, w2], speedup, steady_speedup, results_identical: same };
}

/** Dispatch cost alone: the synthetic closed-form evaluator (microseconds per trial) on tiny fixtures. */
const SYNTH_MODULE = path.join(PROJECT_ROOT, "test", "calibration", "synthetic-evaluator.ts");
const SYNTH_EV = { module: SYNTH_MODULE, export: "evaluate", id: "module:synthetic-evaluator.ts#evaluate" };
const SYNTH_SPEC = parseSpec(
  smallSpec({ parameters: [{ path: "policy.alpha", min: 0.1, max: 1.0, step: 0.05 }, { path: "policy.k_tail.RANGE", choices: [1.5, 2.5, 3.5] }] }),
);

async function startWorkers(url: string, name: string, n: number, extra: string[] = []): Promise<Array<{ p: ChildProcess; err: string }>> {
  const ws: Array<{ p: ChildProcess; err: string }> = [];
  for (let i = 0; i < n; i++) {
    const p = spawn(process.execPath, [path.join(PROJECT_ROOT, "bin", "grinder.js"), "worker", "--queue", url, "--queue-name", name, ...extra], { stdio: ["ignore", "ignore", "pipe"] });
    const w = { p, err: "" };
    p.stderr!.on("data", (d: Buffer) => (w.err += d.toString()));
    ws.push(w);
  }
  while (!ws.every((w) => /: code [0-9a-f]{12}/.test(w.err))) {
    if (ws.some((w) => w.p.exitCode !== null)) throw new Error(`a worker exited: ${ws.map((w) => w.err).join(" | ")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return ws;
}

const stopWorkers = (ws: Array<{ p: ChildProcess }>): Promise<unknown> => Promise.all(ws.map((w) => new Promise((r) => (w.p.once("exit", r), w.p.kill("SIGTERM")))));

interface QueueRun {
  worker_processes: number;
  run: Timed;
  /** 1000 / steady trials/s. */
  ms_per_trial: number;
  results_identical_to_pool: boolean;
}

/** BullMQ on a bench-owned Redis: 1 and 2 worker processes, against the local pool's 1-thread run. */
async function measureQueue(pool1: Timed): Promise<{
  runs: QueueRun[];
  pool_ms_per_trial: number;
  overhead_ms_per_trial: number;
  speedup_2_vs_1: number;
  dispatch: { trials: number; pool_ms_per_trial: number; bullmq_ms_per_trial: number; overhead_ms_per_trial: number; results_identical: boolean };
} | null> {
  if (!redisAvailable()) {
    process.stdout.write("BullMQ: redis-server not installed (scripts/setup.sh installs it): skipped\n");
    return null;
  }
  const redis = await startRedis();
  const runs: QueueRun[] = [];
  let dispatch: { trials: number; pool_ms_per_trial: number; bullmq_ms_per_trial: number; overhead_ms_per_trial: number; results_identical: boolean } | undefined;
  try {
    process.stdout.write(`BullMQ on Redis (${redis.url}), grinder worker processes with 1 evaluator thread each\n`);
    for (const n of [1, 2]) {
      const name = `bench-${n}`;
      const ws = await startWorkers(redis.url, name, n);
      const t = await timed(n, { url: redis.url, name });
      await stopWorkers(ws);
      const run: QueueRun = { worker_processes: n, run: t, ms_per_trial: 1000 / t.steady_trials_per_s, results_identical_to_pool: t.result_hash === pool1.result_hash };
      runs.push(run);
      process.stdout.write(
        `  ${n} worker process(es): ${t.trials} trials in ${t.secs.toFixed(2)} s = ${t.trials_per_s.toFixed(2)} trials/s overall, ${t.steady_trials_per_s.toFixed(2)} trials/s steady ` +
          `(coordinator cores ${t.cores_used.toFixed(2)}, load ${t.loadavg_1m.toFixed(1)}); results identical to the pool: ${run.results_identical_to_pool ? "✔" : "✘"}\n`,
      );
    }
    // The queue's own cost per trial, without replay time in the way: the synthetic evaluator.
    const root = tmp("bench");
    let sp: Timed, sq: Timed;
    try {
      await tinyFixture(root, "fx_a");
      await tinyFixture(root, "fx_b", 30, 1_700_100_000_000);
      sp = await timed(1, undefined, { root });
      const ws = await startWorkers(redis.url, "bench-synth", 1, ["--evaluator", SYNTH_MODULE, "--data", root]);
      sq = await timed(1, { url: redis.url, name: "bench-synth" }, { root });
      await stopWorkers(ws);
    } finally {
      // the two tiny fixtures are the bench's own scratch: nothing of them stays in the temp folder
      rmSync(root, { recursive: true, force: true });
    }
    dispatch = {
      trials: sq.trials,
      pool_ms_per_trial: 1000 / sp.steady_trials_per_s,
      bullmq_ms_per_trial: 1000 / sq.steady_trials_per_s,
      overhead_ms_per_trial: 1000 / sq.steady_trials_per_s - 1000 / sp.steady_trials_per_s,
      results_identical: sp.result_hash === sq.result_hash,
    };
    process.stdout.write(
      `  dispatch only (synthetic evaluator, ${sq.trials} trials, 1 thread / 1 process): pool ${dispatch.pool_ms_per_trial.toFixed(2)} ms/trial, ` +
        `BullMQ ${dispatch.bullmq_ms_per_trial.toFixed(2)} ms/trial → queue overhead ${dispatch.overhead_ms_per_trial.toFixed(2)} ms/trial; results identical: ${dispatch.results_identical ? "✔" : "✘"}\n`,
    );
  } finally {
    await redis.stop();
  }
  const pool_ms_per_trial = 1000 / pool1.steady_trials_per_s;
  const overhead = runs[0].ms_per_trial - pool_ms_per_trial;
  const speedup = runs[1].run.steady_trials_per_s / runs[0].run.steady_trials_per_s;
  process.stdout.write(
    `  per-trial: pool (1 thread) ${pool_ms_per_trial.toFixed(2)} ms, BullMQ (1 process) ${runs[0].ms_per_trial.toFixed(2)} ms → queue overhead ${overhead.toFixed(2)} ms/trial; ` +
      `2 vs 1 worker processes ${speedup.toFixed(2)}×\n`,
  );
  return { runs, pool_ms_per_trial, overhead_ms_per_trial: overhead, speedup_2_vs_1: speedup, dispatch: dispatch! };
}

/**
 * Two configurations: the default Node process, and `node --single-threaded` (no V8 background
 * threads). On 2 cores, each isolate's V8 background work (concurrent GC, compilation) costs
 * ~0.2 core, so with 2 workers the pool competes with it; the second run shows the pool's own
 * scaling without it. The child prints its measurement as one JSON line after a marker.
 */
async function main(): Promise<void> {
  if (process.argv.includes("--child")) {
    const pair = await measure("node --single-threaded (no V8 background threads)");
    process.stdout.write(`@@RESULT ${JSON.stringify(pair)}\n`);
    return;
  }
  const base = await measure("node (default)");
  const bullmq = await measureQueue(base.runs[0]);
  const child = spawnSync(
    process.execPath,
    ["--single-threaded", "--require", require.resolve("tsx/cjs"), __filename, "--child", ...(QUICK ? ["--quick"] : [])],
    { cwd: PROJECT_ROOT, encoding: "utf8" },
  );
  const marker = (child.stdout ?? "").split("\n").find((l) => l.startsWith("@@RESULT "));
  process.stdout.write((child.stdout ?? "").split("\n").filter((l) => l && !l.startsWith("@@RESULT ")).join("\n") + "\n");
  const single = marker ? (JSON.parse(marker.slice("@@RESULT ".length)) as Pair) : null;
  if (!single) process.stderr.write(`single-threaded run failed: ${child.stderr}\n`);
  const out = {
    quick: QUICK,
    node: process.version,
    cpus: cpus().length,
    target: { speedup_min: 1.8 },
    spec_hash: spec.hash,
    default: base,
    single_threaded_v8: single,
    bullmq,
  };
  await writeFileAtomic(path.join(PROJECT_ROOT, "bench", "results", "calibration.json"), JSON.stringify(out, null, 2) + "\n");
  if (!base.results_identical || (single && !single.results_identical) || (bullmq && (bullmq.runs.some((r) => !r.results_identical_to_pool) || !bullmq.dispatch.results_identical))) process.exitCode = 1;
}

main().catch((e) => {
  process.stderr.write(String((e && e.stack) || e) + "\n");
  process.exitCode = 1;
});
