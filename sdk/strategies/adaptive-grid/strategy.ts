import Decimal from "decimal.js";
import type { InstrumentSpec } from "../../contracts/market";
import { fillRecord, type MarketEvent } from "../../contracts/events";
import type { PortfolioSelector, Selection, SymbolView, ToxAssessment } from "../../contracts/features";
import type { Fill, GridLevel, GridPlan, Intent, Regime } from "../../contracts/trading";
import { REGIMES } from "../../contracts/trading";
import type { GrinderConfig } from "../../config";
import { CycleEngine } from "../../execution/cycle";
import { OrderManager, type SymbolExecContext } from "../../execution/order-manager";
import type { RiskTransition, Strategy, StrategyContext, StrategyReport, StrategyStats } from "../../strategy/types";
import type { FeatureStage, RegimeStage, StageFactory } from "./stages";
import { regimeRow, type RegimeRow } from "./regime-record";

const NEUTRAL_TOX: ToxAssessment = { severity: "LOW", action: "NORMAL", penalty: 0, reasons: [] };

export interface AdaptiveGridOptions {
  config: GrinderConfig;
  stages: StageFactory<GrinderConfig>;
  /** Portfolio selection (Top-K): null = every symbol trades with budget / N. */
  selector?: PortfolioSelector | null;
  /** Collect one `RegimeRow` per policy tick per symbol here (the engine's own regime record). */
  regimeRows?: RegimeRow[];
  /** Called with every plan and whether its symbol held a seat (no effect on the digest; ADR-073). */
  onPlan?: (plan: GridPlan, selected: boolean) => void;
}

interface Pipe {
  symbol: string;
  idx: number;
  inst: InstrumentSpec;
  fe: FeatureStage;
  rc: RegimeStage;
  cycle: CycleEngine;
  /** Position from the fills reported so far (decimal, as the venue's account books it). */
  pos: Decimal;
  posF: number;
  /** Index of the current regime in REGIMES (data-time accounting without string keys). */
  regimeIdx: number;
  tox: ToxAssessment;
  plan: GridPlan | null;
  desired: GridLevel[] | null;
  ctx: SymbolExecContext;
  selected: boolean;
  budget: number;
  lastTs: number;
  nextTick: number;
  ticked: boolean;
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
  /** A reconcile already ran for this symbol on the current market event (fills). */
  reconciledAt: number;
}

/**
 * The Adaptive Smart Grid as a strategy (ADR-043): per symbol features → toxicity → regime →
 * (portfolio selection) → planGrid → OrderManager reconcile, and the CycleEngine's take-profit /
 * replenishment on every fill its execution reports tell it of. It knows its orders and its
 * position only from what it sent and what came back.
 */
export class AdaptiveGridStrategy implements Strategy {
  readonly id = "adaptive-grid@1";
  private readonly cfg: GrinderConfig;
  private readonly pipes: Pipe[] = [];
  private readonly bySymbol = new Map<string, Pipe>();
  private readonly selector: PortfolioSelector | null;
  private orders!: OrderManager;
  private ctx!: StrategyContext;
  private nextSelect = -Infinity;
  private ticks = 0;
  private transitionsCount = 0;
  private readonly selections: Selection[] = [];
  private readonly regimeMs = new Float64Array(REGIMES.length);
  private readonly rows: RegimeRow[] | null;
  /** Global bar clock (ADR-046): open time of the current bar interval over all symbols. */
  private globalOpen = -1;
  private globalClock = false;

  constructor(private readonly opts: AdaptiveGridOptions) {
    this.cfg = opts.config;
    this.selector = opts.selector ?? null;
    this.rows = opts.regimeRows ?? null;
  }

  /** SHA-256 of the ML regime model when one classifies (ADR-112); undefined for the heuristic. */
  get regimeModel(): string | undefined {
    return this.pipes.length ? this.pipes[0].rc.classifierId : undefined;
  }

  /** The order manager (the strategy's view of its orders). */
  get orderManager(): OrderManager {
    return this.orders;
  }
  /** Selections that changed the seats or budgets (the first one always). */
  get selectionLog(): Selection[] {
    return this.selections;
  }
  regimeOf(symbol: string): Regime {
    return this.bySymbol.get(symbol)!.regimeNow;
  }

