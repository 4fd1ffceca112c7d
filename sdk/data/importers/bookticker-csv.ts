import * as path from "node:path";
import { ErrorCode, GrinderError } from "../../contracts/errors";
import type { InstrumentSpec, Snapshot } from "../../contracts/market";
import { bump, newImportReport, POW10 as POW10_SHARED, readChunks, refuse, resetImportReport, StepTracker, type ImportReport } from "./common";
import { DecimalScanner, lineText } from "./decimal-scan";
import { K_AP, K_AQ, K_BP, K_BQ, symbolJsonBytes, writeNumText } from "../line-bytes";
import { SegmentThread, threadMain, wantThread, type BookTickerParserState, type ThreadHooks } from "./bookticker-thread";
export { THREAD_MIN_BYTES, type BookTickerParserState, type ThreadHooks } from "./bookticker-thread";
import type { L1ColumnBatch, L1ColumnSource } from "../store";
import { BookTickerWasmScan } from "./bookticker-wasm";

/** Column names of Binance's public bookTicker dump, in order. */
export const BOOKTICKER_COLUMNS = [
  "update_id",
  "best_bid_price",
  "best_bid_qty",
  "best_ask_price",
  "best_ask_qty",
  "transaction_time",
  "event_time",
] as const;
const NCOL = BOOKTICKER_COLUMNS.length;
/** A module-local copy of the exact powers of ten (an imported binding can cost a getter call per read). */
const POW10: readonly number[] = POW10_SHARED.slice();

export interface InstrumentOverrides {
  tick_size?: number;
  lot_size?: number;
  min_notional?: number;
}

export interface BookTickerCsvOptions {
  /** Symbol of the rows; default: the file name's prefix before `-bookTicker` (`BTCUSDT-bookTicker-...`). */
  symbol?: string;
  /** Given instrument rules; any of tick/lot left out is inferred from the data (smallest increment seen). */
  instrument?: InstrumentOverrides;
  /** Skip and count bad rows instead of throwing on the first one. */
  lenient?: boolean;
  /**
   * Yield the same Snapshot object for every row, updated in place (no allocation per row).
   * Only for consumers that finish with a row before asking for the next.
   */
  reuse?: boolean;
  /**
   * Store import (`l1Columns`) with the parse split between this thread and a worker (ADR-210),
   * only when tick and lot are both given (nothing to infer) and the file is not gzipped:
   * `true` whenever a worker can be started, `false` never; default: `GRINDER_IMPORT_THREAD=1/0`
   * if set, else for a file of at least `THREAD_MIN_BYTES` when the machine has a spare core
   * (1-minute load average ≤ cores − 1). The rows, lines, report, instrument and errors are the
   * same either way.
   */
  parallel?: boolean;
  /** Test hooks of the threaded path (ADR-210): segment sizes, wait for the worker before the first segment; `worker_segments` counts the segments the worker's rows were taken from. */
  thread_hooks?: ThreadHooks;
}

/**
 * Columnar batch of parsed rows (one file chunk). Reused between chunks: read it inside the
 * callback only.
 */
export class BookTickerBatch {
  n = 0;
  update_id: Float64Array;
  bid_price: Float64Array;
  bid_qty: Float64Array;
  ask_price: Float64Array;
  ask_qty: Float64Array;
  transaction_time: Float64Array;
  event_time: Float64Array;
  constructor(public capacity = 1 << 15) {
    this.update_id = new Float64Array(capacity);
    this.bid_price = new Float64Array(capacity);
    this.bid_qty = new Float64Array(capacity);
    this.ask_price = new Float64Array(capacity);
    this.ask_qty = new Float64Array(capacity);
    this.transaction_time = new Float64Array(capacity);
    this.event_time = new Float64Array(capacity);
  }
  /** Appends one row (growing the columns when full). */
  push(updateId: number, bidPrice: number, bidQty: number, askPrice: number, askQty: number, transactionTime: number, eventTime: number): void {
    if (this.n === this.capacity) this.grow();
    const k = this.n++;
    this.update_id[k] = updateId;
    this.bid_price[k] = bidPrice;
    this.bid_qty[k] = bidQty;
    this.ask_price[k] = askPrice;
    this.ask_qty[k] = askQty;
    this.transaction_time[k] = transactionTime;
    this.event_time[k] = eventTime;
  }
  grow(): void {
    const c = this.capacity * 2;
    const g = (a: Float64Array): Float64Array => {
      const b = new Float64Array(c);
      b.set(a);
      return b;
    };
    this.update_id = g(this.update_id);
    this.bid_price = g(this.bid_price);
    this.bid_qty = g(this.bid_qty);
    this.ask_price = g(this.ask_price);
    this.ask_qty = g(this.ask_qty);
    this.transaction_time = g(this.transaction_time);
    this.event_time = g(this.event_time);
    this.capacity = c;
  }
}

/** Bound on a line's bytes besides the symbol part: four keys, four numbers (≤ 25 each), ts (≤ 25), `}\n`, and the slack of four-byte stores. */
const LINE_MAX = 256;

/** The value of four ASCII digits in little-endian word `w` (first digit in the low byte), 0..9999. */
function digitsValue(w: number): number {
  const d = w - 0x30303030;
  const v = (d * 10 + (d >>> 8)) & 0x00ff00ff;
  return (v * 100 + (v >>> 16)) & 0xffff;
}

