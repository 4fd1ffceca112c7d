import * as path from "node:path";
import { ErrorCode, GrinderError } from "../../contracts/errors";
import type { OrderBook, Snapshot, Trade } from "../../contracts/market";
import { DEFAULT_MAX_GAP_MS, readLines } from "../fixture";
import { DEFAULT_TIME_RANGE } from "../validate";
import { bump, newImportReport, refuse, resetImportReport, StepTracker } from "./common";
import type { InstrumentOverrides, SnapshotImport } from "./bookticker-csv";
import { L2Book } from "./l2book";

/**
 * Binance websocket recording importer: one `<recv_ns> <json>` line per message
 * (`bookTicker`, `depthUpdate`, `trade`, and REST depth snapshots `{lastUpdateId,bids,asks}`).
 *
 * Book rebuild (Binance's documented procedure; ADR "L2 rebuild and staleness", ADR-051):
 * - depth updates that arrive while there is no usable book are buffered (bounded);
 * - the market is detected from the first depth update: USD-M / COIN-M futures updates carry
 *   `pu` (the previous update's final id), spot updates do not; a later update that disagrees
 *   is refused (`E_PARSE`, field `data.pu`);
 * - spot: a REST snapshot loads the book with `lastUpdateId = L`; buffered and later updates
 *   with `u <= L` are dropped; the first applied update must have `U <= L+1 <= u`; every later
 *   one must have `U = previous u + 1`;
 * - futures: updates with `u < L` are dropped; the first applied has `U <= L <= u`; every later
 *   one must have `pu = previous u` (ids are not contiguous on futures);
 * - any other `U` is a **gap**: the book is marked stale (`book.stale = true` on every
 *   snapshot, the last good levels kept for inspection) and stays stale until the next REST
 *   snapshot resynchronises it. Gaps and resyncs are counted in the report, never silent.
 * - a depth update whose ids do not move forward (`u <= previous u`, or `U` inside the
 *   previous update's range) is a broken recording: `E_SEQUENCE` (strict) or a counted skip.
 *
 * Clock (ADR-140, option `clock`). `exchange` (default): `Snapshot.ts`, `book.ts` and `Trade.ts`
 * are exchange times — futures bookTicker, trade and depth `T`; spot trade `T` and depth `E`; a
 * spot bookTicker has no time of its own and takes the `E` of the depth update whose id range
 * contains its update id (an upper bound: at most one 100 ms batch late); a REST snapshot its
 * `T`/`E`, else the time of the update containing `lastUpdateId`. The three streams are merged
 * by that time through a reorder window (`reorderWindowMs`, default 2 s of exchange time; the
 * receiver sees them up to ~0.2 s apart): at equal time prints first, then quotes and book
 * states by update id. On the reference captures this makes prints agree with the quotes
 * (a SELL print above the prevailing bid or a BUY print below the ask: USD-M 3,203 of 21,313
 * under the receive clock, 61 under the exchange clock; spot 7,428 of 14,515 vs 491). A
 * message that arrives later than the window is `E_TIME_BACKWARDS` on its line; a stream whose
 * own time goes backwards keeps its last time (counted, `exchange_time_clamped`).
 * `receive`: every time is the receive time (ns → ms, floor) and the merge is the file's line
 * order (the behaviour before ADR-140); `book.ts` is the receive time of the last applied depth
 * update (or of the REST snapshot that resynchronised the book).
 *
 * One Snapshot per bookTicker message: L1 from the bookTicker, `last_price` from the latest
 * print merged before it, `book` = top `depth` levels of the rebuilt book as of the merged time
 * (absent until the first REST snapshot). L1/L2 agreement (ADR-141): a current book that
 * crosses its own row's quote (book best bid >= ask, or best ask <= bid: the depth stream is
 * coarser than the bookTicker stream) is written `stale`, counted as `l1_crossed_books`
 * (separate from `stale_snapshots`, which counts books stale after a sequence gap).
 *
 * Trades (`@trade`, ADR-050): `Trade {ts (on the clock above), price p, qty q, id t, aggressor}` with
 * `m` true (buyer is the maker) → aggressor SELL, false → BUY; handed to `onTrade` in merged
 * order. Futures prints whose `X` is not `MARKET` (insurance fund, ADL) are counted
 * (`trade_non_market`) and not emitted.
 *
 * Several files of one recording (`importBinanceWs([day1, day2])`) are read as one stream:
 * the book, the update-id chain and the receive clock continue across the file boundary
 * (a continuation file needs no REST snapshot of its own); errors name the file and its line.
 *
 * L1/L2 cross-check: after each applied depth update with final id `u`, the rebuilt best
 * levels are compared with the latest bookTicker whose update id is `<= u` across the whole
 * recording (the comparison waits until a bookTicker with a larger id, or the end, is seen).
 */