  start(ctx: StrategyContext): void {
    this.ctx = ctx;
    const cfg = this.cfg;
    const insts = ctx.instruments;
    this.orders = new OrderManager(cfg.execution, insts, { intent: (i) => this.onIntent(i), send: (r) => ctx.send(r) }, { confirmCancels: ctx.confirmations });
    const perSymbolBudget = ctx.risk.dd_budget / insts.length;
    insts.forEach((inst, idx) => {
      const rc = this.opts.stages.regime(inst.symbol, cfg);
      const p: Pipe = {
        symbol: inst.symbol, idx, inst, fe: this.opts.stages.features(inst, cfg), rc,
        cycle: new CycleEngine(inst.symbol, inst, cfg.execution.replenish, cfg.execution.damage_control_tp_factor),
        pos: new Decimal(0), posF: 0, regimeIdx: REGIMES.indexOf(rc.regime), tox: NEUTRAL_TOX, plan: null, desired: null,
        ctx: { step_frac: 0, adds_allowed: false, damage_control: false, reduce_only: true, stopped: false },
        selected: this.selector === null, budget: this.selector === null ? perSymbolBudget : 0,
        lastTs: Number.NaN, nextTick: -Infinity, ticked: false, mid: 0, funding: null, regimeNow: rc.regime,
        addsOffMs: 0, placed: 0, fills: 0, cancels: 0, amends: 0,
        toxHighSince: Number.NaN, toxAlerted: false, l2StaleSince: Number.NaN, l2Alerted: false, reconciledAt: Number.NaN,
      };
      this.pipes.push(p);
      this.bySymbol.set(inst.symbol, p);
    });
    this.globalClock = this.pipes.length > 1 && cfg.engine.policy_tick === "bar" && this.pipes.every((p) => p.fe.advanceTime !== undefined);
  }

  private onIntent(i: Intent): void {
    const p = this.bySymbol.get(i.symbol)!;
    if (i.accepted) {
      if (i.type === "PLACE") p.placed++;
      else if (i.type === "CANCEL") p.cancels++;
      else p.amends++;
    }
    this.ctx.recordIntent(i);
  }

  private reconcile(p: Pipe, ts: number, desired: GridLevel[] | null): void {
    this.orders.reconcile(p.symbol, ts, p.posF, desired, p.cycle.pending, p.ctx);
  }

  onReports(batch: ReadonlyArray<StrategyReport>): void {
    const om = this.orders;
    // apply the whole batch to the order view first: the CycleEngine sees the orders left after the event
    const orders = batch.map((r) => om.onReport(r));
    let touched: Pipe | null = null;
    let more: Pipe[] | null = null;
    for (let k = 0; k < batch.length; k++) {
      const r = batch[k];
      if (r.type !== "FILL") continue;
      const o = orders[k];
      const p = this.bySymbol.get(r.symbol)!;
      p.pos = p.pos.add(r.side === "BUY" ? r.qty : -r.qty);
      p.posF = p.pos.toNumber();
      p.fills++;
      if (touched === null) touched = p;
      else if (touched !== p && !(more ??= []).includes(p)) more.push(p);
      if (o === null) continue; // not an order of ours: nothing to cycle
      const fill: Fill = { order_id: r.order_id, symbol: r.symbol, side: r.side, kind: o.kind, price: r.price, qty: r.qty, ts: r.ts, fee: r.fee, liquidity: r.liquidity };
      this.ctx.metrics.timeToFill.observe({ symbol: r.symbol }, (r.ts - o.created_ts) / 1000);
      this.ctx.record(fillRecord(fill, o.level, r.realized ?? 0));
      const outer = om.outermostGrid(r.symbol, r.side);
      const entry = o.kind === "TP" ? { price: o.entry_price, fee: r.qty === o.qty ? o.entry_fee : (o.entry_fee * r.qty) / o.qty, ts: o.entry_ts } : undefined;
      const c = p.cycle.onFill(fill, o.level, p.ctx, outer.price, outer.level, entry);
      if (c) this.ctx.record({ t: "cycle", ...c });
    }
    // after fills: place the TPs / replenishments and re-apply reduce-only trimming
    if (touched !== null) {
      const ts = batch[batch.length - 1].ts;
      for (const p of more ? [touched, ...more] : [touched]) {
        this.reconcile(p, ts, null);
        p.reconciledAt = ts;
      }
    }
  }