/** `b` as little-endian 32-bit words, zero-padded to a multiple of four bytes. */
function words(b: Uint8Array): Uint32Array {
  const p = new Uint8Array((b.length + 3) & ~3);
  p.set(b);
  const w = new Uint32Array(p.length >> 2);
  const dv = new DataView(p.buffer);
  for (let j = 0; j < w.length; j++) w[j] = dv.getUint32(4 * j, true);
  return w;
}
/** The four number keys of a canonical L1 line as the words `fastLine` stores (`putWords`), in key order. */
const AP_W = words(K_AP), AQ_W = words(K_AQ), BP_W = words(K_BP), BQ_W = words(K_BQ);
/**
 * Module-local copies of the imported key bytes, their lengths and the number printer: under tsx
 * every read of an imported binding is a getter call, which cost ≈ 8 % of a store import per
 * row (ADR-236); the bundle and these copies read a plain constant.
 */
const AP_LEN = K_AP.length, AQ_LEN = K_AQ.length, BP_LEN = K_BP.length, BQ_LEN = K_BQ.length;
const KEY_AP = K_AP, KEY_AQ = K_AQ, KEY_BP = K_BP, KEY_BQ = K_BQ;
const writeNum = writeNumText;

/**
 * Append `len` constant bytes (as `words`) at `n` with four-byte stores; the up to three bytes
 * written past `n + len` are overwritten by what follows (or lie past the end of the lines).
 */
function putWords(w: Uint32Array, len: number, dv: DataView, n: number): number {
  for (let j = 0; j < w.length; j++) dv.setUint32(n + 4 * j, w[j], true);
  return n + len;
}

/** Append `buf[s, e)` at `n`: four bytes at a time while the source has them (same overrun rule as `putWords`). */
function copyBytes(buf: Uint8Array, src: DataView, s: number, e: number, o: Uint8Array, dv: DataView, n: number): number {
  const len = e - s;
  if (e + 3 < buf.length) {
    for (let j = 0; j < len; j += 4) dv.setUint32(n + j, src.getUint32(s + j, true), true);
    return n + len;
  }
  for (let j = s; j < e; j++) o[n++] = buf[j];
  return n;
}

function copyRun(src: Uint8Array, o: Uint8Array, n: number): number {
  for (let j = 0; j < src.length; j++) o[n++] = src[j];
  return n;
}
function copyStr(t: string, o: Uint8Array, n: number): number {
  for (let j = 0; j < t.length; j++) o[n++] = t.charCodeAt(j);
  return n;
}

/** Default symbol from a dump file name: `BTCUSDT-bookTicker-2024-08-08.csv` → `BTCUSDT`. */
export function symbolFromFileName(file: string, kind: string): string | undefined {
  const m = new RegExp(`^([A-Za-z0-9_]+)-${kind}`, "i").exec(path.basename(file));
  return m ? m[1].toUpperCase() : undefined;
}

/**
 * Streaming parser of the Binance bookTicker CSV dump. Byte level, no per-field strings or
 * regexes; rows land in a columnar `BookTickerBatch`. Rules (strict mode throws
 * `GrinderError` with file, line and field; lenient mode counts the row in the report):
 * - header line optional, and if present must be the documented column list;
 * - exactly 7 numeric fields (`E_PARSE` truncated/extra, `E_BAD_NUMBER` non-numeric or ≤ 0);
 * - `best_bid_price < best_ask_price` (`E_CROSSED_BOOK`);
 * - `update_id` strictly increasing (`E_SEQUENCE`: duplicate or out of order);
 * - `event_time` non-decreasing (`E_TIME_BACKWARDS`);
 * - blank lines only at the end of the file (`E_PARSE`).
 */
export class BookTickerCsvParser {
  readonly batch = new BookTickerBatch();
  readonly report: ImportReport;
  readonly priceStep = new StepTracker();
  readonly qtyStep = new StepTracker();
  private readonly sc = new DecimalScanner();
  private tail: Buffer | undefined;
  private line = 0;
  private lastId = -1;
  private lastEvent = -1;
  private blankAt = 0;
  private blanks = 0;
  /** Track price/qty increments for instrument inference (off when tick and lot are given: nothing to infer). */
  trackSteps = true;
  /** Per field of the row being scanned: start, end, mantissa, fraction digits, point (-1: none). */
  private readonly fS = new Int32Array(NCOL);
  private readonly fE = new Int32Array(NCOL);
  private readonly fM = new Float64Array(NCOL);
  private readonly fF = new Int32Array(NCOL);
  private readonly fD = new Int32Array(NCOL);
  /**
   * With `symbolJsonBytes(symbol)` set, each accepted row's canonical JSON line (ADR-192) is
   * appended to `lineBuf` (`lineBytes()`: this chunk's lines, reset with the batch).
   */
  private lineSym: Uint8Array | undefined;
  private symWords: Uint32Array = new Uint32Array(0);
  private lineBuf: Uint8Array = new Uint8Array(1 << 21);
  private lineDv: DataView = new DataView(this.lineBuf.buffer);
  /** The current chunk as a DataView (four-byte copies of field text). */
  private srcDv: DataView = new DataView(new ArrayBuffer(0));
  private ln = 0;
  /** The WebAssembly fast path (ADR-252), with lines rendered and no steps to track; undefined without WebAssembly or with `GRINDER_IMPORT_WASM=0`. */
  private wasm: BookTickerWasmScan | undefined;
  /** Rows the WebAssembly fast path took (the rest went through `fastRow` or `lineAt`). */
  wasmRowsTaken = 0;

