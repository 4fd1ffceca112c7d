import * as aq from "arquero";
import { ErrorCode, GrinderError } from "../contracts/errors";
import type { InstrumentSpec, Snapshot } from "../contracts/market";
import type { PortfolioSelector, Selection, SymbolView, ToxAssessment } from "../contracts/features";
import type { GridLevel, GridPlan, Intent, Regime } from "../contracts/trading";
import { StreamDigest, canonicalJson } from "../util/canonical";
import type { GrinderConfig } from "../config";
import { ExecutionEngine, type OpenOrder, type SymState, type SymbolExecContext } from "../execution/executor";
import { REGIMES } from "../contracts/trading";
import type { SymbolBook } from "../ledger/ledger";
import type { CycleRecord } from "../execution/cycle";
import { Ledger } from "../ledger/ledger";
import { DrawdownGuard, type GuardTransition } from "../ledger/guard";
import { RunMetrics, type AlertEvent, type MetricJson, type SymbolMetricValues } from "../metrics";
import type { FeatureStage, RegimeStage, StageFactory } from "./stages";
import { CodeColumn, F64Column } from "./columns";

/** Version of the event-log line format; part of the digest (header line). */
export const EVENT_LOG_VERSION = 1;

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

export interface ReplayResult {
  /** SHA-256 over the canonical JSON lines of the event log. */
  digest: string;
  fill_model: string;
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
  /** Why symbols with 0 fills did not trade (set by `runReplay`; ADR-073). */
  no_trade?: import("../metrics/no-trade").NoTradeReport;
  /** The full event log, only when `keepEvents`. */
  events?: Array<Record<string, unknown>>;
}

export interface ReplayEngineOptions {
  config: GrinderConfig;
  configHash: string;
  instruments: Iterable<InstrumentSpec>;
  stages: StageFactory<GrinderConfig>;
  selector?: PortfolioSelector | null;
  window?: { from_ts?: number; to_ts?: number };
  keepEvents?: boolean;
  fixtureName?: string;
  contentSha256?: string;
  /**
   * Collect the per-bar / fills / cycles tables (default true). They grow with the stream
   * (one row per bar, fill, cycle); runs that only need the digest and summary (calibration
   * folds) turn them off for a flat memory profile.
   */
  tables?: boolean;
  /** Called with every plan and whether its symbol held a seat (no effect on the digest; ADR-073). */
  onPlan?: (plan: GridPlan, selected: boolean) => void;
}

const NEUTRAL_TOX: ToxAssessment = { severity: "LOW", action: "NORMAL", penalty: 0, reasons: [] };

interface Pipe {
  symbol: string;
  hx: SymState;
  book: SymbolBook;
  /** Index of the current regime in REGIMES (data-time accounting without string keys). */
  regimeIdx: number;
  idx: number;
  inst: InstrumentSpec;
  fe: FeatureStage;
  rc: RegimeStage;
  tox: ToxAssessment;
  plan: GridPlan | null;
  desired: GridLevel[] | null;
  ctx: SymbolExecContext;
  selected: boolean;
  budget: number;
  lastTs: number;
  nextTick: number;
  ticked: boolean;
  bid: number;
  ask: number;
  mid: number;
  funding: number | null;
  regimeNow: Regime;
  addsOffMs: number;
  placed: number;
  fills: number;
  cancels: number;
  amends: number;
  toxHighSince: number;
  toxAlerted: boolean;
  l2StaleSince: number;
  l2Alerted: boolean;
}

/**
 * THE replay loop (DESIGN: "the engine is the only loop"). Feed snapshots in time order with
 * `step`, then `finish`. Per snapshot: fills against resting orders → CycleEngine → ledger →
 * drawdown guard; at a policy tick (bar close, or the configured interval): features →
 * toxicity → regime → (portfolio selection at its cadence) → planGrid → reconcile.
 * Every plan, intent, fill, cycle, regime/guard transition, selection, alert and ledger mark is
 * one canonical JSON line of the event log, hashed as it goes (`StreamDigest`), so memory stays
 * flat unless the caller keeps the events.
 */
