import { ErrorCode, GrinderError } from "../contracts/errors";
import type { Bar, Indicator } from "./indicator";

/** Default bound of the flat bars emitted for one gap: 7 days of 1-minute bars (ADR-080). */
export const MAX_FLAT_BARS = 10_080;

/** A priced tick in data time. */
export interface TimedPrice {
  ts: number;
  price: number;
}

/**
 * Mid-price OHLC bar builder (spec 17.5.1). Bars are aligned on multiples of `intervalMs`
 * (`open_time = floor(ts / interval) · interval`), so the same data gives the same bars
 * whatever the first timestamp. A bar closes when the first tick of a later interval arrives
 * (or `advanceTo` is called past its end); a tick exactly on a boundary opens the new bar.
 *
 * Empty intervals (ADR "empty-bar rule"): every interval with no tick between two bars is
 * emitted as a FLAT bar at the previous close (`open = high = low = close = previous close`,
 * `ticks = 0`, `flat = true`) and counted like any bar. Time-based features (ATR, EMAs,
 * horizons in bars) then keep their meaning in wall-of-data time, and a silent market reads
 * as zero range rather than being skipped.
 *
 * Each closed bar is passed to `onBar` (same object, reused) in time order; `result` is the
 * last closed bar. `update` returns it (null until the first bar closes).
 */
export class MidBarBuilder implements Indicator<TimedPrice, Bar> {
  /** Two ticks in different intervals close the first bar. */
  readonly requiredInputs = 2;
  private _count = 0;
  private _closed = 0;
  private _closedInLast = 0;
  private readonly _bar: Bar = { open_time: 0, close_time: 0, open: 0, high: 0, low: 0, close: 0, ticks: 0, flat: false };
  // The open (current) interval.
  private curOpen = -1;
  private curTicks = 0;
  private o = 0;
  private h = 0;
  private l = 0;
  private c = 0;
  private lastTs = -Infinity;

  /** Empty intervals skipped (not emitted) after long gaps, see `maxFlatBars`. */
  private _skipped = 0;

  /**
   * `maxFlatBars` bounds the empty bars emitted for one gap (default `MAX_FLAT_BARS`, a week of
   * one-minute bars): a longer silence emits that many flat bars and then jumps to the next
   * tick's interval, counting the rest in `skippedBars`, so a corrupt far-future `ts` costs
   * O(maxFlatBars), not one bar per minute up to it (ADR-080).
   */
  constructor(
    readonly intervalMs: number,
    private readonly onBar?: (bar: Readonly<Bar>) => void,
    readonly maxFlatBars: number = MAX_FLAT_BARS,
  ) {
    if (!(Number.isInteger(intervalMs) && intervalMs > 0))
      throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `bar interval must be a positive integer of ms, got ${intervalMs}`, { field: "bar_interval_ms" });
  }

  get count(): number {
    return this._count;
  }
  /** Bars closed so far (flat ones included). */
  get closedBars(): number {
    return this._closed;
  }
  /** Empty intervals not emitted because a gap exceeded `maxFlatBars`. */
  get skippedBars(): number {
    return this._skipped;
  }
  /** Bars closed by the last `update` / `advanceTo` call. */
  get closedInLastUpdate(): number {
    return this._closedInLast;
  }
  get isStable(): boolean {
    return this._closed > 0;
  }
  get result(): Bar | null {
    return this._closed > 0 ? this._bar : null;
  }
  /** Open time of the interval currently being built (−1 before the first tick). */
  get currentOpenTime(): number {
    return this.curOpen;
  }

  update(x: TimedPrice): Bar | null {
    const ts = x.ts;
    if (ts < this.lastTs)
      throw new GrinderError(ErrorCode.TIME_BACKWARDS, `tick ts ${ts} is before the previous ${this.lastTs}`, { field: "ts" });
    this._count++;
    this._closedInLast = 0;
    this.lastTs = ts;
    // Same interval as the previous tick (the common case): no `%`, a floating-point remainder
    // of an epoch-ms double costs a library call. Both are ≥ 0 there, so open = curOpen exactly.
    if (this.curOpen < 0 || ts >= this.curOpen + this.intervalMs) {
      const open = ts - (ts % this.intervalMs);
      if (this.curOpen < 0) {
        this.curOpen = open;
      } else if (open > this.curOpen) {
        this.closeThrough(open);
      }
    }
    const p = x.price;
    if (this.curTicks === 0) {
      this.o = this.h = this.l = this.c = p;
    } else {
      if (p > this.h) this.h = p;
      if (p < this.l) this.l = p;
      this.c = p;
    }
    this.curTicks++;
    return this.result;
  }

  /**
   * Close every interval that ends at or before `ts` without a tick (a symbol that went
   * quiet while others trade). Returns the number of bars closed.
   */
  advanceTo(ts: number): number {
    this._closedInLast = 0;
    if (this.curOpen < 0 || ts < this.lastTs) return 0;
    this.lastTs = ts;
    const open = ts - (ts % this.intervalMs);
    if (open > this.curOpen) this.closeThrough(open);
    return this._closedInLast;
  }

  /** Close the current interval and all empty ones before `nextOpen`; start `nextOpen`. */
  private closeThrough(nextOpen: number): void {
    const iv = this.intervalMs;
    // The current bar plus at most maxFlatBars empty ones; beyond that the walk jumps.
    const limit = this.curOpen + (this.maxFlatBars + 1) * iv;
    while (this.curOpen < nextOpen) {
      if (this.curOpen >= limit) {
        this._skipped += (nextOpen - this.curOpen) / iv;
        this.curOpen = nextOpen;
        break;
      }
      const b = this._bar;
      if (this.curTicks > 0) {
        b.open = this.o;
        b.high = this.h;
        b.low = this.l;
        b.close = this.c;
        b.flat = false;
      } else {
        // Empty interval: flat bar at the previous close (only reachable after a first bar).
        b.open = b.high = b.low = this.c;
        b.close = this.c;
        b.flat = true;
      }
      b.ticks = this.curTicks;
      b.open_time = this.curOpen;
      b.close_time = this.curOpen + iv - 1;
      this._closed++;
      this._closedInLast++;
      this.curTicks = 0;
      this.curOpen += iv;
      if (this.onBar) this.onBar(b);
    }
  }

  reset(): void {
    this._count = 0;
    this._closed = 0;
    this._closedInLast = 0;
    this.curOpen = -1;
    this.curTicks = 0;
    this.o = this.h = this.l = this.c = 0;
    this.lastTs = -Infinity;
    this._skipped = 0;
    const b = this._bar;
    b.open_time = b.close_time = b.open = b.high = b.low = b.close = b.ticks = 0;
    b.flat = false;
  }
}