  onRisk(tr: RiskTransition): void {
    if (tr.to === "EMERGENCY") {
      for (const q of this.pipes) {
        q.rc.latchEmergency(tr.ts, tr.reason);
        this.refreshCtx(q);
      }
      this.orders.cancelAll(tr.ts, "EMERGENCY");
      for (const q of this.pipes) q.cycle.pending.length = 0;
      return;
    }
    // adds switched on/off: re-apply the last plans under the new guard (reduce-only trimming)
    for (const q of this.pipes) {
      this.refreshCtx(q);
      if (q.plan) this.reconcile(q, tr.ts, q.desired);
    }
  }

  onMarket(ev: MarketEvent, trading: boolean): boolean {
    if (ev.type !== "quote") return false;
    const s = ev.snapshot;
    const ts = s.ts;
    const ix = ev.symbol_index;
    const p = ix !== undefined && this.pipes[ix] !== undefined && this.pipes[ix].symbol === s.symbol ? this.pipes[ix] : this.bySymbol.get(s.symbol)!;
    p.mid = (s.bid_price + s.ask_price) / 2;
    if (s.funding_rate !== undefined) p.funding = s.funding_rate;
    // data-time accounting of the interval since this symbol's previous snapshot
    if (p.lastTs === p.lastTs) {
      const dt = ts - p.lastTs;
      this.regimeMs[p.regimeIdx] += dt;
      if (!p.ctx.adds_allowed) p.addsOffMs += dt;
    }
    p.lastTs = ts;
    // TPs waiting for a rate-limit token are retried on every market event
    if (trading && p.reconciledAt !== ts && p.cycle.pending.length > 0) this.reconcile(p, ts, null);
    p.reconciledAt = Number.NaN;
    // global bar clock: at the first event of a new bar interval, every OTHER symbol closes its
    // due bars (a silent feed still ticks, ageing into staleness) in lexical order, then this one
    let others = false;
    if (this.globalClock) {
      const iv = this.cfg.features.bar_interval_ms;
      // inside the current interval nothing is due (and no `%`: a floating-point remainder is a library call)
      const open = this.globalOpen >= 0 && ts < this.globalOpen + iv ? this.globalOpen : ts - (ts % iv);
      if (open > this.globalOpen) {
        if (this.globalOpen >= 0)
          for (const q of this.pipes)
            if (q !== p && q.fe.advanceTime!(ts) && trading) {
              this.policyTick(q, ts);
              others = true;
            }
        this.globalOpen = open;
      }
    }
    let tick = p.fe.update(s);
    if (this.cfg.engine.policy_tick === "interval") {
      const iv = this.cfg.engine.tick_interval_ms;
      tick = ts >= p.nextTick;
      if (tick) p.nextTick = (Math.floor(ts / iv) + 1) * iv;
    }
    if (!trading) return false;
    if (this.selector !== null && ts >= this.nextSelect) this.select(ts);
    if (tick) this.policyTick(p, ts);
    return tick || others;
  }

  private refreshCtx(p: Pipe): void {
    const g = this.ctx.risk.guard;
    const plan = p.plan;
    const c = p.ctx;
    c.stopped = g === "EMERGENCY" || (plan !== null && plan.mode === "EMERGENCY");
    c.damage_control = g === "DAMAGE_CONTROL";
    c.step_frac = plan ? plan.step_frac : 0;
    c.adds_allowed = !c.stopped && g === "NORMAL" && p.selected && plan !== null && plan.adds_allowed;
    c.reduce_only = !c.adds_allowed || (plan !== null && plan.reduce_only);
  }