export interface BinanceWsOptions {
  /** Expected symbol; default: the first `s` seen. Messages of another symbol are `E_UNKNOWN_SYMBOL`. */
  symbol?: string;
  /** Levels per side attached to each Snapshot (default 20). */
  depth?: number;
  /** Skip and count bad lines instead of throwing on the first one. */
  lenient?: boolean;
  /** Given instrument rules; missing tick/lot are inferred from the bookTicker prices/quantities. */
  instrument?: InstrumentOverrides;
  /** Most depth updates kept while waiting for a snapshot (default 10 000; overflow drops the oldest, counted). */
  maxBuffer?: number;
  /** Called after each applied depth update with the rebuilt book (tests, diagnostics). */
  onDepthApplied?: (u: number, book: L2Book, line: number) => void;
  /** Called with every trade, in stream order, before the next snapshot is yielded. */
  onTrade?: (t: Trade) => void;
  /**
   * Clock of `Snapshot.ts`, `book.ts` and `Trade.ts`, and the order in which the three streams
   * are merged (ADR-140). `exchange` (default): futures messages carry their transaction time
   * `T`; spot trades carry `T`, spot depth updates `E`, and a spot bookTicker (no time of its own)
   * takes the `E` of the depth update that contains its update id (the upper bound of its time).
   * Messages are merged by that time through a reorder window; at equal time prints come first,
   * then quotes, then book states. `receive`: the receiver's clock and the file's line order (the
   * behaviour before ADR-140).
   */
  clock?: WsClock;
  /**
   * Write a current book that crosses its own row's quote (book best bid >= ask, or best ask <=
   * bid) as stale, counted as `l1_crossed_books` (default true, ADR-141). `false` is for
   * diagnostics of the rebuild only: the fixture loader refuses such rows.
   */
  markL1Crossed?: boolean;
  /** Exchange clock: how far (ms of exchange time) a message may arrive behind later ones (default 2000). */
  reorderWindowMs?: number;
}

/** Clock of a binance-ws import (ADR-140). */
export type WsClock = "exchange" | "receive";
export const WS_CLOCKS: readonly WsClock[] = ["exchange", "receive"];

/** Market of a recording, detected from its depth updates (ADR-051). */
export type WsMarket = "spot" | "futures";

interface DepthUpdate {
  U: number;
  u: number;
  /** Futures only: the previous update's final id. */
  pu: number;
  b: Array<[number, number]>;
  a: Array<[number, number]>;
  recvMs: number;
  /** Exchange time (`T`, else `E`) under the exchange clock; NaN under the receive clock. */
  ex: number;
  line: number;
}

const K_TRADE = 0;
const K_QUOTE = 1;
const K_BOOK = 2;
/** One message in the merge (ADR-140): `ex` is its time on the import's clock (NaN until an id-mapped time is known). */
type Item = { ex: number; seq: number; id: number; recv: number } & ({ k: typeof K_TRADE; trade: Trade } | { k: typeof K_QUOTE; snap: Snapshot } | { k: typeof K_BOOK; book: OrderBook });

/** A message's exchange time: `T` (transaction time) when present, else `E` (event time); undefined without either. */
function exTime(o: Record<string, unknown>, prefix: string): number | undefined {
  const key = o.T !== undefined ? "T" : o.E !== undefined ? "E" : undefined;
  if (key === undefined) return undefined;
  const v = int(o[key], prefix + key);
  if (v > DEFAULT_TIME_RANGE.max) fail(ErrorCode.TIME_RANGE, `exchange time ${v} ms is after the plausible epoch-ms range [${DEFAULT_TIME_RANGE.min}, ${DEFAULT_TIME_RANGE.max}]`, prefix + key);
  return v;
}

function fail(code: ErrorCode, detail: string, field: string): never {
  throw new GrinderError(code, detail, { field });
}

function int(v: unknown, field: string): number {
  if (v === undefined) fail(ErrorCode.MISSING_FIELD, "required field is missing", field);
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) fail(ErrorCode.BAD_NUMBER, `expected a non-negative integer, got ${JSON.stringify(v)}`, field);
  return v;
}

