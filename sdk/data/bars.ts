import * as path from "node:path";
import { ErrorCode, GrinderError } from "../contracts/errors";
import { qtyForNotional, type InstrumentSpec, type Snapshot } from "../contracts/market";
import { quantize, quantizeQty } from "../util/quantize";
import { readLines } from "./fixture";
import { DEFAULT_TIME_RANGE } from "./validate";
import { bump, newImportReport, refuse, resetImportReport, StepTracker, type ImportReport } from "./importers/common";

/**
 * Bar data as a source (ADR-070): one bar = bid OHLC and ask OHLC over `[open_time,
 * open_time + interval_ms)`. Trade bars (a single OHLC) carry the same prices on both sides
 * (`quoted = false`); the path model then builds the quotes from a configured spread.
 */
export interface QuoteBar {
  symbol: string;
  open_time: number;
  interval_ms: number;
  bid_open: number;
  bid_high: number;
  bid_low: number;
  bid_close: number;
  ask_open: number;
  ask_high: number;
  ask_low: number;
  ask_close: number;
  /** Sizes of the last quote of the bar (Lean quote bars), 0 when the source has none. */
  bid_size: number;
  ask_size: number;
  /** Traded volume (trade bars), 0 when unknown. */
  volume: number;
  /** True for bid/ask bars, false for trade (OHLCV) bars. */
  quoted: boolean;
}

/** A stream of bars with its import report (complete when iteration ends). */
export interface BarImport extends AsyncIterable<QuoteBar> {
  readonly report: ImportReport;
  readonly symbol: string;
  readonly interval_ms: number;
}

// ---------------------------------------------------------------------------------------------
// Field parsing
// ---------------------------------------------------------------------------------------------

function price(text: string | undefined, field: string, steps?: StepTracker): number {
  if (text === undefined) throw new GrinderError(ErrorCode.PARSE, "truncated line", { field });
  const t = text.trim();
  const v = t.length ? Number(t) : NaN;
  if (!Number.isFinite(v)) throw new GrinderError(ErrorCode.BAD_NUMBER, `not a number: '${t.slice(0, 40)}'`, { field });
  if (!(v > 0)) throw new GrinderError(ErrorCode.BAD_NUMBER, `expected a positive number, got ${v}`, { field });
  if (steps) {
    const dot = t.indexOf(".");
    if (/^\d+(\.\d+)?$/.test(t) && t.length <= 17) {
      const frac = dot < 0 ? 0 : t.length - dot - 1;
      steps.add(Number(dot < 0 ? t : t.slice(0, dot) + t.slice(dot + 1)), frac);
    }
  }
  return v;
}

function nonneg(text: string | undefined, field: string): number {
  if (text === undefined) throw new GrinderError(ErrorCode.PARSE, "truncated line", { field });
  const t = text.trim();
  const v = t.length ? Number(t) : NaN;
  if (!Number.isFinite(v) || v < 0) throw new GrinderError(ErrorCode.BAD_NUMBER, `expected a non-negative number, got '${t.slice(0, 40)}'`, { field });
  return v;
}

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * A time field as integer ms since the epoch (UTC). Accepts epoch numbers (seconds below
 * 1e11, milliseconds below 1e14, microseconds below 1e17, else nanoseconds; converted to ms,
 * floor) and ISO-8601 dates/times (`2012-02-01 00:00:00+00:00`, `2024-08-08T23:58:00Z`,
 * `2024-08-08`; no zone = UTC). Parsed by hand (Date.UTC only), so the result never depends on
 * the runtime's locale or date parser.
 */
