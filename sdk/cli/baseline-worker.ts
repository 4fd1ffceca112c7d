import { existsSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { Worker } from "node:worker_threads";
import { staticGridConfig, type StaticGridSummary } from "../analysis/baselines";
import type { GrinderConfig } from "../config";
import { ErrorCode, GrinderError } from "../contracts/errors";
import { openColumnarStore, SharedReadAhead, type ColumnarStore, type ReadAheadHandle } from "../data/store";
import { runReplay } from "../engine/run";
import { replayStartTs, type ReplayWindow } from "../engine/replay";

/**
 * The static-grid baseline of `grinder replay` on a second thread (ADR-190): the baseline is an
 * independent replay of the same data under the static config, so it runs while the adaptive
 * replay runs instead of after it. The worker loads the CLI bundle the command itself runs from
 * (`GRINDER_CLI_BUNDLE`, set by bin/grinder.js) and calls `runStaticGridJob`; the result is the
 * same summary `replayBaselines` reads, computed by the same code. Without a bundle (the CLI run
 * from its TypeScript sources, or the SDK used as a library) `startStaticGrid` returns null and
 * the caller replays the baseline in-process after the adaptive run, as before. The thread is
 * used only when it can help: a spare core (see `baselineThreadWanted`); results are identical
 * either way, only the wall time differs.
 */
export interface StaticGridJob {
  /** A columnar store folder or a JSONL fixture folder (exactly one). */
  store?: string;
  fixture?: string;
  config: GrinderConfig;
  window?: ReplayWindow;
  /** The baseline's share of the adaptive run's read-ahead (ADR-215): each partition read and hash-checked once for both. */
  readAhead?: ReadAheadHandle;
}

/** The worker's side: replay the static grid of `job` and return the summary fields the baseline rows use. */
export async function runStaticGridJob(job: StaticGridJob): Promise<StaticGridSummary> {
  const src = job.store !== undefined ? { store: openColumnarStore(job.store) } : { fixture: job.fixture };
  // only the summary is read: the event log is neither built nor hashed (ADR-205)
  const r = await runReplay({ ...src, config: staticGridConfig(job.config), window: job.window, keepEvents: false, tables: false, digest: false, readAhead: job.readAhead });
  const s = r.summary;
  return { equity_start: s.equity_start, equity_end: s.equity_end, max_dd: s.max_dd, fills: s.fills };
}

// The worker detaches from a shared read-ahead however the job ends, even when the bundle does
// not load (inline, same steps as detachReadAhead), so the adaptive run never waits for it.
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
// this thread only, workerData.nice above the thread it starts from (on Linux a thread's nice value is its own, ADR-239); a refusal is ignored: scheduling only
if (workerData.nice > 0) { try { const os = require("node:os"); os.setPriority(0, Math.min(19, os.getPriority(0) + workerData.nice)); } catch {} }
const detach = () => {
  const h = workerData.job.readAhead;
  if (!h) return;
  const st = new Int32Array(h.state);
  const n = h.slots.length;
  Atomics.and(st, n * 4 + 1, ~h.bit);
  for (let s = 0; s < n; s++) Atomics.and(st, s * 4 + 3, ~h.bit);
  Atomics.add(st, n * 4, 1);
  Atomics.notify(st, n * 4);
};
// the bundle through the CLI's V8 code cache when bin/grinder.js says where its loader is (ADR-224)
const load = (f) => (process.env.GRINDER_CLI_LOADER ? require(process.env.GRINDER_CLI_LOADER).requireCached(f) : require(f));
new Promise((ok) => ok(load(workerData.bundle).runStaticGridJob(workerData.job))).then(
  (r) => { detach(); let nice = null; try { nice = require("node:os").getPriority(0); } catch {} parentPort.postMessage({ ok: true, r, nice }); },
  (e) => { detach(); parentPort.postMessage({ ok: false, e: { name: e && e.name, code: e && e.code, detail: e && e.detail, file: e && e.file, line: e && e.line, field: e && e.field, message: String((e && e.message) || e) } }); }
);
`;

interface Reply {
  ok: boolean;
  r?: StaticGridSummary;
  /** The worker thread's nice value as it finished (null when it could not be read). */
  nice?: number | null;
  e?: { name?: string; code?: string; detail?: string; file?: string; line?: number; field?: string; message: string };
}

export interface StaticGridRun {
  result: Promise<StaticGridSummary>;
  /** The adaptive run's share of the read-ahead the baseline thread reads through (ADR-215): pass it to `runReplay`. */
  readAhead?: ReadAheadHandle;
  /** Stop the worker (the adaptive run failed: its error is the one reported). */
  cancel(): void;
  /** The baseline thread's nice value as it reported it with its result (null before, or when unreadable). */
  nice(): number | null;
}

/**
 * Whether to replay the baseline on a second thread: `GRINDER_BASELINE_THREAD=1` yes, `=0` no;
 * unset: when the machine has at least two cores and a spare one (1-minute load average at
 * most cores − 1). On a saturated machine a second thread only competes with the adaptive
 * replay for the same cores and adds a second engine's memory.
 */
export function baselineThreadWanted(): boolean {
  const env = process.env.GRINDER_BASELINE_THREAD;
  if (env === "1") return true;
  if (env === "0") return false;
  const cores = availableParallelism();
  return cores >= 2 && loadavg()[0] <= cores - 1;
}

/**
 * The baseline thread's young generation (V8 semi-spaces + new large objects), in MB (ADR-216):
 * left to V8, each isolate's new space grows from 16 MB (after a 1 M-row replay) to 32 MB
 * (10 M rows), most of the CLI's peak-RSS growth with length; capped here (semi-space 4 MB)
 * the baseline isolate's new space stays 8 MB at every length. Memory only: the replay's
 * results do not depend on it.
 */
export const BASELINE_YOUNG_GENERATION_MB = 12;

/**
 * How much nicer than the command the baseline thread runs (ADR-239; the increment, capped at
 * nice 19): the adaptive run on the main thread sets the command's wall time, and on a busy
 * 2-core machine the baseline thread competed with the threads the main thread waits for (the
 * store's read-ahead worker, V8's compiler thread); at a lower priority it runs on what they
 * leave. `GRINDER_BASELINE_NICE=<0..19>` sets another increment (0: the command's own
 * priority). Scheduling only: the results do not depend on it.
 */
export const BASELINE_THREAD_NICE = 10;

/** `GRINDER_BASELINE_NICE` when it is an integer 0..19, else `BASELINE_THREAD_NICE`. */
export function baselineNice(): number {
  const v = process.env.GRINDER_BASELINE_NICE;
  const n = v === undefined || v.trim() === "" ? NaN : Number(v);
  return Number.isInteger(n) && n >= 0 && n <= 19 ? n : BASELINE_THREAD_NICE;
}

/**
 * Whether the baseline thread and the adaptive run share one read-ahead of the store (ADR-215):
 * yes unless `GRINDER_SHARED_READ_AHEAD=0` (each replay then reads and hash-checks every
 * partition itself, as in ADR-190; kept to measure the difference).
 */
export function sharedReadAheadWanted(): boolean {
  return process.env.GRINDER_SHARED_READ_AHEAD !== "0";
}

/**
 * Start the static-grid baseline on a worker thread, or null when the CLI does not run from its
 * bundle. With the opened `store` of `job.store`, the baseline and the adaptive run read the
 * store through one `SharedReadAhead` (ADR-215): the caller passes `readAhead` to its `runReplay`.
 */
export function startStaticGrid(job: StaticGridJob, store?: ColumnarStore): StaticGridRun | null {
  const bundle = process.env.GRINDER_CLI_BUNDLE;
  if (!bundle || !existsSync(bundle) || !baselineThreadWanted()) return null;
  // both replays scan from the same first data time (a bounded warm-up, ADR-258)
  const ra = store && job.store !== undefined && sharedReadAheadWanted() ? SharedReadAhead.start(store, 2, { fromTs: replayStartTs(job.window) }) : null;
  let worker: Worker;
  try {
    worker = new Worker(WORKER, { eval: true, workerData: { bundle, nice: baselineNice(), job: ra ? { ...job, readAhead: ra.handle(1) } : job }, resourceLimits: { maxYoungGenerationSizeMb: BASELINE_YOUNG_GENERATION_MB } });
  } catch {
    ra?.close();
    return null;
  }
  let reportedNice: number | null = null;
  const result = new Promise<StaticGridSummary>((resolve, reject) => {
    let done = false;
    worker.once("message", (m: Reply) => {
      done = true;
      void worker.terminate();
      if (typeof m.nice === "number") reportedNice = m.nice;
      if (m.ok && m.r) resolve(m.r);
      else if (m.e && m.e.name === "GrinderError" && m.e.code && m.e.detail !== undefined)
        reject(new GrinderError(m.e.code as ErrorCode, m.e.detail, { file: m.e.file, line: m.e.line, field: m.e.field }));
      else reject(new Error(`static-grid baseline failed: ${m.e?.message ?? "no result"}`));
    });
    worker.once("error", (e) => {
      done = true;
      reject(e);
    });
    worker.once("exit", (code) => {
      if (!done) reject(new GrinderError(ErrorCode.INVARIANT, `static-grid baseline worker exited (code ${code}) without a result`));
    });
  });
  // handled where it is awaited; until then a failure must not count as an unhandled rejection
  result.catch(() => undefined);
  return {
    result,
    nice: () => reportedNice,
    ...(ra ? { readAhead: ra.handle(0) } : {}),
    cancel: () => {
      void worker.terminate();
      ra?.close();
    },
  };
}
