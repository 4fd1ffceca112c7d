import { Queue, QueueEvents } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import { ErrorCode, GrinderError } from "../../contracts/errors";
import { checkMetrics, type EvaluatorRef, type TrialMetrics } from "../evaluator";
import type { ResolvedDataset } from "../folds";
import { codeVersion } from "./code-version";
import { parseRedisUrl, type RedisAddress } from "./redis-url";
import type { Trial, TrialQueue } from "./types";
import { decodeFailure, DEFAULT_QUEUE_NAME, JOB_FORMAT, trialJobId, type TrialJobData } from "./wire";

export interface BullmqQueueOptions {
  /** `redis://host:port[/db]`. */
  url: string;
  /** BullMQ queue name (default `grinder-trials`); workers must name the same queue. */
  name?: string;
  /** The evaluator the workers must run (its id and code version go into every job). */
  evaluator: EvaluatorRef;
  /** The calibration's resolved datasets: jobs name them by content hash, never by path. */
  datasets: readonly ResolvedDataset[];
  /**
   * Use results already in Redis for trials of the batch (`--resume`). Otherwise a job left in
   * Redis by an earlier run with the same id is removed first and evaluated again.
   */
  reuse?: boolean;
  /** Jobs in Redis at once (default 512); more are submitted as results come back. */
  window?: number;
  /** How often worker count and job states are checked (ms, default 1000; a full job-state sweep every 10th). */
  sweepMs?: number;
  /** Fail with a clear message when Redis stays unreachable this long (ms, default 30 000). */
  giveUpMs?: number;
  /** Override the code version (tests of the refusal); default `codeVersion(evaluator)`. */
  code?: string;
}

/** What the coordinator sees of the queue (progress lines, `CalibrationResult.run.queue`). */
export interface QueueStats {
  backend: "bullmq";
  url: string;
  name: string;
  code: string;
  /** Workers connected to the queue at the last check. */
  alive: number;
  /** Jobs submitted (including resubmissions after a Redis restart). */
  submitted: number;
  /** Results received. */
  completed: number;
  /** Of `completed`, results found finished in Redis right after their job was submitted (left by a killed coordinator: resume). */
  from_redis: number;
  /** Jobs whose worker stopped renewing its lock (killed): BullMQ moved them back to the queue. */
  stalled: number;
  /** Jobs found missing from Redis (a restart without persistence) and submitted again. */
  resubmitted: number;
  connected: boolean;
}

interface Batch {
  trials: readonly Trial[];
  data: TrialJobData[];
  ids: string[];
  out: TrialMetrics[];
  failures: Array<Error | undefined>;
  /** Job id → trial indices waiting for it (two trials of one batch may be the same job). */
  pending: Map<string, number[]>;
  next: number;
  stop: boolean;
  onResult?: (i: number, m: TrialMetrics) => void;
  resolve: (v: TrialMetrics[]) => void;
  reject: (e: unknown) => void;
  done: boolean;
}

const SUBMIT_CHUNK = 128;

/**
 * The BullMQ backend of `TrialQueue` (coordinator side, ADR-100). Trials become jobs whose id
 * is the trial's identity (`trialJobId`); any number of `grinder worker` processes on any hosts
 * take them. Results come back by QueueEvents and — as a safety net for events missed while
 * Redis was away — by a periodic sweep of job states; each result is handed to `onResult`
 * (which journals it) and only then removed from Redis, so a coordinator killed at any point
 * finds every finished trial either in its journal or in Redis.
 */
export class BullmqQueue implements TrialQueue {
  readonly backend = "bullmq";
  readonly workers = 0;
  private batch: Batch | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private ticks = 0;
  private fullSweepDue = false;
  private lostError: GrinderError | undefined;
  private readonly st: QueueStats;
  private readonly byPath: Map<string, ResolvedDataset>;

  private constructor(
    private readonly opts: BullmqQueueOptions,
    private readonly addr: RedisAddress,
    private readonly client: Redis,
    private readonly eventsClient: Redis,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    name: string,
    code: string,
  ) {
    this.byPath = new Map(opts.datasets.map((d) => [d.dir, d]));
    this.st = { backend: "bullmq", url: addr.display, name, code, alive: 0, submitted: 0, completed: 0, from_redis: 0, stalled: 0, resubmitted: 0, connected: true };
    events.on("completed", ({ jobId, returnvalue }) => this.settleOk(jobId, returnvalue as unknown));
    events.on("failed", ({ jobId, failedReason }) => this.settleFailed(jobId, failedReason));
    events.on("stalled", () => this.st.stalled++);
    for (const c of [client, eventsClient]) {
      c.on("close", () => (this.st.connected = false));
      c.on("ready", () => {
        if (!this.st.connected) this.fullSweepDue = true; // back after a disconnect: check every job
        this.st.connected = true;
      });
      c.on("end", () => this.lost(`gave up reconnecting after ${this.giveUpMs / 1000} s`));
    }
  }