export class ReplayEngine {
  readonly cfg: GrinderConfig;
  readonly ledger: Ledger;
  readonly guard: DrawdownGuard;
  readonly exec: ExecutionEngine;
  readonly metrics = new RunMetrics();
  private readonly digest = new StreamDigest();
  private readonly pipes: Pipe[] = [];
  private readonly bySymbol = new Map<string, Pipe>();
  private readonly events: Array<Record<string, unknown>> | null;
  private readonly selector: PortfolioSelector | null;
  private readonly fromTs: number;
  private readonly toTs: number;
  private lastTs = -Infinity;
  private nextMark = -Infinity;
  private nextSelect = -Infinity;
  private snapshots = 0;
  private ticks = 0;
  private transitionsCount = 0;
  private ddWarn = false;
  private ddEmerg = false;
  private levAlert = false;
  private readonly regimeMs = new Float64Array(REGIMES.length);
  private readonly alertCounts: Partial<Record<AlertEvent["alert"], number>> = {};
  private finished = false;
  private buf = "";
  private lines = 0;
  private readonly tables: boolean;
  // result tables (per bar / per fill / per cycle), column-wise
  private readonly barCols = {
    ts: new F64Column(), symbol: new CodeColumn(), mid: new F64Column(), equity: new F64Column(), inventory: new F64Column(),
    inventory_notional: new F64Column(), regime: new CodeColumn(), mode: new CodeColumn(), guard: new CodeColumn(), dd: new F64Column(),
    dd_utilization: new F64Column(), step_pct: new F64Column(), levels_up: new F64Column(), levels_down: new F64Column(),
    realized_pnl: new F64Column(), fees: new F64Column(), open_orders: new F64Column(), selected: new CodeColumn(),
  };
  private readonly fillCols = {
    ts: [] as number[], symbol: [] as string[], order_id: [] as string[], side: [] as string[], kind: [] as string[], price: [] as number[],
    qty: [] as number[], fee: [] as number[], liquidity: [] as string[], realized: [] as number[],
  };
  private readonly cycleCols = {
    ts: [] as number[], symbol: [] as string[], side: [] as string[], level: [] as number[], entry_ts: [] as number[], entry_price: [] as number[],
    exit_price: [] as number[], qty: [] as number[], fees: [] as number[], profit: [] as number[], profit_bps: [] as number[],
  };
  private readonly transitions: Array<Record<string, unknown>> = [];
  private readonly selections: Selection[] = [];
  private readonly alerts: AlertEvent[] = [];