  constructor(
    readonly file: string,
    private readonly lenient = false,
    report?: ImportReport,
  ) {
    this.report = report ?? newImportReport("binance-bookticker-csv", file);
  }

  /** Parse every complete line of `chunk` into `this.batch` (reset first); keeps a partial last line. */
  push(chunk: Buffer): BookTickerBatch {
    this.batch.n = 0;
    this.ln = 0;
    let pos = 0;
    if (this.tail) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.tail = Buffer.concat([this.tail, chunk]);
        return this.batch;
      }
      const joined = Buffer.concat([this.tail, chunk.subarray(0, nl)]);
      this.tail = undefined;
      this.lineAt(joined, 0, joined.length);
      pos = nl + 1;
    }
    // every line up to the chunk's last newline is complete: scan them in one pass (ADR-192)
    const last = chunk.lastIndexOf(10);
    if (last >= pos) this.lines(chunk, pos, last + 1);
    pos = Math.max(pos, last + 1);
    if (pos < chunk.length) this.tail = Buffer.from(chunk.subarray(pos));
    return this.batch;
  }

  /**
   * The complete lines in `[pos, stop)` (`stop` just after a newline). A line in the common form
   * (seven fields of plain digits with at most one point and at most 15 digits, all rules met) is
   * read by `fastRow`; any other line (the header, a blank line, CRs in odd places, a bad or
   * unusual field, a broken rule) goes through `lineAt`, the reference path, which accepts it or
   * raises exactly its error: the fast path only ever accepts what `lineAt` accepts, with the same values.
   */
  private lines(buf: Buffer, pos: number, stop: number): void {
    this.srcDv = new DataView(buf.buffer, buf.byteOffset, buf.length);
    const wasm = this.trackSteps ? undefined : this.wasm;
    if (wasm !== undefined) wasm.load(buf, pos, stop);
    while (pos < stop) {
      if (wasm !== undefined && this.line > 0 && this.blankAt === 0) {
        pos = this.wasmRows(wasm, pos);
        if (pos >= stop) break;
      }
      const next = this.line > 0 && this.blankAt === 0 ? this.fastRow(buf, pos) : -1;
      if (next > 0) {
        this.line++;
        pos = next;
        continue;
      }
      const nl = buf.indexOf(10, pos);
      this.lineAt(buf, pos, nl);
      pos = nl + 1;
    }
  }

  /**
   * The rows from `pos` the WebAssembly scan takes (ADR-252: the common-form lines whose
   * canonical number texts are their own bytes), appended to the batch and the lines, in calls of
   * up to its capacity until it stops; returns the position of the first line it did not take.
   */
  private wasmRows(w: BookTickerWasmScan, pos: number): number {
    for (;;) {
      const end = w.scan(pos, this.lastId, this.lastEvent);
      const k = w.rows;
      if (k === 0) return pos;
      const b = this.batch;
      while (b.n + k > b.capacity) b.grow();
      const n = b.n;
      b.update_id.set(w.column(0), n);
      b.bid_price.set(w.column(1), n);
      b.bid_qty.set(w.column(2), n);
      b.ask_price.set(w.column(3), n);
      b.ask_qty.set(w.column(4), n);
      b.transaction_time.set(w.column(5), n);
      b.event_time.set(w.column(6), n);
      b.n = n + k;
      const len = w.lineLen;
      while (this.ln + len > this.lineBuf.length) this.growLines();
      this.lineBuf.set(w.lines(), this.ln);
      this.ln += len;
      this.line += k;
      this.wasmRowsTaken += k;
      this.lastId = w.lastId;
      this.lastEvent = w.lastEvent;
      pos = end;
    }
  }

  /** Fast-path scan of field `f` from `i`: digits with at most one point, 1..15 digits. Sets `fM[f]`, `fF[f]`, `fD[f]`; returns the end, or -1. */
  private field(buf: Buffer, i: number, f: number): number {
    const start = i;
    const src = this.srcDv;
    const last4 = buf.length - 4;
    let m = 0;
    let dot = -1;
    for (;;) {
      if (i <= last4) {
        // four bytes at once (little-endian word: first byte low): the digits before the first
        // non-digit byte are added in one step, then that byte is looked at below
        const w = src.getUint32(i, true);
        const bad = ((w & 0xf0f0f0f0) ^ 0x30303030) | (((w + 0x06060606) & 0xf0f0f0f0) ^ 0x30303030);
        if (bad === 0) {
          m = m * 10000 + digitsValue(w);
          i += 4;
          continue;
        }
        const k = (31 - Math.clz32(bad & -bad)) >> 3; // digits before the first non-digit byte
        if (k > 0) {
          // the k digits moved to the top bytes, '0's below: their value
          const sh = 8 * (4 - k);
          m = m * POW10[k] + digitsValue(((w << sh) | (0x30303030 >>> (32 - sh))) >>> 0);
          i += k;
        }
      }
      const c = buf[i];
      if (c >= 48 && c <= 57) m = m * 10 + (c - 48);
      else if (c === 46 && dot < 0) dot = i;
      else break;
      i++;
    }
    const nd = i - start - (dot < 0 ? 0 : 1);
    if (nd === 0 || nd > 15) return -1;
    this.fM[f] = m;
    this.fF[f] = dot < 0 ? 0 : i - dot - 1;
    this.fD[f] = dot;
    return i;
  }

  /**
   * One common-form row at `start`; returns the position after its newline, or -1 (nothing
   * written) when the line must go through `lineAt`. With `lineSym` set, also appends the row's
   * canonical JSON line to `lineBuf`, copying each field's own text when it is already
   * `String(value)` (after dropping trailing fraction zeros) and printing it otherwise.
   */
  private fastRow(buf: Buffer, start: number): number {
    const fS = this.fS, fE = this.fE, fM = this.fM, fF = this.fF, fD = this.fD;
    let i = start;
    for (let f = 0; ; f++) {
      const e = this.field(buf, i, f);
      if (e < 0) return -1;
      fS[f] = i;
      fE[f] = e;
      if (f === NCOL - 1) {
        i = e;
        break;
      }
      if (buf[e] !== 44) return -1;
      i = e + 1;
    }
    let c = buf[i];
    if (c === 13) c = buf[++i];
    if (c !== 10) return -1;
    // integers without a point; positive prices and sizes
    if (fD[0] >= 0 || fD[5] >= 0 || fD[6] >= 0 || fM[1] === 0 || fM[2] === 0 || fM[3] === 0 || fM[4] === 0) return -1;
    const v0 = fM[0];
    const et = fM[6];
    const bp = fF[1] === 0 ? fM[1] : fM[1] / POW10[fF[1]];
    const bq = fF[2] === 0 ? fM[2] : fM[2] / POW10[fF[2]];
    const ap = fF[3] === 0 ? fM[3] : fM[3] / POW10[fF[3]];
    const aq = fF[4] === 0 ? fM[4] : fM[4] / POW10[fF[4]];
    if (bp >= ap || v0 <= this.lastId || et < this.lastEvent) return -1;
    this.lastId = v0;
    this.lastEvent = et;
    if (this.trackSteps) {
      this.priceStep.add(fM[1], fF[1]);
      this.priceStep.add(fM[3], fF[3]);
      this.qtyStep.add(fM[2], fF[2]);
      this.qtyStep.add(fM[4], fF[4]);
    }
    this.batch.push(v0, bp, bq, ap, aq, fM[5], et);
    if (this.lineSym !== undefined) this.fastLine(buf, ap, aq, bp, bq, et);
    return i + 1;
  }

  /**
   * The canonical JSON line of the row `fastRow` just scanned (fields in `fS`..`fD`), appended to
   * `lineBuf`: keys in code-unit order (ask_price, ask_qty, bid_price, bid_qty, symbol, ts); each
   * number is the field's own text when that is already `String(value)` (see `canonicalEnd`),
   * else printed from the value.
   */
  private fastLine(buf: Buffer, ap: number, aq: number, bp: number, bq: number, et: number): void {
    const sym = this.lineSym!;
    let n = this.ln;
    if (n + LINE_MAX + sym.length > this.lineBuf.length) this.growLines();
    const o = this.lineBuf;
    const dv = this.lineDv;
    const src = this.srcDv;
    const fS = this.fS, fE = this.fE;
    n = this.numText(buf, 3, ap, putWords(AP_W, AP_LEN, dv, n));
    n = this.numText(buf, 4, aq, putWords(AQ_W, AQ_LEN, dv, n));
    n = this.numText(buf, 1, bp, putWords(BP_W, BP_LEN, dv, n));
    n = this.numText(buf, 2, bq, putWords(BQ_W, BQ_LEN, dv, n));
    n = putWords(this.symWords, sym.length, dv, n);
    const s6 = fS[6], e6 = fE[6];
    if (buf[s6] !== 48 || e6 - s6 === 1) n = copyBytes(buf, src, s6, e6, o, dv, n);
    else n = copyStr(String(et), o, n);
    o[n++] = 125; // }
    o[n++] = 10;
    this.ln = n;
  }

  /** Field `f` (value `x`) as canonical number text at `n` of the lines: its own bytes when they are `String(x)`, else printed. */
  private numText(buf: Buffer, f: number, x: number, n: number): number {
    const e = this.canonicalEnd(buf, f);
    return e > 0 ? copyBytes(buf, this.srcDv, this.fS[f], e, this.lineBuf, this.lineDv, n) : n + writeNum(x, this.lineBuf, n);
  }

  /**
   * Where field `f`'s canonical text ends, or 0 when it must be printed: the field's own bytes
   * without trailing fraction zeros (and without a bare point) are `String(x)` when the integer
   * part has no leading zero (or is exactly `0`) and x ≥ 1e-6 (below it `String` uses an
   * exponent): with at most 15 digits that decimal is the double's shortest round-trip text.
   */
  private canonicalEnd(buf: Buffer, f: number): number {
    const s = this.fS[f];
    let e = this.fE[f];
    const dot = this.fD[f];
    const c0 = buf[s];
    if (dot >= 0) {
      if (c0 === 46 || (c0 === 48 && (dot !== s + 1 || (e - dot - 1 > 6 && this.fM[f] < POW10[e - dot - 7])))) return 0;
      while (buf[e - 1] === 48) e--;
      if (e - 1 === dot) e--;
    } else if (c0 === 48) return 0;
    return e;
  }

  private growLines(): Uint8Array {
    const o = new Uint8Array(this.lineBuf.length * 2);
    o.set(this.lineBuf.subarray(0, this.ln));
    this.lineBuf = o;
    this.lineDv = new DataView(o.buffer);
    return o;
  }

  /**
   * Render each accepted row's canonical JSON line for `symbol` (ADR-192; see `lineBytes`).
   * `wasm: false`: without the WebAssembly fast path (ADR-252; same rows, lines and errors).
   */
  renderLines(symbol: string, opts: { wasm?: boolean } = {}): void {
    this.lineSym = symbolJsonBytes(symbol);
    this.symWords = words(this.lineSym);
    this.wasm = opts.wasm === false ? undefined : BookTickerWasmScan.create([KEY_AP, KEY_AQ, KEY_BP, KEY_BQ], this.lineSym);
  }

  /** `row`'s line: every field printed from its value (the reference rendering). */
  private printLine(bp: number, bq: number, ap: number, aq: number, et: number): void {
    const sym = this.lineSym!;
    let o = this.lineBuf;
    let n = this.ln;
    if (n + LINE_MAX + sym.length > o.length) o = this.growLines();
    n = copyRun(KEY_AP, o, n);
    n += writeNum(ap, o, n);
    n = copyRun(KEY_AQ, o, n);
    n += writeNum(aq, o, n);
    n = copyRun(KEY_BP, o, n);
    n += writeNum(bp, o, n);
    n = copyRun(KEY_BQ, o, n);
    n += writeNum(bq, o, n);
    n = copyRun(sym, o, n);
    n = copyStr(String(et), o, n);
    o[n++] = 125;
    o[n++] = 10;
    this.ln = n;
  }

  /** Flush a last line without a newline. Returns the batch (possibly empty). */
  end(): BookTickerBatch {
    this.batch.n = 0;
    this.ln = 0;
    if (this.tail && this.tail.length) this.lineAt(this.tail, 0, this.tail.length);
    this.tail = undefined;
    this.report.lines = this.line;
    if (this.blanks) bump(this.report, "trailing_blank_lines", this.blanks);
    return this.batch;
  }

  private lineAt(buf: Buffer, start: number, end: number): void {
    const lineNo = ++this.line;
    // a UTF-8 byte order mark before the first line (CSV saved by Windows tools) is not data (ADR-244)
    if (lineNo === 1 && end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3;
    if (end > start && buf[end - 1] === 13) end--;
    if (end === start) {
      if (!this.blankAt) this.blankAt = lineNo;
      this.blanks++;
      return;
    }
    try {
      if (this.blankAt) {
        const at = this.blankAt;
        this.blankAt = 0;
        this.blanks = 0;
        refuse(new GrinderError(ErrorCode.PARSE, "blank line inside the file"), this.report, this.file, at, this.lenient);
      }
      const c0 = buf[start];
      if (lineNo === 1 && !(c0 >= 48 && c0 <= 57)) {
        const text = lineText(buf, start, end).trim();
        if (text !== BOOKTICKER_COLUMNS.join(","))
          throw new GrinderError(ErrorCode.PARSE, `unexpected header '${text.slice(0, 120)}', expected '${BOOKTICKER_COLUMNS.join(",")}'`, { field: "header" });
        bump(this.report, "header", 1);
        return;
      }
      this.row(buf, start, end);
    } catch (e) {
      refuse(e, this.report, this.file, lineNo, this.lenient);
    }
  }

  private row(buf: Buffer, start: number, end: number): void {
    const sc = this.sc;
    let i = start;
    let f = 0;
    const v0 = sc.num(buf, i, end, BOOKTICKER_COLUMNS[0]);
    i = this.next(buf, sc.pos, end, ++f);
    const bp = sc.num(buf, i, end, BOOKTICKER_COLUMNS[1]);
    const bpM = sc.exact ? sc.mant : -1;
    const bpF = sc.frac;
    i = this.next(buf, sc.pos, end, ++f);
    const bq = sc.num(buf, i, end, BOOKTICKER_COLUMNS[2]);
    const bqM = sc.exact ? sc.mant : -1;
    const bqF = sc.frac;
    i = this.next(buf, sc.pos, end, ++f);
    const ap = sc.num(buf, i, end, BOOKTICKER_COLUMNS[3]);
    const apM = sc.exact ? sc.mant : -1;
    const apF = sc.frac;
    i = this.next(buf, sc.pos, end, ++f);
    const aq = sc.num(buf, i, end, BOOKTICKER_COLUMNS[4]);
    const aqM = sc.exact ? sc.mant : -1;
    const aqF = sc.frac;
    i = this.next(buf, sc.pos, end, ++f);
    const tt = sc.num(buf, i, end, BOOKTICKER_COLUMNS[5]);
    i = this.next(buf, sc.pos, end, ++f);
    const et = sc.num(buf, i, end, BOOKTICKER_COLUMNS[6]);
    if (sc.pos !== end) throw new GrinderError(ErrorCode.PARSE, `more than ${NCOL} fields`, { field: `column ${NCOL + 1}` });
    if (!Number.isSafeInteger(v0)) throw new GrinderError(ErrorCode.BAD_NUMBER, `expected an integer update id, got ${v0}`, { field: "update_id" });
    if (!(bp > 0)) throw new GrinderError(ErrorCode.BAD_NUMBER, `expected a positive price, got ${bp}`, { field: "best_bid_price" });
    if (!(bq > 0)) throw new GrinderError(ErrorCode.BAD_NUMBER, `expected a positive quantity, got ${bq}`, { field: "best_bid_qty" });
    if (!(ap > 0)) throw new GrinderError(ErrorCode.BAD_NUMBER, `expected a positive price, got ${ap}`, { field: "best_ask_price" });
    if (!(aq > 0)) throw new GrinderError(ErrorCode.BAD_NUMBER, `expected a positive quantity, got ${aq}`, { field: "best_ask_qty" });
    if (!Number.isSafeInteger(tt)) throw new GrinderError(ErrorCode.BAD_NUMBER, `expected integer ms, got ${tt}`, { field: "transaction_time" });
    if (!Number.isSafeInteger(et)) throw new GrinderError(ErrorCode.BAD_NUMBER, `expected integer ms, got ${et}`, { field: "event_time" });
    if (bp >= ap) throw new GrinderError(ErrorCode.CROSSED_BOOK, `crossed quote: bid ${bp} >= ask ${ap}`, { field: "best_bid_price" });
    if (v0 <= this.lastId)
      throw new GrinderError(ErrorCode.SEQUENCE, v0 === this.lastId ? `duplicate update_id ${v0}` : `update_id ${v0} is before the previous ${this.lastId}`, { field: "update_id" });
    if (et < this.lastEvent) throw new GrinderError(ErrorCode.TIME_BACKWARDS, `event_time ${et} is before the previous ${this.lastEvent}`, { field: "event_time" });
    this.lastId = v0;
    this.lastEvent = et;
    if (this.trackSteps) {
      if (bpM >= 0) this.priceStep.add(bpM, bpF);
      if (apM >= 0) this.priceStep.add(apM, apF);
      if (bqM >= 0) this.qtyStep.add(bqM, bqF);
      if (aqM >= 0) this.qtyStep.add(aqM, aqF);
    }
    this.batch.push(v0, bp, bq, ap, aq, tt, et);
    if (this.lineSym !== undefined) this.printLine(bp, bq, ap, aq, et);
  }

  /** The parser's state between chunks (a copy, structured-clonable). */
  saveState(): BookTickerParserState {
    const r = this.report;
    return {
      tail: this.tail ? new Uint8Array(this.tail) : null, line: this.line, lastId: this.lastId, lastEvent: this.lastEvent, blankAt: this.blankAt, blanks: this.blanks,
      priceStep: this.priceStep.save(), qtyStep: this.qtyStep.save(),
      report: { lines: r.lines, rejected: { ...r.rejected }, rejectedTotal: r.rejectedTotal, examples: r.examples.map((x) => ({ ...x })), counts: { ...r.counts } },
    };
  }

  /** Continue from `s` (`saveState` of a parser of the same file, options and symbol); the report's counters are replaced in place. */
  loadState(s: BookTickerParserState): void {
    this.tail = s.tail ? Buffer.from(s.tail) : undefined;
    this.line = s.line;
    this.lastId = s.lastId;
    this.lastEvent = s.lastEvent;
    this.blankAt = s.blankAt;
    this.blanks = s.blanks;
    this.priceStep.load(s.priceStep);
    this.qtyStep.load(s.qtyStep);
    const r = this.report;
    r.lines = s.report.lines;
    r.rejected = s.report.rejected;
    r.rejectedTotal = s.report.rejectedTotal;
    r.examples = s.report.examples;
    r.counts = s.report.counts;
  }

  /** The canonical lines of the rows of the current batch (a view, valid until the next `push`/`end`). */
  lineBytes(): Uint8Array {
    return this.lineBuf.subarray(0, this.ln);
  }

  /**
   * This chunk's rows (event time, prices, sizes: views of length `batch.n`) and lines as they
   * are, without a copy; the batch and the line buffer continue in buffers from `fresh(bytes)` (at
   * least `bytes` long, same capacities). For the worker thread's results (ADR-236).
   */
  takeBuffers(fresh: (bytes: number) => ArrayBuffer): { ts: Float64Array; bp: Float64Array; bq: Float64Array; ap: Float64Array; aq: Float64Array; lines: Uint8Array } {
    const b = this.batch;
    const n = b.n;
    const cap = b.capacity;
    const out = { ts: b.event_time.subarray(0, n), bp: b.bid_price.subarray(0, n), bq: b.bid_qty.subarray(0, n), ap: b.ask_price.subarray(0, n), aq: b.ask_qty.subarray(0, n), lines: this.lineBuf.subarray(0, this.ln) };
    const col = (): Float64Array => new Float64Array(fresh(8 * cap), 0, cap);
    b.event_time = col();
    b.bid_price = col();
    b.bid_qty = col();
    b.ask_price = col();
    b.ask_qty = col();
    const len = this.lineBuf.length;
    const lb = fresh(len);
    this.lineBuf = new Uint8Array(lb, 0, len);
    this.lineDv = new DataView(lb, 0, len);
    return out;
  }

  private next(buf: Buffer, i: number, end: number, f: number): number {
    if (i >= end || buf[i] !== 44) throw new GrinderError(ErrorCode.PARSE, `truncated line: ${f} of ${NCOL} fields`, { field: BOOKTICKER_COLUMNS[f] });
    return i + 1;
  }

  /** The instrument: given values win, the rest is inferred (smallest increment seen). */
  instrument(symbol: string, given: InstrumentOverrides = {}): { spec: InstrumentSpec; inferred: boolean } {
    const tick = given.tick_size ?? this.priceStep.step();
    const lot = given.lot_size ?? this.qtyStep.step();
    if (tick === undefined || lot === undefined)
      throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "cannot infer tick/lot: no rows were accepted; pass --tick and --lot", { file: this.file });
    return {
      spec: { symbol, tick_size: tick, lot_size: lot, min_notional: given.min_notional ?? 0 },
      inferred: given.tick_size === undefined || given.lot_size === undefined,
    };
  }
}

