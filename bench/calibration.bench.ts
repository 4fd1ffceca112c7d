/**
 * Calibration benchmark (issue 6): trials/s of `runCalibration` with 1 and 2 worker threads on
 * real replays of the bundled fixtures, and the speed-up (target ≥ 1.8× with 2 workers on a
 * 2-core machine). Wall clock includes starting the pool (threads load the TypeScript engine),
 * as a user sees it (5×4 grid × 3 fixtures × 6 windows = 360 trials; `--quick`: 24). Also checks that both runs give the same result (hash of folds + final).
 *
 * Run: `npx tsx bench/calibration.bench.ts [--quick]` or `npm run bench`.
 * Writes `bench/results/calibration.json`.
 */
import { cpus, loadavg } from "node:os";
import * as path from "node:path";
import { runCalibration, type CalibrationResult } from "../sdk/calibration/calibrate";
import { parseSpec } from "../sdk/calibration/spec";
import { PROJECT_ROOT } from "../sdk/cli/fixtures-path";
import { writeFileAtomic } from "../sdk/data/fixture";
import { hashCanonical } from "../sdk/util/canonical";

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
        { path: "policy.k_tail.RANGE", choices: [1.5, 2, 2.5, 3] },
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

async function timed(workers: number): Promise<Timed> {
  const load = loadavg()[0];
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  // Steady state: trials finished after the first 10 % (pool start-up, engine load and each
  // thread's first parse of the fixtures are behind us) over the time they took.
  let mark: { t: bigint; done: number } | undefined;
  let last: { t: bigint; done: number } | undefined;
  const r: CalibrationResult = await runCalibration(spec, {
    workers,
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

async function main(): Promise<void> {
  const w1 = await timed(1);
  const line = (t: Timed): string =>
    `${t.workers} worker(s): ${t.trials} trials in ${t.secs.toFixed(2)} s = ${t.trials_per_s.toFixed(2)} trials/s overall, ` +
    `${t.steady_trials_per_s.toFixed(2)} trials/s steady (cores used ${t.cores_used.toFixed(2)}, load ${t.loadavg_1m.toFixed(1)})\n`;
  process.stdout.write(line(w1));
  const w2 = await timed(2);
  process.stdout.write(line(w2));
  const speedup = w2.trials_per_s / w1.trials_per_s;
  const steady_speedup = w2.steady_trials_per_s / w1.steady_trials_per_s;
  const same = w1.result_hash === w2.result_hash;
  process.stdout.write(
    `speed-up overall ${speedup.toFixed(2)}×, steady ${steady_speedup.toFixed(2)}× (target ≥ 1.8× steady) ${steady_speedup >= 1.8 ? "✔" : "✘"}; results identical: ${same ? "✔" : "✘"}\n`,
  );
  const out = {
    quick: QUICK,
    node: process.version,
    cpus: cpus().length,
    target: { speedup_min: 1.8 },
    spec_hash: spec.hash,
    runs: [w1, w2],
    speedup,
    steady_speedup,
    results_identical: same,
  };
  await writeFileAtomic(path.join(PROJECT_ROOT, "bench", "results", "calibration.json"), JSON.stringify(out, null, 2) + "\n");
  if (!same) process.exitCode = 1;
}

main().catch((e) => {
  process.stderr.write(String((e && e.stack) || e) + "\n");
  process.exitCode = 1;
});
