import { createReadStream, promises as fsp } from "node:fs";
import { createHash } from "node:crypto";
import * as path from "node:path";
import { createGunzip } from "node:zlib";
import { ErrorCode, GrinderError } from "../../contracts/errors";
import type { InstrumentSpec } from "../../contracts/market";

/**
 * What an importer read, accepted and refused. Filled in while the stream is consumed and
 * complete when iteration ends; it goes verbatim into a fixture's `provenance`.
 * Nothing is dropped silently: every refused line is counted under its error code.
 */
export interface ImportReport {
  format: string;
  /** Base name of the source file (never an absolute path: provenance must not depend on the machine). */
  source: string;
  /** Physical lines read, header and blank lines included. */
  lines: number;
  /** Snapshots (or klines) emitted. */
  emitted: number;
  /** Lines refused in lenient mode, by error code. */
  rejected: Partial<Record<ErrorCode, number>>;
  rejectedTotal: number;
  /** The first few refusals, for a human to read. */
  examples: Array<{ line: number; code: ErrorCode; field?: string; message: string }>;
  /** Format-specific counters (header seen, gaps, resyncs, trades, ...). */
  counts: Record<string, number>;
  /** Instrument used or inferred (set when the stream ends, or up front when given). */
  instrument?: InstrumentSpec;
  /** True when tick/lot were inferred from the data rather than given. */
  instrument_inferred?: boolean;
  first_ts?: number;
  last_ts?: number;
}

export function newImportReport(format: string, file: string): ImportReport {
  return { format, source: path.basename(file), lines: 0, emitted: 0, rejected: {}, rejectedTotal: 0, examples: [], counts: {} };
}

/** Back to an empty report, same object (a second iteration of an import starts a fresh count). */
export function resetImportReport(r: ImportReport): void {
  Object.assign(r, newImportReport(r.format, r.source), { instrument: undefined, instrument_inferred: undefined, first_ts: undefined, last_ts: undefined });
}

const MAX_EXAMPLES = 20;

/**
 * Route an error raised on one input line: strict mode rethrows it with file and line filled
 * in; lenient mode counts it in the report. Non-`GrinderError`s are bugs and always rethrown.
 */
export function refuse(e: unknown, report: ImportReport, file: string, line: number, lenient: boolean): void {
  if (!(e instanceof GrinderError)) throw e;
  const err = e.at({ file, line });
  if (!lenient) throw err;
  report.rejected[err.code] = (report.rejected[err.code] ?? 0) + 1;
  report.rejectedTotal++;
  if (report.examples.length < MAX_EXAMPLES) report.examples.push({ line, code: err.code, field: err.field, message: err.detail });
}

export function bump(report: ImportReport, key: string, by = 1): void {
  report.counts[key] = (report.counts[key] ?? 0) + by;
}

/** SHA-256 (hex) of a file's bytes as stored (compressed files hash compressed). */
export async function sha256File(file: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of openRaw(file)) h.update(chunk as Buffer);
  return h.digest("hex");
}

function openRaw(file: string): NodeJS.ReadableStream {
  const s = createReadStream(file, { highWaterMark: 1 << 20 });
  s.on("error", () => undefined);
  return s;
}

/**
 * Byte chunks of a file, gunzipped when the name ends in `.gz`. Large chunks: fewer
 * boundaries. A plain file is read into two reused 1 MB buffers (the next read runs while the
 * current chunk is consumed), so memory stays flat whatever the file size: a chunk is valid only
 * until the next one is requested.
 */
export async function* readChunks(file: string): AsyncGenerator<Buffer> {
  if (!file.endsWith(".gz")) {
    let fh: Awaited<ReturnType<typeof fsp.open>>;
    try {
      fh = await fsp.open(file, "r");
    } catch (e) {
      throw new GrinderError(ErrorCode.IO, `cannot read: ${(e as Error).message}`, { file });
    }
    // Two buffers: the next read runs (on libuv's pool) while the consumer parses the current chunk (ADR-192).
    const bufs = [Buffer.allocUnsafe(1 << 20), Buffer.allocUnsafe(1 << 20)];
    let k = 0;
    let pending: Promise<{ bytesRead: number }> | undefined = fh.read(bufs[0], 0, bufs[0].length, null);
    try {
      for (;;) {
        const { bytesRead } = await pending;
        pending = undefined;
        if (bytesRead === 0) break;
        const cur = bufs[k];
        k ^= 1;
        // the other buffer's chunk was handed out before this one was asked for: free to refill
        pending = fh.read(bufs[k], 0, bufs[k].length, null);
        yield cur.subarray(0, bytesRead);
      }
    } finally {
      if (pending) await pending.catch(() => undefined);
      await fh.close();
    }
    return;
  }
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const input: NodeJS.ReadableStream = file.endsWith(".gz") ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
  raw.on("error", (e) => (input as unknown as { destroy(e: Error): void }).destroy(e));
  try {
    for await (const c of input) yield c as Buffer;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new GrinderError(ErrorCode.IO, `cannot read: ${err.message}`, { file });
  }
}

/** Euclid on integers held exactly in doubles (< 2^53). */
export function gcd(a: number, b: number): number {
  while (b) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/** `m * 10^-d` printed exactly as a decimal and returned as the nearest double (tick 0.1 → 0.1). */
export function decimalStep(m: number, d: number): number {
  if (d === 0) return m;
  let s = String(m);
  while (s.length <= d) s = "0" + s;
  return Number(s.slice(0, s.length - d) + "." + s.slice(s.length - d));
}

/**
 * Smallest-increment tracker for instrument inference (ADR: instrument inference). Each value
 * arrives as an exact decimal mantissa `m` with `d` fraction digits; the tracker keeps the gcd
 * of all mantissas on a common scale, so the inferred step is the largest decimal step that
 * every value seen is a multiple of. On real exchange data that is the tick (or lot) unless
 * the sample never used the finest increment, so an inferred spec is recorded as inferred.
 */
export class StepTracker {
  private g = 0;
  private d = 0;
  private lastM = -1;
  private lastD = -1;
  add(m: number, d: number): void {
    if (m === this.lastM && d === this.lastD) return;
    this.lastM = m;
    this.lastD = d;
    if (m === 0) return;
    // a multiple of the step at its own scale leaves the step as it is (the usual case)
    if (d === this.d && m % this.g === 0) return;
    if (d > this.d) {
      this.g *= POW10[d - this.d];
      this.d = d;
    } else if (d < this.d) {
      m *= POW10[this.d - d];
    }
    this.g = this.g === 0 ? m : gcd(this.g, m);
  }
  /** The tracker's whole state (handed to another thread with a parser's state, ADR-210). */
  save(): [number, number, number, number] {
    return [this.g, this.d, this.lastM, this.lastD];
  }
  load(s: readonly [number, number, number, number]): void {
    [this.g, this.d, this.lastM, this.lastD] = s;
  }
  /** The step, or undefined when no non-zero value was seen. */
  step(): number | undefined {
    if (this.g === 0) return undefined;
    // Normalise: strip factors of ten while there are fraction digits, so 10 × 0.01 prints 0.1.
    let g = this.g;
    let d = this.d;
    while (d > 0 && g % 10 === 0) {
      g /= 10;
      d--;
    }
    return decimalStep(g, d);
  }
}

/** Exact powers of ten as doubles (10^0 .. 10^22 are exactly representable). */
export const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
