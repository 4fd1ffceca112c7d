import type { GridPlan } from "../contracts/trading";
import type * as aq from "arquero";
import { ErrorCode, GrinderError } from "../contracts/errors";
import type { InstrumentSpec, Snapshot, Trade } from "../contracts/market";
import type { PortfolioSelector, Selection } from "../contracts/features";
import { EVENT_LOG_VERSION, type LogRecord, type QuoteEvent, type RunRecord, type TradeEvent } from "../contracts/events";
import type { GrinderConfig } from "../config";
import { Ledger, type SymbolBook } from "../ledger/ledger";
import { instrumentTerms } from "../ledger/contract";
import type { DrawdownGuard, GuardTransition } from "../ledger/guard";
import { RunMetrics, type AlertEvent, type MetricJson, type SymbolMetricValues } from "../metrics";
import { FeeModel, makeFillModel, makeLatencyModel, SimVenue, type ExecutionReport, type LatencyModel, type OrderRequest } from "../sim";
import type { Strategy, StrategyContext, StrategyReport } from "../strategy/types";
import { AdaptiveGridStrategy } from "../strategies/adaptive-grid/strategy";
import type { StageFactory } from "../strategies/adaptive-grid/stages";
import { defaultStages } from "../strategies/adaptive-grid/default-stages";
import type { RegimeRow } from "../strategies/adaptive-grid/regime-record";
import { Recorder, type AccountBarRow } from "./recorder";
import { EventQueue, PRIORITY } from "./scheduler";
import { Supervisor } from "./supervisor";

export { EVENT_LOG_VERSION, intentLine, planLine } from "../contracts/events";

/** Headline metrics of a run (compared by `fixtures verify`). */
export interface ReplaySummary {
  snapshots: number;
  ticks: number;
  fills: number;
  cycles: number;
  cycle_profit: number;
  realized_pnl: number;
  unrealized_pnl: number;
  fees: number;
  turnover: number;
  equity_start: number;
  equity_end: number;
  return_pct: number;
  max_dd: number;
  max_dd_utilization: number;
  max_inventory_notional: number;
  intents_placed: number;
  intents_refused: number;
  cancels: number;
  amends: number;
  regime_transitions: number;
  guard_final: "NORMAL" | "DAMAGE_CONTROL" | "EMERGENCY";
  alerts: number;
}

/**
 * The result of a replay. `D` is the type of its digest: `string` (the default) for a run that
 * hashes its event log, `null` for a run with `digest: false` (ADR-205), whose event lines
 * are never built (`events_count` still counts them; everything else is identical).
 */
export interface ReplayResult<D extends string | null = string> {
  /** SHA-256 over the canonical JSON lines of the event log; null when the run was asked for none (`digest: false`). */
  digest: D;
  fill_model: string;
  /** Latency model id (`none`, `constant(e,r)`). */
  latency: string;
  /** Strategy id. */
  strategy: string;
  config_hash: string;
  /** Fixture name ("" for a bare stream). */
  fixture: string;
  /** The fixture's content hash ("" for a bare stream). */
  content_sha256: string;
  events_count: number;
  summary: ReplaySummary;
  /** prom-client JSON of the run's registry. */
  metrics: MetricJson[];
  /** Prometheus text exposition of the same registry. */
  metrics_text: string;
  /** Per policy tick per symbol: ts, symbol, mid, equity, inventory, regime, mode, guard, dd, ... */
  bars: aq.ColumnTable;
  fills: aq.ColumnTable;
  cycles: aq.ColumnTable;
  transitions: Array<Record<string, unknown>>;
  selections?: Selection[];
  alerts: AlertEvent[];
  /** Requests / reports still in flight when the data ended (latency only; never delivered). */
  in_flight_at_end: number;
  /** Why symbols with 0 fills did not trade (set by `runReplay`; ADR-073). */
  no_trade?: import("../metrics/no-trade").NoTradeReport;
  /** The full event log, only when `keepEvents`. */
  events?: LogRecord[];
  /** Trade prints fed to the venue (ADR-054; 0 without a trades stream). */
  trades: number;
  /** What the fill model approximated (queue rungs: pessimistic L1/depth estimates, gap resets; ADR-053). */
  fill_model_counters?: Record<string, number>;
}