export function parseTime(text: string, field = "time"): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) {
    const v = Number(t);
    if (!Number.isFinite(v)) throw new GrinderError(ErrorCode.BAD_NUMBER, `not a time: '${t.slice(0, 40)}'`, { field });
    if (v < 1e11) return Math.round(v * 1000);
    if (v < 1e14) return Math.floor(v);
    if (v < 1e17) return Math.floor(v / 1e3);
    return Math.floor(v / 1e6);
  }
  const m = ISO_RE.exec(t);
  if (!m) throw new GrinderError(ErrorCode.BAD_NUMBER, `not an ISO-8601 time or epoch number: '${t.slice(0, 40)}'`, { field });
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4] ?? "0", m[5] ?? "0", m[6] ?? "0"].map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59)
    throw new GrinderError(ErrorCode.BAD_NUMBER, `time out of range: '${t.slice(0, 40)}'`, { field });
  let ms = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC rolls 2012-02-30 over into March: refuse instead
  if (Date.UTC(y, mo - 1, d) >= Date.UTC(y, mo, 1)) throw new GrinderError(ErrorCode.BAD_NUMBER, `no such day: '${t.slice(0, 40)}'`, { field });
  if (m[7]) ms += Math.floor(Number(m[7].padEnd(3, "0").slice(0, 3)));
  const z = m[8];
  if (z && z !== "Z") {
    const sign = z[0] === "-" ? -1 : 1;
    const digits = z.slice(1).replace(":", "");
    const off = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4));
    ms -= sign * off * 60_000;
  }
  return ms;
}

// ---------------------------------------------------------------------------------------------
// A shared bar-sequence checker: OHLC sanity, alignment, strictly increasing times, gaps
// ---------------------------------------------------------------------------------------------

function checkOhlc(o: number, h: number, l: number, c: number, side: string): void {
  if (!(l <= o && l <= c && o <= h && c <= h && l <= h)) {
    const f = h < l ? "high" : o < l || c < l ? "low" : "high";
    throw new GrinderError(ErrorCode.BAD_NUMBER, `${side}OHLC out of order: open ${o} high ${h} low ${l} close ${c} (need low <= open, close <= high)`, { field: `${side}${f}` });
  }
}

class BarSequence {
  private last = -Infinity;
  constructor(private readonly report: ImportReport, private readonly interval: number) {
    report.counts.gaps = 0;
    report.counts.missing_bars = 0;
  }
  check(openTime: number, field: string): void {
    // ADR-130: the loader's plausible range, checked before the time becomes the reference.
    if (!(openTime >= DEFAULT_TIME_RANGE.min && openTime <= DEFAULT_TIME_RANGE.max))
      throw new GrinderError(ErrorCode.TIME_RANGE, `bar time ${openTime} is outside the plausible epoch-ms range [${DEFAULT_TIME_RANGE.min}, ${DEFAULT_TIME_RANGE.max}]`, { field });
    if (openTime % this.interval !== 0)
      throw new GrinderError(ErrorCode.BAD_NUMBER, `bar time ${openTime} is not aligned on the ${this.interval} ms interval`, { field });
    if (openTime <= this.last) throw new GrinderError(ErrorCode.SEQUENCE, `bar time ${openTime} does not follow the previous ${this.last}`, { field });
    if (this.last !== -Infinity && openTime - this.last > this.interval) {
      this.report.counts.gaps++;
      this.report.counts.missing_bars += (openTime - this.last) / this.interval - 1;
    }
    this.last = openTime;
  }
}

/**
 * Real quote bars do lock (bid = ask) and occasionally cross at a bar's open or close (FXCM
 * GBPUSD has such minutes). That is data, not a broken line: counted (`locked_bars`,
 * `crossed_bars`) and repaired by the path model (ask = bid + one tick, `crossed_points`).
 */
function lockedOrCrossed(report: ImportReport, bo: number, ao: number, bc: number, ac: number): void {
  if (bo > ao || bc > ac) bump(report, "crossed_bars");
  else if (bo === ao || bc === ac) bump(report, "locked_bars");
}

/** Bars read before a mostly crossed stream is judged as it streams (ADR-243); a shorter stream is judged at its end from this many bars. */
const CROSSED_CHECK_BARS = 100;
const CROSSED_CHECK_MIN_BARS = 10;

/**
 * A stream whose bid is above its ask on more than half of its bars is not a market: the bid and
 * ask files (or columns) are swapped, and the path model's repair (ask = bid + one tick) would
 * erase the spread on every bar. Refused (`E_CROSSED_BOOK`, whatever `lenient` says) from the
 * `CROSSED_CHECK_BARS`-th bar on, or at the end (`final`) of a stream of at least
 * `CROSSED_CHECK_MIN_BARS` bars. Real data crosses at a few minutes (FXCM GBPUSD: 676 of 30,117).
 */
