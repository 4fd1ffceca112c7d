import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { parentPort, Worker, workerData } from "node:worker_threads";
import { ErrorCode, GrinderError } from "../../contracts/errors";
import type { ImportReport } from "./common";
import type { BookTickerBatch, BookTickerCsvParser } from "./bookticker-csv";

/*
 * The bookTicker store import on two threads (ADR-210). The file is cut into segments of
 * `SEGMENT_BYTES`; of each, this thread parses the first `MAIN_SHARE` and a worker thread the
 * rest (this thread also hashes, encodes and writes every row, so it parses less). A segment
 * boundary is a line start: the lines whose first byte lies in [x, y) are those from
 * `lineStart(x)` to `lineStart(y)`, computed the same way on both threads.
 *
 * The worker parses its part without knowing the parser's state there (last update id, last
 * event time, line number, a pending blank line): it starts from the most permissive state
 * (ids and times from -1, no pending blank, line numbers from `BASE`, never line 1). Its rows
 * are taken only when they are exactly what one thread would have produced: its first line
 * was accepted, this thread's parser ends the part before at a line boundary with no pending
 * blank line, and that first row passes the checks against the true state (update id greater,
 * event time not earlier). From that row on both parsers are in the same state, so every later
 * row, value, rendered line and refusal is the same; line numbers (errors, lenient examples, a
 * pending blank line) are rebased and report counters merged. Otherwise this
 * thread parses the part itself. Rows, lines and errors are therefore taken in file order, and
 * the first bad row in file order raises its error, as on one thread.
 *
 * Only imports with tick and lot given (no step tracking) are split: the step trackers' gcds
 * are exact only while their mantissas stay below 2^53, and past that the result depends on the
 * order the values came in, which a merge of two trackers cannot reproduce. `grinder store
 * import-bookticker` infers the instrument in a pass of its own first, so its import is split.
 */

/**
 * Plain files at least this large are parsed on two threads by a store import (ADR-210). Below
 * it, in a fresh process, the worker's start and its cold code cost more than its share of the
 * parse saves (ADR-241: one thread faster at 14 and 47 MB, even at 95 MB, two faster at 190 MB).
 */
export const THREAD_MIN_BYTES = 96 << 20;
/** Bytes per segment. */
const SEGMENT_BYTES = 4 << 20;
/** The share of each segment this thread parses (it also hashes and writes everything: measured, ADR-210). */
const MAIN_SHARE = 0.3;
/** Line numbers of a worker's part start here (far from 1: no header rule; rebased when taken). */
const BASE = 1_099_511_627_776; // 2^40
/** Worker segments requested ahead of the one being taken. */
const AHEAD = 2;
const MAX_EXAMPLES = 20;

/** Everything a `BookTickerCsvParser` carries from one chunk to the next: another parser loading it continues exactly where this one stopped. */
export interface BookTickerParserState {
  tail: Uint8Array | null;
  line: number;
  lastId: number;
  lastEvent: number;
  blankAt: number;
  blanks: number;
  priceStep: [number, number, number, number];
  qtyStep: [number, number, number, number];
  report: Pick<ImportReport, "lines" | "rejected" | "rejectedTotal" | "examples" | "counts">;
}

/** Test hooks: segment sizes, waiting for the worker before the first segment, and a count of the parts whose rows came from the worker. */
export interface ThreadHooks {
  segment_bytes?: number;
  main_bytes?: number;
  wait_ready?: boolean;
  /** False: always wait for the worker's result (default: take back a part the worker has not started). */
  steal?: boolean;
  worker_segments?: number;
}

export interface ThreadJob {
  file: string;
  lenient: boolean;
  symbol: string;
  trackSteps: boolean;
}

interface SegmentRequest {
  t: "segment";
  id: number;
  job: ThreadJob;
  start: number;
  end: number;
}

/** Buffers of taken results handed back to the worker for its next parts (no new allocation per part; ADR-236). */
interface ReturnBuffers {
  t: "return";
  bufs: ArrayBuffer[];
}

interface SerializedError {
  name?: string;
  code?: ErrorCode;
  detail?: string;
  file?: string;
  line?: number;
  field?: string;
  message: string;
}

/** A worker's part: its rows and lines, the parser state after it, or the (strict) error after its first line. */
interface SegmentResult {
  t: "segment";
  id: number;
  ok: boolean;
  firstId?: number;
  firstEt?: number;
  /** The part's first row (ts, bid price, bid size, ask price, ask size) and its line; the columns and `lines` hold the rows after it. */
  first?: number[];
  line0?: Uint8Array;
  n?: number;
  ts?: Float64Array;
  bp?: Float64Array;
  bq?: Float64Array;
  ap?: Float64Array;
  aq?: Float64Array;
  lines?: Uint8Array;
  state?: BookTickerParserState;
  error?: SerializedError;
}

