import { ErrorCode, GrinderError } from "../contracts/errors";
import { Ema } from "./ema";
import type { Indicator } from "./indicator";

/** Range / trend statistics over the last H bars (spec 17.5.5). */
export interface RangeStats {
  /** Σ |p_i / p_{i−1} − 1| over the last H bar returns. */
  sum_abs_returns: number;
  /** |p_t / p_{t−H} − 1|. */
  net_return: number;
  /** sum_abs_returns / (net_return + eps): higher = more chop. */
  range_score: number;
}

/**
 * Rolling range statistics over horizon H bars on bar closes (spec 17.5.5):
 * `sum_abs_returns = Σ_{i=t−H+1..t} |p_i/p_{i−1} − 1|`, `net_return = |p_t/p_{t−H} − 1|`,
 * `range_score = sum_abs_returns / (net_return + eps)`. Needs H + 1 closes. The sum is
 * recomputed from the ring each update (H additions) instead of a running add/subtract, so no
 * floating-point drift accumulates over a long replay.
 */
export class RangeWindow implements Indicator<number, RangeStats> {
  readonly requiredInputs: number;
  private readonly closes: Float64Array;
  private readonly absRet: Float64Array;
  private _count = 0;
  private head = 0;
  private readonly out: RangeStats = { sum_abs_returns: 0, net_return: 0, range_score: 0 };

  constructor(
    readonly horizon: number,
    readonly eps: number = 1e-4,
  ) {
    if (!(Number.isInteger(horizon) && horizon >= 1))
      throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `horizon must be an integer >= 1 bars, got ${horizon}`, { field: "horizon_bars" });
    if (!(eps > 0)) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `eps must be > 0, got ${eps}`, { field: "range_eps" });
    this.requiredInputs = horizon + 1;
    this.closes = new Float64Array(horizon + 1);
    this.absRet = new Float64Array(horizon);
  }

  get count(): number {
    return this._count;
  }
  get isStable(): boolean {
    return this._count >= this.requiredInputs;
  }
  get result(): RangeStats | null {
    return this._count >= this.requiredInputs ? this.out : null;
  }

  update(p: number): RangeStats | null {
    const H = this.horizon;
    const n1 = H + 1;
    if (this._count > 0) {
      const prev = this.closes[(this.head + n1 - 1) % n1];
      this.absRet[(this._count - 1) % H] = Math.abs(p / prev - 1);
    }
    this.closes[this.head] = p;
    this.head = (this.head + 1) % n1;
    this._count++;
    if (this._count >= n1) {
      let s = 0;
      for (let i = 0; i < H; i++) s += this.absRet[i];
      // After the write, `head` points at the oldest close, p_{t−H}.
      const old = this.closes[this.head];
      const net = Math.abs(p / old - 1);
      this.out.sum_abs_returns = s;
      this.out.net_return = net;
      this.out.range_score = s / (net + this.eps);
    }
    return this.result;
  }

  reset(): void {
    this._count = 0;
    this.head = 0;
    this.closes.fill(0);
    this.absRet.fill(0);
    this.out.sum_abs_returns = this.out.net_return = this.out.range_score = 0;
  }
}

/** Input of `TrendStrength`: a bar close and the current NATR (fraction). */
export interface CloseNatr {
  close: number;
  natr: number | null;
}

/**
 * Signed trend strength (spec 17.5.5, "fast-slow divergence normalised"; ADR
 * "trend_strength normalisation"):
 *
 *   trend_strength = (EMA_fast − EMA_slow) / (close · NATR · √Δlag),  Δlag = (slow − fast) / 2
 *
 * An EMA of period N lags a linear drift by (N − 1)/2 bars, so under a drift of μ per bar the
 * divergence is ≈ μ·close·Δlag, while the bar-scale noise accumulated over Δlag bars is
 * ≈ close·NATR·√Δlag. The ratio is a t-statistic-like number, independent of price level,
 * volatility and EMA lengths: > 0 up, < 0 down, |x| compared with `trend_th`. Null until the
 * slow EMA is warm and a NATR is available; 0 when NATR is 0 (a perfectly flat market).
 */
export class TrendStrength implements Indicator<CloseNatr, number> {
  readonly requiredInputs: number;
  private readonly fast: Ema;
  private readonly slow: Ema;
  private readonly sqrtLag: number;
  private value = 0;
  private has = false;

  constructor(
    readonly fastBars: number,
    readonly slowBars: number,
  ) {
    if (!(fastBars < slowBars))
      throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `EMA fast (${fastBars}) must be shorter than slow (${slowBars})`, { field: "ema_fast_bars" });
    this.fast = new Ema(fastBars);
    this.slow = new Ema(slowBars);
    this.sqrtLag = Math.sqrt((slowBars - fastBars) / 2);
    this.requiredInputs = slowBars;
  }

  get count(): number {
    return this.slow.count;
  }
  get isStable(): boolean {
    return this.has;
  }
  get result(): number | null {
    return this.has ? this.value : null;
  }
  get emaFast(): number | null {
    return this.fast.raw;
  }
  get emaSlow(): number | null {
    return this.slow.raw;
  }

  update(x: CloseNatr): number | null {
    this.fast.update(x.close);
    this.slow.update(x.close);
    if (this.slow.isStable && x.natr !== null) {
      const den = x.close * x.natr * this.sqrtLag;
      const div = (this.fast.raw as number) - (this.slow.raw as number);
      this.value = den > 0 ? div / den : 0;
      this.has = true;
    } else {
      this.has = false;
    }
    return this.result;
  }

  reset(): void {
    this.fast.reset();
    this.slow.reset();
    this.value = 0;
    this.has = false;
  }
}