function refuseMostlyCrossed(report: ImportReport, file: string, line: number, field: string, swapped: "files" | "columns", final: boolean): void {
  const bars = report.emitted;
  const crossed = report.counts.crossed_bars ?? 0;
  if (crossed * 2 <= bars || bars < (final ? CROSSED_CHECK_MIN_BARS : CROSSED_CHECK_BARS)) return;
  const pct = ((100 * crossed) / bars).toFixed(1);
  throw new GrinderError(ErrorCode.CROSSED_BOOK, `the bid is above the ask on ${crossed} of the ${bars} bars read (${pct} %): the bid and ask ${swapped} look swapped`, { file, line, field });
}

function stamp(report: ImportReport, b: QuoteBar): void {
  if (report.first_ts === undefined) report.first_ts = b.open_time;
  report.last_ts = b.open_time;
  report.emitted++;
}

function splitLine(raw: string, sep: string): string[] {
  return (raw.endsWith("\r") ? raw.slice(0, -1) : raw).split(sep);
}

function isBlank(raw: string): boolean {
  return raw.length === 0 || raw === "\r";
}

// ---------------------------------------------------------------------------------------------
// Generic OHLCV CSV
// ---------------------------------------------------------------------------------------------

export interface OhlcvCsvOptions {
  symbol: string;
  /** Bar length in ms (the dataset's declared interval). */
  interval_ms: number;
  /**
   * Column of each field: a header name (case-insensitive) or a 0-based index. Defaults:
   * time/timestamp/date/open_time, open, high, low, close, volume (optional).
   */
  columns?: Partial<Record<"time" | "open" | "high" | "low" | "close" | "volume", string | number>>;
  /** First line is a header: `true`, `false`, or `"auto"` (default: auto = first field is not a number or time). */
  header?: boolean | "auto";
  /** Field separator (default `,`). */
  delimiter?: string;
  /** The time column marks the bar's `open` (default) or its `close` (then open_time = time − interval). */
  time_is?: "open" | "close";
  lenient?: boolean;
  /** Record price steps for tick inference (report.counts is not touched). */
  steps?: StepTracker;
}

const DEFAULT_COLUMNS: Record<string, string[]> = {
  time: ["time", "timestamp", "date", "datetime", "open_time", "ts"],
  open: ["open", "o"],
  high: ["high", "h"],
  low: ["low", "l"],
  close: ["close", "c"],
  volume: ["volume", "vol", "v"],
};

function resolveColumns(header: string[] | null, given: OhlcvCsvOptions["columns"], file: string): Record<string, number> {
  const out: Record<string, number> = {};
  const names = header?.map((h) => h.trim().toLowerCase()) ?? null;
  for (const key of ["time", "open", "high", "low", "close", "volume"]) {
    const g = given?.[key as keyof NonNullable<OhlcvCsvOptions["columns"]>];
    if (typeof g === "number") {
      out[key] = g;
      continue;
    }
    if (typeof g === "string") {
      const i = names ? names.indexOf(g.toLowerCase()) : -1;
      if (i < 0) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `column '${g}' for ${key} is not in the header${names ? ` (${names.join(",")})` : " (the file has none)"}`, { file, line: 1, field: key });
      out[key] = i;
      continue;
    }
    const i = names ? names.findIndex((n) => DEFAULT_COLUMNS[key].includes(n)) : -1;
    if (i >= 0) out[key] = i;
    else if (!names && key !== "volume") out[key] = ["time", "open", "high", "low", "close"].indexOf(key);
    else if (!names && key === "volume") out[key] = 5;
    else if (key !== "volume") throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `no ${key} column in the header (${names!.join(",")}); map it with columns.${key}`, { file, line: 1, field: key });
  }
  return out;
}

function looksLikeData(field: string): boolean {
  const t = field.trim();
  return /^\d/.test(t);
}

