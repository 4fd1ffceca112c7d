import { workerData } from "node:worker_threads";
import { ErrorCode, GrinderError } from "../contracts/errors";
import { checkMetrics, type EvalTask, type EvaluateFn, type TrialMetrics } from "./evaluator";

/** Worker side of the pool: load the evaluator module named in `workerData` once, then run tasks. */
let fn: EvaluateFn | undefined;

function load(): EvaluateFn {
  if (fn) return fn;
  const ref = workerData as { module: string; export?: string };
  const mod = require(ref.module) as Record<string, unknown>;
  const f = mod[ref.export ?? "evaluate"];
  if (typeof f !== "function") throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `evaluator module ${ref.module} has no function '${ref.export ?? "evaluate"}'`);
  fn = f as EvaluateFn;
  return fn;
}

/** What crosses the thread boundary: metrics, or a GrinderError's fields (classes do not survive cloning). */
export type WorkerReply =
  | { ok: true; metrics: TrialMetrics }
  | { ok: false; error: { code: string; detail: string; file?: string; line?: number; field?: string } | { message: string; stack?: string } };

// Load the evaluator (the whole engine, through tsx) as soon as the thread starts, so thread
// start-up overlaps with the main thread's dataset checks; a failure resurfaces on the first task.
try {
  load();
} catch {
  fn = undefined;
}

export default async function runTask(task: EvalTask): Promise<WorkerReply> {
  try {
    return { ok: true, metrics: checkMetrics(await load()(task), task.unit.id) };
  } catch (e) {
    if (e instanceof GrinderError) return { ok: false, error: { code: e.code, detail: e.detail, file: e.file, line: e.line, field: e.field } };
    return { ok: false, error: { message: String((e as Error)?.message ?? e), stack: (e as Error)?.stack } };
  }
}
