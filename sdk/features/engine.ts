import { ErrorCode, GrinderError } from "../contracts/errors";
import type { Features } from "../contracts/features";
import type { InstrumentSpec, OrderBook, Snapshot } from "../contracts/market";
import { FeatureConfigSchema, type FeatureConfig, type FeatureConfigInput } from "./config";
import { WilderAtr } from "./atr";
import { MidBarBuilder, type TimedPrice } from "./bars";
import { Ema } from "./ema";
import type { Bar, KlineBar } from "./indicator";
import { clearL2, computeL2Into, L2Scratch } from "./l2";
import { RangeWindow, TrendStrength, type CloseNatr } from "./rolling";

/** A fresh `Features` object with everything unknown. */
export function emptyFeatures(symbol: string, natrSource: "mid_bars" | "klines" = "mid_bars"): Features {
  return {
    symbol,
    ts: 0,
    mid: 0,
    spread_bps: 0,
    imbalance_l1: 0,
    thin_l1: 0,
    thin_l1_quote: 0,
    spread_bps_baseline: null,
    bars: 0,
    bar_close: null,
    bar_return: null,
    atr: null,
    natr: null,
    natr_source: natrSource,
    sum_abs_returns: null,
    net_return: null,
    range_score: null,
    trend_strength: null,
    depth_topn_usd: null,
    depth_imbalance_topn: null,
    spread_at_depth_bps: null,
    impact_bps: null,
    book_slope: null,
    wall_ratio: null,
    l1_age_ms: 0,
    l2_age_ms: null,
    l1_stale: false,
    l2_stale: false,
    warm: false,
  };
}

/** The `number | null` fields of `Features` (every one starts null in `emptyFeatures`). */
const NULLABLE_NUMBER_FIELDS = [
  "spread_bps_baseline", "bar_close", "bar_return", "atr", "natr", "sum_abs_returns", "net_return", "range_score", "trend_strength",
  "depth_topn_usd", "depth_imbalance_topn", "spread_at_depth_bps", "impact_bps", "book_slope", "wall_ratio", "l2_age_ms",
] as const satisfies ReadonlyArray<keyof Features>;

/**
 * Widen the representation of the nullable number fields of the `Features` shape once, at load.
 * V8 gives a field first seen holding `null` the "heap object" representation. Optimised code
 * writes a whole-number double (a bar close of 1951, a return of 0) as a small integer and
 * deoptimises on that store, while unoptimised code writes a heap number and never widens the
 * field, so the feature engine fell back to the interpreter at every such bar close, run after
 * run. One small-integer store here, through the unoptimised store path, widens the fields of
 * the shared shape for every `Features` object. Values and results are unaffected.
 */
function widenNullableFeatureFields(): void {
  for (const src of ["mid_bars", "klines"] as const) {
    const f = emptyFeatures("", src) as unknown as Record<string, unknown>;
    for (const k of NULLABLE_NUMBER_FIELDS) f[k] = 0;
  }
}
widenNullableFeatureFields();

/** eps of imbalance_l1 (spec 17.5.3); quantities are positive, so it only guards 0/0. */
const IMBALANCE_EPS = 1e-12;