/** Result of `importBookTickerCsv`: an async iterable of snapshots plus its report. */
export interface SnapshotImport extends AsyncIterable<Snapshot> {
  readonly report: ImportReport;
  readonly symbol: string;
}

/** A bookTicker import: also the same rows as column batches (`l1Columns`, read by `writeColumnarStore`: no Snapshot per row). */
export interface BookTickerImport extends SnapshotImport, L1ColumnSource {
  /** After `l1Columns`: 2 when a worker thread parsed part of the file (ADR-210), else 1. */
  parse_threads: number;
}

function resolveSymbol(file: string, symbol: string | undefined): string {
  const s = symbol ?? symbolFromFileName(file, "bookTicker");
  if (!s)
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "no symbol given and none in the file name (expected SYMBOL-bookTicker-...)", { file, field: "symbol" });
  return s;
}

/**
 * Stream a Binance bookTicker CSV dump as Snapshots (spec 17.4.1), one per row, without
 * loading the file. `ts` is the row's `event_time` (exchange ms); `transaction_time` is read
 * and checked but not carried. When the stream ends, `report.instrument` holds the given or
 * inferred instrument and `report.instrument_inferred` says which.
 *
 * @example
 * const imp = importBookTickerCsv("../shared/data/binance-usdm/BTCUSDT-bookTicker-2024-08-08.csv");
 * let n = 0;
 * for await (const s of imp) n += s.bid_price > 0 ? 1 : 0;
 * imp.report.emitted; // 66089
 */
