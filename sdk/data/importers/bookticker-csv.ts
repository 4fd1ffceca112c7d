import * as path from "node:path";
import { ErrorCode, GrinderError } from "../../contracts/errors";
import type { InstrumentSpec, Snapshot } from "../../contracts/market";
import { bump, newImportReport, readChunks, refuse, resetImportReport, StepTracker, type ImportReport } from "./common";
import { DecimalScanner, lineText } from "./decimal-scan";
import type { L1ColumnBatch, L1ColumnSource } from "../store";

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
    const len = chunk.length;
    while (pos < len) {
      const nl = chunk.indexOf(10, pos);
      if (nl < 0) {
        this.tail = Buffer.from(chunk.subarray(pos));
        break;
      }
      this.lineAt(chunk, pos, nl);
      pos = nl + 1;
    }
    return this.batch;
  }

  /** Flush a last line without a newline. Returns the batch (possibly empty). */
  end(): BookTickerBatch {
    this.batch.n = 0;
    if (this.tail && this.tail.length) this.lineAt(this.tail, 0, this.tail.length);
    this.tail = undefined;
    this.report.lines = this.line;
    if (this.blanks) bump(this.report, "trailing_blank_lines", this.blanks);
    return this.batch;
  }

  private lineAt(buf: Buffer, start: number, end: number): void {
    const lineNo = ++this.line;
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
    const b = this.batch;
    if (b.n === b.capacity) b.grow();
    const k = b.n++;
    b.update_id[k] = v0;
    b.bid_price[k] = bp;
    b.bid_qty[k] = bq;
    b.ask_price[k] = ap;
    b.ask_qty[k] = aq;
    b.transaction_time[k] = tt;
    b.event_time[k] = et;
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
export interface BookTickerImport extends SnapshotImport, L1ColumnSource {}

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
  return {
    report,
    symbol,
    [Symbol.asyncIterator]: () => {
      resetImportReport(report);
      return new BookTickerIterator(file, symbol, opts, report);
    },
    l1Columns: async (onBatch: (b: L1ColumnBatch) => void) => {
      resetImportReport(report);
      const p = new BookTickerCsvParser(file, !!opts.lenient, report);
      const g = opts.instrument ?? {};
      p.trackSteps = g.tick_size === undefined || g.lot_size === undefined;
      const cols: L1ColumnBatch = { symbol, n: 0, ts: p.batch.event_time, bid_price: p.batch.bid_price, bid_qty: p.batch.bid_qty, ask_price: p.batch.ask_price, ask_qty: p.batch.ask_qty };
      const emit = (b: BookTickerBatch): void => {
        if (b.n === 0) return;
        if (report.first_ts === undefined) report.first_ts = b.event_time[0];
        report.last_ts = b.event_time[b.n - 1];
        report.emitted += b.n;
        // the batch may have grown (new arrays) since the last chunk
        cols.n = b.n;
        cols.ts = b.event_time;
        cols.bid_price = b.bid_price;
        cols.bid_qty = b.bid_qty;
        cols.ask_price = b.ask_price;
        cols.ask_qty = b.ask_qty;
        onBatch(cols);
      };
      for await (const chunk of readChunks(file)) emit(p.push(chunk));
      emit(p.end());
      if (report.emitted > 0 || (g.tick_size !== undefined && g.lot_size !== undefined)) {
        const { spec, inferred } = p.instrument(symbol, g);
        report.instrument = spec;
        report.instrument_inferred = inferred;
      }
    },
  };
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