function decimal(v: unknown, field: string, allowZero: boolean): number {
  if (v === undefined) fail(ErrorCode.MISSING_FIELD, "required field is missing", field);
  if (typeof v !== "string") fail(ErrorCode.BAD_TYPE, `expected a decimal string, got ${typeof v}`, field);
  const x = v.length ? Number(v) : NaN;
  if (!Number.isFinite(x) || x < 0 || (!allowZero && x === 0)) fail(ErrorCode.BAD_NUMBER, `expected a ${allowZero ? "non-negative" : "positive"} decimal, got '${v.slice(0, 40)}'`, field);
  return x;
}

function levels(v: unknown, field: string): Array<[number, number]> {
  if (v === undefined) fail(ErrorCode.MISSING_FIELD, "required field is missing", field);
  if (!Array.isArray(v)) fail(ErrorCode.BAD_TYPE, "expected an array of [price, qty]", field);
  const out: Array<[number, number]> = new Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const l = v[i];
    if (!Array.isArray(l) || l.length < 2) fail(ErrorCode.BAD_TYPE, "expected [price, qty]", `${field}[${i}]`);
    const p = decimal(l[0], `${field}[${i}][0]`, false);
    out[i] = [p, decimal(l[1], `${field}[${i}][1]`, true)];
  }
  return out;
}

/** Exact decimal mantissa of a plain decimal string ("2683.80000000" → 268380000000, 8). */
function mantissa(s: string): [number, number] | undefined {
  const dot = s.indexOf(".");
  const digits = dot < 0 ? s : s.slice(0, dot) + s.slice(dot + 1);
  if (digits.length > 15 || !/^\d+$/.test(digits)) return undefined;
  return [Number(digits), dot < 0 ? 0 : s.length - dot - 1];
}

/** Receive time `ns` (decimal string) → integer ms (floor). */
function recvMs(ns: string): number {
  if (!/^\d{7,}$/.test(ns)) fail(ErrorCode.BAD_NUMBER, `expected a receive time in integer ns, got '${ns.slice(0, 30)}'`, "recv_ns");
  return Number(ns.slice(0, ns.length - 6));
}

type State = "unsynced" | "await_first" | "live";

/**
 * Stream a Binance websocket recording as Snapshots with a rebuilt L2 book (see module doc).
 *
 * @example
 * const imp = importBinanceWs("../shared/data/binance-spot/ethusdt-2024-08-08-stream.txt");
 * let stale = 0;
 * for await (const s of imp) if (s.book?.stale) stale++;
 * imp.report.counts.gaps;
 */