export function importBookTickerCsv(file: string, opts: BookTickerCsvOptions = {}): BookTickerImport {
  const symbol = resolveSymbol(file, opts.symbol);
  const report = newImportReport("binance-bookticker-csv", file);
  const imp: BookTickerImport = {
    report,
    symbol,
    parse_threads: 1,
    [Symbol.asyncIterator]: () => {
      resetImportReport(report);
      return new BookTickerIterator(file, symbol, opts, report);
    },
    l1Columns: async (onBatch: (b: L1ColumnBatch) => void) => {
      resetImportReport(report);
      const p = new BookTickerCsvParser(file, !!opts.lenient, report);
      const g = opts.instrument ?? {};
      p.trackSteps = g.tick_size === undefined || g.lot_size === undefined;
      p.renderLines(symbol);
      const cols: L1ColumnBatch = { symbol, n: 0, ts: p.batch.event_time, bid_price: p.batch.bid_price, bid_qty: p.batch.bid_qty, ask_price: p.batch.ask_price, ask_qty: p.batch.ask_qty };
      const take = (n: number, ts: Float64Array, bp: Float64Array, bq: Float64Array, ap: Float64Array, aq: Float64Array, lines: Uint8Array): void => {
        if (n === 0) return;
        if (report.first_ts === undefined) report.first_ts = ts[0];
        report.last_ts = ts[n - 1];
        report.emitted += n;
        // the batch may have grown (new arrays) since the last chunk
        cols.n = n;
        cols.ts = ts;
        cols.bid_price = bp;
        cols.bid_qty = bq;
        cols.ask_price = ap;
        cols.ask_qty = aq;
        cols.lines = lines;
        onBatch(cols);
      };
      const emit = (b: BookTickerBatch): void => take(b.n, b.event_time, b.bid_price, b.bid_qty, b.ask_price, b.ask_qty, p.lineBytes());
      const hooks: ThreadHooks = opts.thread_hooks ?? {};
      imp.parse_threads = 1;
      const th = wantThread(file, opts.parallel, p.trackSteps) ? SegmentThread.start(__filename, hooks) : null;
      if (th !== null) {
        // the file in segments: this thread parses each segment's first part, a worker the rest,
        // rows, lines and errors taken in file order (ADR-210)
        try {
          await th.run(p, { file, lenient: !!opts.lenient, symbol, trackSteps: p.trackSteps }, emit, take);
        } finally {
          th.stop();
          if ((hooks.worker_segments ?? 0) > 0) imp.parse_threads = 2;
        }
      } else {
        for await (const chunk of readChunks(file)) emit(p.push(chunk));
        emit(p.end());
      }
      if (report.emitted > 0 || (g.tick_size !== undefined && g.lot_size !== undefined)) {
        const { spec, inferred } = p.instrument(symbol, g);
        report.instrument = spec;
        report.instrument_inferred = inferred;
      }
    },
  };
  return imp;
}

