import { ErrorCode, GrinderError } from "../../contracts/errors";
import type { Trade } from "../../contracts/market";
import { DEFAULT_MAX_GAP_MS } from "../fixture";
import { DEFAULT_TIME_RANGE } from "../validate";
import { bump, newImportReport, resetImportReport, type ImportReport } from "./common";
import { csvRows } from "./csv-rows";
import { symbolFromFileName } from "./bookticker-csv";

/**
 * Binance public trade dumps (data.binance.vision) → `Trade`s (ADR-052).
 *
 * - `trades`: `id,price,qty,quoteQty,time,isBuyerMaker[,isBestMatch]` (spot files have no
 *   header and the 7th column; futures files have the header
 *   `id,price,qty,quote_qty,time,is_buyer_maker`);
 * - `aggTrades`: `agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker[,is_best_match]`
 *   (the `id` of the emitted Trade is the aggregate id).
 *
 * The kind is read from the header when there is one, otherwise from the columns: 6 fields →
 * trades; 8 → aggTrades; 7 → trades when the 6th field is a boolean (spot `isBuyerMaker`),
 * aggTrades when it is an integer (futures `transact_time`). `isBuyerMaker` true → aggressor
 * SELL. Times are exchange ms (µs dumps converted, counted as `microsecond_rows`), the same
 * clock as a bookTicker dump's `event_time`, so the two merge into one fixture.
 * Rules (strict: `GrinderError` with file/line/field; lenient: counted skip): price, qty > 0;
 * integer ids and times; times in 2000..2100 UTC and no jump over 7 days (`E_TIME_RANGE`, ADR-130);
 * time non-decreasing (`E_TIME_BACKWARDS`); id strictly increasing
 * (`E_SEQUENCE`); booleans `true`/`false` (any case).
 */
export type TradeDumpKind = "trades" | "aggTrades";

export interface TradesCsvOptions {
  /** Symbol (default: from the file name, `BTCUSDT-trades-...` / `BTCUSDT-aggTrades-...`). */
  symbol?: string;
  /** Force the layout instead of detecting it. */
  kind?: TradeDumpKind;
  lenient?: boolean;
}

export interface TradeImport extends AsyncIterable<Trade> {
  readonly report: ImportReport;
  readonly symbol: string;
  /** Layout in use (known after the first data line when detected). */
  readonly kind: TradeDumpKind | undefined;
}

const HEADER_NAMES: Record<TradeDumpKind, string[][]> = {
  trades: [
    ["id", "price", "qty", "quote_qty", "time", "is_buyer_maker"],
    ["id", "price", "qty", "quoteqty", "time", "isbuyermaker"],
    ["id", "price", "qty", "quote_qty", "time", "is_buyer_maker", "is_best_match"],
    ["id", "price", "qty", "quoteqty", "time", "isbuyermaker", "isbestmatch"],
  ],
  aggTrades: [
    ["agg_trade_id", "price", "quantity", "first_trade_id", "last_trade_id", "transact_time", "is_buyer_maker"],
    ["agg_trade_id", "price", "quantity", "first_trade_id", "last_trade_id", "transact_time", "is_buyer_maker", "is_best_match"],
  ],
};

function headerKind(line: string): TradeDumpKind | undefined {
  const names = line.split(",").map((x) => x.trim().toLowerCase());
  for (const k of ["trades", "aggTrades"] as const) if (HEADER_NAMES[k].some((h) => h.length === names.length && h.every((n, i) => n === names[i]))) return k;
  return undefined;
}

const INT = /^\d+$/;

function int(text: string | undefined, field: string): number {
  if (text === undefined) throw new GrinderError(ErrorCode.MISSING_FIELD, "required field is missing", { field });
  const t = text.trim();
  const v = Number(t);
  if (!INT.test(t) || !Number.isSafeInteger(v)) throw new GrinderError(ErrorCode.BAD_NUMBER, `expected a non-negative integer, got '${t.slice(0, 30)}'`, { field });
  return v;
}

function positive(text: string | undefined, field: string): number {
  if (text === undefined) throw new GrinderError(ErrorCode.MISSING_FIELD, "required field is missing", { field });
  const t = text.trim();
  const v = t.length ? Number(t) : NaN;
  if (!Number.isFinite(v) || v <= 0) throw new GrinderError(ErrorCode.BAD_NUMBER, `expected a positive number, got '${t.slice(0, 30)}'`, { field });
  return v;
}

function bool(text: string | undefined, field: string): boolean {
  if (text === undefined) throw new GrinderError(ErrorCode.MISSING_FIELD, "required field is missing", { field });
  const t = text.trim().toLowerCase();
  if (t === "true") return true;
  if (t === "false") return false;
  throw new GrinderError(ErrorCode.BAD_TYPE, `expected true or false, got '${text.slice(0, 30)}'`, { field });
}

function isBool(text: string | undefined): boolean {
  const t = text?.trim().toLowerCase();
  return t === "true" || t === "false";
}

/** Detect the layout of a header-less data line. */
function columnsKind(f: string[]): TradeDumpKind {
  if (f.length === 6) return "trades";
  if (f.length === 8) return "aggTrades";
  if (f.length === 7) return isBool(f[5]) ? "trades" : "aggTrades";
  throw new GrinderError(ErrorCode.PARSE, `${f.length} fields: neither a trades (6-7) nor an aggTrades (7-8) dump line`, { field: `column ${Math.min(f.length, 9)}` });
}