/**
 * Stream a generic OHLCV CSV (any header, a column mapping, epoch or ISO times). One bar per
 * line; the OHLC is a trade (or mid) series, so `bid_* = ask_*` and `quoted = false`. Rules
 * (strict: `GrinderError` naming file, line and field; lenient: counted skip): prices > 0,
 * `low <= open, close <= high`, volume >= 0, times aligned on the interval and strictly
 * increasing; missing bars are counted (`gaps`, `missing_bars`), not refused.
 */
export function importOhlcvCsv(file: string, opts: OhlcvCsvOptions): BarImport {
  const report = newImportReport("ohlcv-csv", file);
  const interval = opts.interval_ms;
  if (!(Number.isInteger(interval) && interval > 0)) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `interval_ms must be a positive integer, got ${interval}`, { field: "interval_ms" });
  const sep = opts.delimiter ?? ",";
  async function* gen(): AsyncGenerator<QuoteBar> {
    resetImportReport(report);
    const seq = new BarSequence(report, interval);
    let cols: Record<string, number> | null = null;
    let lineNo = 0;
    for await (const raw of readLines(file)) {
      lineNo++;
      report.lines = lineNo;
      if (isBlank(raw)) {
        refuse(new GrinderError(ErrorCode.PARSE, "blank line"), report, file, lineNo, !!opts.lenient);
        continue;
      }
      const f = splitLine(raw, sep);
      if (cols === null) {
        const hasHeader = opts.header === "auto" || opts.header === undefined ? !looksLikeData(f[0]) : opts.header;
        cols = resolveColumns(hasHeader ? f : null, opts.columns, file);
        if (hasHeader) {
          bump(report, "header");
          continue;
        }
      }
      try {
        const tText = f[cols.time];
        if (tText === undefined) throw new GrinderError(ErrorCode.PARSE, "truncated line", { field: "time" });
        let t = parseTime(tText, "time");
        if (opts.time_is === "close") t -= interval;
        const o = price(f[cols.open], "open", opts.steps);
        const h = price(f[cols.high], "high", opts.steps);
        const l = price(f[cols.low], "low", opts.steps);
        const c = price(f[cols.close], "close", opts.steps);
        checkOhlc(o, h, l, c, "");
        const v = cols.volume !== undefined && f[cols.volume] !== undefined ? nonneg(f[cols.volume], "volume") : 0;
        seq.check(t, "time");
        const b: QuoteBar = {
          symbol: opts.symbol, open_time: t, interval_ms: interval,
          bid_open: o, bid_high: h, bid_low: l, bid_close: c, ask_open: o, ask_high: h, ask_low: l, ask_close: c,
          bid_size: 0, ask_size: 0, volume: v, quoted: false,
        };
        stamp(report, b);
        yield b;
      } catch (e) {
        refuse(e, report, file, lineNo, !!opts.lenient);
      }
    }
  }
  return { report, symbol: opts.symbol, interval_ms: interval, [Symbol.asyncIterator]: gen };
}

// ---------------------------------------------------------------------------------------------
// Bid/ask quote bars from two aligned OHLC files (FXCM layout)
// ---------------------------------------------------------------------------------------------

export interface QuoteBarPairOptions {
  symbol: string;
  interval_ms: number;
  lenient?: boolean;
  steps?: StepTracker;
  /** Column mapping as for OHLCV CSV (both files share it). */
  columns?: OhlcvCsvOptions["columns"];
}

/**
 * Stream bid/ask quote bars from two aligned OHLC files (`timestamp,open,high,low,close`, e.g.
 * FXCM's `gbpusd-m1-bid-2012-02.csv` + `...-ask-...`). Both files are read in lockstep: line
 * N of one must carry the same time as line N of the other (`E_SEQUENCE` naming the ask file
 * otherwise), a file ending early is `E_PARSE`. Each side is checked like an OHLCV bar; a bar
 * whose bid open or close is at (locked) or above (crossed) the ask's is counted, not refused;
 * a stream crossed on most of its bars is (swapped files, ADR-243).
 */