/** Entry point of a bookTicker worker thread (ADR-210): parses the byte segments it is sent. */
export function bookTickerThreadMain(): void {
  threadMain((file, lenient) => new BookTickerCsvParser(file, lenient));
}

/**
 * Hand-written async iterator: rows of the current batch are handed out without an async
 * generator's per-item machinery (one already-resolved promise per row): about 1.5× the
 * snapshot rate of `yield` in `bench/import.bench.ts`.
 */
class BookTickerIterator implements AsyncIterator<Snapshot> {
  private readonly parser: BookTickerCsvParser;
  private readonly chunks: AsyncGenerator<Buffer>;
  private readonly shared: Snapshot;
  private batch: BookTickerBatch | undefined;
  private k = 0;
  private ended = false;
  private finished = false;

  constructor(
    file: string,
    private readonly symbol: string,
    private readonly opts: BookTickerCsvOptions,
    private readonly report: ImportReport,
  ) {
    this.parser = new BookTickerCsvParser(file, !!opts.lenient, report);
    this.parser.trackSteps = opts.instrument?.tick_size === undefined || opts.instrument?.lot_size === undefined;
    this.chunks = readChunks(file);
    this.shared = { ts: 0, symbol, bid_price: 0, bid_qty: 0, ask_price: 0, ask_qty: 0 };
  }

