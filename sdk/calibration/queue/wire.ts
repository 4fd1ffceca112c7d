import { ErrorCode, GrinderError } from "../../contracts/errors";
import { hashCanonical } from "../../util/canonical";
import type { EvalUnit } from "../evaluator";
import type { DatasetRef } from "./datastore";

/** Version of the job payload; a worker refuses a payload version it does not know. */
export const JOB_FORMAT = 1;
/** Default BullMQ queue name. */
export const DEFAULT_QUEUE_NAME = "grinder-trials";

/** The data of one BullMQ job: everything a worker on another host needs, nothing path-bound. */
export interface TrialJobData {
  format: number;
  /** Coordinator's code version (`codeVersion`): a worker on other code refuses the job. */
  code: string;
  /** Evaluator id the worker must run. */
  evaluator: string;
  /** Trial id in its calibration (informative: logs). */
  trial: string;
  config: Record<string, unknown>;
  dataset: DatasetRef;
  unit: EvalUnit;
}

/**
 * The job id = the trial's identity (ADR-100): SHA-256 of canonical JSON of what the result is
 * a pure function of — the resolved config (its hash; it holds the fill model and any seed), the
 * fill-model id and seed named explicitly, the unit, the dataset's content hash, the code
 * version and the evaluator. A redelivered or duplicated job has the same id and the same
 * result, so it is harmless. `t` prefix: BullMQ refuses purely numeric custom ids.
 */
export function trialJobId(d: TrialJobData): string {
  const exec = (d.config.execution ?? {}) as { fill_model?: { kind?: unknown } };
  const key = hashCanonical({
    config: hashCanonical(d.config),
    fill_model: exec.fill_model?.kind ?? null,
    seed: (d.config as { seed?: unknown }).seed ?? null,
    unit: d.unit,
    dataset: d.dataset.content_sha256,
    code: d.code,
    evaluator: d.evaluator,
  });
  return `t${key}`;
}

const TAG = "GRINDER_ERROR ";

/** A worker-side failure as a job's failed reason (BullMQ carries a message string only). */
export function encodeFailure(e: unknown, worker: string): string {
  if (e instanceof GrinderError) return TAG + JSON.stringify({ code: e.code, detail: e.detail, file: e.file, line: e.line, field: e.field, worker });
  return TAG + JSON.stringify({ message: String((e as Error)?.message ?? e), worker });
}

/** Back to an error on the coordinator, naming the trial and the worker. */
export function decodeFailure(reason: string | undefined, trial: string): Error {
  const r = reason ?? "";
  if (r.startsWith(TAG)) {
    try {
      const o = JSON.parse(r.slice(TAG.length)) as { code?: string; detail?: string; file?: string; line?: number; field?: string; message?: string; worker?: string };
      if (o.code)
        return new GrinderError(o.code as ErrorCode, `${o.detail} (trial ${trial}, worker ${o.worker ?? "?"})`, { file: o.file, line: o.line, field: o.field });
      return new Error(`evaluator failed on trial ${trial} (worker ${o.worker ?? "?"}): ${o.message}`);
    } catch {
      /* fall through */
    }
  }
  return new Error(`trial ${trial} failed in the queue: ${r || "no reason given"}`);
}