/**
 * Per-symbol streaming feature engine (spec 17.5, 17.4.3). Feed the symbol's snapshots in
 * data-time order; `update` returns true when at least one bar closed (the policy tick) and
 * keeps ONE `features` object up to date in place (copy it if you keep it). No allocation per
 * snapshot: bars, ATR, EMAs and H-bar windows live in preallocated state.
 *
 * - L1 (17.5.3), every snapshot: mid, spread_bps, imbalance_l1, thin_l1, thin_l1_quote.
 * - Spread baseline: EMA over `spread_baseline_bars` bars of each bar's mean spread_bps
 *   (winsorised at `spread_baseline_clip` × baseline), seeded by the first bar; empty bars do
 *   not feed it.
 * - Bars (17.5.1) on mid; ATR/NATR (17.5.2) on those bars, or on klines fed through
 *   `updateKline` when `natr_source = "klines"`.
 * - range/trend (17.5.5) over `horizon_bars`; trend_strength (see `TrendStrength`).
 * - L2 (17.5.4) when a snapshot carries a fresh book: computed at that snapshot and held until
 *   the next book while fresh. Null when no book was ever seen, the book is flagged `stale`, or
 *   its age exceeds `l2_stale_ms`. L1 fallback (spec 17.4.2): consumers use `thin_l1_quote` for
 *   depth and `spread_bps` for the spread when the L2 fields are null (the regime controller's
 *   thin-book rule and the toxicity gate do exactly that).
 * - Staleness (17.4.3), data time: `l1_age_ms` = gap since this symbol's previous snapshot
 *   (at the snapshot that ends the gap) or since the last snapshot (`advanceTime`);
 *   `l2_age_ms` = snapshot ts − book ts (`book.ts`, else the ts of the snapshot that carried it).
 *
 * @example
 * const fe = new FeatureEngine({ symbol: "RANGEUSDT", tick_size: 0.01, lot_size: 0.001, min_notional: 5 }, {});
 * for await (const s of streamFixture("fixtures/range_day_l1")) if (fe.update(s)) console.log(fe.features.natr);
 */
export class FeatureEngine {
  readonly cfg: FeatureConfig;
  readonly features: Features;
  private readonly barBuilder: MidBarBuilder;
  private readonly midAtr: WilderAtr;
  private readonly klineAtr: WilderAtr;
  private readonly range: RangeWindow;
  private readonly trend: TrendStrength;
  private readonly spreadBase: Ema;
  private readonly l2scratch: L2Scratch;
  private readonly tick: TimedPrice = { ts: 0, price: 0 };
  private readonly trendIn: CloseNatr = { close: 0, natr: null };
  private lastTs = -1;
  private lastKlineClose = -1;
  private bookSeen = false;
  private bookTs = 0;
  private bookFlagStale = false;
  private l2Valid = false;
  /** Fresh book not yet evaluated (see syncL2) and the mid at its snapshot. */
  private pendingBook: OrderBook | null = null;
  private pendingMid = 0;
  private spreadSum = 0;
  private spreadN = 0;
  private prevClose = NaN;
  /** Snapshots seen. */
  private _snapshots = 0;

  constructor(
    readonly instrument: InstrumentSpec,
    cfg: FeatureConfigInput | FeatureConfig = {},
  ) {
    const r = FeatureConfigSchema.safeParse(cfg);
    if (!r.success) {
      const i = r.error.issues[0];
      throw new GrinderError(ErrorCode.CONFIG, `features config: ${i.message}`, { field: ["features", ...i.path].join(".") });
    }
    this.cfg = r.data;
    const c = this.cfg;
    this.features = emptyFeatures(instrument.symbol, c.natr_source);
    this.barBuilder = new MidBarBuilder(c.bar_interval_ms, (b) => this.onBar(b));
    this.midAtr = new WilderAtr(c.atr_period);
    this.klineAtr = new WilderAtr(c.atr_period);
    this.range = new RangeWindow(c.horizon_bars, c.range_eps);
    this.trend = new TrendStrength(c.ema_fast_bars, c.ema_slow_bars);
    // Seeded by the first bar so spike detection works from the second bar on.
    this.spreadBase = new Ema(c.spread_baseline_bars, 1);
    this.l2scratch = new L2Scratch(c.l2_top_n);
  }

  get symbol(): string {
    return this.instrument.symbol;
  }
  get snapshots(): number {
    return this._snapshots;
  }
  /** The last closed mid bar (reused object), null before the first. */
  get lastBar(): Readonly<Bar> | null {
    return this.barBuilder.result;
  }
  /** Bars closed by the last `update` / `advanceTime` call (> 1 after an empty stretch). */
  get barsClosedInLastUpdate(): number {
    return this.barBuilder.closedInLastUpdate;
  }
  /** Fast / slow EMA of bar closes (for plots). */
  get emaFast(): number | null {
    return this.trend.emaFast;
  }
  get emaSlow(): number | null {
    return this.trend.emaSlow;
  }