type Take = (n: number, ts: Float64Array, bp: Float64Array, bq: Float64Array, ap: Float64Array, aq: Float64Array, lines: Uint8Array) => void;

/** Whether a store import of `file` runs on two threads (`parallel`: forced on or off; else `GRINDER_IMPORT_THREAD`; else with a spare core and by size; never for `.gz` or with steps to infer). */
export function wantThread(file: string, parallel: boolean | undefined, trackSteps: boolean): boolean {
  if (parallel === false || trackSteps || file.endsWith(".gz")) return false;
  if (parallel === true) return true;
  // GRINDER_IMPORT_THREAD=0: never, =1: whatever the size and load, =wait: as 1, and every part
  // waits for the worker (a test setting: the worker's parts are used whatever the timing); the
  // results are the same either way
  const env = process.env.GRINDER_IMPORT_THREAD;
  if (env === "0" || env === "1" || env === "wait") return env !== "0";
  // a spare core (as for the replay's baseline thread, ADR-190): on a saturated machine the two
  // threads wait on each other's time slices and the import is slower than on one (measured)
  const cores = availableParallelism();
  if (cores < 2 || loadavg()[0] > cores - 1) return false;
  try {
    return statSync(file).size >= THREAD_MIN_BYTES;
  } catch {
    return false; // the read reports it
  }
}

/**
 * The worker's code: the CLI bundle the command runs from (`GRINDER_CLI_BUNDLE`, ADR-190), or
 * the bookTicker module through tsx (library, tests, benches). If neither loads, the worker
 * never says ready and every segment is parsed on this thread.
 */
const THREAD_SRC = `
const { workerData } = require("node:worker_threads");
let m;
// the bundle through the CLI's V8 code cache when bin/grinder.js says where its loader is (ADR-224)
if (workerData.bundle) m = process.env.GRINDER_CLI_LOADER ? require(process.env.GRINDER_CLI_LOADER).requireCached(workerData.bundle) : require(workerData.bundle);
else {
  if (workerData.tsx && !require.extensions[".ts"]) require(workerData.tsx);
  m = require(workerData.module);
}
m.bookTickerThreadMain();
`;

/** A started worker kept for the next import (its start-up and warm code are reused; unref'd, so it never holds the process). */
let idle: SegmentThread | null = null;

function keepIdle(t: SegmentThread, w: Worker): void {
  w.unref();
  idle = t;
}

/** The import thread's side of the worker. */
export class SegmentThread {
  ready = false;
  private failed = false;
  private nextId = 1;
  /** Results arrived and not yet taken, by request id (ids grow across imports; 0 is never used). */
  private readonly results = new Map<number, SegmentResult>();
  /** Requests this thread parsed itself: their results are dropped when they arrive. */
  private readonly dropped = new Set<number>();
  /** Requests sent whose results have not arrived. */
  private readonly outstanding = new Set<number>();
  private wake: (() => void) | undefined;
  /** [0]: the request id the worker last started; [1]: requests up to this id are to be skipped (this thread took them). */
  private readonly shared: Int32Array;
  hooks: ThreadHooks | undefined;

  private constructor(private readonly worker: Worker, shared: SharedArrayBuffer) {
    this.shared = new Int32Array(shared);
    worker.on("message", (m: { t: "ready" } | SegmentResult) => {
      if (m.t === "ready") this.ready = true;
      else {
        this.outstanding.delete(m.id);
        if (!this.dropped.delete(m.id)) this.results.set(m.id, m);
        else this.giveBack(m);
      }
      this.poke();
    });
    const fail = (): void => {
      this.failed = true;
      this.ready = false;
      this.poke();
    };
    worker.on("error", fail);
    worker.on("exit", fail);
  }

  /** A worker for one import: the idle one, or a new one (null when none can be started). */
  static start(module: string, hooks: ThreadHooks | undefined): SegmentThread | null {
    let t = idle;
    idle = null;
    if (t === null || t.failed) {
      const bundle = process.env.GRINDER_CLI_BUNDLE;
      const shared = new SharedArrayBuffer(8);
      const data: { bundle?: string; module: string; tsx?: string; shared: SharedArrayBuffer } = { module, shared };
      if (bundle && existsSync(bundle)) data.bundle = bundle;
      else if (module.endsWith(".ts")) {
        try {
          data.tsx = require.resolve("tsx/cjs");
        } catch {
          return null;
        }
      }
      try {
        t = new SegmentThread(new Worker(THREAD_SRC, { eval: true, workerData: data }), shared);
      } catch {
        return null;
      }
    }
    t.worker.ref();
    if (process.env.GRINDER_IMPORT_THREAD === "wait" && hooks) Object.assign(hooks, { wait_ready: true, steal: false });
    t.hooks = hooks;
    if (hooks) hooks.worker_segments = 0;
    return t;
  }