  private get giveUpMs(): number {
    return this.opts.giveUpMs ?? 30_000;
  }

  /** Connect (failing with E_IO and the Redis address when it cannot be reached) and listen for results. */
  static async open(opts: BullmqQueueOptions): Promise<BullmqQueue> {
    const addr = parseRedisUrl(opts.url);
    const name = opts.name ?? DEFAULT_QUEUE_NAME;
    const code = opts.code ?? codeVersion(opts.evaluator);
    const giveUp = opts.giveUpMs ?? 30_000;
    let lastError = "";
    const mk = (): Redis => {
      const c = new Redis(addr.url, redisOptions(giveUp));
      c.on("error", (e: Error) => (lastError = e.message));
      return c;
    };
    const client = mk();
    const eventsClient = mk();
    const queue = new Queue(name, { connection: client });
    const events = new QueueEvents(name, { connection: eventsClient });
    queue.on("error", () => undefined); // connection errors are handled by the reconnect / give-up logic
    events.on("error", () => undefined);
    try {
      await withTimeout(Promise.all([queue.waitUntilReady(), events.waitUntilReady()]), giveUp, () => `Redis at ${addr.display} not reachable within ${giveUp / 1000} s${lastError ? `: ${lastError}` : ""}`);
    } catch (e) {
      await Promise.allSettled([events.close(), queue.close()]);
      client.disconnect();
      eventsClient.disconnect();
      throw e;
    }
    const q = new BullmqQueue(opts, addr, client, eventsClient, queue, events, name, code);
    q.timer = setInterval(() => void q.sweep(), opts.sweepMs ?? 1000);
    q.timer.unref();
    await q.sweep();
    return q;
  }

  stats(): QueueStats {
    return { ...this.st };
  }

  runBatch(trials: readonly Trial[], onResult?: (i: number, m: TrialMetrics) => void): Promise<TrialMetrics[]> {
    if (this.batch) return Promise.reject(new GrinderError(ErrorCode.INVALID_ARGUMENT, "one batch at a time on a trial queue"));
    if (this.lostError) return Promise.reject(this.lostError);
    const data = trials.map((t) => this.jobData(t));
    return new Promise<TrialMetrics[]>((resolve, reject) => {
      const b: Batch = {
        trials,
        data,
        ids: data.map(trialJobId),
        out: new Array(trials.length),
        failures: new Array(trials.length),
        pending: new Map(),
        next: 0,
        stop: false,
        onResult,
        resolve,
        reject,
        done: false,
      };
      this.batch = b;
      this.pump(b);
      this.check(b);
    });
  }

  private jobData(t: Trial): TrialJobData {
    const d = this.byPath.get(t.task.fixture_dir);
    if (!d) throw new GrinderError(ErrorCode.INVARIANT, `trial ${t.id}: fixture folder ${t.task.fixture_dir} is not one of the calibration's datasets`);
    return {
      format: JOB_FORMAT,
      code: this.st.code,
      evaluator: this.opts.evaluator.id,
      trial: t.id,
      config: t.task.config,
      dataset: { fixture: d.fixture, content_sha256: d.content_sha256 },
      unit: t.task.unit,
    };
  }

  /** Submit the next trials while fewer than `window` jobs are out. */
  private pump(b: Batch): void {
    const window = this.opts.window ?? 512;
    while (!b.stop && b.next < b.trials.length && b.pending.size < window) {
      const chunk: number[] = [];
      while (chunk.length < SUBMIT_CHUNK && b.next < b.trials.length && b.pending.size < window) {
        const i = b.next++;
        const id = b.ids[i];
        const w = b.pending.get(id);
        if (w) w.push(i);
        else {
          b.pending.set(id, [i]);
          chunk.push(i);
        }
      }
      if (chunk.length) void this.submit(b, chunk).catch((e) => this.fail(b, e));
    }
  }

  private async submit(b: Batch, idx: readonly number[]): Promise<void> {
    const ids = idx.map((i) => b.ids[i]);
    if (!this.opts.reuse) await Promise.all(ids.map((id) => this.queue.remove(id).catch(() => 0))); // an active job is locked: wait for it
    await this.add(idx.map((i) => ({ id: b.ids[i], data: b.data[i] })));
    // A job id that already existed (a result finished after the journal's last line) emits no
    // event: look at every submitted job's state once.
    await this.inspect(b, ids, true);
  }

  private async add(jobs: ReadonlyArray<{ id: string; data: TrialJobData }>): Promise<void> {
    await this.queue.addBulk(
      jobs.map((j) => ({
        name: "trial",
        data: j.data,
        // attempts 1: an evaluator error is deterministic, retrying it is pointless; a worker
        // killed mid-trial is not an attempt (BullMQ's stalled-job recovery re-queues it).
        opts: { jobId: j.id, attempts: 1, removeOnComplete: false, removeOnFail: false },
      })),
    );
    this.st.submitted += jobs.length;
  }