  /** Feed one snapshot of this symbol; true when a bar closed (policy tick). */
  update(s: Snapshot): boolean {
    if (s.symbol !== this.instrument.symbol)
      throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `snapshot of '${s.symbol}' fed to the feature engine of '${this.instrument.symbol}'`, { field: "symbol" });
    const ts = s.ts;
    const f = this.features;
    // f.ts is the later of the previous snapshot and the last advanceTime.
    if (this.lastTs >= 0 && ts < f.ts)
      throw new GrinderError(ErrorCode.TIME_BACKWARDS, `ts ${ts} is before the feature engine's data time ${f.ts}`, { field: "ts" });
    const c = this.cfg;
    this._snapshots++;

    // Staleness first (17.4.3): the gap this snapshot ends.
    // (each input read once and each output written once, from locals)
    const age = this.lastTs < 0 ? 0 : ts - this.lastTs;
    f.l1_age_ms = age;
    f.l1_stale = age > c.l1_stale_ms;
    this.lastTs = ts;
    f.ts = ts;

    // L1 (17.5.3).
    const bid = s.bid_price;
    const ask = s.ask_price;
    const bq = s.bid_qty;
    const aq = s.ask_qty;
    const mid = (bid + ask) / 2;
    f.mid = mid;
    const spread = ((ask - bid) / mid) * 1e4;
    f.spread_bps = spread;
    f.imbalance_l1 = (bq - aq) / (bq + aq + IMBALANCE_EPS);
    const thin = bq < aq ? bq : aq;
    f.thin_l1 = thin;
    f.thin_l1_quote = thin * mid;

    // Bars: closing happens inside (onBar) before this tick joins the new bar.
    const tick = this.tick;
    tick.ts = ts;
    tick.price = mid;
    const bars = this.barBuilder;
    bars.update(tick);
    const closed = bars.closedInLastUpdate > 0;
    this.spreadSum += spread;
    this.spreadN++;