  next(): Promise<IteratorResult<Snapshot>> {
    const b = this.batch;
    if (b !== undefined && this.k < b.n) return Promise.resolve({ value: this.row(b, this.k++), done: false });
    return this.refill();
  }

  private row(b: BookTickerBatch, k: number): Snapshot {
    const s: Snapshot = this.opts.reuse ? this.shared : { ts: 0, symbol: this.symbol, bid_price: 0, bid_qty: 0, ask_price: 0, ask_qty: 0 };
    s.ts = b.event_time[k];
    s.bid_price = b.bid_price[k];
    s.bid_qty = b.bid_qty[k];
    s.ask_price = b.ask_price[k];
    s.ask_qty = b.ask_qty[k];
    const r = this.report;
    if (r.first_ts === undefined) r.first_ts = s.ts;
    r.last_ts = s.ts;
    r.emitted++;
    return s;
  }

  private async refill(): Promise<IteratorResult<Snapshot>> {
    for (;;) {
      if (this.finished) return { value: undefined, done: true };
      if (this.ended) {
        this.finished = true;
        // With no accepted row there is nothing to infer from: leave `report.instrument` unset.
        const g = this.opts.instrument ?? {};
        if (this.report.emitted > 0 || (g.tick_size !== undefined && g.lot_size !== undefined)) {
          const { spec, inferred } = this.parser.instrument(this.symbol, g);
          this.report.instrument = spec;
          this.report.instrument_inferred = inferred;
        }
        return { value: undefined, done: true };
      }
      try {
        const c = await this.chunks.next();
        if (c.done) {
          this.ended = true;
          this.batch = this.parser.end();
        } else this.batch = this.parser.push(c.value);
      } catch (e) {
        // A refused row or a read error ends the stream: close the file now (a for-await does
        // not call return() after next() throws).
        this.finished = true;
        await this.chunks.return(undefined);
        throw e;
      }
      this.k = 0;
      if (this.batch.n > 0) return { value: this.row(this.batch, this.k++), done: false };
    }
  }