export function importBinanceWs(input: string | readonly string[], opts: BinanceWsOptions = {}): SnapshotImport & { readonly market: WsMarket | undefined; readonly clock: WsClock } {
  const files = typeof input === "string" ? [input] : [...input];
  if (files.length === 0) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "no recording file given", { field: "files" });
  const report = newImportReport("binance-ws", files[0]);
  report.source = files.map((f) => path.basename(f)).join(" + ");
  const depth = opts.depth ?? 20;
  if (!(Number.isInteger(depth) && depth > 0)) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `depth must be a positive integer, got ${depth}`, { field: "depth" });
  const maxBuffer = opts.maxBuffer ?? 10_000;
  const clock: WsClock = opts.clock ?? "exchange";
  if (!WS_CLOCKS.includes(clock)) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `clock must be one of ${WS_CLOCKS.join(", ")}, got '${String(clock).slice(0, 40)}'`, { field: "clock" });
  const exchange = clock === "exchange";
  const windowMs = opts.reorderWindowMs ?? 2000;
  const markL1 = opts.markL1Crossed ?? true;
  if (!(Number.isInteger(windowMs) && windowMs >= 0)) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `reorderWindowMs must be a non-negative integer, got ${windowMs}`, { field: "reorderWindowMs" });
  const box: { symbol: string; market: WsMarket | undefined } = { symbol: opts.symbol ?? "", market: undefined };
  const initCounts = (): void => {
    for (const k of ["gaps", "resyncs", "rest_snapshots", "book_ticker", "depth_update", "trade", "depth_applied", "depth_dropped_old", "depth_buffered", "stale_snapshots", "snapshots_without_book", "l2_check_matched", "l2_check_mismatched", "l2_check_no_reference", "l2_crossed", "l1_crossed_books", "futures", "files"])
      report.counts[k] = 0;
  };
  initCounts();

  async function* gen(): AsyncGenerator<Snapshot> {
    resetImportReport(report);
    report.source = files.map((f) => path.basename(f)).join(" + ");
    initCounts();
    box.market = undefined;
    const book = new L2Book();
    const priceStep = new StepTracker();
    const qtyStep = new StepTracker();
    let state: State = "unsynced";
    let everSynced = false;
    let lastU = -1; // last applied u (or L after a snapshot)
    let lastSeenU = -1; // largest u of any depth update seen (ordering check)
    let lastBtU = -1;
    let lastTs = -1;
    let bookTs = 0;
    let buffer: DepthUpdate[] = [];
    // Ring of recent bookTickers for the L1/L2 cross-check (sorted by u: bookTicker ids increase).
    const RING = 8192;
    const rU = new Float64Array(RING);
    const rB = new Float64Array(RING);
    const rBQ = new Float64Array(RING);
    const rA = new Float64Array(RING);
    const rAQ = new Float64Array(RING);
    let rN = 0; // total pushed
    // Depth updates waiting for their reference bookTicker: [u, bid, bidQty, ask, askQty] each.
    let pending: number[] = [];
    let pendingAt = 0;

    // ---- Merge of the three streams by one clock (ADR-140) ----
    // Ring of recent depth messages (final id u, exchange time) mapping a spot bookTicker's or a
    // REST snapshot's update id to the time of the depth update that contains it.
    const dU = new Float64Array(RING);
    const dE = new Float64Array(RING);
    let dN = 0;
    const idTime = (id: number): number => {
      let lo = Math.max(0, dN - RING);
      let hi = dN - 1;
      let best = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (dU[mid % RING] >= id) {
          best = mid;
          hi = mid - 1;
        } else lo = mid + 1;
      }
      return best < 0 ? NaN : dE[best % RING];
    };
    const heap: Item[] = [];
    // Exchange clock, at equal time: prints first (a print is the cause of the quote change that
    // shows it), then quotes and book states by update id (a book state with final id u is
    // shown after the quotes with ids < u and before those with ids > u), a quote before the book
    // state of the same id. Receive clock: the file's line order.
    const tieRank = (x: Item): number => (x.k === K_TRADE ? 0 : 1);
    const less = exchange
      ? (a: Item, b: Item): boolean => {
          if (a.ex !== b.ex) return a.ex < b.ex;
          const ra = tieRank(a);
          const rb = tieRank(b);
          if (ra !== rb) return ra < rb;
          if (a.id !== b.id) return a.id < b.id;
          return a.k !== b.k ? a.k < b.k : a.seq < b.seq;
        }
      : (a: Item, b: Item): boolean => a.seq < b.seq;
    const heapPush = (it: Item): void => {
      heap.push(it);
      let i = heap.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!less(heap[i], heap[p])) break;
        [heap[i], heap[p]] = [heap[p], heap[i]];
        i = p;
      }
    };
    const heapPop = (): Item => {
      const top = heap[0];
      const last = heap.pop()!;
      if (heap.length) {
        heap[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < heap.length && less(heap[l], heap[m])) m = l;
          if (r < heap.length && less(heap[r], heap[m])) m = r;
          if (m === i) break;
          [heap[i], heap[m]] = [heap[m], heap[i]];
          i = m;
        }
      }
      return top;
    };
    let seq = 0;
    let watermark = -Infinity; // largest exchange time handed to the heap
    let lastEmitted = -Infinity; // time of the last item taken out of the heap
    const lastKindEx = [-Infinity, -Infinity, -Infinity];
    // Items of one kind enter the heap in creation order; an unresolved one (id-mapped time) holds back the rest of its kind.
    const waiting: [Item[], Item[], Item[]] = [[], [], []];
    const toHeap = (it: Item): void => {
      if (it.ex < lastKindEx[it.k]) {
        // A stream's own times never go backwards in the merged output (counted).
        it.ex = lastKindEx[it.k];
        bump(report, "exchange_time_clamped");
      }
      if (it.ex < lastEmitted) {
        // A book state cannot be dropped: it is shown from the merge's current time on (counted).
        // Prints and quotes behind the merged time are refused by `admit` before they get here.
        it.ex = lastEmitted;
        bump(report, "book_time_late");
      }
      if (it.k === K_BOOK && Number.isNaN(it.book.ts!)) it.book.ts = it.ex;
      lastKindEx[it.k] = it.ex;
      if (it.ex > watermark) watermark = it.ex;
      heapPush(it);
    };
    const flushWaiting = (k: number): void => {
      const q = waiting[k];
      let i = 0;
      while (i < q.length && !Number.isNaN(q[i].ex)) toHeap(q[i++]);
      if (i) q.splice(0, i);
    };
    /** Hand an item to the merge (a print or quote behind the merged time is this line's error). */
    const admit = (it: Item, field: string): void => {
      if (exchange && it.k !== K_BOOK && !Number.isNaN(it.ex) && it.ex < lastEmitted)
        fail(ErrorCode.TIME_BACKWARDS, `exchange time ${it.ex} ms arrives after the merge reached ${lastEmitted} ms (more than the reorder window of ${windowMs} ms late)`, field);
      it.seq = seq++;
      const q = waiting[it.k];
      if (q.length || Number.isNaN(it.ex)) q.push(it);
      else toHeap(it);
    };
    /** A depth message (final id u, time ex) resolves every waiting id-mapped item with id <= u. */
    const resolveIds = (u: number, ex: number): void => {
      dU[dN % RING] = u;
      dE[dN % RING] = ex;
      dN++;
      for (let k = 0; k < 3; k++) {
        const q = waiting[k];
        for (const it of q) {
          if (!Number.isNaN(it.ex)) continue;
          if (it.id <= u) it.ex = ex;
          else break;
        }
        flushWaiting(k);
      }
    };
    /** Items whose id no depth message has covered within the window take the merge's time (counted). */
    const forceResolve = (all: boolean, recvNow: number): void => {
      for (let k = 0; k < 3; k++) {
        const q = waiting[k];
        for (const it of q) {
          if (!Number.isNaN(it.ex)) continue;
          if (!all && recvNow - it.recv <= windowMs) break;
          it.ex = Math.max(lastEmitted, lastKindEx[k], watermark - windowMs, 0);
          bump(report, "exchange_time_unmapped");
        }
        flushWaiting(k);
      }
    };

    const bookItem = (ex: number, ts: number): void => {
      const b: OrderBook = { bids: book.bids.top(depth), asks: book.asks.top(depth), ts };
      if (state === "unsynced") b.stale = true;
      admit({ k: K_BOOK, ex, seq: 0, id: lastU, recv: curRecv, book: b }, "data.E");
    };

    const goStale = (ex: number): void => {
      state = "unsynced";
      report.counts.gaps++;
      bookItem(ex, bookTs);
    };

    const crossCheck = (u: number, bp: number, bq: number, ap: number, aq: number): void => {
      // Latest bookTicker with id <= u: both describe the book state after update u.
      const lo0 = Math.max(0, rN - RING);
      let lo = lo0;
      let hi = rN - 1;
      let best = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (rU[mid % RING] <= u) {
          best = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      if (best < 0 || Number.isNaN(bp) || Number.isNaN(ap)) {
        report.counts.l2_check_no_reference++;
        return;
      }
      const j = best % RING;
      const ok = bp === rB[j] && bq === rBQ[j] && ap === rA[j] && aq === rAQ[j];
      if (ok) report.counts.l2_check_matched++;
      else report.counts.l2_check_mismatched++;
    };
    /** Compare every pending update with `u < beforeId` (all of them when undefined). */
    const settleChecks = (beforeId?: number): void => {
      while (pendingAt < pending.length && (beforeId === undefined || pending[pendingAt] < beforeId)) {
        crossCheck(pending[pendingAt], pending[pendingAt + 1], pending[pendingAt + 2], pending[pendingAt + 3], pending[pendingAt + 4]);
        pendingAt += 5;
      }
      if (pendingAt === pending.length) {
        pending = [];
        pendingAt = 0;
      }
    };

    const apply = (d: DepthUpdate): void => {
      for (const [p, q] of d.b) book.bids.set(p, q);
      for (const [p, q] of d.a) book.asks.set(p, q);
      lastU = d.u;
      bookTs = exchange ? d.ex : d.recvMs;
      report.counts.depth_applied++;
      // A crossed rebuilt book means a corrupt stream even without an id gap: counted, not hidden.
      if (book.bids.size && book.asks.size && book.bids.prices[0] >= book.asks.prices[0]) report.counts.l2_crossed++;
      const two = book.bids.size > 0 && book.asks.size > 0;
      pending.push(d.u, two ? book.bids.prices[0] : NaN, two ? book.bids.qtys[0] : NaN, two ? book.asks.prices[0] : NaN, two ? book.asks.qtys[0] : NaN);
      bookItem(exchange ? d.ex : curRecv, bookTs);
      if (opts.onDepthApplied) opts.onDepthApplied(d.u, book, d.line);
    };

    const onDepth = (d: DepthUpdate): void => {
      if (state === "unsynced") {
        buffer.push(d);
        report.counts.depth_buffered++;
        if (buffer.length > maxBuffer) {
          buffer.shift();
          bump(report, "depth_buffer_overflow");
        }
        return;
      }
      const futures = box.market === "futures";
      if (state === "await_first") {
        // lastU = L here. Spot: drop u <= L, first has U <= L+1 <= u. Futures: drop u < L, first has U <= L <= u.
        if (futures ? d.u < lastU : d.u <= lastU) {
          report.counts.depth_dropped_old++;
          return;
        }
        if (futures ? d.U <= lastU : d.U <= lastU + 1) {
          state = "live";
          apply(d);
          return;
        }
      } else if (futures ? d.pu === lastU : d.U === lastU + 1) {
        apply(d);
        return;
      }
      goStale(exchange ? d.ex : curRecv);
      onDepth(d);
    };

    const onRest = (L: number, bids: Array<[number, number]>, asks: Array<[number, number]>, ms: number, ex: number): void => {
      if (state === "live" && L <= lastU) {
        // Older than the live book: reloading it would rewind the book behind updates already applied.
        bump(report, "rest_snapshots_older_ignored");
        return;
      }
      book.clear();
      for (const [p, q] of bids) if (q > 0) book.bids.set(p, q);
      for (const [p, q] of asks) if (q > 0) book.asks.set(p, q);
      if (everSynced && state === "unsynced") report.counts.resyncs++;
      everSynced = true;
      state = "await_first";
      lastU = L;
      // Exchange clock: a REST snapshot without a time of its own takes its lastUpdateId's time (NaN until known).
      bookTs = exchange ? ex : ms;
      bookItem(exchange ? ex : curRecv, bookTs);
      const pending = buffer;
      buffer = [];
      for (const d of pending) onDepth(d);
    };

    // ---- Emission, in merged order ----
    let lastPrice: number | undefined;
    let current: OrderBook | undefined;
    let crossedSrc: OrderBook | undefined;
    let crossedCopy: OrderBook | undefined;
    function* drain(all: boolean): Generator<Snapshot> {
      const limit = all || !exchange ? Infinity : watermark - windowMs;
      while (heap.length && heap[0].ex <= limit) {
        const it = heapPop();
        lastEmitted = it.ex;
        if (it.k === K_TRADE) {
          it.trade.ts = it.ex;
          lastPrice = it.trade.price;
          if (opts.onTrade) opts.onTrade(it.trade);
        } else if (it.k === K_BOOK) {
          current = it.book;
        } else {
          const snap = it.snap;
          snap.ts = it.ex;
          if (lastPrice !== undefined) snap.last_price = lastPrice;
          let b = current;
          if (b) {
            // L1/L2 agreement (ADR-141): a current book crossing its own row's quote is not current.
            if (markL1 && !b.stale && ((b.bids.length > 0 && b.bids[0].price >= snap.ask_price) || (b.asks.length > 0 && b.asks[0].price <= snap.bid_price))) {
              if (crossedSrc !== b) {
                crossedSrc = b;
                crossedCopy = { ...b, stale: true };
              }
              b = crossedCopy!;
              report.counts.l1_crossed_books++;
            } else if (b.stale) report.counts.stale_snapshots++;
            snap.book = b;
          } else report.counts.snapshots_without_book++;
          if (report.first_ts === undefined) report.first_ts = snap.ts;
          report.last_ts = snap.ts;
          report.emitted++;
          yield snap;
        }
      }
    }

    let curRecv = 0;
    let totalLines = 0;
    for (const file of files) {
      report.counts.files++;
      let lineNo = 0;
      for await (const raw of readLines(file)) {
        lineNo++;
        totalLines++;
        report.lines = totalLines;
        if (raw.length === 0) {
          bump(report, "blank_lines");
          continue;
        }
        try {
          const sp = raw.indexOf(" ");
          if (sp < 0) fail(ErrorCode.PARSE, "truncated line: expected '<recv_ns> <json>'", "recv_ns");
          const ms = recvMs(raw.slice(0, sp));
          let msg: Record<string, unknown>;
          try {
            msg = JSON.parse(raw.slice(sp + 1));
          } catch (e) {
            throw new GrinderError(ErrorCode.PARSE, `invalid JSON: ${(e as Error).message}`, { field: "json" });
          }
          if (msg === null || typeof msg !== "object") fail(ErrorCode.PARSE, "message is not a JSON object", "json");
          // ADR-130: a receive time with extra digits (or a far jump) is this line's error, not the
          // next line's. Only the upper bound here (synthetic recordings start near 0); the fixture
          // writer applies the whole range.
          if (ms > DEFAULT_TIME_RANGE.max)
            fail(ErrorCode.TIME_RANGE, `receive time ${ms} ms is after the plausible epoch-ms range [${DEFAULT_TIME_RANGE.min}, ${DEFAULT_TIME_RANGE.max}]`, "recv_ns");
          if (lastTs >= 0 && ms - lastTs > DEFAULT_MAX_GAP_MS)
            fail(ErrorCode.TIME_RANGE, `receive time ${ms} ms jumps ${ms - lastTs} ms past the previous line (more than the allowed gap of ${DEFAULT_MAX_GAP_MS} ms)`, "recv_ns");
          if (ms < lastTs) fail(ErrorCode.TIME_BACKWARDS, `receive time ${ms} ms is before the previous line's ${lastTs}`, "recv_ns");
          lastTs = ms;
          curRecv = ms;
          if ("lastUpdateId" in msg) {
            const L = int(msg.lastUpdateId, "lastUpdateId");
            const bids = levels(msg.bids, "bids");
            const asks = levels(msg.asks, "asks");
            for (let i = 1; i < bids.length; i++) if (!(bids[i][0] < bids[i - 1][0])) fail(ErrorCode.BOOK_ORDER, "bids must strictly descend", `bids[${i}][0]`);
            for (let i = 1; i < asks.length; i++) if (!(asks[i][0] > asks[i - 1][0])) fail(ErrorCode.BOOK_ORDER, "asks must strictly ascend", `asks[${i}][0]`);
            const ex = exchange ? exTime(msg, "") ?? idTime(L) : NaN;
            report.counts.rest_snapshots++;
            onRest(L, bids, asks, ms, ex);
          } else {
            const stream = msg.stream;
            const data = msg.data as Record<string, unknown> | undefined;
            if (typeof stream !== "string") fail(ErrorCode.MISSING_FIELD, "neither a REST snapshot nor a combined-stream message", "stream");
            if (data === null || typeof data !== "object") fail(ErrorCode.MISSING_FIELD, "required field is missing", "data");
            const s = data.s;
            if (typeof s !== "string" || !s) fail(ErrorCode.MISSING_FIELD, "required field is missing", "data.s");
            if (!box.symbol) box.symbol = s;
            else if (s !== box.symbol) fail(ErrorCode.UNKNOWN_SYMBOL, `symbol '${s}' in a recording of '${box.symbol}'`, "data.s");
            if (stream.endsWith("@bookTicker")) {
              const u = int(data.u, "data.u");
              const bp = decimal(data.b, "data.b", false);
              const bq = decimal(data.B, "data.B", false);
              const ap = decimal(data.a, "data.a", false);
              const aq = decimal(data.A, "data.A", false);
              if (bp >= ap) fail(ErrorCode.CROSSED_BOOK, `crossed quote: bid ${bp} >= ask ${ap}`, "data.b");
              if (u <= lastBtU) fail(ErrorCode.SEQUENCE, u === lastBtU ? `duplicate bookTicker update id ${u}` : `bookTicker update id ${u} is before the previous ${lastBtU}`, "data.u");
              // Exchange clock: futures `T`; spot (no time) the depth update containing id u.
              const ex = exchange ? exTime(data, "data.") ?? idTime(u) : ms;
              admit({ k: K_QUOTE, ex, seq: 0, id: u, recv: ms, snap: { ts: ms, symbol: s, bid_price: bp, bid_qty: bq, ask_price: ap, ask_qty: aq } }, "data.T");
              lastBtU = u;
              settleChecks(u);
              report.counts.book_ticker++;
              for (const [v, t] of [[data.b, priceStep], [data.a, priceStep], [data.B, qtyStep], [data.A, qtyStep]] as const) {
                const m = mantissa(v as string);
                if (m) t.add(m[0], m[1]);
              }
              const j = rN % RING;
              rU[j] = u;
              rB[j] = bp;
              rBQ[j] = bq;
              rA[j] = ap;
              rAQ[j] = aq;
              rN++;
            } else if (data.e === "depthUpdate") {
              const U = int(data.U, "data.U");
              const u = int(data.u, "data.u");
              if (U > u) fail(ErrorCode.SEQUENCE, `first update id U=${U} is after final id u=${u}`, "data.U");
              if (u <= lastSeenU) fail(ErrorCode.SEQUENCE, u === lastSeenU ? `duplicate depth update u=${u}` : `depth update u=${u} is before the previous u=${lastSeenU}`, "data.u");
              if (U <= lastSeenU) fail(ErrorCode.SEQUENCE, `depth update U=${U} overlaps the previous update (u=${lastSeenU})`, "data.U");
              const hasPu = data.pu !== undefined;
              if (box.market === undefined) {
                box.market = hasPu ? "futures" : "spot";
                report.counts.futures = hasPu ? 1 : 0;
              } else if (hasPu !== (box.market === "futures"))
                fail(ErrorCode.PARSE, hasPu ? "a futures depth update (with pu) in a spot recording" : "a spot depth update (no pu) in a futures recording", "data.pu");
              const pu = hasPu ? int(data.pu, "data.pu") : -1;
              let ex = NaN;
              if (exchange) {
                const t = exTime(data, "data.");
                if (t === undefined) fail(ErrorCode.MISSING_FIELD, "required field is missing (the exchange clock needs the depth update's T or E; or import with --clock receive)", "data.E");
                ex = t;
              }
              const d: DepthUpdate = { U, u, pu, b: levels(data.b, "data.b"), a: levels(data.a, "data.a"), recvMs: ms, ex, line: lineNo };
              lastSeenU = u;
              report.counts.depth_update++;
              onDepth(d);
              if (exchange) resolveIds(u, ex);
            } else if (data.e === "trade") {
              const price = decimal(data.p, "data.p", false);
              const qty = decimal(data.q, "data.q", false);
              const id = int(data.t, "data.t");
              if (typeof data.m !== "boolean") fail(data.m === undefined ? ErrorCode.MISSING_FIELD : ErrorCode.BAD_TYPE, data.m === undefined ? "required field is missing" : "expected boolean", "data.m");
              let ex = ms;
              if (exchange) {
                const t = exTime(data, "data.");
                if (t === undefined) fail(ErrorCode.MISSING_FIELD, "required field is missing (the exchange clock needs the trade's T or E; or import with --clock receive)", "data.T");
                ex = t;
              }
              if (data.X !== undefined && data.X !== "MARKET") {
                bump(report, "trade_non_market");
              } else {
                admit({ k: K_TRADE, ex, seq: 0, id: 0, recv: ms, trade: { ts: ex, symbol: s, price, qty, aggressor: data.m ? "SELL" : "BUY", id } }, "data.T");
                report.counts.trade++;
              }
            } else {
              fail(ErrorCode.PARSE, `unsupported stream '${stream.slice(0, 60)}'`, "stream");
            }
          }
          if (exchange) forceResolve(false, ms);
        } catch (e) {
          refuse(e, report, file, lineNo, !!opts.lenient);
        }
        yield* drain(false);
      }
    }
    settleChecks();
    forceResolve(true, curRecv);
    yield* drain(true);
    if (buffer.length) bump(report, "depth_unapplied_at_end", buffer.length);
    if (state === "unsynced" && everSynced) bump(report, "stale_at_end");
    const tick = opts.instrument?.tick_size ?? priceStep.step();
    const lot = opts.instrument?.lot_size ?? qtyStep.step();
    if (box.symbol && tick !== undefined && lot !== undefined) {
      report.instrument = { symbol: box.symbol, tick_size: tick, lot_size: lot, min_notional: opts.instrument?.min_notional ?? 0 };
      report.instrument_inferred = opts.instrument?.tick_size === undefined || opts.instrument?.lot_size === undefined;
    }
  }
  return {
    report,
    get symbol() {
      return box.symbol;
    },
    get market() {
      return box.market;
    },
    clock,
    [Symbol.asyncIterator]: () => gen(),
  };
}

/** Default symbol guess for a recording file name (`ethusdt-2024-...` → `ETHUSDT`). */
export function symbolFromRecordingName(file: string): string | undefined {
  const m = /^([a-z0-9]+)-/i.exec(path.basename(file));
  return m ? m[1].toUpperCase() : undefined;
}
