import type { InstrumentSpec } from "../../sdk/contracts/market";
import type { CycleRecord } from "../../sdk/contracts/events";
import type { Fill, GridLevel, Intent } from "../../sdk/contracts/trading";
import { ExecutionConfigSchema, type ExecutionConfig } from "../../sdk/execution/config";
import { CycleEngine } from "../../sdk/execution/cycle";
import { OrderManager, type SymbolExecContext } from "../../sdk/execution/order-manager";
import { Ledger } from "../../sdk/ledger/ledger";
import { FeeModel, SimVenue, makeFillModel, type ExecutionReport, type OrderRequest } from "../../sdk/sim";

export const BTC: InstrumentSpec = { symbol: "BTC", tick_size: 0.1, lot_size: 0.001, min_notional: 1 };

/**
 * The order manager, CycleEngine, venue (latency none) and account wired the way the adaptive
 * grid strategy wires them, behind a small API: reconcile a desired grid, match a quote.
 */
export function harness(cfgIn: Record<string, unknown> = {}, insts: InstrumentSpec[] = [BTC]) {
  const cfg: ExecutionConfig = ExecutionConfigSchema.parse(cfgIn);
  const ledger = new Ledger(10_000, insts.map((i) => i.symbol));
  const intents: Intent[] = [];
  const requests: OrderRequest[] = [];
  const fills: Fill[] = [];
  const cycles: CycleRecord[] = [];
  const cyc = new Map(insts.map((i) => [i.symbol, new CycleEngine(i.symbol, i, cfg.replenish, cfg.damage_control_tp_factor)]));
  let batch: ReadonlyArray<ExecutionReport> = [];
  const venue = new SimVenue(insts, makeFillModel(cfg.fill_model), new FeeModel(cfg.fees), { reports: (b) => (batch = b) });
  const om = new OrderManager(cfg, insts, {
    intent: (i) => intents.push(i),
    send: (r) => {
      requests.push(r);
      venue.submit(r, r.ts);
    },
  });
  const exec = {
    get openCount() {
      return om.openCount;
    },
    counters: om.counters,
    openOrders: (s: string) => om.openOrders(s),
    cycleEngine: (s: string) => cyc.get(s)!,
    reconcile(symbol: string, ts: number, _bid: number, _ask: number, desired: ReadonlyArray<GridLevel> | null, c: SymbolExecContext) {
      om.reconcile(symbol, ts, ledger.book(symbol).posF, desired, cyc.get(symbol)!.pending, c);
    },
    /** A quote reaches the venue; fills are booked and handed to the CycleEngine. Returns the fill count. */
    matchFills(symbol: string, ts: number, bid: number, ask: number, _mid: number, c: SymbolExecContext): number {
      batch = [];
      venue.onMarket({ type: "quote", ts, symbol, snapshot: { ts, symbol, bid_price: bid, bid_qty: 1, ask_price: ask, ask_qty: 1 } });
      const orders = batch.map((r) => om.onReport(r));
      batch.forEach((r, k) => {
        if (r.type !== "FILL") return;
        const o = orders[k]!;
        ledger.applyFill(symbol, r.side, r.price, r.qty, r.fee);
        const f: Fill = { order_id: r.order_id, symbol, side: r.side, kind: o.kind, price: r.price, qty: r.qty, ts, fee: r.fee, liquidity: r.liquidity };
        fills.push(f);
        const outer = om.outermostGrid(symbol, r.side);
        const cy = cyc.get(symbol)!.onFill(f, o.level, c, outer.price, outer.level, o.kind === "TP" ? { price: o.entry_price, fee: o.entry_fee, ts: o.entry_ts } : undefined);
        if (cy) cycles.push(cy);
      });
      return batch.filter((r) => r.type === "FILL").length;
    },
  };
  return { cfg, ledger, exec, om, venue, intents, requests, fills, cycles };
}

export function ctx(over: Partial<SymbolExecContext> = {}): SymbolExecContext {
  return { step_frac: 0.01, adds_allowed: true, damage_control: false, reduce_only: false, stopped: false, ...over };
}