/** Stream a Binance trades / aggTrades CSV dump as `Trade`s (see module doc). */
export function importTradesCsv(file: string, opts: TradesCsvOptions = {}): TradeImport {
  const symbol = opts.symbol ?? symbolFromFileName(file, "(?:agg)?[tT]rades") ?? "";
  if (!symbol) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "no symbol given and none in the file name (expected SYMBOL-trades-... or SYMBOL-aggTrades-...)", { file, field: "symbol" });
  const report = newImportReport("binance-trades-csv", file);
  const box: { kind: TradeDumpKind | undefined } = { kind: opts.kind };
  async function* gen(): AsyncGenerator<Trade> {
    resetImportReport(report);
    box.kind = opts.kind;
    let lastTs = -1;
    let lastId = -1;
    let buy = 0;
    yield* csvRows<Trade>(file, report, !!opts.lenient, {
      header: (line) => {
        const k = headerKind(line);
        if (!k || (opts.kind && opts.kind !== k)) throw new GrinderError(ErrorCode.PARSE, `unexpected header '${line.slice(0, 160)}'`, { field: "header" });
        box.kind = k;
        bump(report, "header");
      },
      row: (f) => {
        const kind = box.kind ?? (box.kind = columnsKind(f));
        let id: number, price: number, qty: number, ts: number, buyerMaker: boolean, timeText: string;
        if (kind === "trades") {
          if (f.length < 6 || f.length > 7) throw new GrinderError(ErrorCode.PARSE, `${f.length} fields, a trades line has 6 or 7`, { field: f.length < 6 ? ["id", "price", "qty", "quote_qty", "time", "is_buyer_maker"][f.length] : "column 8" });
          id = int(f[0], "id");
          price = positive(f[1], "price");
          qty = positive(f[2], "qty");
          timeText = f[4];
          ts = int(f[4], "time");
          buyerMaker = bool(f[5], "is_buyer_maker");
          if (f.length === 7) bool(f[6], "is_best_match");
        } else {
          if (f.length < 7 || f.length > 8) throw new GrinderError(ErrorCode.PARSE, `${f.length} fields, an aggTrades line has 7 or 8`, { field: f.length < 7 ? ["agg_trade_id", "price", "quantity", "first_trade_id", "last_trade_id", "transact_time", "is_buyer_maker"][f.length] : "column 9" });
          id = int(f[0], "agg_trade_id");
          price = positive(f[1], "price");
          qty = positive(f[2], "quantity");
          const first = int(f[3], "first_trade_id");
          const last = int(f[4], "last_trade_id");
          if (last < first) throw new GrinderError(ErrorCode.BAD_NUMBER, `last_trade_id ${last} is before first_trade_id ${first}`, { field: "last_trade_id" });
          timeText = f[5];
          ts = int(f[5], "transact_time");
          buyerMaker = bool(f[6], "is_buyer_maker");
          if (f.length === 8) bool(f[7], "is_best_match");
        }
        // Binance's spot dumps switched to microseconds in 2025 (as for klines).
        if (ts >= 1e14) {
          ts = Math.floor(ts / 1000);
          bump(report, "microsecond_rows");
        }
        const tf = kind === "trades" ? "time" : "transact_time";
        // ADR-130: the loader's time rules, per line, so lenient mode rejects the outlier row itself.
        if (ts < DEFAULT_TIME_RANGE.min || ts > DEFAULT_TIME_RANGE.max)
          throw new GrinderError(ErrorCode.TIME_RANGE, `${tf} ${timeText.trim().slice(0, 30)} is outside the plausible epoch-ms range [${DEFAULT_TIME_RANGE.min}, ${DEFAULT_TIME_RANGE.max}]`, { field: tf });
        if (lastTs >= 0 && ts - lastTs > DEFAULT_MAX_GAP_MS)
          throw new GrinderError(ErrorCode.TIME_RANGE, `${tf} ${timeText.trim()} jumps ${ts - lastTs} ms past the previous row (more than the allowed gap of ${DEFAULT_MAX_GAP_MS} ms)`, { field: tf });
        if (ts < lastTs) throw new GrinderError(ErrorCode.TIME_BACKWARDS, `${tf} ${timeText.trim()} is before the previous row's`, { field: tf });
        const idf = kind === "trades" ? "id" : "agg_trade_id";
        if (id <= lastId) throw new GrinderError(ErrorCode.SEQUENCE, id === lastId ? `duplicate ${idf} ${id}` : `${idf} ${id} is before the previous ${lastId}`, { field: idf });
        lastTs = ts;
        lastId = id;
        if (!buyerMaker) buy++;
        report.counts.buy = buy;
        report.counts.sell = report.emitted + 1 - buy;
        if (report.first_ts === undefined) report.first_ts = ts;
        report.last_ts = ts;
        report.emitted++;
        return { ts, symbol, price, qty, aggressor: buyerMaker ? "SELL" : "BUY", id };
      },
    });
  }
  return {
    report,
    symbol,
    get kind() {
      return box.kind;
    },
    [Symbol.asyncIterator]: () => gen(),
  };
}