/**
 * The data-time window of a replay (inclusive): it trades inside [from_ts, to_ts]; snapshots
 * before `from_ts` warm the features up without trading, and nothing after `to_ts` is read.
 * `warmup_ms` (ADR-258) bounds the warm-up: data before `from_ts − warmup_ms` is not replayed
 * (a columnar store does not even read its partitions), so a window of a long dataset costs its
 * warm-up plus itself instead of everything before it. Without it the warm-up is all data before
 * `from_ts`. Requires `from_ts`.
 */
export interface ReplayWindow {
  from_ts?: number;
  to_ts?: number;
  warmup_ms?: number;
}

/** The first data time a replay of `w` steps (`from_ts − warmup_ms`), -Infinity without a warm-up bound; a `warmup_ms` that is not a non-negative safe integer, or without `from_ts`, is `E_INVALID_ARGUMENT`. */
export function replayStartTs(w: ReplayWindow | undefined): number {
  if (w === undefined || w.warmup_ms === undefined) return -Infinity;
  const m = w.warmup_ms;
  if (!(Number.isSafeInteger(m) && m >= 0)) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `window.warmup_ms must be a non-negative integer of ms, got ${String(m)}`, { field: "warmup_ms" });
  if (w.from_ts === undefined) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "window.warmup_ms bounds the warm-up before from_ts: give from_ts too", { field: "warmup_ms" });
  return w.from_ts - m;
}

export interface ReplayEngineOptions {
  config: GrinderConfig;
  configHash: string;
  instruments: Iterable<InstrumentSpec>;
  /** Pipeline stages of the default strategy (the Adaptive Smart Grid). */
  stages?: StageFactory<GrinderConfig>;
  selector?: PortfolioSelector | null;
  /** Another strategy instead of the Adaptive Smart Grid (then `stages`/`selector` are not used). */
  strategy?: Strategy;
  /** Collect the adaptive grid's regime record (one row per policy tick per symbol) here. */
  regimeRows?: RegimeRow[];
  window?: ReplayWindow;
  keepEvents?: boolean;
  fixtureName?: string;
  contentSha256?: string;
  /** Content hash of the trades stream fed with `stepTrade` (goes into the run header; ADR-054). */
  tradesSha256?: string;
  /**
   * Collect the per-bar / fills / cycles tables (default true). They grow with the stream
   * (one row per bar, fill, cycle); runs that only need the digest and summary (calibration
   * folds) turn them off for a flat memory profile.
   */
  tables?: boolean;
  /** Called with every plan and whether its symbol held a seat (no effect on the digest; ADR-073). */
  onPlan?: (plan: GridPlan, selected: boolean) => void;
}

/**
 * The engine's `digest` option, typed by the result's digest type `D` (ADR-205). `digest`:
 * build and hash the event log (default true); `false`: no line is built, serialised or hashed
 * — for runs whose log nobody reads (the static-grid baseline) — and the result's `digest` is
 * `null`, everything else identical. `ReplayEngine<null>` requires `digest: false`; the default
 * `ReplayEngine` (digest `string`) allows only `true` or nothing; `ReplayEngine<string | null>`
 * takes either, e.g. `new ReplayEngine<null>({ config, configHash, instruments, digest: false })`.
 */
export type DigestOption<D extends string | null> = [D] extends [null] ? { digest: false } : [D] extends [string] ? { digest?: true } : { digest?: boolean };

export const DEFAULT_STRATEGY_ID = "adaptive-grid@1";

type Pending = { kind: "request"; req: OrderRequest } | { kind: "reports"; batch: StrategyReport[] };

/**
 * THE replay loop (DESIGN: "the engine is the only loop", ADR-043). Feed snapshots in time
 * order with `step`, then `finish`. Per market event, in this order: queued requests reach the
 * venue and queued reports reach the strategy (latency, ordered by (ts, priority, seq)); the
 * account is marked; the venue matches resting orders (fills are booked in the account and
 * reported to the strategy after the response latency); the supervisor marks the drawdown
 * guard (transitions go to the strategy) and raises DD alerts; the strategy sees the event
 * (features → regime → selection → plan → order requests); ledger marks at their cadence.
 * Every record is one canonical line of the event log, hashed as it goes.
 */