  private select(ts: number): void {
    for (const p of this.pipes) if (!p.ticked) return; // every symbol needs one assessment first
    for (const p of this.pipes) p.fe.syncL2();
    const views: SymbolView[] = this.pipes.map((p) => ({ symbol: p.symbol, features: p.fe.features, tox: p.tox, regime: p.rc.regime, funding_rate: p.funding }));
    const sel = this.selector!.select(ts, views, this.ctx.risk.dd_budget);
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
      this.ctx.record({ t: "selection", ...sel });
      for (const p of this.pipes) if (p.plan) this.reconcile(p, ts, p.desired);
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
      this.ctx.record({ t: "regime", ...dec.transition });
    }
    if (dec.regime !== p.regimeNow) p.regimeIdx = REGIMES.indexOf(dec.regime);
    p.regimeNow = dec.regime;
    if (this.rows !== null) this.rows.push(regimeRow(p.symbol, f, tox, dec, p.rc));
    const equity = this.ctx.equity();
    const plan = st.plan(
      {
        symbol: p.symbol, ts, instrument: p.inst, features: f, regime: dec.regime, tox, dd_budget: p.budget, equity, inventory_qty: p.posF, guard: this.ctx.risk.guard,
        bar_interval_ms: cfg.features.bar_interval_ms,
      },
      cfg,
    );
    p.plan = plan;
    this.opts.onPlan?.(plan, p.selected);
    p.desired = plan.bids.concat(plan.asks);
    this.ctx.record({ t: "plan", plan });
    this.refreshCtx(p);
    this.reconcile(p, ts, p.desired);
    this.sustainedAlerts(p, ts);
    this.ctx.bar({
      ts, symbol: p.symbol, mid: p.mid, regime: dec.regime, mode: plan.mode, step_frac: plan.step_frac, levels_up: plan.levels_up,
      levels_down: plan.levels_down, open_orders: this.orders.openOrders(p.symbol).length, selected: p.selected,
    });
  }

  private sustainedAlerts(p: Pipe, ts: number): void {
    const sustain = this.cfg.engine.alert_sustain_ms;
    const high = p.tox.severity === "HIGH" || p.tox.severity === "EXTREME";
    if (high) {
      if (p.toxHighSince !== p.toxHighSince) p.toxHighSince = ts;
      if (!p.toxAlerted && ts - p.toxHighSince >= sustain) {
        p.toxAlerted = true;
        this.ctx.record({ t: "alert", ts, alert: "TOX_HIGH_SUSTAINED", symbol: p.symbol, value: ts - p.toxHighSince, threshold: sustain });
      }
    } else {
      p.toxHighSince = Number.NaN;
      p.toxAlerted = false;
    }
    if (p.fe.features.l2_stale) {
      if (p.l2StaleSince !== p.l2StaleSince) p.l2StaleSince = ts;
      if (!p.l2Alerted && ts - p.l2StaleSince >= sustain) {
        p.l2Alerted = true;
        this.ctx.record({ t: "alert", ts, alert: "L2_STALE_SUSTAINED", symbol: p.symbol, value: ts - p.l2StaleSince, threshold: sustain });
      }
    } else {
      p.l2StaleSince = Number.NaN;
      p.l2Alerted = false;
    }
  }

  finish(): StrategyStats {
    let cycles = 0;
    let cycleProfit = 0;
    const c = this.orders.counters;
    const symbols = this.pipes.map((p) => {
      const ce = p.cycle;
      cycles += ce.cycles;
      cycleProfit += ce.totalProfit;
      p.fe.syncL2();
      const f = p.fe.features;
      return {
        symbol: p.symbol, cycles: ce.cycles, avg_cycle_profit_bps: ce.cycles ? ce.profitBpsSum / ce.cycles : 0, adds_off_ms: p.addsOffMs,
        spread_bps: f.spread_bps, impact_bps: f.impact_bps, placed: p.placed, fills: p.fills, cancels: p.cancels, amends: p.amends, tox_severity: p.tox.severity,
      };
    });
    return {
      ticks: this.ticks, fills: c.fills, cycles, cycle_profit: cycleProfit, intents_placed: c.place_accepted, intents_refused: c.place_refused + c.amend_refused,
      cancels: c.cancels, amends: c.amend_accepted, regime_transitions: this.transitionsCount, symbols,
      time_in_regime_ms: Object.fromEntries(REGIMES.map((r, i) => [r, this.regimeMs[i]]).filter(([, v]) => (v as number) > 0)),
    };
  }
}
