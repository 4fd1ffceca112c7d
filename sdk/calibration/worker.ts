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

export default async function runTask(task: EvalTask): Promise<TrialMetrics> {
  return checkMetrics(await load()(task), task.unit.id);
}
