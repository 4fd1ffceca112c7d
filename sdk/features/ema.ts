import { ErrorCode, GrinderError } from "../contracts/errors";
import type { Indicator } from "./indicator";

/**
 * Exponential moving average, k = 2 / (period + 1), seeded with the first input
 * (EMA_1 = x_1; EMA_t = EMA_{t−1} + k·(x_t − EMA_{t−1})). `result` is null until `warmup`
 * inputs were seen (default: `period`, when the seed's weight has decayed to
 * (1−k)^period ≈ e^−2 ≈ 13 %).
 */
export class Ema implements Indicator<number, number> {
  readonly requiredInputs: number;
  readonly k: number;
  private _count = 0;
  private v = 0;

  constructor(
    readonly period: number,
    warmup: number = period,
  ) {
    if (!(Number.isInteger(period) && period >= 1))
      throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `EMA period must be an integer >= 1, got ${period}`);
    if (!(Number.isInteger(warmup) && warmup >= 1))
      throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `EMA warm-up must be an integer >= 1, got ${warmup}`);
    this.k = 2 / (period + 1);
    this.requiredInputs = warmup;
  }

  get count(): number {
    return this._count;
  }
  get isStable(): boolean {
    return this._count >= this.requiredInputs;
  }
  get result(): number | null {
    return this._count >= this.requiredInputs ? this.v : null;
  }
  /** The running value even while warming up (null before the first input). */
  get raw(): number | null {
    return this._count > 0 ? this.v : null;
  }

  update(x: number): number | null {
    if (this._count === 0) this.v = x;
    else this.v = this.v + this.k * (x - this.v);
    this._count++;
    return this.result;
  }

  reset(): void {
    this._count = 0;
    this.v = 0;
  }
}
