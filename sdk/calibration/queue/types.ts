import type { EvalTask, TrialMetrics } from "../evaluator";

/** One trial of a batch: a parameter point replayed on one evaluation unit. */
export interface Trial {
  /** Stable trial id `<index>-<key12>` (proposal order; never depends on scheduling). */
  id: string;
  /** Store key of the trial (the journal's identity). */
  key: string;
  task: EvalTask;
}

/**
 * Where trials are evaluated (docs/CALIBRATION.md, ADR-100). A backend takes a batch of trials,
 * evaluates them in any order on any number of workers, and returns the metrics **in trial
 * order**: adaptive searchers ask a batch, wait for all of it, and tell the results in that
 * order, so nothing downstream depends on which worker finished first.
 *
 * `onResult(i, m)` is called once per trial as it finishes (finishing order: journal and
 * progress only). When a trial fails, no further trials are submitted, trials in flight are
 * waited for, and the batch rejects with the first failure in trial order.
 */
export interface TrialQueue {
  /** Backend name ("local" for the in-process pool, "bullmq" for Redis). */
  readonly backend: string;
  /** Worker threads of a local backend (0 = the calling thread); remote backends: 0. */
  readonly workers: number;
  runBatch(trials: readonly Trial[], onResult?: (index: number, metrics: TrialMetrics) => void): Promise<TrialMetrics[]>;
  close(): Promise<void>;
}

/**
 * Feed `run` with a batch through `lanes` concurrent lanes in trial order (the local pool's
 * dispatch). Results land at their trial index, whatever the finishing order.
 */
export async function laneBatch(
  run: (task: EvalTask) => Promise<TrialMetrics>,
  trials: readonly Trial[],
  lanes: number,
  onResult?: (index: number, metrics: TrialMetrics) => void,
): Promise<TrialMetrics[]> {
  const out: TrialMetrics[] = new Array(trials.length);
  const failed: Array<{ reason: unknown } | undefined> = new Array(trials.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < trials.length) {
      const i = next++;
      try {
        const m = await run(trials[i].task);
        onResult?.(i, m);
        out[i] = m;
      } catch (e) {
        failed[i] = { reason: e };
        next = trials.length; // stop feeding; tasks in flight finish
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, lanes) }, lane));
  // The first failure in trial order, so the reported error never depends on scheduling.
  for (const f of failed) if (f) throw f.reason;
  return out;
}