  constructor(private readonly opts: ReplayEngineOptions) {
    const cfg = (this.cfg = opts.config);
    const insts = [...opts.instruments].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
    if (!insts.length) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "replay needs at least one instrument");
    this.ledger = new Ledger(cfg.risk.equity, insts.map((i) => i.symbol));
    this.guard = new DrawdownGuard(cfg.risk);
    this.events = opts.keepEvents ? [] : null;
    this.tables = opts.tables ?? true;
    this.selector = opts.selector ?? null;
    this.fromTs = opts.window?.from_ts ?? -Infinity;
    this.toTs = opts.window?.to_ts ?? Infinity;
    this.exec = new ExecutionEngine(cfg.execution, insts, this.ledger, {
      intent: (i) => this.onIntent(i),
      fill: (f, o, realized) => this.onFill(f, o, realized),
      cycle: (c) => this.onCycle(c),
    });
    const perSymbolBudget = this.guard.budget / insts.length;
    insts.forEach((inst, idx) => {
      const rc = opts.stages.regime(inst.symbol, cfg);
      const p: Pipe = {
        symbol: inst.symbol, hx: this.exec.handle(inst.symbol), book: this.ledger.book(inst.symbol), regimeIdx: REGIMES.indexOf(rc.regime), idx, inst, fe: opts.stages.features(inst, cfg), rc, tox: NEUTRAL_TOX, plan: null, desired: null,
        ctx: { step_pct: 0, adds_allowed: false, damage_control: false, reduce_only: true, stopped: false },
        selected: this.selector === null, budget: this.selector === null ? perSymbolBudget : 0,
        lastTs: Number.NaN, nextTick: -Infinity, ticked: false, bid: 0, ask: 0, mid: 0, funding: null, regimeNow: rc.regime,
        addsOffMs: 0, placed: 0, fills: 0, cancels: 0, amends: 0,
        toxHighSince: Number.NaN, toxAlerted: false, l2StaleSince: Number.NaN, l2Alerted: false,
      };
      this.pipes.push(p);
      this.bySymbol.set(inst.symbol, p);
    });
    this.emit({
      t: "run", v: EVENT_LOG_VERSION, fill_model: this.exec.fillModel.id, config_hash: opts.configHash,
      content_sha256: opts.contentSha256 ?? "", symbols: insts,
    });
  }

  /**
   * Append one canonical line to the digest. Lines are batched: hashing "a\nb" then "\n" is the
   * same byte stream as hashing "a", "\n", "b", "\n", with far fewer hash calls.
   */
  private line(l: string): void {
    this.buf = this.buf.length ? this.buf + "\n" + l : l;
    this.lines++;
    if (this.buf.length > 1 << 16) this.flush();
  }

  private flush(): void {
    if (this.buf.length) {
      this.digest.addLine(this.buf);
      this.buf = "";
    }
  }

  private emit(ev: Record<string, unknown>): void {
    this.line(canonicalJson(ev));
    if (this.events) this.events.push(ev);
  }

  private onIntent(i: Intent): void {
    const p = this.bySymbol.get(i.symbol)!;
    if (i.accepted) {
      if (i.type === "PLACE") p.placed++;
      else if (i.type === "CANCEL") p.cancels++;
      else p.amends++;
    }
    if (this.events) this.emit({ t: "intent", ...i });
    else this.line(intentLine(i));
  }

  private onFill(f: import("../contracts/trading").Fill, o: OpenOrder, realized: number): void {
    const p = this.bySymbol.get(f.symbol)!;
    p.fills++;
    this.metrics.timeToFill.observe({ symbol: f.symbol }, (f.ts - o.created_ts) / 1000);
    this.emit({ t: "fill", ...f, level: o.level, realized });
    if (!this.tables) return;
    const c = this.fillCols;
    c.ts.push(f.ts); c.symbol.push(f.symbol); c.order_id.push(f.order_id); c.side.push(f.side); c.kind.push(f.kind);
    c.price.push(f.price); c.qty.push(f.qty); c.fee.push(f.fee); c.liquidity.push(f.liquidity); c.realized.push(realized);
  }

  private onCycle(y: CycleRecord): void {
    this.emit({ t: "cycle", ...y });
    if (!this.tables) return;
    const c = this.cycleCols;
    c.ts.push(y.ts); c.symbol.push(y.symbol); c.side.push(y.side); c.level.push(y.level); c.entry_ts.push(y.entry_ts);
    c.entry_price.push(y.entry_price); c.exit_price.push(y.exit_price); c.qty.push(y.qty); c.fees.push(y.fees);
    c.profit.push(y.profit); c.profit_bps.push(y.profit_bps);
  }

  private alert(a: AlertEvent): void {
    this.alerts.push(a);
    this.alertCounts[a.alert] = (this.alertCounts[a.alert] ?? 0) + 1;
    this.emit({ t: "alert", ...a });
  }

  /** Process one snapshot. Snapshots must come in non-decreasing `ts` order (else `E_TIME_BACKWARDS`). */
  step(s: Snapshot): void {
    const ts = s.ts;
    if (ts < this.lastTs) throw new GrinderError(ErrorCode.TIME_BACKWARDS, `snapshot ts ${ts} is before the previous ${this.lastTs}`, { field: "ts" });
    if (ts > this.toTs) return;
    this.lastTs = ts;
    const p = this.bySymbol.get(s.symbol);
    if (p === undefined) throw new GrinderError(ErrorCode.UNKNOWN_SYMBOL, `symbol '${s.symbol}' is not an instrument of this replay`, { field: "symbol" });
    this.snapshots++;
    const bid = s.bid_price;
    const ask = s.ask_price;
    const mid = (bid + ask) / 2;
    p.bid = bid;
    p.ask = ask;
    p.mid = mid;
    if (s.funding_rate !== undefined) p.funding = s.funding_rate;
    const trading = ts >= this.fromTs;
    // data-time accounting of the interval since this symbol's previous snapshot
    if (p.lastTs === p.lastTs) {
      const dt = ts - p.lastTs;
      this.regimeMs[p.regimeIdx] += dt;
      if (!p.ctx.adds_allowed) p.addsOffMs += dt;
    }
    p.lastTs = ts;
    // hot path: only objects cross non-inlined calls (a double argument is boxed = allocated)
    this.ledger.markQuote(p.book, s);
    if (trading) {
      if (this.exec.matchQuote(p.hx, s, p.ctx) > 0 || this.exec.hasPending(p.hx))
        this.exec.reconcile(p.symbol, ts, bid, ask, null, p.ctx);
      const tr = this.guard.mark(s, this.ledger);
      if (tr) this.onGuard(tr);
      this.checkDdAlerts(s);
    }
    let tick = p.fe.update(s);
    if (this.cfg.engine.policy_tick === "interval") {
      const iv = this.cfg.engine.tick_interval_ms;
      tick = ts >= p.nextTick;
      if (tick) p.nextTick = (Math.floor(ts / iv) + 1) * iv;
    }
    if (!trading) return;
    if (this.selector !== null && ts >= this.nextSelect) this.select(ts);
    if (tick) this.policyTick(p, ts);
    const mi = this.cfg.engine.mark_interval_ms;
    if (mi > 0 && ts >= this.nextMark) {
      if (this.nextMark !== -Infinity) this.mark(ts);
      this.nextMark = (Math.floor(ts / mi) + 1) * mi;
    }
  }

  private onGuard(tr: GuardTransition): void {
    this.emit({ t: "guard", ...tr });
    this.transitions.push({ kind: "guard", symbol: "*", ts: tr.ts, from: tr.from, to: tr.to, reasons: [tr.reason] });
    if (tr.to === "EMERGENCY") {
      for (const q of this.pipes) {
        q.rc.latchEmergency(tr.ts, tr.reason);
        this.refreshCtx(q);
      }
      this.exec.cancelAll(tr.ts, "EMERGENCY");
      return;
    }
    // adds switched on/off: re-apply the last plans under the new guard (reduce-only trimming)
    for (const q of this.pipes) {
      this.refreshCtx(q);
      if (q.plan) this.exec.reconcile(q.symbol, tr.ts, q.bid, q.ask, q.desired, q.ctx);
    }
  }

  private checkDdAlerts(s: { ts: number }): void {
    const u = this.guard.v[1];
    const r = this.cfg.risk;
    if (u > r.alert_warning_utilization) {
      if (!this.ddWarn) this.alert({ ts: s.ts, alert: "DD_UTILIZATION_WARNING", value: u, threshold: r.alert_warning_utilization });
      this.ddWarn = true;
    } else this.ddWarn = false;
    if (u > r.alert_emergency_utilization) {
      if (!this.ddEmerg) this.alert({ ts: s.ts, alert: "DD_UTILIZATION_EMERGENCY", value: u, threshold: r.alert_emergency_utilization });
      this.ddEmerg = true;
    } else this.ddEmerg = false;
  }

  private refreshCtx(p: Pipe): void {
    const g = this.guard.state;
    const plan = p.plan;
    const c = p.ctx;
    c.stopped = g === "EMERGENCY" || (plan !== null && plan.mode === "EMERGENCY");
    c.damage_control = g === "DAMAGE_CONTROL";
    c.step_pct = plan ? plan.step_pct : 0;
    c.adds_allowed = !c.stopped && g === "NORMAL" && p.selected && plan !== null && plan.adds_allowed;
    c.reduce_only = !c.adds_allowed || (plan !== null && plan.reduce_only);
  }

  private select(ts: number): void {
    for (const p of this.pipes) if (!p.ticked) return; // every symbol needs one assessment first
    for (const p of this.pipes) p.fe.syncL2();
    const views: SymbolView[] = this.pipes.map((p) => ({ symbol: p.symbol, features: p.fe.features, tox: p.tox, regime: p.rc.regime, funding_rate: p.funding }));
    const sel = this.selector!.select(ts, views, this.guard.budget);
    this.nextSelect = (Math.floor(ts / this.cfg.engine.reselect_interval_ms) + 1) * this.cfg.engine.reselect_interval_ms;
    const chosen = new Set(sel.selected);
    let changed = false;
    for (const p of this.pipes) {
      const now = chosen.has(p.symbol);
      const budget = now ? sel.budgets[p.symbol] ?? 0 : 0;
      if (now !== p.selected || budget !== p.budget) changed = true;
      p.selected = now;
      p.budget = budget;
      this.refreshCtx(p);
    }
    if (changed || this.selections.length === 0) {
      this.selections.push(sel);
      this.emit({ t: "selection", ...sel });
      for (const p of this.pipes) if (p.plan) this.exec.reconcile(p.symbol, ts, p.bid, p.ask, p.desired, p.ctx);
    }
  }

  private policyTick(p: Pipe, ts: number): void {
    this.ticks++;
    const cfg = this.cfg;
    const st = this.opts.stages;
    p.fe.syncL2();
    const f = p.fe.features;
    const tox = st.toxicity(f, cfg);
    p.tox = tox;
    p.ticked = true;
    const dec = p.rc.update(f, tox);
    if (dec.changed && dec.transition) {
      this.transitionsCount++;
      this.emit({ t: "regime", ...dec.transition });
      this.transitions.push({ kind: "regime", ...dec.transition });
    }
    if (dec.regime !== p.regimeNow) p.regimeIdx = REGIMES.indexOf(dec.regime);
    p.regimeNow = dec.regime;
    const equity = this.ledger.equityFloat();
    const book = this.ledger.book(p.symbol);
    const plan = st.plan(
      { symbol: p.symbol, ts, instrument: p.inst, features: f, regime: dec.regime, tox, dd_budget: p.budget, equity, inventory_qty: book.posF, guard: this.guard.state },
      cfg,
    );
    p.plan = plan;
    this.opts.onPlan?.(plan, p.selected);
    p.desired = plan.bids.concat(plan.asks);
    if (this.events) this.emit({ t: "plan", plan });
    else this.line(planLine(plan));
    this.refreshCtx(p);
    this.exec.reconcile(p.symbol, ts, p.bid, p.ask, p.desired, p.ctx);
    this.sustainedAlerts(p, ts, equity);
    if (!this.tables) return;
    const b = this.barCols;
    b.ts.push(ts); b.symbol.push(p.symbol); b.mid.push(p.mid); b.equity.push(equity); b.inventory.push(book.posF);
    b.inventory_notional.push(Math.abs(book.posF * p.mid)); b.regime.push(dec.regime); b.mode.push(plan.mode); b.guard.push(this.guard.state);
    b.dd.push(this.guard.dd); b.dd_utilization.push(this.guard.utilization); b.step_pct.push(plan.step_pct);
    b.levels_up.push(plan.levels_up); b.levels_down.push(plan.levels_down); b.realized_pnl.push(book.realizedF);
    b.fees.push(book.feesF); b.open_orders.push(this.exec.openOrders(p.symbol).length); b.selected.push(p.selected ? "true" : "false");
  }

  private sustainedAlerts(p: Pipe, ts: number, equity: number): void {
    const sustain = this.cfg.engine.alert_sustain_ms;
    const high = p.tox.severity === "HIGH" || p.tox.severity === "EXTREME";
    if (high) {
      if (p.toxHighSince !== p.toxHighSince) p.toxHighSince = ts;
      if (!p.toxAlerted && ts - p.toxHighSince >= sustain) {
        p.toxAlerted = true;
        this.alert({ ts, alert: "TOX_HIGH_SUSTAINED", symbol: p.symbol, value: ts - p.toxHighSince, threshold: sustain });
      }
    } else {
      p.toxHighSince = Number.NaN;
      p.toxAlerted = false;
    }
    if (p.fe.features.l2_stale) {
      if (p.l2StaleSince !== p.l2StaleSince) p.l2StaleSince = ts;
      if (!p.l2Alerted && ts - p.l2StaleSince >= sustain) {
        p.l2Alerted = true;
        this.alert({ ts, alert: "L2_STALE_SUSTAINED", symbol: p.symbol, value: ts - p.l2StaleSince, threshold: sustain });
      }
    } else {
      p.l2StaleSince = Number.NaN;
      p.l2Alerted = false;
    }
    const lev = this.ledger.leverageFloat(equity);
    const cap = this.cfg.risk.max_effective_leverage;
    if (lev > cap) {
      if (!this.levAlert) this.alert({ ts, alert: "LEVERAGE_OVER_CAP", value: lev, threshold: cap });
      this.levAlert = true;
    } else this.levAlert = false;
  }

  private mark(ts: number): void {
    const v = this.ledger.view();
    this.emit({
      t: "mark", ts, equity: v.equity, realized_pnl: v.realized_pnl, unrealized_pnl: v.unrealized_pnl, fees: v.fees,
      inventory_notional: v.inventory_notional, effective_leverage: v.effective_leverage, dd: this.guard.dd,
      dd_utilization: this.guard.utilization, guard: this.guard.state,
      symbols: v.symbols.map((s) => ({ symbol: s.symbol, position: s.position, avg_entry: s.avg_entry, mark: s.mark })),
    });
  }

  /**
   * Explicitly reset the EMERGENCY latch of the drawdown guard (spec 17.14.3: latched until
   * reset). Trading resumes at the next policy tick.
   */
  resetEmergency(ts: number): void {
    const tr = this.guard.reset(ts, this.ledger.equityFloat());
    if (tr) this.onGuard(tr);
  }

  /** Close the run: final mark, summary line, metrics. The engine cannot be stepped afterwards. */
  async finish(): Promise<ReplayResult> {
    if (this.finished) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "replay already finished");
    this.finished = true;
    const lastTs = this.lastTs === -Infinity ? 0 : this.lastTs;
    this.mark(lastTs);
    const v = this.ledger.view();
    let cycles = 0;
    let cycleProfit = 0;
    const perSym: SymbolMetricValues[] = [];
    for (const p of this.pipes) {
      const ce = this.exec.cycleEngine(p.symbol);
      cycles += ce.cycles;
      cycleProfit += ce.totalProfit;
      const sv = v.symbols[p.idx];
      p.fe.syncL2();
      const f = p.fe.features;
      perSym.push({
        symbol: p.symbol, cycles: ce.cycles, realized_pnl: sv.realized_pnl, unrealized_pnl: sv.unrealized_pnl, turnover: sv.turnover, fees: sv.fees,
        avg_cycle_profit_bps: ce.cycles ? ce.profitBpsSum / ce.cycles : 0, max_inventory_notional: sv.max_inventory_notional, adds_off_ms: p.addsOffMs,
        spread_bps: f.spread_bps, impact_bps: f.impact_bps, placed: p.placed, fills: p.fills, cancels: p.cancels, amends: p.amends, tox_severity: p.tox.severity,
      });
    }
    const c = this.exec.counters;
    const summary: ReplaySummary = {
      snapshots: this.snapshots,
      ticks: this.ticks,
      fills: c.fills,
      cycles,
      cycle_profit: cycleProfit,
      realized_pnl: v.realized_pnl,
      unrealized_pnl: v.unrealized_pnl,
      fees: v.fees,
      turnover: v.turnover,
      equity_start: v.initial_equity,
      equity_end: v.equity,
      return_pct: ((v.equity - v.initial_equity) / v.initial_equity) * 100,
      max_dd: this.guard.maxDd,
      max_dd_utilization: this.guard.maxUtilization,
      max_inventory_notional: Math.max(0, ...v.symbols.map((s) => s.max_inventory_notional)),
      intents_placed: c.place_accepted,
      intents_refused: c.place_refused + c.amend_refused,
      cancels: c.cancels,
      amends: c.amend_accepted,
      regime_transitions: this.transitionsCount,
      guard_final: this.guard.state,
      alerts: this.alerts.length,
    };
    this.emit({ t: "end", ts: lastTs, summary });
    this.metrics.publish(perSym, {
      dd_current: this.guard.dd, dd_budget: this.guard.budget, dd_utilization: this.guard.utilization, max_dd_utilization: this.guard.maxUtilization,
      effective_leverage: v.effective_leverage, equity: v.equity, time_in_regime_ms: Object.fromEntries(REGIMES.map((r, i) => [r, this.regimeMs[i]]).filter(([, v]) => (v as number) > 0)), alerts: this.alertCounts,
    });
    this.flush();
    const events_count = this.lines;
    return {
      digest: this.digest.hex(),
      fill_model: this.exec.fillModel.id,
      config_hash: this.opts.configHash,
      fixture: this.opts.fixtureName ?? "",
      content_sha256: this.opts.contentSha256 ?? "",
      events_count,
      summary,
      metrics: await this.metrics.json(),
      metrics_text: await this.metrics.text(),
      bars: aq.table({
        ...Object.fromEntries(Object.entries(this.barCols).map(([k, c]) => [k, c.toArray()])),
        selected: this.barCols.selected.toArray().map((x) => x === "true"),
      }),
      fills: aq.table(this.fillCols),
      cycles: aq.table(this.cycleCols),
      transitions: this.transitions,
      selections: this.selector ? this.selections : undefined,
      alerts: this.alerts,
      events: this.events ?? undefined,
    };
  }
}