export class ReplayEngine<D extends string | null = string> {
  readonly cfg: GrinderConfig;
  readonly ledger: Ledger;
  readonly venue: SimVenue;
  readonly strategy: Strategy;
  readonly latency: LatencyModel;
  readonly metrics = new RunMetrics();
  private readonly supervisor: Supervisor;
  private readonly recorder: Recorder;
  private readonly queue = new EventQueue<Pending>();
  private readonly books = new Map<string, SymbolBook>();
  /** Per symbol: the reused quote event holder and the account book (one lookup per event). */
  private readonly slots = new Map<string, { ev: QuoteEvent; book: SymbolBook }>();
  /** The previous snapshot's symbol and slot: a stream of one symbol (or runs of one) skips the map lookup (ADR-125). */
  private lastSym = "";
  private lastSlot: { ev: QuoteEvent; book: SymbolBook } | undefined = undefined;
  private readonly fromTs: number;
  private readonly toTs: number;
  /** Events before this data time are not replayed (`window.warmup_ms`, ADR-258; -Infinity without). */
  private readonly startTs: number;
  private readonly risk: { guard: "NORMAL" | "DAMAGE_CONTROL" | "EMERGENCY"; dd_budget: number };
  private readonly hasSelector: boolean;
  /** Account columns of the bars table row being written (reused). */
  private readonly acct: AccountBarRow = { equity: 0.5, inventory: 0.5, inventory_notional: 0.5, guard: "NORMAL", dd: 0.5, dd_utilization: 0.5, realized_pnl: 0.5, fees: 0.5 };
  private lastTs = -Infinity;
  private nextMark = -Infinity;
  /** `engine.mark_interval_ms` (read on every event). */
  private readonly markInterval: number;
  private snapshots = 0;
  private finished = false;

