import { expect } from "chai";
import type { InstrumentSpec, Snapshot } from "../../sdk/contracts/market";
import type { MarketEvent } from "../../sdk/contracts/events";
import { parseConfig, type GrinderConfig } from "../../sdk/config";
import * as path from "node:path";
import { runReplay } from "../../sdk/engine/run";
import { openFixture } from "../../sdk/data/fixture";
import { Ledger } from "../../sdk/ledger/ledger";
import { FeeModel } from "../../sdk/sim/fees";
import { StaticGridStrategy } from "../../sdk/strategies/static-grid";
import { baseEquivalent, qtyForNotional, qtyNotional } from "../../sdk/contracts/market";
import type { Strategy, StrategyContext, StrategyReport, StrategyStats } from "../../sdk/strategy/types";

/** Binance COIN-M BTCUSD_PERP: 100 USD per contract, inverse (PnL in BTC). */
const BTCUSD_PERP: InstrumentSpec = { symbol: "BTCUSD_PERP", tick_size: 0.1, lot_size: 1, min_notional: 0, contract_multiplier: 100, inverse: true };
/** A linear contract of 0.01 base per contract. */
const LIN: InstrumentSpec = { symbol: "LINUSDT", tick_size: 0.1, lot_size: 1, min_notional: 0, contract_multiplier: 0.01 };

const T0 = 1_700_000_000_000;
function q(i: number, symbol: string, mid: number): Snapshot {
  return { ts: T0 + i * 1000, symbol, bid_price: Number((mid - 0.5).toFixed(1)), ask_price: Number((mid + 0.5).toFixed(1)), bid_qty: 5, ask_qty: 5 };
}

/**
 * A scripted strategy: on the first event a BUY of `qty` at `buyAt`; when that fills, a SELL of
 * `qty` at `sellAt`. Nothing else — the PnL can be computed by hand.
 */
class Script implements Strategy {
  readonly id = "script@1";
  private ctx!: StrategyContext;
  private sent = 0;
  fills: Array<Extract<StrategyReport, { type: "FILL" }>> = [];
  constructor(private readonly symbol: string, private readonly qty: number, private readonly buyAt: number, private readonly sellAt: number) {}
  start(ctx: StrategyContext): void {
    this.ctx = ctx;
  }
  onMarket(ev: MarketEvent, trading: boolean): boolean {
    if (trading && this.sent === 0 && ev.type === "quote") {
      this.sent = 1;
      this.ctx.send({ type: "PLACE", ts: ev.ts, symbol: this.symbol, order_id: `${this.symbol}:1`, side: "BUY", price: this.buyAt, qty: this.qty });
    }
    return false;
  }
  onReports(batch: ReadonlyArray<StrategyReport>): void {
    for (const r of batch) {
      if (r.type !== "FILL") continue;
      this.fills.push(r);
      if (r.side === "BUY" && r.remaining === 0)
        this.ctx.send({ type: "PLACE", ts: r.ts, symbol: this.symbol, order_id: `${this.symbol}:2`, side: "SELL", price: this.sellAt, qty: this.qty });
    }
  }
  onRisk(): void {}
  finish(): StrategyStats {
    return { ticks: 0, fills: this.fills.length, cycles: 0, cycle_profit: 0, intents_placed: this.sent, intents_refused: 0, cancels: 0, amends: 0, regime_transitions: 0, symbols: [], time_in_regime_ms: {} };
  }
}

function cfg(makerBps: number): GrinderConfig {
  return parseConfig({ execution: { fees: { maker_bps: makerBps, taker_bps: makerBps } } });
}

