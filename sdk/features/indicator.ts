/**
 * The one streaming interface of the feature stage (after trading-signals' indicator
 * contract): feed inputs in data order with `update`, read `result` (null until warmed up),
 * `isStable` once `requiredInputs` inputs were seen. Implementations keep their state in
 * preallocated ring buffers / typed arrays and do not allocate per update; an object `result`
 * is one object updated in place (copy it if you keep it).
 *
 * Every implementation is checked by one shared contract test (test/features/contract.test.ts):
 * null while warming, stable after `requiredInputs`, replaying the same inputs gives the same
 * results, and `reset()` returns to the initial state.
 */
export interface Indicator<I, O> {
  /** Minimum number of inputs before `result` can be non-null and `isStable` true. */
  readonly requiredInputs: number;
  /** Inputs seen since construction or the last `reset()`. */
  readonly count: number;
  /** True once warmed up: `result` is meaningful. */
  readonly isStable: boolean;
  /** Current value; null while warming up. */
  readonly result: O | null;
  /** Feed the next input; returns `result`. */
  update(x: I): O | null;
  /** Forget everything: back to the state right after construction. */
  reset(): void;
}

/** OHLC bar. `close_time` is inclusive (Binance kline convention: open_time + interval − 1). */
export interface Bar {
  open_time: number;
  close_time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Inputs (ticks) aggregated in this bar; 0 for a carried-forward empty interval. */
  ticks: number;
  /** True for an empty interval carried forward as a flat bar at the previous close. */
  flat: boolean;
}

/** Minimal bar shape the ATR needs (klines from an importer fit it). */
export interface HLC {
  high: number;
  low: number;
  close: number;
}

/** A kline fed from an external feed (spec 17.5.2: the NATR input is pluggable). */
export interface KlineBar extends HLC {
  open_time: number;
  close_time: number;
  open?: number;
}