function num(v: number): string {
  if (!Number.isFinite(v)) throw new GrinderError(ErrorCode.INVARIANT, `non-finite number ${v} in canonical JSON`);
  return Object.is(v, -0) ? "0" : String(v);
}

/**
 * Canonical JSON line of an intent event, built by hand for speed (intents are the bulk of the
 * log). Must equal `canonicalJson({ t: "intent", ...i })` byte for byte (tested).
 */
export function intentLine(i: Intent): string {
  return (
    `{"accepted":${i.accepted ? "true" : "false"},"order_id":${JSON.stringify(i.order_id)},"price":${num(i.price)},"qty":${num(i.qty)}` +
    (i.reason !== undefined ? `,"reason":${JSON.stringify(i.reason)}` : "") +
    `,"side":${JSON.stringify(i.side)},"symbol":${JSON.stringify(i.symbol)},"t":"intent","ts":${num(i.ts)},"type":${JSON.stringify(i.type)}}`
  );
}

const PLAN_KEYS = 19;

function levelsJson(ls: ReadonlyArray<GridLevel>): string {
  let out = "[";
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i];
    if (Object.keys(l).length !== 4) return canonicalJson(ls);
    out += `${i ? "," : ""}{"index":${num(l.index)},"price":${num(l.price)},"qty":${num(l.qty)},"side":${JSON.stringify(l.side)}}`;
  }
  return out + "]";
}

