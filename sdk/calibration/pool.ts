import * as path from "node:path";
import Piscina from "piscina";
import { ErrorCode, GrinderError } from "../contracts/errors";
import { checkMetrics, type EvalTask, type EvaluateFn, type EvaluatorRef, type TrialMetrics } from "./evaluator";
import { laneBatch, type Trial, type TrialQueue } from "./queue/types";
import type { WorkerReply } from "./worker";

/**
 * Runs evaluation tasks one at a time (`run`) or as a batch (`runBatch`, the `TrialQueue` seam);
 * results are matched to tasks by the caller, never by completion order.
 */
export interface TaskRunner extends TrialQueue {
  run(task: EvalTask): Promise<TrialMetrics>;
}

/** Evaluate in the calling thread (tests, notebooks, `workers: 0`). */
export class InProcessRunner implements TaskRunner {
  readonly backend = "local";
  readonly workers = 0;
  constructor(private readonly fn: EvaluateFn) {}
  async run(task: EvalTask): Promise<TrialMetrics> {
    return checkMetrics(await this.fn(task), task.unit.id);
  }
  runBatch(trials: readonly Trial[], onResult?: (i: number, m: TrialMetrics) => void): Promise<TrialMetrics[]> {
    return laneBatch((t) => this.run(t), trials, 1, onResult);
  }
  async close(): Promise<void> {}
}

/**
 * A piscina worker-thread pool of `workers` threads, each loading the evaluator module once.
 * Workers run TypeScript through a small `.js` shim that registers tsx first.
 */
export class PoolRunner implements TaskRunner {
  readonly backend = "local";
  private readonly pool: Piscina;
  constructor(
    ref: EvaluatorRef,
    readonly workers: number,
  ) {
    if (!Number.isInteger(workers) || workers < 1)
      throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `workers must be a positive integer, got ${workers}`, { field: "workers" });
    this.pool = new Piscina({
      filename: path.join(__dirname, "worker.js"),
      minThreads: workers,
      maxThreads: workers,
      // Tasks are seconds long; one queued task per thread keeps all threads busy.
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
      workerData: { module: ref.module, export: ref.export },
    });
  }
  async run(task: EvalTask): Promise<TrialMetrics> {
    const r = (await this.pool.run(task)) as WorkerReply;
    if (r.ok) return r.metrics;
    const e = r.error;
    if ("code" in e) throw new GrinderError(e.code as ErrorCode, `${e.detail} (trial on ${task.unit.id})`, { file: e.file, line: e.line, field: e.field });
    const err = new Error(`evaluator failed on ${task.unit.id}: ${e.message}`);
    if (e.stack) err.stack = e.stack;
    throw err;
  }
  /** Two tasks in flight per thread, fed in trial order (trials finish roughly in order). */
  runBatch(trials: readonly Trial[], onResult?: (i: number, m: TrialMetrics) => void): Promise<TrialMetrics[]> {
    return laneBatch((t) => this.run(t), trials, 2 * this.workers, onResult);
  }
  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
