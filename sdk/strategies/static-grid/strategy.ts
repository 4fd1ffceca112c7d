import Decimal from "decimal.js";
import { ErrorCode, GrinderError } from "../../contracts/errors";
import { qtyForNotional, qtyNotional, type InstrumentSpec } from "../../contracts/market";
import { fillRecord, type MarketEvent } from "../../contracts/events";
import type { Fill, GridLevel } from "../../contracts/trading";
import { ExecutionConfigSchema, type ExecutionConfig, type ExecutionConfigInput } from "../../execution/config";
import { CycleEngine } from "../../execution/cycle";
import { OrderManager, type SymbolExecContext } from "../../execution/order-manager";
import { quantizePrice, quantizeQty } from "../../util/quantize";
import type { RiskTransition, Strategy, StrategyContext, StrategyReport, StrategyStats } from "../../strategy/types";

/** Options of the static grid (its own, not a section of the GRINDER config). */
export interface StaticGridOptions {
  /** Levels per side. */
  levels?: number;
  /** Distance between levels as a fraction of the centre (0.002 = 0.2 %). */
  step_frac?: number;
  /** @deprecated Old name of `step_frac` (ADR-160), read as it; both given is `E_CONFIG`. */
  step_pct?: number;
  /** Quote notional per level (qty = notional / price, floored to the lot). */
  notional?: number;
  /** How often (data time) the grid is re-armed: filled levels placed again. */
  tick_interval_ms?: number;
  /** Re-centre on the mid when it leaves the grid's outermost level (false = one fixed centre). */
  recenter?: boolean;
  /** Order manager settings (caps, rate limit, TP/replenish rules); default = the config defaults. */
  execution?: ExecutionConfigInput;
}

interface Leg {
  inst: InstrumentSpec;
  cycle: CycleEngine;
  ctx: SymbolExecContext;
  grid: GridLevel[] | null;
  centre: number;
  pos: Decimal;
  posF: number;
  nextTick: number;
  mid: number;
  fills: number;
  placed: number;
  cancels: number;
  amends: number;
}

/**
 * A static symmetric grid (ADR-044): `levels` BUYs below and SELLs above a centre at a fixed
 * `step_frac`, a fixed notional per level, take-profits and replenishment by the shared
 * CycleEngine, no features, no regimes. The baseline the calibration compares the adaptive grid
 * against, and proof that a strategy plugs into the loop without touching venue or engine.
 */
export class StaticGridStrategy implements Strategy {
  readonly id = "static-grid@1";
  private readonly o: Required<Omit<StaticGridOptions, "execution" | "step_pct">>;
  private readonly exec: ExecutionConfig;
  private orders!: OrderManager;
  private ctx!: StrategyContext;
  private readonly legs = new Map<string, Leg>();
  private ticks = 0;

  constructor(opts: StaticGridOptions = {}) {
    if (opts.step_pct !== undefined && opts.step_frac !== undefined)
      throw new GrinderError(ErrorCode.CONFIG, "both 'step_pct' (deprecated alias) and 'step_frac' are given; keep 'step_frac'", { field: "step_pct" });
    this.o = { levels: opts.levels ?? 5, step_frac: opts.step_frac ?? opts.step_pct ?? 0.002, notional: opts.notional ?? 200, tick_interval_ms: opts.tick_interval_ms ?? 60_000, recenter: opts.recenter ?? true };
    this.exec = ExecutionConfigSchema.parse(opts.execution ?? {});
  }

  start(ctx: StrategyContext): void {
    this.ctx = ctx;
    this.orders = new OrderManager(this.exec, ctx.instruments, {
      intent: (i) => {
        const l = this.legs.get(i.symbol)!;
        if (i.accepted) {
          if (i.type === "PLACE") l.placed++;
          else if (i.type === "CANCEL") l.cancels++;
          else l.amends++;
        }
        ctx.record({ t: "intent", ...i });
      },
      send: (r) => ctx.send(r),
    }, { confirmCancels: ctx.confirmations });
    for (const inst of ctx.instruments)
      this.legs.set(inst.symbol, {
        inst, cycle: new CycleEngine(inst.symbol, inst, this.exec.replenish, this.exec.damage_control_tp_factor),
        ctx: { step_frac: this.o.step_frac, adds_allowed: true, damage_control: false, reduce_only: false, stopped: false },
        grid: null, centre: 0, pos: new Decimal(0), posF: 0, nextTick: -Infinity, mid: 0, fills: 0, placed: 0, cancels: 0, amends: 0,
      });
  }

