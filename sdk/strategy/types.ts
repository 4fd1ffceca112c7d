/**
 * The strategy side of the engine (ADR-043). A strategy sees market events, the execution
 * reports of its own orders (after the response latency) and the supervisor's risk state; it
 * answers with order requests. It never sees venue internals or the account's books.
 */
import type { InstrumentSpec } from "../contracts/market";
import type { GuardState, LogRecord, MarketEvent } from "../contracts/events";
import type { Intent, Regime, ToxSeverity } from "../contracts/trading";
import type { ExecutionReport, OrderRequest } from "../sim/types";
import type { RunMetrics } from "../metrics";

/** What the supervisor tells the strategy (live view, updated in place). */
export interface RiskState {
  guard: GuardState;
  /** Portfolio drawdown budget (quote). */
  dd_budget: number;
}

/** A guard transition as the strategy receives it. */
export interface RiskTransition {
  ts: number;
  from: GuardState;
  to: GuardState;
  reason: string;
}

/** An execution report as delivered to the strategy; FILLs carry the account's realised PnL of the fill. */
export type StrategyReport = ExecutionReport & { realized?: number };

/** Strategy-side columns of one row of the bars table (the engine adds the account columns). */
export interface StrategyBar {
  ts: number;
  symbol: string;
  mid: number;
  regime: Regime | string;
  mode: string;
  step_frac: number;
  levels_up: number;
  levels_down: number;
  open_orders: number;
  selected: boolean;
}

export interface StrategyContext {
  /** Instruments of the run, lexical order. */
  readonly instruments: ReadonlyArray<InstrumentSpec>;
  /** True when the venue confirms requests (latency other than `none`): cancels stay fillable until CANCELED. */
  readonly confirmations: boolean;
  readonly risk: Readonly<RiskState>;
  /** Account equity now (the only account figure a strategy may read: sizing and caps use it). */
  equity(): number;
  send(r: OrderRequest): void;
  /** Append a record to the event log (plans, intents, fills, cycles, regime changes, selections, alerts). */
  record(r: LogRecord): void;
  /** Append an intent's record (the same line as `record` of it, cheaper: intents are most of a log). */
  recordIntent(i: Intent): void;
  /** One row of the bars table (ignored when tables are off). */
  bar(row: StrategyBar): void;
  /** True when the run keeps full event objects (slower writers). */
  readonly keepEvents: boolean;
  readonly metrics: RunMetrics;
}

/** Per-symbol figures a strategy reports at the end of a run (metrics). */
export interface StrategySymbolStats {
  symbol: string;
  cycles: number;
  avg_cycle_profit_bps: number;
  adds_off_ms: number;
  spread_bps: number;
  impact_bps: number | null;
  placed: number;
  fills: number;
  cancels: number;
  amends: number;
  tox_severity: ToxSeverity;
}

/** Run totals a strategy reports (they go into the summary line). */
export interface StrategyStats {
  ticks: number;
  fills: number;
  cycles: number;
  cycle_profit: number;
  intents_placed: number;
  intents_refused: number;
  cancels: number;
  amends: number;
  regime_transitions: number;
  symbols: StrategySymbolStats[];
  /** Data time spent per regime (ms), when the strategy has regimes. */
  time_in_regime_ms: Record<string, number>;
}

export interface Strategy {
  /** `name@version`; in the digest header when not the default strategy. */
  readonly id: string;
  /** SHA-256 of the ML regime model the strategy classifies with, known after `start` (ADR-112). */
  readonly regimeModel?: string;
  start(ctx: StrategyContext): void;
  /**
   * A market event. `trading` is false before the replay window opens (warm-up: update state,
   * send nothing). Returns true when the strategy ran a decision tick (the supervisor then
   * checks portfolio leverage).
   */
  onMarket(ev: MarketEvent, trading: boolean): boolean;
  /** Reports of one venue event (one market event's fills, or one request's answer), in order. */
  onReports(batch: ReadonlyArray<StrategyReport>): void;
  /** The supervisor's guard changed state (risk state already updated). */
  onRisk(tr: RiskTransition): void;
  finish(ts: number): StrategyStats;
}
