import { ErrorCode, GrinderError } from "../../contracts/errors";
import { bump, newImportReport, resetImportReport, type ImportReport } from "./common";
import { csvRows } from "./csv-rows";
import { symbolFromFileName } from "./bookticker-csv";

/** Columns of Binance's public klines dump, in order. */
export const KLINE_COLUMNS = [
  "open_time",
  "open",
  "high",
  "low",
  "close",
  "volume",
  "close_time",
  "quote_volume",
  "count",
  "taker_buy_volume",
  "taker_buy_quote_volume",
  "ignore",
] as const;

/**
 * One exchange kline (candlestick). Times are integer ms. `ts = close_time + 1` is the data
 * time at which the bar is complete and may be used (the first ms after it closed): merge
 * klines into a snapshot stream by `ts`, never by `open_time`, or the bar leaks the future.
 */
export interface Kline {
  symbol: string;
  ts: number;
  open_time: number;
  close_time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quote_volume: number;
  count: number;
  taker_buy_volume: number;
  taker_buy_quote_volume: number;
}

export interface KlinesCsvOptions {
  /** Symbol; default: the file name's prefix before `-<interval>-` (`BTCUSDT-1m-2024-08-08.csv`). */
  symbol?: string;
  lenient?: boolean;
}

export interface KlineImport extends AsyncIterable<Kline> {
  readonly report: ImportReport;
  readonly symbol: string;
}

function num(text: string | undefined, field: string, min: "positive" | "nonneg"): number {
  if (text === undefined) throw new GrinderError(ErrorCode.PARSE, "truncated line", { field });
  const t = text.trim();
  const v = t.length ? Number(t) : NaN;
  if (!Number.isFinite(v)) throw new GrinderError(ErrorCode.BAD_NUMBER, `not a number: '${t.slice(0, 40)}'`, { field });
  if (min === "positive" ? !(v > 0) : v < 0) throw new GrinderError(ErrorCode.BAD_NUMBER, `expected a ${min === "positive" ? "positive" : "non-negative"} number, got ${v}`, { field });
  return v;
}

function time(text: string | undefined, field: string): number {
  const v = num(text, field, "nonneg");
  if (!Number.isSafeInteger(v)) throw new GrinderError(ErrorCode.BAD_NUMBER, `expected an integer time, got ${v}`, { field });
  // Binance's spot dumps switched to microseconds in 2025; anything past year 5138 in ms is µs.
  return v >= 1e14 ? Math.floor(v / 1000) : v;
}

/**
 * Stream a Binance klines CSV dump (spec 17.5.2 "real kline feed"). Header optional. Rules
 * (strict: `GrinderError` with file/line/field; lenient: counted skip): 12 fields; prices > 0,
 * volumes ≥ 0, integer times (µs dumps are converted to ms, counted as `microsecond_rows`);
 * `low ≤ open, close ≤ high`; `open_time` strictly increasing (`E_SEQUENCE`);
 * `close_time ≥ open_time`. Missing bars (open_time jumping by more than one interval) are
 * counted as `gaps`, not refused: exchanges do skip bars in halts.
 */