  private build(l: Leg, centre: number): GridLevel[] {
    const { levels, step_frac, notional } = this.o;
    const out: GridLevel[] = [];
    for (let i = 1; i <= levels; i++) {
      const bp = quantizePrice(centre * (1 - i * step_frac), l.inst.tick_size, "BUY");
      const sp = quantizePrice(centre * (1 + i * step_frac), l.inst.tick_size, "SELL");
      // contract instruments (ADR-120): qty in contracts for the quote notional
      const bq = quantizeQty(qtyForNotional(l.inst, notional, bp), l.inst.lot_size);
      const sq = quantizeQty(qtyForNotional(l.inst, notional, sp), l.inst.lot_size);
      if (bp > 0 && bq > 0 && qtyNotional(l.inst, bq, bp) >= l.inst.min_notional) out.push({ side: "BUY", index: i, price: bp, qty: bq });
      if (sq > 0 && qtyNotional(l.inst, sq, sp) >= l.inst.min_notional) out.push({ side: "SELL", index: i, price: sp, qty: sq });
    }
    return out;
  }

  private refresh(l: Leg): void {
    const g = this.ctx.risk.guard;
    l.ctx.stopped = g === "EMERGENCY";
    l.ctx.damage_control = g === "DAMAGE_CONTROL";
    l.ctx.adds_allowed = g === "NORMAL";
    l.ctx.reduce_only = g !== "NORMAL";
  }

  onMarket(ev: MarketEvent, trading: boolean): boolean {
    if (ev.type !== "quote") return false;
    const s = ev.snapshot;
    const l = this.legs.get(s.symbol)!;
    l.mid = (s.bid_price + s.ask_price) / 2;
    if (!trading || s.ts < l.nextTick) return false;
    l.nextTick = (Math.floor(s.ts / this.o.tick_interval_ms) + 1) * this.o.tick_interval_ms;
    this.ticks++;
    const span = this.o.levels * this.o.step_frac;
    if (l.grid === null || (this.o.recenter && Math.abs(l.mid / l.centre - 1) > span)) {
      l.centre = l.mid;
      l.grid = this.build(l, l.mid);
    }
    this.refresh(l);
    this.orders.reconcile(s.symbol, s.ts, l.posF, l.grid, l.cycle.pending, l.ctx);
    this.ctx.bar({
      ts: s.ts, symbol: s.symbol, mid: l.mid, regime: "STATIC", mode: l.ctx.reduce_only ? "REDUCE_ONLY" : "NORMAL", step_frac: this.o.step_frac,
      levels_up: this.o.levels, levels_down: this.o.levels, open_orders: this.orders.openOrders(s.symbol).length, selected: true,
    });
    return true;
  }

  onReports(batch: ReadonlyArray<StrategyReport>): void {
    const om = this.orders;
    const orders = batch.map((r) => om.onReport(r));
    const touched = new Set<Leg>();
    batch.forEach((r, k) => {
      if (r.type !== "FILL") return;
      const l = this.legs.get(r.symbol)!;
      l.pos = l.pos.add(r.side === "BUY" ? r.qty : -r.qty);
      l.posF = l.pos.toNumber();
      l.fills++;
      touched.add(l);
      const o = orders[k];
      if (o === null) return;
      const fill: Fill = { order_id: r.order_id, symbol: r.symbol, side: r.side, kind: o.kind, price: r.price, qty: r.qty, ts: r.ts, fee: r.fee, liquidity: r.liquidity };
      this.ctx.record(fillRecord(fill, o.level, r.realized ?? 0));
      const outer = om.outermostGrid(r.symbol, r.side);
      const entry = o.kind === "TP" ? { price: o.entry_price, fee: r.qty === o.qty ? o.entry_fee : (o.entry_fee * r.qty) / o.qty, ts: o.entry_ts } : undefined;
      const c = l.cycle.onFill(fill, o.level, l.ctx, outer.price, outer.level, entry);
      if (c) this.ctx.record({ t: "cycle", ...c });
    });
    for (const l of touched) this.orders.reconcile(l.inst.symbol, batch[batch.length - 1].ts, l.posF, null, l.cycle.pending, l.ctx);
  }

  onRisk(tr: RiskTransition): void {
    for (const l of this.legs.values()) {
      this.refresh(l);
      if (tr.to === "EMERGENCY") l.cycle.pending.length = 0;
      this.orders.reconcile(l.inst.symbol, tr.ts, l.posF, l.grid, l.cycle.pending, l.ctx);
    }
  }

  finish(): StrategyStats {
    const c = this.orders.counters;
    let cycles = 0;
    let profit = 0;
    const symbols = [...this.legs.values()].map((l) => {
      cycles += l.cycle.cycles;
      profit += l.cycle.totalProfit;
      return {
        symbol: l.inst.symbol, cycles: l.cycle.cycles, avg_cycle_profit_bps: l.cycle.cycles ? l.cycle.profitBpsSum / l.cycle.cycles : 0, adds_off_ms: 0,
        spread_bps: 0, impact_bps: null, placed: l.placed, fills: l.fills, cancels: l.cancels, amends: l.amends, tox_severity: "LOW" as const,
      };
    });
    return {
      ticks: this.ticks, fills: c.fills, cycles, cycle_profit: profit, intents_placed: c.place_accepted, intents_refused: c.place_refused + c.amend_refused,
      cancels: c.cancels, amends: c.amend_accepted, regime_transitions: 0, symbols, time_in_regime_ms: {},
    };
  }
}