    // L2 (17.5.4).
    const book = s.book;
    if (book !== undefined) {
      this.bookSeen = true;
      this.bookTs = book.ts !== undefined ? book.ts : ts;
      this.bookFlagStale = book.stale === true;
      if (!this.bookFlagStale) {
        // Evaluated lazily (ADR-034): at bar close below, or when a reader calls syncL2().
        this.pendingBook = book;
        this.pendingMid = mid;
        this.l2Valid = true;
      }
    }
    this.refreshL2Age();
    if (closed) this.syncL2();
    return closed;
  }

  /**
   * Bring the L2 fields up to date with the latest fresh book. L2 features (17.5.4) cost a
   * walk of the book, and every consumer reads them at a policy tick, so `update()` evaluates
   * them only when a bar closes; a reader between bar closes (interval policy ticks, the
   * portfolio selector, end-of-run metrics) calls this first. The book object passed to
   * `update()` must not be mutated afterwards. Cheap no-op when nothing is pending.
   */
  syncL2(): void {
    const b = this.pendingBook;
    if (b === null) return;
    this.pendingBook = null;
    if (this.l2Valid) computeL2Into(b, this.pendingMid, this.cfg.l2_top_n, this.cfg.impact_notional_quote, this.features, this.l2scratch);
  }

  /**
   * Advance data time without a snapshot of this symbol (multi-symbol replays): moves
   * `features.ts` to `ts`, ages L1/L2, sets the stale flags, and closes bars whose interval
   * ended (empty ones flat). Returns true when a bar closed. Ignored before the first snapshot
   * and for a `ts` earlier than the features' time.
   */
  advanceTime(ts: number): boolean {
    const f = this.features;
    if (this.lastTs < 0 || ts < f.ts) return false;
    f.ts = ts;
    f.l1_age_ms = ts - this.lastTs;
    f.l1_stale = f.l1_age_ms > this.cfg.l1_stale_ms;
    const n = this.barBuilder.advanceTo(ts);
    this.refreshL2Age();
    if (n > 0) this.syncL2();
    return n > 0;
  }

  /**
   * Feed one external kline (spec 17.5.2, pluggable NATR input). Used for `atr`/`natr` when
   * `natr_source = "klines"` (ignored otherwise). Klines must arrive in time order, after they
   * closed, and with the same interval as the bars for NATR to be comparable.
   */
  updateKline(k: KlineBar): void {
    if (this.cfg.natr_source !== "klines") return;
    if (k.close_time <= this.lastKlineClose)
      throw new GrinderError(ErrorCode.TIME_BACKWARDS, `kline close_time ${k.close_time} is not after the previous ${this.lastKlineClose}`, { field: "close_time" });
    if (!(k.high >= k.low && k.close > 0))
      throw new GrinderError(ErrorCode.BAD_NUMBER, `kline needs high >= low and close > 0`, { field: "high" });
    this.lastKlineClose = k.close_time;
    this.klineAtr.update(k);
    this.features.atr = this.klineAtr.result;
    this.features.natr = this.klineAtr.natr;
  }

  /** Age the L2 fields to the features' data time (`features.ts`, set by the caller). No number argument: a double passed to a call that is not inlined is boxed. */
  private refreshL2Age(): void {
    const f = this.features;
    const ts = f.ts;
    if (!this.bookSeen) {
      f.l2_age_ms = null;
      f.l2_stale = false;
      if (f.depth_topn_usd !== null) clearL2(f);
      return;
    }
    const age = ts - this.bookTs;
    f.l2_age_ms = age > 0 ? age : 0;
    f.l2_stale = this.bookFlagStale || age > this.cfg.l2_stale_ms;
    if (f.l2_stale || !this.l2Valid) {
      clearL2(f);
      this.l2Valid = false;
      this.pendingBook = null;
    }
  }

  /** One closed bar (flat ones included), in time order. */
  private onBar(b: Readonly<Bar>): void {
    const f = this.features;
    const c = this.cfg;
    f.bars++;
    f.bar_close = b.close;
    f.bar_return = Number.isNaN(this.prevClose) ? null : b.close / this.prevClose - 1;
    this.prevClose = b.close;
    if (!b.flat && this.spreadN > 0) {
      const mean = this.spreadSum / this.spreadN;
      const base = this.spreadBase.raw;
      const cap = base === null ? mean : base * c.spread_baseline_clip;
      this.spreadBase.update(mean < cap ? mean : cap);
      f.spread_bps_baseline = this.spreadBase.result;
    }
    this.spreadSum = 0;
    this.spreadN = 0;
    if (c.natr_source === "mid_bars") {
      this.midAtr.update(b);
      f.atr = this.midAtr.result;
      f.natr = this.midAtr.natr;
    }
    const rs = this.range.update(b.close);
    if (rs !== null) {
      f.sum_abs_returns = rs.sum_abs_returns;
      f.net_return = rs.net_return;
      f.range_score = rs.range_score;
    }
    this.trendIn.close = b.close;
    this.trendIn.natr = f.natr;
    f.trend_strength = this.trend.update(this.trendIn);
    f.warm = f.natr !== null && f.range_score !== null && f.trend_strength !== null;
  }

  /** Back to the state right after construction. */
  reset(): void {
    this.barBuilder.reset();
    this.midAtr.reset();
    this.klineAtr.reset();
    this.range.reset();
    this.trend.reset();
    this.spreadBase.reset();
    this.lastTs = -1;
    this.lastKlineClose = -1;
    this.bookSeen = false;
    this.bookTs = 0;
    this.bookFlagStale = false;
    this.l2Valid = false;
    this.pendingBook = null;
    this.spreadSum = 0;
    this.spreadN = 0;
    this.prevClose = NaN;
    this._snapshots = 0;
    Object.assign(this.features, emptyFeatures(this.instrument.symbol, this.cfg.natr_source));
  }
}