  /** Done with this import: kept idle for the next one, or ended. */
  stop(): void {
    this.hooks = undefined;
    // whatever is still queued or running is skipped or dropped
    Atomics.store(this.shared, 1, this.nextId - 1);
    for (const id of this.outstanding) this.dropped.add(id);
    this.results.clear();
    if (!this.failed && idle === null) keepIdle(this, this.worker);
    else void this.worker.terminate();
  }

  /** Hand a result's column and line buffers back to the worker (after `take`: a batch is valid only during its callback). */
  private giveBack(r: SegmentResult): void {
    if (this.failed) return;
    const bufs: ArrayBuffer[] = [];
    for (const a of [r.ts, r.bp, r.bq, r.ap, r.aq, r.lines]) if (a && a.buffer.byteLength > 0) bufs.push(a.buffer as ArrayBuffer);
    if (bufs.length === 0) return;
    try {
      this.worker.postMessage({ t: "return", bufs } satisfies ReturnBuffers, bufs);
    } catch {
      // a worker that is gone: the buffers are garbage
    }
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private wait(): Promise<void> {
    return new Promise<void>((resolve) => (this.wake = resolve));
  }

  private async started(): Promise<void> {
    while (!this.ready && !this.failed) await this.wait();
  }

  private request(job: ThreadJob, start: number, end: number): number {
    const id = this.nextId++;
    const msg: SegmentRequest = { t: "segment", id, job, start, end };
    this.outstanding.add(id);
    this.worker.postMessage(msg);
    return id;
  }

  /**
   * The worker's result for request `id`, or null: this thread parses the part itself. It waits
   * only for a result that has arrived or that the worker has started; a part the worker has not
   * reached yet is taken back (skipped there), so this thread never idles behind a worker that is
   * slow to start or starved of CPU.
   */
  private async result(id: number): Promise<SegmentResult | null> {
    for (;;) {
      const r = this.results.get(id);
      if (r !== undefined) {
        this.results.delete(id);
        return r;
      }
      if (this.failed) return null;
      if (this.hooks?.steal !== false && Atomics.load(this.shared, 0) < id) {
        Atomics.store(this.shared, 1, id);
        this.dropped.add(id);
        return null;
      }
      await this.wait();
    }
  }

  /**
   * The whole file through `p` (fresh, options set): each segment's first part parsed here
   * (`emit` after each push), the rest taken from the worker (`take`) or parsed here.
   */
  async run(p: BookTickerCsvParser, job: ThreadJob, emit: (b: BookTickerBatch) => void, take: Take): Promise<void> {
    let fd: number;
    try {
      fd = openSync(job.file, "r");
    } catch (e) {
      throw new GrinderError(ErrorCode.IO, `cannot read: ${(e as Error).message}`, { file: job.file });
    }
    try {
      const size = fstatSync(fd).size;
      const hooks = this.hooks;
      if (hooks?.wait_ready) await this.started();
      const seg = hooks?.segment_bytes ?? SEGMENT_BYTES;
      const own = hooks?.main_bytes ?? Math.round(seg * MAIN_SHARE);
      const nseg = Math.max(1, Math.ceil(size / seg));
      const probe = Buffer.allocUnsafe(1 << 16);
      const starts = new Map<number, number>();
      const ls = (x: number): number => {
        let s = starts.get(x);
        if (s === undefined) {
          s = lineStart(fd, x, size, probe);
          starts.set(x, s);
        }
        return s;
      };
      const pending = new Map<number, number>();
      let next = 0;
      const chunk = Buffer.allocUnsafe(Math.min(Math.max(seg, 1 << 16), 4 << 20));
      const parse = (s: number, e: number): void => {
        while (s < e) {
          const n = readFull(fd, chunk, Math.min(chunk.length, e - s), s);
          if (n === 0) break;
          emit(p.push(chunk.subarray(0, n)));
          s += n;
        }
      };
      for (let k = 0; k < nseg; k++) {
        if (!this.ready && !this.failed) await new Promise<void>((resolve) => setImmediate(resolve)); // let a ready message in
        if (this.ready) {
          if (next < k) next = k;
          for (; next <= k + AHEAD && next < nseg; next++) {
            const b0 = ls(Math.min(size, next * seg + own));
            const b1 = ls(Math.min(size, (next + 1) * seg));
            if (b1 > b0 && b1 < size) pending.set(next, this.request(job, b0, b1));
          }
        }
        const a0 = ls(k * seg);
        const a1 = ls(Math.min(size, k * seg + own));
        const b1 = ls(Math.min(size, (k + 1) * seg));
        parse(a0, a1);
        const id = pending.get(k);
        pending.delete(k);
        const res = id === undefined ? null : await this.result(id);
        if (res === null || !this.takeSegment(p, res, take)) parse(a1, b1);
        else if (hooks) hooks.worker_segments = (hooks.worker_segments ?? 0) + 1;
        starts.delete(k * seg);
      }
      emit(p.end());
    } finally {
      closeSync(fd);
    }
  }

  /** Take the worker's part if it is what this thread's parser would produce from its current state (see above); false: parse it here. */
  private takeSegment(p: BookTickerCsvParser, r: SegmentResult, take: Take): boolean {
    if (!r.ok || r.state === undefined || r.state.tail !== null) return false;
    const s = p.saveState();
    if (s.tail !== null || s.blankAt !== 0 || !(r.firstId! > s.lastId && r.firstEt! >= s.lastEvent)) return false;
    const rebase = (line: number): number => s.line + (line - BASE);
    if (r.error) throw threadError(r.error, rebase);
    const f = r.first!;
    take(1, Float64Array.of(f[0]), Float64Array.of(f[1]), Float64Array.of(f[2]), Float64Array.of(f[3]), Float64Array.of(f[4]), r.line0!);
    take(r.n!, r.ts!, r.bp!, r.bq!, r.ap!, r.aq!, r.lines!);
    this.giveBack(r);
    const w = r.state;
    const rejected = { ...s.report.rejected };
    for (const [code, n] of Object.entries(w.report.rejected) as Array<[ErrorCode, number]>) rejected[code] = (rejected[code] ?? 0) + n;
    const counts = { ...s.report.counts };
    for (const [key, n] of Object.entries(w.report.counts)) counts[key] = (counts[key] ?? 0) + n;
    const examples = s.report.examples.concat(w.report.examples.map((x) => ({ ...x, line: rebase(x.line) }))).slice(0, MAX_EXAMPLES);
    p.loadState({
      tail: null, line: rebase(w.line), lastId: w.lastId, lastEvent: w.lastEvent, blankAt: w.blankAt === 0 ? 0 : rebase(w.blankAt), blanks: w.blanks,
      priceStep: s.priceStep, qtyStep: s.qtyStep,
      report: { lines: s.report.lines, rejected, rejectedTotal: s.report.rejectedTotal + w.report.rejectedTotal, examples, counts },
    });
    return true;
  }
}

/** The first line start at or after `x`: 0, `size`, or just after the first newline at or after `x - 1`. */
function lineStart(fd: number, x: number, size: number, probe: Buffer): number {
  if (x <= 0) return 0;
  if (x >= size) return size;
  let pos = x - 1;
  while (pos < size) {
    const n = readFull(fd, probe, Math.min(probe.length, size - pos), pos);
    if (n === 0) break;
    const i = probe.indexOf(10);
    if (i >= 0 && i < n) return pos + i + 1;
    pos += n;
  }
  return size;
}

function readFull(fd: number, buf: Buffer, len: number, pos: number): number {
  let got = 0;
  while (got < len) {
    const n = readSync(fd, buf, got, len - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** A worker's error as the same parse raises it on one thread (line rebased; the text kept exactly, it was bounded once). */
function threadError(e: SerializedError, rebase: (line: number) => number): Error {
  if (e.name !== "GrinderError" || e.code === undefined || e.detail === undefined) return new Error(e.message);
  const where = { file: e.file, line: e.line === undefined ? undefined : rebase(e.line), field: e.field };
  const err = new GrinderError(e.code, "", where);
  return Object.assign(err, { detail: e.detail, file: e.file, field: e.field, message: GrinderError.format(e.code, e.detail, where) });
}

/** A fresh parser state for a worker's part: the most permissive one, line numbers from `BASE`. */
function freshState(): BookTickerParserState {
  return {
    tail: null, line: BASE, lastId: -1, lastEvent: -1, blankAt: 0, blanks: 0, priceStep: [0, 0, -1, -1], qtyStep: [0, 0, -1, -1],
    report: { lines: 0, rejected: {}, rejectedTotal: 0, examples: [], counts: {} },
  };
}

/** The worker thread's loop: parse each requested part with a fresh parser from `mk`, results back with their buffers transferred. */
export function threadMain(mk: (file: string, lenient: boolean) => BookTickerCsvParser): void {
  const port = parentPort;
  if (port === null) throw new Error("the bookTicker thread runs in a worker");
  const shared = new Int32Array((workerData as { shared: SharedArrayBuffer }).shared);
  port.on("message", (m: SegmentRequest | ReturnBuffers) => {
    if (m.t === "return") {
      for (const b of m.bufs) if (pool.length < POOL_MAX) pool.push(b);
      return;
    }
    // taken back by the import thread (it parses the part itself): skip it
    if (m.id <= Atomics.load(shared, 1)) {
      port.postMessage({ t: "segment", id: m.id, ok: false });
      return;
    }
    Atomics.store(shared, 0, m.id);
    const r = segment(mk, m);
    const tr: ArrayBuffer[] = [];
    for (const a of [r.ts, r.bp, r.bq, r.ap, r.aq, r.lines]) if (a) tr.push(a.buffer as ArrayBuffer);
    port.postMessage(r, tr);
  });
  port.postMessage({ t: "ready" });
}

let cached: { key: string; p: BookTickerCsvParser } | undefined;

/**
 * The worker's buffers for its results, handed back by the import thread once taken (ADR-236):
 * a part's columns and lines (≈ 5.5 MB) were new ArrayBuffers every part, and each one arriving
 * on the import thread counted as external memory there, which made that thread collect garbage
 * far more often (measured: 8 % of its time, against 3 % on one thread).
 */
const pool: ArrayBuffer[] = [];
/** Six buffers per part, for the parts that can be in flight (requested ahead, being taken) and one more: ≈ 28 MB at ≈ 37 k rows per part. */
const POOL_MAX = 6 * (AHEAD + 2);
/** A buffer of at least `bytes` from the pool (the smallest that fits), else a new one with some room to spare. */
function poolBuffer(bytes: number): ArrayBuffer {
  let best = -1;
  for (let k = 0; k < pool.length; k++) if (pool[k].byteLength >= bytes && (best < 0 || pool[k].byteLength < pool[best].byteLength)) best = k;
  if (best >= 0) return pool.splice(best, 1)[0];
  return new ArrayBuffer(Math.ceil((bytes * 1.25) / 8) * 8);
}

function segment(mk: (file: string, lenient: boolean) => BookTickerCsvParser, m: SegmentRequest): SegmentResult {
  const { job, id } = m;
  const no: SegmentResult = { t: "segment", id, ok: false };
  let buf: Buffer;
  try {
    const fd = openSync(job.file, "r");
    try {
      buf = Buffer.allocUnsafe(m.end - m.start);
      if (readFull(fd, buf, buf.length, m.start) !== buf.length) return no;
    } finally {
      closeSync(fd);
    }
  } catch {
    return no;
  }
  // one parser per job, its batch and line buffers reused from part to part (its state is reset for each)
  const key = JSON.stringify(job);
  if (cached === undefined || cached.key !== key) {
    const q = mk(job.file, job.lenient);
    q.trackSteps = job.trackSteps;
    q.renderLines(job.symbol);
    cached = { key, p: q };
  }
  const p = cached.p;
  p.loadState(freshState());
  const nl = buf.indexOf(10);
  if (nl < 0) return no;
  let b: BookTickerBatch;
  try {
    b = p.push(buf.subarray(0, nl + 1));
  } catch {
    return no;
  }
  if (b.n !== 1 || p.report.rejectedTotal !== 0) return no;
  const firstId = b.update_id[0];
  const firstEt = b.event_time[0];
  const f = [b.event_time[0], b.bid_price[0], b.bid_qty[0], b.ask_price[0], b.ask_qty[0]];
  const line0 = p.lineBytes().slice();
  try {
    b = p.push(buf.subarray(nl + 1));
  } catch (e) {
    const g = e as Partial<GrinderError>;
    return { t: "segment", id, ok: true, firstId, firstEt, error: { name: g?.name, code: g?.code, detail: g?.detail, file: g?.file, line: g?.line, field: g?.field, message: String(g?.message ?? e) }, state: p.saveState() };
  }
  // the rows after the first as the parser holds them, without a copy: its batch and line
  // buffers continue in pool buffers (ADR-236)
  const n = b.n;
  const rest = p.takeBuffers(poolBuffer);
  return { t: "segment", id, ok: true, firstId, firstEt, first: f, line0, n, ...rest, state: p.saveState() };
}