  async return(): Promise<IteratorResult<Snapshot>> {
    this.finished = true;
    await this.chunks.return(undefined);
    return { value: undefined, done: true };
  }
}

/**
 * Parse a bookTicker CSV without building Snapshots: `onBatch` sees each columnar batch
 * (valid only during the call). The fastest path (benchmarks, inference, column loads).
 */
export async function scanBookTickerCsv(
  file: string,
  opts: { lenient?: boolean; onBatch?: (b: BookTickerBatch) => void } = {},
): Promise<BookTickerCsvParser> {
  const p = new BookTickerCsvParser(file, !!opts.lenient);
  for await (const chunk of readChunks(file)) {
    const b = p.push(chunk);
    p.report.emitted += b.n;
    if (opts.onBatch && b.n) opts.onBatch(b);
  }
  const b = p.end();
  p.report.emitted += b.n;
  if (opts.onBatch && b.n) opts.onBatch(b);
  return p;
}

/** One fast pass to learn the instrument (tick, lot) of a bookTicker CSV. */
export async function inferBookTickerInstrument(
  file: string,
  opts: { symbol?: string; instrument?: InstrumentOverrides; lenient?: boolean } = {},
): Promise<{ spec: InstrumentSpec; inferred: boolean }> {
  const p = await scanBookTickerCsv(file, { lenient: opts.lenient });
  return p.instrument(resolveSymbol(file, opts.symbol), opts.instrument);
}