export function importQuoteBarPair(bidFile: string, askFile: string, opts: QuoteBarPairOptions): BarImport {
  const report = newImportReport("quote-bar-pair", bidFile);
  const interval = opts.interval_ms;
  async function* gen(): AsyncGenerator<QuoteBar> {
    resetImportReport(report);
    report.counts.ask_lines = 0;
    // Read both files line by line (not bar by bar) so that a bad line on one side is reported at its own line.
    const bidLines = readLines(bidFile)[Symbol.asyncIterator]();
    const askLines = readLines(askFile)[Symbol.asyncIterator]();
    const seq = new BarSequence(report, interval);
    let cols: Record<string, number> | null = null;
    let lineNo = 0;
    for (;;) {
      const [bl, al] = await Promise.all([bidLines.next(), askLines.next()]);
      if (bl.done && al.done) break;
      lineNo++;
      report.lines = lineNo;
      report.counts.ask_lines = lineNo;
      if (bl.done || al.done) {
        const short = bl.done ? bidFile : askFile;
        const err = new GrinderError(ErrorCode.PARSE, `file ends at line ${lineNo - 1} while ${path.basename(bl.done ? askFile : bidFile)} goes on: the two files must align bar for bar`, { field: "timestamp" });
        refuse(err, report, short, lineNo, false);
      }
      const braw = bl.value as string;
      const araw = al.value as string;
      if (isBlank(braw) || isBlank(araw)) {
        refuse(new GrinderError(ErrorCode.PARSE, "blank line"), report, isBlank(braw) ? bidFile : askFile, lineNo, !!opts.lenient);
        continue;
      }
      const bf = splitLine(braw, ",");
      const af = splitLine(araw, ",");
      if (cols === null) {
        const hasHeader = !looksLikeData(bf[0]);
        cols = resolveColumns(hasHeader ? bf : null, opts.columns, bidFile);
        if (hasHeader) {
          if (looksLikeData(af[0])) refuse(new GrinderError(ErrorCode.PARSE, "the bid file has a header and the ask file does not", { field: "header" }), report, askFile, lineNo, false);
          bump(report, "header");
          continue;
        }
      }
      let at = bidFile;
      try {
        const bt = parseTime(bf[cols.time] ?? "", "timestamp");
        const bo = price(bf[cols.open], "open", opts.steps);
        const bh = price(bf[cols.high], "high", opts.steps);
        const bl2 = price(bf[cols.low], "low", opts.steps);
        const bc = price(bf[cols.close], "close", opts.steps);
        checkOhlc(bo, bh, bl2, bc, "");
        at = askFile;
        const atm = parseTime(af[cols.time] ?? "", "timestamp");
        const ao = price(af[cols.open], "open", opts.steps);
        const ah = price(af[cols.high], "high", opts.steps);
        const al2 = price(af[cols.low], "low", opts.steps);
        const ac = price(af[cols.close], "close", opts.steps);
        checkOhlc(ao, ah, al2, ac, "");
        if (atm !== bt) throw new GrinderError(ErrorCode.SEQUENCE, `ask bar time ${atm} differs from the bid bar's ${bt} on the same line: the files do not align`, { field: "timestamp" });
        lockedOrCrossed(report, bo, ao, bc, ac);
        at = bidFile;
        seq.check(bt, "timestamp");
        const b: QuoteBar = {
          symbol: opts.symbol, open_time: bt, interval_ms: interval,
          bid_open: bo, bid_high: bh, bid_low: bl2, bid_close: bc, ask_open: ao, ask_high: ah, ask_low: al2, ask_close: ac,
          bid_size: 0, ask_size: 0, volume: 0, quoted: true,
        };
        stamp(report, b);
        yield b;
      } catch (e) {
        refuse(e, report, at, lineNo, !!opts.lenient);
      }
      refuseMostlyCrossed(report, bidFile, lineNo, "open", "files", false);
    }
    refuseMostlyCrossed(report, bidFile, lineNo, "open", "files", true);
  }
  return { report, symbol: opts.symbol, interval_ms: interval, [Symbol.asyncIterator]: gen };
}

// ---------------------------------------------------------------------------------------------
// Lean crypto minute bars (quote or trade), one file per day
// ---------------------------------------------------------------------------------------------