  constructor(private readonly opts: ReplayEngineOptions & DigestOption<D>) {
    const cfg = (this.cfg = opts.config);
    this.markInterval = cfg.engine.mark_interval_ms;
    const insts = [...opts.instruments].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
    if (!insts.length) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "replay needs at least one instrument");
    this.ledger = new Ledger(cfg.risk.equity, insts.map((i) => i.symbol), instrumentTerms(insts));
    this.recorder = new Recorder(opts.keepEvents ?? false, opts.tables ?? true, (opts as { digest?: boolean }).digest !== false);
    const record = (r: LogRecord): void => this.recorder.record(r);
    this.supervisor = new Supervisor(cfg, this.ledger, record);
    this.fromTs = opts.window?.from_ts ?? -Infinity;
    this.toTs = opts.window?.to_ts ?? Infinity;
    this.startTs = replayStartTs(opts.window);
    this.latency = makeLatencyModel(cfg.execution.latency);
    const immediate = this.latency.immediate;
    this.venue = new SimVenue(insts, makeFillModel(cfg.execution.fill_model), new FeeModel(cfg.execution.fees, insts), { reports: (b) => this.onVenueReports(b) }, { confirmations: !immediate });
    insts.forEach((inst, i) => {
      const book = this.ledger.book(inst.symbol);
      this.books.set(inst.symbol, book);
      this.slots.set(inst.symbol, { ev: { type: "quote", ts: 0, symbol: inst.symbol, symbol_index: i, snapshot: undefined as unknown as Snapshot }, book });
    });
    this.hasSelector = opts.strategy === undefined && (opts.selector ?? null) !== null;
    this.strategy =
      opts.strategy ??
      new AdaptiveGridStrategy({ config: cfg, stages: opts.stages ?? defaultStages, selector: opts.selector ?? null, regimeRows: opts.regimeRows, onPlan: opts.onPlan });
    this.risk = { guard: this.supervisor.guard.state, dd_budget: this.supervisor.guard.budget };
    const header: RunRecord = {
      t: "run", v: EVENT_LOG_VERSION, fill_model: this.venue.fillModel.id, config_hash: opts.configHash,
      content_sha256: opts.contentSha256 ?? "", symbols: insts,
    };
    if (!immediate) header.latency = this.latency.id;
    if (this.strategy.id !== DEFAULT_STRATEGY_ID) header.strategy = this.strategy.id;
    if (opts.tradesSha256) header.trades_sha256 = opts.tradesSha256;
    const ledger = this.ledger;
    const ctx: StrategyContext = {
      instruments: insts,
      confirmations: !immediate,
      risk: this.risk,
      equity: () => ledger.equityFloat(),
      send: immediate ? (r) => this.venue.submit(r, r.ts) : (r) => this.queue.push(this.latency.entry(r.ts), PRIORITY.REQUEST, { kind: "request", req: r }),
      record,
      recordIntent: (i) => this.recorder.intent(i),
      bar: (b) => {
        if (!this.recorder.tables) return;
        // the account half of the row in one reused object (a spread of the strategy's row into a
        // fresh 18-field object cost more than the rest of the row)
        const book = this.books.get(b.symbol)!;
        const g = this.supervisor.guard;
        const a = this.acct;
        a.equity = ledger.equityFloat();
        a.inventory = book.posF;
        a.inventory_notional = ledger.notionalFloat(book, b.mid);
        a.guard = g.state;
        a.dd = g.dd;
        a.dd_utilization = g.utilization;
        a.realized_pnl = book.realizedF;
        a.fees = book.feesF;
        this.recorder.bar(b, a);
      },
      keepEvents: this.recorder.events !== null,
      metrics: this.metrics,
    };
    this.strategy.start(ctx);
    // ML regime model (ADR-112): its sha256 pins the run; absent for the heuristic (header unchanged).
    const model = this.strategy.regimeModel;
    if (model !== undefined) header.regime_model = model;
    record(header);
  }

  /**
   * What the run has read so far: snapshots stepped and the last one's data time (-Infinity
   * before any), from each symbol's latest quote event (`lastTs` also moves with prints). Not
   * tracked per event: the snapshots come in time order, so the run traded on some snapshot iff
   * this time is at or after `window.from_ts`.
   */
  get progress(): { snapshots: number; last_ts: number } {
    let last = -Infinity;
    for (const slot of this.slots.values()) if (slot.ev.snapshot !== undefined && slot.ev.ts > last) last = slot.ev.ts;
    return { snapshots: this.snapshots, last_ts: last };
  }

  /** The drawdown guard (spec 17.14.3). */
  get guard(): DrawdownGuard {
    return this.supervisor.guard;
  }

  /** Venue reports: fills are booked in the account now, then reach the strategy after the response latency. */
  private onVenueReports(batch: ReadonlyArray<ExecutionReport>): void {
    const out = batch as StrategyReport[];
    for (let k = 0; k < out.length; k++) {
      const r = out[k];
      if (r.type === "FILL") r.realized = this.ledger.applyFill(r.symbol, r.side, r.price, r.qty, r.fee).toNumber();
      else if (this.recorder.countsOnly) this.recorder.count(); // ack / reject lines feed no table (digest: false, ADR-238)
      else if (r.type === "ACK") this.recorder.record({ t: "ack", ts: r.ts, symbol: r.symbol, order_id: r.order_id, type: r.request, sent_ts: r.sent_ts });
      else if (r.type === "CANCELED") this.recorder.record({ t: "ack", ts: r.ts, symbol: r.symbol, order_id: r.order_id, type: "CANCEL", sent_ts: r.sent_ts });
      else this.recorder.record({ t: "reject", ts: r.ts, symbol: r.symbol, order_id: r.order_id, type: r.request, reason: r.reason });
    }
    if (this.latency.immediate) this.strategy.onReports(out);
    else this.queue.push(this.latency.response(out[0].ts), PRIORITY.REPORT, { kind: "reports", batch: out });
  }

  /**
   * Deliver what is due at the current event's time (`lastTs`). No number argument: the hot
   * loop's calls pass only objects (see `step`).
   */
  private drain(): void {
    const ts = this.lastTs;
    for (let x = this.queue.popDue(ts); x !== undefined; x = this.queue.popDue(ts)) {
      const it = x.item;
      if (it.kind === "request") this.venue.submit(it.req, x.ts);
      else this.strategy.onReports(it.batch);
    }
  }

  private onGuard(tr: GuardTransition): void {
    this.risk.guard = tr.to;
    this.strategy.onRisk({ ts: tr.ts, from: tr.from, to: tr.to, reason: tr.reason });
  }

  // ---- trades (ADR-054): prints go to the venue only (fill models); the strategy sees quotes ----
  private readonly tradeHolders = new Map<string, TradeEvent>();
  private tradesSeen = 0;

  /** Process one trade print, interleaved with `step` in non-decreasing `ts` order. */
  stepTrade(t: Trade): void {
    const ts = t.ts;
    if (ts < this.lastTs) throw new GrinderError(ErrorCode.TIME_BACKWARDS, `trade ts ${ts} is before the previous event's ${this.lastTs}`, { field: "ts" });
    if (ts > this.toTs || ts < this.startTs) return;
    const slot = this.slots.get(t.symbol);
    if (slot === undefined) throw new GrinderError(ErrorCode.UNKNOWN_SYMBOL, `symbol '${t.symbol}' is not an instrument of this replay`, { field: "symbol" });
    this.lastTs = ts;
    this.tradesSeen++;
    if (this.queue.size > 0) this.drain();
    // Before the first quote the venue has no book: a print cannot be matched against anything.
    if (ts < this.fromTs || this.snapshots === 0) return;
    let ev = this.tradeHolders.get(t.symbol);
    if (ev === undefined) this.tradeHolders.set(t.symbol, (ev = { type: "trade", ts, symbol: t.symbol, symbol_index: slot.ev.symbol_index, price: t.price, qty: t.qty, aggressor: t.aggressor }));
    ev.ts = ts;
    ev.price = t.price;
    ev.qty = t.qty;
    ev.aggressor = t.aggressor;
    this.venue.onMarket(ev);
    if (this.queue.size > 0) this.drain();
  }

  /** Process one snapshot. Snapshots must come in non-decreasing `ts` order (else `E_TIME_BACKWARDS`). */
  step(s: Snapshot): void {
    const ts = s.ts;
    if (ts < this.lastTs) throw new GrinderError(ErrorCode.TIME_BACKWARDS, `snapshot ts ${ts} is before the previous ${this.lastTs}`, { field: "ts" });
    if (ts > this.toTs || ts < this.startTs) return;
    let slot = this.lastSlot;
    if (s.symbol !== this.lastSym || slot === undefined) {
      slot = this.slots.get(s.symbol);
      if (slot === undefined) throw new GrinderError(ErrorCode.UNKNOWN_SYMBOL, `symbol '${s.symbol}' is not an instrument of this replay`, { field: "symbol" });
      this.lastSym = s.symbol;
      this.lastSlot = slot;
    }
    this.lastTs = ts;
    this.snapshots++;
    if (this.queue.size > 0) this.drain();
    const ev = slot.ev;
    ev.ts = ts;
    ev.snapshot = s;
    // hot path: only objects cross non-inlined calls (a double argument is boxed = allocated),
    // also on the rare branches (drain, leverage, mark): the optimiser boxes a value once where
    // all its uses meet, i.e. on every event
    this.ledger.markQuote(slot.book, s);
    const trading = ts >= this.fromTs;
    if (trading) {
      this.venue.onMarket(ev);
      if (this.queue.size > 0) this.drain(); // zero response latency: the strategy learns of the fills now
      const tr = this.supervisor.mark(s);
      if (tr) this.onGuard(tr);
      this.supervisor.ddAlerts(s);
    } else this.venue.onMarket(ev);
    const ticked = this.strategy.onMarket(ev, trading);
    if (!trading) return;
    if (ticked) this.supervisor.leverage(s);
    const mi = this.markInterval;
    if (mi > 0 && ts >= this.nextMark) {
      if (this.nextMark !== -Infinity) this.mark(s);
      this.nextMark = (Math.floor(ts / mi) + 1) * mi;
    }
  }

  private mark(at: { readonly ts: number }): void {
    // digest: false and no events kept: the mark line is only counted, its figures not computed (ADR-238)
    if (this.recorder.countsOnly) return this.recorder.count();
    const ts = at.ts;
    const v = this.ledger.markView();
    const g = this.supervisor.guard;
    this.recorder.record({
      t: "mark", ts, equity: v.equity, realized_pnl: v.realized_pnl, unrealized_pnl: v.unrealized_pnl, fees: v.fees,
      inventory_notional: v.inventory_notional, effective_leverage: v.effective_leverage, dd: g.dd,
      dd_utilization: g.utilization, guard: g.state,
      symbols: v.symbols.map((s) => ({ symbol: s.symbol, position: s.position, avg_entry: s.avg_entry, mark: s.mark })),
    });
  }

  /**
   * Explicitly reset the EMERGENCY latch of the drawdown guard (spec 17.14.3: latched until
   * reset). Trading resumes at the next policy tick.
   */
  resetEmergency(ts: number): void {
    const tr = this.supervisor.guard.reset(ts, this.ledger.equityFloat());
    if (tr) {
      this.recorder.record({ t: "guard", ...tr });
      this.onGuard(tr);
    }
  }

  /** Close the run: final mark, summary line, metrics. The engine cannot be stepped afterwards. */
  async finish(): Promise<ReplayResult<D>> {
    if (this.finished) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "replay already finished");
    this.finished = true;
    const lastTs = this.lastTs === -Infinity ? 0 : this.lastTs;
    if (this.queue.size > 0) this.drain();
    this.mark({ ts: lastTs });
    const v = this.ledger.view();
    const st = this.strategy.finish(lastTs);
    const g = this.supervisor.guard;
    const rec = this.recorder;
    const summary: ReplaySummary = {
      snapshots: this.snapshots,
      ticks: st.ticks,
      fills: st.fills,
      cycles: st.cycles,
      cycle_profit: st.cycle_profit,
      realized_pnl: v.realized_pnl,
      unrealized_pnl: v.unrealized_pnl,
      fees: v.fees,
      turnover: v.turnover,
      equity_start: v.initial_equity,
      equity_end: v.equity,
      return_pct: ((v.equity - v.initial_equity) / v.initial_equity) * 100,
      max_dd: g.maxDd,
      max_dd_utilization: g.maxUtilization,
      max_inventory_notional: Math.max(0, ...v.symbols.map((s) => s.max_inventory_notional)),
      intents_placed: st.intents_placed,
      intents_refused: st.intents_refused,
      cancels: st.cancels,
      amends: st.amends,
      regime_transitions: st.regime_transitions,
      guard_final: g.state,
      alerts: rec.alerts.length,
    };
    rec.record({ t: "end", ts: lastTs, summary: summary as unknown as Record<string, number | string> });
    const perSym: SymbolMetricValues[] = st.symbols.map((s) => {
      const sv = v.symbols.find((x) => x.symbol === s.symbol)!;
      return { ...s, realized_pnl: sv.realized_pnl, unrealized_pnl: sv.unrealized_pnl, turnover: sv.turnover, fees: sv.fees, max_inventory_notional: sv.max_inventory_notional };
    });
    this.metrics.publish(perSym, {
      dd_current: g.dd, dd_budget: g.budget, dd_utilization: g.utilization, max_dd_utilization: g.maxUtilization,
      effective_leverage: v.effective_leverage, equity: v.equity, time_in_regime_ms: st.time_in_regime_ms, alerts: rec.alertCounts,
    });
    const digest = rec.hex() as D;
    return {
      digest,
      fill_model: this.venue.fillModel.id,
      latency: this.latency.id,
      strategy: this.strategy.id,
      config_hash: this.opts.configHash,
      fixture: this.opts.fixtureName ?? "",
      content_sha256: this.opts.contentSha256 ?? "",
      events_count: rec.lines,
      summary,
      metrics: await this.metrics.json(),
      metrics_text: await this.metrics.text(),
      bars: rec.barsTable(),
      fills: rec.fillsTable(),
      cycles: rec.cyclesTable(),
      transitions: rec.transitions,
      selections: this.hasSelector ? rec.selections : undefined,
      alerts: rec.alerts,
      in_flight_at_end: this.queue.size,
      events: rec.events ?? undefined,
      trades: this.tradesSeen,
      fill_model_counters: fillModelCounters(this.venue.fillModel),
    };
  }
}

/** A fill model's own counters when it keeps any (the queue rungs do). */
function fillModelCounters(m: unknown): Record<string, number> | undefined {
  const c = (m as { counters?: Record<string, number> }).counters;
  return c ? { ...c } : undefined;
}