describe("contract terms through a full replay (ADR-120)", function () {
  this.timeout(60_000);

  it("inverse BTCUSD_PERP: long 10 contracts 50000 → 55000, PnL and fees in BTC, equity in USD at the mark (hand-computed)", async () => {
    // mid 50000.5 → 50000 (BUY fills, touch: mid ≤ limit) → 52000 → 55000 (SELL fills) → 55000
    const mids = [50_000.5, 50_000, 52_000, 55_000, 55_000];
    const snaps = mids.map((m, i) => q(i, BTCUSD_PERP.symbol, m));
    const s = new Script(BTCUSD_PERP.symbol, 10, 50_000, 55_000);
    const r = await runReplay({ snapshots: snaps, instruments: [BTCUSD_PERP], strategy: s, config: cfg(2), keepEvents: true });
    expect(s.fills.map((f) => [f.side, f.price, f.qty])).to.deep.equal([["BUY", 50_000, 10], ["SELL", 55_000, 10]]);
    // fees: 2 bps of the BTC notional M·q/p: 0.0002·1000/50000 = 0.000004, 0.0002·1000/55000 = 0.0000036363…
    expect(s.fills[0].fee).to.be.closeTo(0.000004, 1e-15);
    expect(s.fills[1].fee).to.be.closeTo(0.0002 * 1000 / 55_000, 1e-15);
    // realised: 100·10·(1/50000 − 1/55000) = 0.0018181818… BTC
    expect(s.fills[1].realized!).to.be.closeTo(1000 / 50_000 - 1000 / 55_000, 1e-15);
    const mark = [...r.events!].reverse().find((e) => e.t === "mark")!;
    if (mark.t !== "mark") throw new Error("no mark");
    expect(mark.symbols[0].position).to.equal(0);
    // equity (USD at the mark 55000): 10000 + (0.0018181818 − 0.0000076364)·55000 = 10000 + 100 − 0.42 = 10099.58
    expect(r.summary.equity_end).to.be.closeTo(10_099.58, 1e-9);
    expect(r.summary.realized_pnl).to.be.closeTo(100, 1e-9);
    expect(r.summary.fees).to.be.closeTo(0.42, 1e-9);
    // turnover in USD: M·q per fill = 1000 + 1000
    expect(r.summary.turnover).to.be.closeTo(2000, 1e-9);
  });

  it("inverse: the open position marks in BTC and the drawdown guard sees USD equity", async () => {
    const led = new Ledger(10_000, [BTCUSD_PERP.symbol], new Map([[BTCUSD_PERP.symbol, { multiplier: 100, inverse: true }]]));
    led.applyFill(BTCUSD_PERP.symbol, "BUY", 50_000, 10, 0);
    led.applyFill(BTCUSD_PERP.symbol, "BUY", 40_000, 10, 0);
    const b = led.book(BTCUSD_PERP.symbol);
    // harmonic average entry: 20 / (10/50000 + 10/40000) = 44444.44…
    expect(b.avg_entry.toNumber()).to.be.closeTo(20 / (10 / 50_000 + 10 / 40_000), 1e-9);
    led.markFloat(b, 40_000);
    const v = led.symbolView(BTCUSD_PERP.symbol);
    expect(v.settlement).to.equal("base");
    // unrealised BTC: 2000·(1/44444.44 − 1/40000) = 2000·(0.0000225 − 0.000025) = −0.005 BTC
    expect(v.unrealized_pnl).to.be.closeTo(-0.005, 1e-12);
    expect(v.inventory_notional).to.equal(2000);
    // USD at the mark: −0.005·40000 = −200
    expect(led.view().equity).to.be.closeTo(9_800, 1e-9);
    expect(led.equityFloat()).to.be.closeTo(9_800, 1e-9);
    const out = new Float64Array(1);
    led.equityInto(out, 0);
    expect(out[0]).to.be.closeTo(9_800, 1e-9);
    expect(led.leverageFloat(9_800)).to.be.closeTo(2000 / 9_800, 1e-12);
  });

  it("linear multiplier 0.01: PnL M·q·Δp and fee on M·q·p", async () => {
    const mids = [100.5, 100, 105, 110, 110];
    const snaps = mids.map((m, i) => q(i, LIN.symbol, m));
    const s = new Script(LIN.symbol, 30, 100, 110);
    const r = await runReplay({ snapshots: snaps, instruments: [LIN], strategy: s, config: cfg(10) });
    expect(s.fills.map((f) => [f.side, f.price, f.qty])).to.deep.equal([["BUY", 100, 30], ["SELL", 110, 30]]);
    expect(s.fills[0].fee).to.be.closeTo(0.001 * 0.01 * 30 * 100, 1e-12);
    // realised 0.01·30·(110 − 100) = 3; fees 0.03 + 0.033
    expect(r.summary.realized_pnl).to.be.closeTo(3, 1e-12);
    expect(r.summary.fees).to.be.closeTo(0.063, 1e-12);
    expect(r.summary.equity_end).to.be.closeTo(10_002.937, 1e-9);
    expect(r.summary.turnover).to.be.closeTo(30 + 33, 1e-9);
  });

  it("sizing: the quote notional becomes contracts (notional / multiplier for inverse), lot-quantised", () => {
    expect(qtyForNotional(BTCUSD_PERP, 1050, 60_000)).to.equal(10.5);
    expect(qtyNotional(BTCUSD_PERP, 10, 60_000)).to.equal(1000);
    expect(baseEquivalent(BTCUSD_PERP, 10, 50_000)).to.be.closeTo(0.02, 1e-15);
    expect(qtyForNotional(LIN, 1000, 100)).to.be.closeTo(1000, 1e-9);
    const spot: InstrumentSpec = { symbol: "X", tick_size: 0.01, lot_size: 0.001, min_notional: 0 };
    expect(qtyForNotional(spot, 1000, 3)).to.equal(1000 / 3);
    expect(qtyNotional(spot, 2, 3.5)).to.equal(7);
    expect(new FeeModel({ maker_bps: 1, taker_bps: 5 }).fee(100, 2, true)).to.equal(0.1);
    expect(new FeeModel({ maker_bps: 1, taker_bps: 5 }, [BTCUSD_PERP]).fee(50_000, 10, false, BTCUSD_PERP.symbol)).to.be.closeTo(0.0001 * 1000 / 50_000, 1e-18);
  });

  it("static grid on an inverse instrument places whole contracts of ≈ its notional and books in BTC", async () => {
    const snaps: Snapshot[] = [];
    for (let i = 0; i < 600; i++) snaps.push(q(i, BTCUSD_PERP.symbol, 50_000 + Math.round(400 * Math.sin(i / 20)) ));
    const r = await runReplay({ snapshots: snaps, instruments: [BTCUSD_PERP], strategy: new StaticGridStrategy({ levels: 3, step_frac: 0.002, notional: 1000, tick_interval_ms: 10_000 }), keepEvents: true, config: cfg(1) });
    const places = r.events!.flatMap((e) => (e.t === "intent" && e.type === "PLACE" && e.accepted ? [e] : []));
    expect(places.length).to.be.greaterThan(0);
    // 1000 USD / 100 USD per contract = 10 contracts, whatever the price
    for (const p of places) expect(p.qty).to.equal(10);
    expect(r.summary.fills).to.be.greaterThan(0);
    let pos = 0;
    let maxAbs = 0;
    for (const e of r.events!) if (e.t === "fill") {
      pos += e.side === "BUY" ? e.qty : -e.qty;
      maxAbs = Math.max(maxAbs, Math.abs(pos));
    }
    const mark = [...r.events!].reverse().find((e) => e.t === "mark")!;
    expect(mark.t === "mark" && mark.symbols[0].position).to.equal(pos);
    // inventory notional is in USD: M·|q| of the largest position held, not price·contracts
    expect(maxAbs).to.be.greaterThan(0);
    expect(r.summary.max_inventory_notional).to.equal(100 * maxAbs);
    // completed cycles: profit in BTC, 100·q·(1/entry − 1/exit) for a long entry, minus fees
    const cycles = r.events!.flatMap((e) => (e.t === "cycle" ? [e] : []));
    expect(cycles.length).to.be.greaterThan(0);
    for (const c of cycles) {
      const gross = 100 * c.qty * (1 / c.entry_price - 1 / c.exit_price) * (c.side === "BUY" ? 1 : -1);
      expect(c.profit).to.be.closeTo(gross - c.fees, 1e-12);
      expect(Math.abs(c.profit)).to.be.below(0.01);
    }
  });

  it("adaptive grid, default config: a linear contract of M = 0.001 base with lot 1 contract trades exactly like the spot instrument with lot 0.001; inverse sizes whole contracts", async function () {
    this.timeout(180_000);
    const fx = openFixture(path.resolve(__dirname, "..", "..", "fixtures", "range_day_l1"));
    const spot = [...fx.instruments.values()][0];
    const a = await runReplay({ fixture: fx, tables: false, keepEvents: true });
    const b = await runReplay({ fixture: fx, instruments: [{ ...spot, lot_size: 1, contract_multiplier: 0.001 }], tables: false, keepEvents: true });
    const fa = a.events!.flatMap((e) => (e.t === "fill" ? [e] : []));
    const fb = b.events!.flatMap((e) => (e.t === "fill" ? [e] : []));
    expect(fa.length).to.be.greaterThan(100);
    expect(fb.map((f) => [f.side, f.price, Math.round(f.qty)])).to.deep.equal(fa.map((f) => [f.side, f.price, Math.round(f.qty * 1000)]));
    expect(b.summary.cycles).to.equal(a.summary.cycles);
    expect(b.summary.equity_end).to.be.closeTo(a.summary.equity_end, 1e-6);
    expect(b.summary.max_dd).to.be.closeTo(a.summary.max_dd, 1e-6);
    const c = await runReplay({ fixture: fx, instruments: [{ ...spot, lot_size: 1, min_notional: 0, contract_multiplier: 100, inverse: true }], tables: false, keepEvents: true });
    const fc = c.events!.flatMap((e) => (e.t === "fill" ? [e] : []));
    expect(fc.length).to.be.greaterThan(100);
    for (const f of fc) expect(Number.isInteger(f.qty) && f.qty >= 1, `${f.qty}`).to.equal(true);
    // ≈ 0.2 base at ≈ 2000 = ≈ 400 USD per order = 4 contracts of 100 USD
    expect(fc[0].qty).to.equal(Math.floor((fa[0].qty * fa[0].price) / 100));
    expect(c.summary.max_dd_utilization).to.be.below(1);
  });
});