export interface LeanMinuteOptions {
  /** Symbol; default: upper-cased `<sym>` of `YYYYMMDD_<sym>_minute_<kind>.csv`. */
  symbol?: string;
  lenient?: boolean;
  steps?: StepTracker;
}

const LEAN_NAME = /^(\d{4})(\d{2})(\d{2})_([a-z0-9_\-]+?)_minute_(quote|trade)\.csv$/i;

/** Date (UTC midnight ms), symbol and kind from a Lean minute file name. */
export function leanFileInfo(file: string): { day_ms: number; symbol: string; kind: "quote" | "trade" } {
  const m = LEAN_NAME.exec(path.basename(file));
  if (!m) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "not a Lean minute file name (expected YYYYMMDD_<sym>_minute_quote.csv or _trade.csv)", { file, field: "file name" });
  return { day_ms: Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])), symbol: m[4].toUpperCase(), kind: m[5].toLowerCase() as "quote" | "trade" };
}

/**
 * Stream Lean crypto minute bars from day files, in the order given (days must increase).
 * Quote layout: `ms_since_midnight,bid_open,bid_high,bid_low,bid_close,last_bid_size,
 * ask_open,ask_high,ask_low,ask_close,last_ask_size`; trade layout:
 * `ms_since_midnight,open,high,low,close,volume`. No header; the day comes from the file
 * name (UTC). Every file must be of one symbol and one kind.
 */
export function importLeanMinute(files: string[], opts: LeanMinuteOptions = {}): BarImport {
  if (!files.length) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "no Lean minute files given", { field: "files" });
  const infos = files.map(leanFileInfo);
  const symbol = opts.symbol ?? infos[0].symbol;
  for (let i = 0; i < files.length; i++) {
    if (infos[i].kind !== infos[0].kind) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `mixed kinds: ${infos[0].kind} and ${infos[i].kind}`, { file: files[i], field: "kind" });
    if (!opts.symbol && infos[i].symbol !== infos[0].symbol) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `mixed symbols: ${infos[0].symbol} and ${infos[i].symbol}`, { file: files[i], field: "symbol" });
    if (i && infos[i].day_ms <= infos[i - 1].day_ms) throw new GrinderError(ErrorCode.SEQUENCE, "day files must be given in increasing date order", { file: files[i], field: "file name" });
  }
  const kind = infos[0].kind;
  const interval = 60_000;
  const report = newImportReport(`lean-crypto-minute-${kind}`, files[0]);
  async function* gen(): AsyncGenerator<QuoteBar> {
    resetImportReport(report);
    report.counts.files = files.length;
    const seq = new BarSequence(report, interval);
    for (let fi = 0; fi < files.length; fi++) {
      const file = files[fi];
      const day = infos[fi].day_ms;
      let lineNo = 0;
      for await (const raw of readLines(file)) {
        lineNo++;
        report.lines++;
        if (isBlank(raw)) {
          refuse(new GrinderError(ErrorCode.PARSE, "blank line"), report, file, lineNo, !!opts.lenient);
          continue;
        }
        const f = splitLine(raw, ",");
        try {
          const want = kind === "quote" ? 11 : 6;
          if (f.length < want) throw new GrinderError(ErrorCode.PARSE, `truncated line: ${f.length} of ${want} fields`, { field: kind === "quote" ? QUOTE_FIELDS[f.length] : TRADE_FIELDS[f.length] });
          if (f.length > want) throw new GrinderError(ErrorCode.PARSE, `more than ${want} fields`, { field: `column ${want + 1}` });
          const msText = f[0].trim();
          if (!/^\d+$/.test(msText)) throw new GrinderError(ErrorCode.BAD_NUMBER, `not an integer ms since midnight: '${msText.slice(0, 40)}'`, { field: "ms_since_midnight" });
          const ms = Number(msText);
          if (ms >= 86_400_000) throw new GrinderError(ErrorCode.BAD_NUMBER, `ms since midnight ${ms} is past the day`, { field: "ms_since_midnight" });
          let b: QuoteBar;
          if (kind === "quote") {
            const bo = price(f[1], "bid_open", opts.steps), bh = price(f[2], "bid_high", opts.steps), bl = price(f[3], "bid_low", opts.steps), bc = price(f[4], "bid_close", opts.steps);
            checkOhlc(bo, bh, bl, bc, "bid_");
            const bs = nonneg(f[5], "last_bid_size");
            const ao = price(f[6], "ask_open", opts.steps), ah = price(f[7], "ask_high", opts.steps), al = price(f[8], "ask_low", opts.steps), ac = price(f[9], "ask_close", opts.steps);
            checkOhlc(ao, ah, al, ac, "ask_");
            const as = nonneg(f[10], "last_ask_size");
            lockedOrCrossed(report, bo, ao, bc, ac);
            b = { symbol, open_time: day + ms, interval_ms: interval, bid_open: bo, bid_high: bh, bid_low: bl, bid_close: bc, ask_open: ao, ask_high: ah, ask_low: al, ask_close: ac, bid_size: bs, ask_size: as, volume: 0, quoted: true };
          } else {
            const o = price(f[1], "open", opts.steps), h = price(f[2], "high", opts.steps), l = price(f[3], "low", opts.steps), c = price(f[4], "close", opts.steps);
            checkOhlc(o, h, l, c, "");
            const v = nonneg(f[5], "volume");
            b = { symbol, open_time: day + ms, interval_ms: interval, bid_open: o, bid_high: h, bid_low: l, bid_close: c, ask_open: o, ask_high: h, ask_low: l, ask_close: c, bid_size: 0, ask_size: 0, volume: v, quoted: false };
          }
          seq.check(b.open_time, "ms_since_midnight");
          stamp(report, b);
          yield b;
        } catch (e) {
          refuse(e, report, file, lineNo, !!opts.lenient);
        }
        if (kind === "quote") refuseMostlyCrossed(report, file, lineNo, "bid_open", "columns", false);
      }
      if (kind === "quote" && fi === files.length - 1) refuseMostlyCrossed(report, file, lineNo, "bid_open", "columns", true);
    }
  }
  return { report, symbol, interval_ms: interval, [Symbol.asyncIterator]: gen };
}