function numsJson(xs: ReadonlyArray<number>): string {
  let out = "[";
  for (let i = 0; i < xs.length; i++) out += (i ? "," : "") + num(xs[i]);
  return out + "]";
}

/**
 * Canonical JSON line of a plan event, built by hand for speed. Falls back to `canonicalJson`
 * when the plan carries fields this writer does not know (an additive contract change), so it
 * always equals `canonicalJson({ t: "plan", plan })` (tested).
 */
export function planLine(p: GridPlan): string {
  const ss = p.size_schedule;
  if (Object.keys(p).length !== PLAN_KEYS || Object.keys(ss).length !== 2 || p.reasons.some((r) => typeof r !== "string"))
    return canonicalJson({ t: "plan", plan: p });
  return (
    `{"plan":{"adds_allowed":${p.adds_allowed ? "true" : "false"},"asks":${levelsJson(p.asks)},"bids":${levelsJson(p.bids)}` +
    `,"center_price":${num(p.center_price)},"dd_budget":${num(p.dd_budget)},"levels_down":${num(p.levels_down)},"levels_up":${num(p.levels_up)}` +
    `,"mode":${JSON.stringify(p.mode)},"reasons":[${p.reasons.map((r) => JSON.stringify(r)).join(",")}],"reduce_only":${p.reduce_only ? "true" : "false"}` +
    `,"regime":${JSON.stringify(p.regime)},"size_schedule":{"buy":${numsJson(ss.buy)},"sell":${numsJson(ss.sell)}},"step_pct":${num(p.step_pct)}` +
    `,"symbol":${JSON.stringify(p.symbol)},"ts":${num(p.ts)},"width_down_pct":${num(p.width_down_pct)},"width_up_pct":${num(p.width_up_pct)}` +
    `,"worst_case_loss":${num(p.worst_case_loss)},"x_stress_pct":${num(p.x_stress_pct)}},"t":"plan"}`
  );
}