  /** Settle jobs that are finished in Redis; resubmit (`lostOk`: not) jobs Redis no longer has. */
  private async inspect(b: Batch, ids: readonly string[], justAdded: boolean): Promise<void> {
    const states = await Promise.all(ids.map((id) => this.queue.getJobState(id)));
    const lost: string[] = [];
    await Promise.all(
      ids.map(async (id, k) => {
        if (!b.pending.has(id)) return;
        const s = states[k];
        if (s === "completed" || s === "failed") {
          const job = await this.queue.getJob(id);
          if (!job) return;
          if (s === "completed") {
            if (justAdded) this.st.from_redis++;
            this.settleOk(id, job.returnvalue);
          } else this.settleFailed(id, job.failedReason);
        } else if (s === "unknown" && !justAdded) lost.push(id);
      }),
    );
    if (lost.length && !b.done) {
      const jobs = lost.filter((id) => b.pending.has(id)).map((id) => ({ id, data: b.data[b.pending.get(id)![0]] }));
      await this.add(jobs);
      this.st.resubmitted += jobs.length;
    }
  }

  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      if (!this.st.connected) return;
      this.st.alive = await withTimeout(this.queue.getWorkersCount(), this.giveUpMs, () => `Redis at ${this.addr.display} did not answer`);
      const b = this.batch;
      this.ticks++;
      if (b && !b.done && (this.fullSweepDue || this.ticks % 10 === 0)) {
        this.fullSweepDue = false;
        await this.inspect(b, [...b.pending.keys()], false);
      }
    } catch {
      /* a failed check is retried on the next tick; a lost connection ends in `lost` */
    } finally {
      this.sweeping = false;
    }
  }

  private settleOk(id: string, value: unknown): void {
    const b = this.batch;
    const idx = b?.pending.get(id);
    if (!b || !idx) return; // an unrelated job, or a duplicate delivery of a settled one
    b.pending.delete(id);
    this.st.completed++;
    for (const i of idx) {
      try {
        const raw = typeof value === "string" ? (JSON.parse(value) as TrialMetrics) : (value as TrialMetrics);
        const m = checkMetrics(raw, b.trials[i].task.unit.id);
        b.onResult?.(i, m);
        b.out[i] = m;
      } catch (e) {
        b.failures[i] = e as Error;
        b.stop = true;
      }
    }
    // Journalled by onResult: the copy in Redis is no longer needed.
    void this.queue.remove(id).catch(() => 0);
    this.after(b);
  }

  private settleFailed(id: string, reason: string | undefined): void {
    const b = this.batch;
    const idx = b?.pending.get(id);
    if (!b || !idx) return;
    b.pending.delete(id);
    for (const i of idx) b.failures[i] = decodeFailure(reason, b.trials[i].id);
    b.stop = true;
    // Reported: a rerun evaluates the trial again.
    void this.queue.remove(id).catch(() => 0);
    this.after(b);
  }

  private after(b: Batch): void {
    if (b.stop) void this.cancelWaiting(b);
    else this.pump(b);
    this.check(b);
  }

  /** After a failure: take back jobs no worker has started (an active job is locked and finishes). */
  private async cancelWaiting(b: Batch): Promise<void> {
    for (const id of [...b.pending.keys()]) {
      const n = await this.queue.remove(id).catch(() => 0);
      if (n === 1 && b.pending.delete(id)) this.check(b);
    }
  }

  private check(b: Batch): void {
    if (b.done || b.pending.size > 0 || (!b.stop && b.next < b.trials.length)) return;
    b.done = true;
    this.batch = undefined;
    const f = b.failures.find((x) => x !== undefined);
    if (f) b.reject(f);
    else b.resolve(b.out);
  }

  private fail(b: Batch, e: unknown): void {
    if (b.done) return;
    b.done = true;
    this.batch = undefined;
    b.reject(this.lostError ?? e);
  }

  private lost(why: string): void {
    this.st.connected = false;
    this.lostError = new GrinderError(ErrorCode.IO, `lost the connection to Redis at ${this.addr.display} (queue '${this.st.name}'): ${why}; rerun with --resume`, {
      field: "queue",
    });
    if (this.batch) this.fail(this.batch, this.lostError);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const ok = this.st.connected && !this.lostError;
    if (ok) await withTimeout(Promise.allSettled([this.events.close(), this.queue.close()]), 5000, () => "close").catch(() => undefined);
    this.client.disconnect();
    this.eventsClient.disconnect();
  }
}

/** ioredis options for BullMQ: commands wait through a reconnect, reconnecting stops after `giveUpMs`. */
export function redisOptions(giveUpMs: number): RedisOptions {
  const step = 500;
  return {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times: number) => (times * step > giveUpMs ? null : step),
  };
}

async function withTimeout<T>(p: Promise<T>, ms: number, msg: () => string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, rej) => {
        t = setTimeout(() => rej(new GrinderError(ErrorCode.IO, msg(), { field: "queue" })), ms);
      }),
    ]);
  } finally {
    if (t) clearTimeout(t);
  }
}
