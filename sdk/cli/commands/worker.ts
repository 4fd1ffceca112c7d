import * as path from "node:path";
import type { Command } from "commander";
// the calibration runner and the BullMQ worker (bullmq, ioredis) load when the command runs, not at CLI start-up (ADR-126)
type CalibrateModule = typeof import("../../calibration/calibrate");
type TrialWorkerModule = typeof import("../../calibration/queue/trial-worker");
import { DEFAULT_QUEUE_NAME } from "../../calibration/queue/wire";
import { ErrorCode, GrinderError } from "../../contracts/errors";
import { FIXTURES_DIR } from "../fixtures-path";
import { parseEvaluator } from "./calibrate";

interface WorkerOpts {
  queue: string;
  queueName: string;
  data?: string[];
  threads: string;
  evaluator?: string;
  lockMs: string;
  quiet?: boolean;
}

const int = (v: string, name: string, min: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `--${name} must be an integer ≥ ${min}, got '${v}'`, { field: name });
  return n;
};

export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description("evaluate calibration trials from a BullMQ queue on Redis (run any number, on any host; see docs/CALIBRATION.md)")
    .requiredOption("--queue <url>", "Redis URL of the coordinator's queue, e.g. redis://10.0.0.5:6379")
    .option("--queue-name <name>", "BullMQ queue name (as given to calibrate)", DEFAULT_QUEUE_NAME)
    .option("--data <dir...>", "dataset folders, found by content hash: a fixture, a columnar store or a bar dataset, or a folder of them (e.g. fixtures/, datasets/)", undefined)
    .option("--threads <n>", "evaluator threads in this process (trials at once)", "1")
    .option("--evaluator <module>", "evaluator module[#export]; must be the coordinator's (default: the replay engine)")
    .option("--lock-ms <ms>", "job lock: a trial of a killed worker is re-queued after about this long", "30000")
    .option("--quiet", "no log lines on stderr")
    .action(async (opts: WorkerOpts) => {
      const log = opts.quiet ? undefined : (l: string): void => void process.stderr.write(`${new Date().toISOString()} ${l}\n`);
      const { REPLAY_EVALUATOR } = require("../../calibration/calibrate") as CalibrateModule;
      const { TrialWorker } = require("../../calibration/queue/trial-worker") as TrialWorkerModule;
      const w = await TrialWorker.start({
        url: opts.queue,
        name: opts.queueName,
        evaluator: parseEvaluator(opts.evaluator) ?? REPLAY_EVALUATOR,
        data: (opts.data ?? [FIXTURES_DIR]).map((d) => path.resolve(d)),
        threads: int(opts.threads, "threads", 1),
        lockMs: int(opts.lockMs, "lock-ms", 1000),
        log,
      });
      const onSignal = (): void => {
        log?.(`stopping after ${w.evaluated} trial(s)`);
        void w.close();
      };
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        await w.stopped;
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });
}