const QUOTE_FIELDS = ["ms_since_midnight", "bid_open", "bid_high", "bid_low", "bid_close", "last_bid_size", "ask_open", "ask_high", "ask_low", "ask_close", "last_ask_size"];
const TRADE_FIELDS = ["ms_since_midnight", "open", "high", "low", "close", "volume"];

// ---------------------------------------------------------------------------------------------
// The intrabar path model: bars → Snapshots
// ---------------------------------------------------------------------------------------------

export interface BarPathOptions {
  instrument: InstrumentSpec;
  /**
   * Quote-side sizes of each emitted snapshot: `"bar"` = the bar's last bid/ask sizes when
   * positive (Lean quote bars), else `size_quote`; `"fixed"` = always `size_quote`.
   * Default `"fixed"`: bars do not describe the book, and a last-quote size is one moment's.
   */
  sizes?: "bar" | "fixed";
  /** Notional (quote) per side when a size is needed (default 1 000 000). */
  size_quote?: number;
  /** Spread in ticks for trade bars (`quoted = false`), default 1: bid = price, ask = price + spread. */
  spread_ticks?: number;
}

/** The four path points of a bar in time order. `true` = high before low. */
export function highFirst(b: Pick<QuoteBar, "bid_open" | "bid_high" | "bid_low" | "ask_open" | "ask_high" | "ask_low">): boolean {
  const o = b.bid_open + b.ask_open;
  const h = b.bid_high + b.ask_high;
  const l = b.bid_low + b.ask_low;
  // nearer extreme first; a tie goes low first (the conservative side for a resting buy ladder)
  return h - o < o - l;
}

/**
 * Intrabar path model (ADR-070): each bar becomes four quote snapshots at `open_time +
 * k·interval/4` (k = 0..3): open → the extreme nearer the open → the other extreme → close
 * (O→H→L→C when the high is strictly nearer the open, else O→L→H→C), on mids of the bid and
 * ask bars. At each point the bid is the bid bar's value and the ask the ask bar's; a point
 * where those cross (bid high ≥ ask high is possible when the extremes came at different
 * moments) gets ask = bid + one tick (counted as `crossed_points`). Trade bars quote bid =
 * price, ask = price + `spread_ticks` ticks. Prices are snapped to the tick (nearest), sizes
 * per `sizes`. The snapshots' mid-price bars rebuild the bar's mid OHLC exactly when the
 * feature bar interval equals the data's.
 */
