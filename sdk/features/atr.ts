import { ErrorCode, GrinderError } from "../contracts/errors";
import type { HLC, Indicator } from "./indicator";

/**
 * True range of a bar (Wilder): max(high − low, |high − prevClose|, |low − prevClose|); the
 * first bar, with no previous close, has TR = high − low.
 */
export function trueRange(b: HLC, prevClose: number | null): number {
  const hl = b.high - b.low;
  if (prevClose === null) return hl;
  const hc = Math.abs(b.high - prevClose);
  const lc = Math.abs(b.low - prevClose);
  return hl >= hc ? (hl >= lc ? hl : lc) : hc >= lc ? hc : lc;
}

/**
 * Wilder's ATR (spec 17.5.2) with NATR = ATR / close. Seeding: the first `period` true ranges
 * (the first bar's TR is high − low) are averaged (SMA); afterwards
 * ATR_t = ATR_{t−1} + (TR_t − ATR_{t−1}) / period. This is the seeding of trading-signals'
 * `ATR` (WSMA); technicalindicators skips the first bar instead (its TR needs a previous close).
 * `result` is the ATR; `natr` the NATR as a fraction (not percent) of the last close.
 */
export class WilderAtr implements Indicator<HLC, number> {
  readonly requiredInputs: number;
  private _count = 0;
  private atr = 0;
  private seedSum = 0;
  private prevClose = 0;
  private lastClose = 0;

  constructor(readonly period: number) {
    if (!(Number.isInteger(period) && period >= 1))
      throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `ATR period must be an integer >= 1, got ${period}`, { field: "atr_period" });
    this.requiredInputs = period;
  }

  get count(): number {
    return this._count;
  }
  get isStable(): boolean {
    return this._count >= this.period;
  }
  get result(): number | null {
    return this._count >= this.period ? this.atr : null;
  }
  /** ATR / last close (fraction); null while warming up or when the close is not positive. */
  get natr(): number | null {
    return this._count >= this.period && this.lastClose > 0 ? this.atr / this.lastClose : null;
  }

  update(b: HLC): number | null {
    const tr = trueRange(b, this._count === 0 ? null : this.prevClose);
    this._count++;
    const n = this.period;
    if (this._count < n) {
      this.seedSum += tr;
    } else if (this._count === n) {
      this.atr = (this.seedSum + tr) / n;
    } else {
      this.atr = this.atr + (tr - this.atr) / n;
    }
    this.prevClose = b.close;
    this.lastClose = b.close;
    return this.result;
  }

  reset(): void {
    this._count = 0;
    this.atr = 0;
    this.seedSum = 0;
    this.prevClose = 0;
    this.lastClose = 0;
  }
}
