import { hostname } from "node:os";
import { UnrecoverableError, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { ErrorCode, GrinderError } from "../../contracts/errors";
import type { EvaluatorRef, TrialMetrics } from "../evaluator";
import { PoolRunner } from "../pool";
import { redisOptions } from "./bullmq";
import { codeVersion } from "./code-version";
import { DatasetStore } from "./datastore";
import { parseRedisUrl } from "./redis-url";
import { DEFAULT_QUEUE_NAME, encodeFailure, JOB_FORMAT, trialJobId, type TrialJobData } from "./wire";

export interface TrialWorkerOptions {
  /** `redis://host:port[/db]` of the coordinator's queue. */
  url: string;
  name?: string;
  /** Evaluator module (the replay engine unless a custom evaluator is given); must match the jobs'. */
  evaluator: EvaluatorRef;
  /** Folders searched for datasets by content hash (`DatasetStore`). */
  data: readonly string[];
  /** Evaluator threads of this process = trials evaluated at once (default 1). */
  threads?: number;
  /**
   * BullMQ lock duration (ms, default 30 000): a trial whose worker stops renewing its lock (a
   * killed process) is moved back to the queue after about this long and evaluated elsewhere.
   * Trials run in worker threads, so a long trial never blocks the renewal.
   */
  lockMs?: number;
  /** Stop when Redis stays unreachable this long (ms, default 60 000). */
  giveUpMs?: number;
  /** Override the code version (tests of the refusal); default `codeVersion(evaluator)`. */
  code?: string;
  /** Log lines (one per event: start, refusal, error). */
  log?: (line: string) => void;
}

/**
 * A `grinder worker` (ADR-100..102): takes trial jobs from the BullMQ queue, checks the job's
 * code version and evaluator against its own (refusing a job from other code: the worker stops
 * with E_REFUSED), finds the dataset by content hash and verifies it, evaluates the trial in a
 * worker thread and returns the metrics. `stopped` settles when the worker stops: resolved on
 * `close()`, rejected with the reason on a refusal or a lost Redis.
 */
export class TrialWorker {
  readonly id: string;
  readonly code: string;
  readonly stopped: Promise<void>;
  evaluated = 0;
  private readonly worker: Worker;
  private readonly client: Redis;
  private readonly pool: PoolRunner;
  private readonly store: DatasetStore;
  private stopWith!: (e?: unknown) => void;
  private closing = false;

  private constructor(private readonly o: TrialWorkerOptions) {
    const addr = parseRedisUrl(o.url);
    this.code = o.code ?? codeVersion(o.evaluator);
    this.id = `${hostname()}:${process.pid}`;
    this.store = new DatasetStore(o.data);
    const threads = o.threads ?? 1;
    this.pool = new PoolRunner(o.evaluator, threads);
    const giveUp = o.giveUpMs ?? 60_000;
    this.client = new Redis(addr.url, redisOptions(giveUp));
    this.client.on("error", () => undefined);
    this.client.on("end", () => void this.stop(new GrinderError(ErrorCode.IO, `lost the connection to Redis at ${addr.display}: gave up reconnecting after ${giveUp / 1000} s`, { field: "queue" })));
    const lockMs = o.lockMs ?? 30_000;
    this.stopped = new Promise<void>((res, rej) => {
      this.stopWith = (e) => (e ? rej(e) : res());
    });
    this.stopped.catch(() => undefined);
    this.worker = new Worker(o.name ?? DEFAULT_QUEUE_NAME, (job: Job) => this.process(job), {
      connection: this.client,
      concurrency: threads,
      lockDuration: lockMs,
      stalledInterval: Math.max(500, Math.round(lockMs / 2)),
      maxStalledCount: 5,
      autorun: false,
    });
    this.worker.on("error", () => undefined);
  }

  static async start(o: TrialWorkerOptions): Promise<TrialWorker> {
    const w = new TrialWorker(o);
    const giveUp = o.giveUpMs ?? 60_000;
    let t: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        w.worker.waitUntilReady(),
        w.stopped,
        new Promise<never>((_, rej) => {
          t = setTimeout(() => rej(new GrinderError(ErrorCode.IO, `Redis at ${parseRedisUrl(o.url).display} not reachable within ${giveUp / 1000} s`, { field: "queue" })), giveUp);
        }),
      ]);
    } catch (e) {
      await w.stop(e);
      throw e;
    } finally {
      if (t) clearTimeout(t);
    }
    void w.worker.run().catch((e) => w.stop(e));
    o.log?.(`worker ${w.id} on ${parseRedisUrl(o.url).display} queue '${o.name ?? DEFAULT_QUEUE_NAME}': code ${w.code.slice(0, 12)}, evaluator ${o.evaluator.id}, ${o.threads ?? 1} thread(s)`);
    return w;
  }

  private async process(job: Job): Promise<TrialMetrics> {
    const d = job.data as TrialJobData;
    if (d.format !== JOB_FORMAT || d.code !== this.code || d.evaluator !== this.o.evaluator.id) {
      const e = new GrinderError(
        ErrorCode.REFUSED,
        d.format !== JOB_FORMAT
          ? `job format ${String(d.format)} is not this worker's ${JOB_FORMAT}`
          : d.evaluator !== this.o.evaluator.id
            ? `worker evaluator '${this.o.evaluator.id}' ≠ job's '${d.evaluator}'`
            : `worker code version ${this.code.slice(0, 12)} ≠ coordinator's ${String(d.code).slice(0, 12)}: update this host to the coordinator's commit (and Node.js version)`,
        { field: "code" },
      );
      this.o.log?.(`refused trial ${d.trial}: ${e.message}`);
      void this.stop(e);
      throw new UnrecoverableError(encodeFailure(e, this.id));
    }
    try {
      // The job id is the trial's identity: a payload that does not hash to it is corrupt.
      if (trialJobId(d) !== job.id) throw new GrinderError(ErrorCode.HASH_MISMATCH, `job ${job.id} payload does not hash to its id`, { field: "job" });
      const dir = await this.store.locate(d.dataset);
      const m = await this.pool.run({ config: d.config, fixture_dir: dir, unit: d.unit });
      this.evaluated++;
      return m;
    } catch (e) {
      this.o.log?.(`trial ${d.trial} failed: ${(e as Error).message}`);
      throw new UnrecoverableError(encodeFailure(e, this.id));
    }
  }

  /** Stop taking jobs, let running trials finish (or not, on a refusal), release Redis and threads. */
  async stop(reason?: unknown): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    try {
      await Promise.race([this.worker.close(reason !== undefined), new Promise((r) => setTimeout(r, 10_000).unref())]);
    } catch {
      /* closing a worker whose connection is gone */
    }
    this.client.disconnect();
    await this.pool.close();
    this.stopWith(reason);
  }

  close(): Promise<void> {
    return this.stop();
  }
}