export async function* barSnapshots(bars: AsyncIterable<QuoteBar> | Iterable<QuoteBar>, opts: BarPathOptions, counts: Record<string, number> = {}): AsyncGenerator<Snapshot> {
  const inst = opts.instrument;
  const tick = inst.tick_size;
  const spread = (opts.spread_ticks ?? 1) * tick;
  const notional = opts.size_quote ?? 1_000_000;
  const useBar = opts.sizes === "bar";
  counts.crossed_points = counts.crossed_points ?? 0;
  counts.bars = counts.bars ?? 0;
  const bidP = [0, 0, 0, 0];
  const askP = [0, 0, 0, 0];
  for await (const b of bars as AsyncIterable<QuoteBar>) {
    counts.bars++;
    const hf = highFirst(b);
    bidP[0] = b.bid_open; askP[0] = b.ask_open;
    bidP[1] = hf ? b.bid_high : b.bid_low; askP[1] = hf ? b.ask_high : b.ask_low;
    bidP[2] = hf ? b.bid_low : b.bid_high; askP[2] = hf ? b.ask_low : b.ask_high;
    bidP[3] = b.bid_close; askP[3] = b.ask_close;
    const step = Math.floor(b.interval_ms / 4);
    for (let k = 0; k < 4; k++) {
      const bid = quantize(bidP[k], tick, "nearest");
      let ask = b.quoted ? quantize(askP[k], tick, "nearest") : quantize(bidP[k] + spread, tick, "nearest");
      if (!(ask > bid)) {
        ask = quantize(bid + tick, tick, "nearest");
        counts.crossed_points++;
      }
      const bq = useBar && b.bid_size > 0 ? quantizeQty(b.bid_size, inst.lot_size) : 0;
      const aq = useBar && b.ask_size > 0 ? quantizeQty(b.ask_size, inst.lot_size) : 0;
      yield {
        ts: b.open_time + k * step,
        symbol: b.symbol,
        bid_price: bid,
        bid_qty: bq > 0 ? bq : Math.max(inst.lot_size, quantizeQty(qtyForNotional(inst, notional, bid), inst.lot_size)),
        ask_price: ask,
        ask_qty: aq > 0 ? aq : Math.max(inst.lot_size, quantizeQty(qtyForNotional(inst, notional, ask), inst.lot_size)),
      };
    }
  }
}

/**
 * Merge several time-ordered snapshot streams into one (multi-symbol dataset): by `ts`, ties
 * by symbol (lexical), so the order never depends on the order of the inputs.
 */
export async function* mergeSnapshotStreams(streams: Array<AsyncIterable<Snapshot>>): AsyncGenerator<Snapshot> {
  const its = streams.map((s) => s[Symbol.asyncIterator]());
  const heads: Array<Snapshot | null> = await Promise.all(its.map(async (it) => ((await it.next()).value as Snapshot | undefined) ?? null));
  for (;;) {
    let bi = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h === null) continue;
      if (bi < 0) {
        bi = i;
        continue;
      }
      const b = heads[bi]!;
      if (h.ts < b.ts || (h.ts === b.ts && h.symbol < b.symbol)) bi = i;
    }
    if (bi < 0) return;
    yield heads[bi]!;
    const n = await its[bi].next();
    heads[bi] = n.done ? null : (n.value as Snapshot);
  }
}

/** Infer a tick from the price steps seen (ADR-012 rule), or refuse when none were. */
export function inferredTick(steps: StepTracker, what: string): number {
  const t = steps.step();
  if (t === undefined) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `no price step could be inferred from ${what}; give the tick`, { field: "tick" });
  return t;
}

/** The kind of a bar import for documentation in provenance. */
export function barImportKind(imp: BarImport): string {
  return imp.report.format;
}