export function importKlinesCsv(file: string, opts: KlinesCsvOptions = {}): KlineImport {
  const symbol = opts.symbol ?? symbolFromFileName(file, "\\d+[smhdwM]") ?? "";
  if (!symbol) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "no symbol given and none in the file name (expected SYMBOL-<interval>-...)", { file, field: "symbol" });
  const report = newImportReport("binance-klines-csv", file);
  report.counts.gaps = 0;
  async function* gen(): AsyncGenerator<Kline> {
    resetImportReport(report);
    report.counts.gaps = 0;
    let lastOpen = -1;
    let interval = 0;
    yield* csvRows<Kline>(file, report, !!opts.lenient, {
      header: (line) => {
        if (line.trim() !== KLINE_COLUMNS.join(",")) throw new GrinderError(ErrorCode.PARSE, `unexpected header '${line.slice(0, 160)}'`, { field: "header" });
        bump(report, "header");
      },
      row: (f) => {
        if (f.length < KLINE_COLUMNS.length)
          throw new GrinderError(ErrorCode.PARSE, `truncated line: ${f.length} of ${KLINE_COLUMNS.length} fields`, { field: KLINE_COLUMNS[f.length] });
        if (f.length > KLINE_COLUMNS.length) throw new GrinderError(ErrorCode.PARSE, `more than ${KLINE_COLUMNS.length} fields`, { field: `column ${KLINE_COLUMNS.length + 1}` });
        const open_time = time(f[0], "open_time");
        const open = num(f[1], "open", "positive");
        const high = num(f[2], "high", "positive");
        const low = num(f[3], "low", "positive");
        const close = num(f[4], "close", "positive");
        const volume = num(f[5], "volume", "nonneg");
        const close_time = time(f[6], "close_time");
        const quote_volume = num(f[7], "quote_volume", "nonneg");
        const count = num(f[8], "count", "nonneg");
        const taker_buy_volume = num(f[9], "taker_buy_volume", "nonneg");
        const taker_buy_quote_volume = num(f[10], "taker_buy_quote_volume", "nonneg");
        if (f[0].trim().length >= 16) bump(report, "microsecond_rows");
        if (!Number.isInteger(count)) throw new GrinderError(ErrorCode.BAD_NUMBER, `expected an integer trade count, got ${count}`, { field: "count" });
        if (high < Math.max(open, close, low)) throw new GrinderError(ErrorCode.BAD_NUMBER, `high ${high} is below open/close/low`, { field: "high" });
        if (low > Math.min(open, close)) throw new GrinderError(ErrorCode.BAD_NUMBER, `low ${low} is above open/close`, { field: "low" });
        if (close_time < open_time) throw new GrinderError(ErrorCode.BAD_NUMBER, `close_time ${close_time} is before open_time ${open_time}`, { field: "close_time" });
        if (open_time <= lastOpen)
          throw new GrinderError(ErrorCode.SEQUENCE, open_time === lastOpen ? `duplicate open_time ${open_time}` : `open_time ${open_time} is before the previous ${lastOpen}`, { field: "open_time" });
        const iv = close_time - open_time + 1;
        if (!interval) {
          interval = iv;
          report.counts.interval_ms = iv;
        } else if (open_time !== lastOpen + interval) report.counts.gaps++;
        lastOpen = open_time;
        const k: Kline = { symbol, ts: close_time + 1, open_time, close_time, open, high, low, close, volume, quote_volume, count, taker_buy_volume, taker_buy_quote_volume };
        if (report.first_ts === undefined) report.first_ts = k.ts;
        report.last_ts = k.ts;
        report.emitted++;
        return k;
      },
    });
  }
  return { report, symbol, [Symbol.asyncIterator]: () => gen() };
}

/** A kline as a line of the dump layout (ms times); used for the fixture sidecar `klines.csv`. */
export function klineCsvLine(k: Kline): string {
  return [k.open_time, k.open, k.high, k.low, k.close, k.volume, k.close_time, k.quote_volume, k.count, k.taker_buy_volume, k.taker_buy_quote_volume, 0].join(",");
}

/** Read a whole klines CSV (they are small: 1440 rows a day at 1m) into an array. */
export async function loadKlinesCsv(file: string, opts: KlinesCsvOptions = {}): Promise<{ klines: Kline[]; report: ImportReport }> {
  const imp = importKlinesCsv(file, opts);
  const klines: Kline[] = [];
  for await (const k of imp) klines.push(k);
  return { klines, report: imp.report };
}

/** Anything that takes klines, e.g. `FeatureEngine` with `natr_source: "klines"` (spec 17.5.2). */
export interface KlineSink {
  updateKline(k: Kline): void;
}

/**
 * Merges a kline series into a snapshot loop without leaking the future: before feeding a
 * snapshot with time `ts` to the feature engine, `feedUntil(ts, engine)` hands it every kline
 * whose `ts` (= close_time + 1, the first ms after it closed) is ≤ `ts`.
 *
 * @example
 * // klines: e.g. (await loadKlinesCsv("fixtures/my_btc/klines.csv")).klines; here one per minute:
 * const klines = snapshots.filter((s, i) => i % 60 === 0).map((s) => ({ symbol: s.symbol, ts: s.ts + 59_999, open_time: s.ts, close_time: s.ts + 59_999,
 *   open: s.bid_price, high: s.ask_price, low: s.bid_price, close: s.ask_price, volume: 1, quote_volume: s.bid_price, count: 1, taker_buy_volume: 0.5, taker_buy_quote_volume: s.bid_price / 2 }));
 * const fe = new FeatureEngine(spec, { natr_source: "klines" });
 * const cur = new KlineCursor(klines);
 * for await (const s of snapshots) { cur.feedUntil(s.ts, fe); fe.update(s); }
 */
export class KlineCursor {
  private i = 0;
  constructor(private readonly klines: readonly Kline[]) {
    for (let j = 1; j < klines.length; j++)
      if (!(klines[j].ts > klines[j - 1].ts)) throw new GrinderError(ErrorCode.SEQUENCE, `klines out of order at index ${j}`, { field: "ts" });
  }
  /** Feed every not-yet-fed kline with `ts <= t`; returns how many were fed. */
  feedUntil(t: number, sink: KlineSink): number {
    let n = 0;
    while (this.i < this.klines.length && this.klines[this.i].ts <= t) {
      sink.updateKline(this.klines[this.i++]);
      n++;
    }
    return n;
  }
  /** Klines not yet fed. */
  get remaining(): number {
    return this.klines.length - this.i;
  }
}
