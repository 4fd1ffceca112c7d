import { expect } from "chai";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { MarketEvent } from "../../sdk/contracts/events";
import type { InstrumentSpec, Snapshot } from "../../sdk/contracts/market";
import { parseConfig } from "../../sdk/config";
import { BarCrossFillModel, CrossFillModel, FILL_MODELS, FeeModel, SimVenue, type BookView, type ExecutionReport, type SimOrder } from "../../sdk/sim";
import { parseFillModelList } from "../../sdk/engine/sensitivity";
import { replayBarDataset } from "../../sdk/engine/replay-bars";
import { expectedOfBarReplay } from "../../sdk/engine/bar-expected";
import { spawnSync } from "node:child_process";

const INST: InstrumentSpec = { symbol: "GBPUSD", tick_size: 0.00001, lot_size: 1, min_notional: 0 };
const ROOT = path.resolve(__dirname, "..", "..");
const GBP = path.join(ROOT, "datasets", "gbpusd_m1_2012_02", "dataset.json");

function quote(ts: number, bid: number, ask: number): MarketEvent {
  const snapshot: Snapshot = { ts, symbol: INST.symbol, bid_price: bid, ask_price: ask, bid_qty: 1e6, ask_qty: 1e6 };
  return { type: "quote", ts, symbol: INST.symbol, snapshot };
}
const book = (bid: number, ask: number): BookView => ({ symbol: INST.symbol, ts: 0, bid_price: bid, bid_qty: 1, ask_price: ask, ask_qty: 1, bids: null, asks: null });
const order = (side: "BUY" | "SELL", price: number): SimOrder => ({ id: "o", symbol: INST.symbol, side, price, qty: 1000, remaining: 1000, arrival_ts: 0, arrival_seq: 0, taker: false, state: null });

describe("sim: bar_cross@1, the conservative bar-level fill rule (ADR-122)", function () {
  this.timeout(300_000);

  it("is registered, parses from --fill-models and from the config", () => {
    expect(FILL_MODELS.bar_cross).to.equal(BarCrossFillModel);
    expect(BarCrossFillModel.id).to.equal("bar_cross@1");
    expect(parseFillModelList("touch,bar_cross")).to.deep.equal(["touch", "bar_cross"]);
    expect(parseConfig({ execution: { fill_model: { kind: "bar_cross" } } }).execution.fill_model.kind).to.equal("bar_cross");
  });

  it("hand cases: a path that only touches the limit fills under cross@1, not under bar_cross@1; one tick through fills", () => {
    const buy = order("BUY", 1.30000);
    const sell = order("SELL", 1.30010);
    // ask exactly at the BUY limit / bid exactly at the SELL limit: touched, not crossed
    expect(CrossFillModel.fillQty(buy, quote(1, 1.29990, 1.30000), book(1.29990, 1.30000), { own_ahead: 0, own_filled: 0 }, 1)).to.equal(1000);
    expect(BarCrossFillModel.fillQty(buy, quote(1, 1.29990, 1.30000), book(1.29990, 1.30000), { own_ahead: 0, own_filled: 0 }, 1)).to.equal(0);
    expect(BarCrossFillModel.fillQty(sell, quote(1, 1.30010, 1.30020), book(1.30010, 1.30020), { own_ahead: 0, own_filled: 0 }, 1)).to.equal(0);
    // one tick through
    expect(BarCrossFillModel.fillQty(buy, quote(2, 1.29989, 1.29999), book(1.29989, 1.29999), { own_ahead: 0, own_filled: 0 }, 1)).to.equal(1000);
    expect(BarCrossFillModel.fillQty(sell, quote(2, 1.30011, 1.30021), book(1.30011, 1.30021), { own_ahead: 0, own_filled: 0 }, 1)).to.equal(1000);
    // prints never fill it
    const tr: MarketEvent = { type: "trade", ts: 3, symbol: INST.symbol, price: 1.2, qty: 1e9, aggressor: "SELL" };
    expect(BarCrossFillModel.fillQty(buy, tr, book(1.1, 1.1), { own_ahead: 0, own_filled: 0 }, 1)).to.equal(0);
  });

  it("through the venue on one bar's path O→L→H→C: the BUY at the low is not filled, a BUY one tick above the low is", () => {
    const reports: ExecutionReport[] = [];
    const v = new SimVenue([INST], BarCrossFillModel, new FeeModel({ maker_bps: 0, taker_bps: 0 }), { reports: (b) => reports.push(...b) });
    v.submit({ type: "PLACE", ts: 0, symbol: INST.symbol, order_id: "GBPUSD:1", side: "BUY", price: 1.29950, qty: 1000 }, 0);
    v.submit({ type: "PLACE", ts: 0, symbol: INST.symbol, order_id: "GBPUSD:2", side: "BUY", price: 1.29951, qty: 1000 }, 0);
    // ask path: open 1.30000, low 1.29950 (touches order 1, one tick under order 2), high 1.30040, close 1.30010
    for (const [ts, ask] of [[15_000, 1.30000], [30_000, 1.29950], [45_000, 1.30040], [60_000, 1.30010]] as const)
      v.onMarket(quote(ts, Number((ask - 0.0001).toFixed(5)), ask));
    const fills = reports.filter((r) => r.type === "FILL");
    expect(fills.map((f) => f.order_id)).to.deep.equal(["GBPUSD:2"]);
  });

  it("property: mayFill false ⇒ no order within the bounds fills (the hot-path pre-check is conservative)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 200 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 90, max: 210 }), fc.integer({ min: 90, max: 210 }), (bidT, spr, b0, b1) => {
        const bid = bidT / 100, ask = (bidT + spr) / 100;
        const bounds = new Float64Array([b0 / 100, b1 / 100]);
        const ev = quote(1, bid, ask);
        const bk = book(bid, ask);
        if (BarCrossFillModel.mayFill!(ev, bk, bounds)) return true;
        const share = { own_ahead: 0, own_filled: 0 };
        return BarCrossFillModel.fillQty(order("BUY", b0 / 100), ev, bk, share, 1) === 0 && BarCrossFillModel.fillQty(order("SELL", b1 / 100), ev, bk, share, 1) === 0;
      }),
      { seed: 122, numRuns: 2000 },
    );
  });

  it("GBPUSD Feb 2012 under bar_cross@1: fewer fills than touch@1, digest = committed expected.bar_cross.json (twice); touch@1 digest unchanged", async () => {
    const cfg = parseConfig({ execution: { fill_model: { kind: "bar_cross" } } });
    const a = await replayBarDataset(GBP, { tables: false, config: cfg });
    const b = await replayBarDataset(GBP, { tables: false, config: cfg });
    expect(a.digest).to.equal(b.digest);
    expect(a.fill_model).to.equal("bar_cross@1");
    const pinned = JSON.parse(readFileSync(path.join(path.dirname(GBP), "expected.bar_cross.json"), "utf8"));
    expect(expectedOfBarReplay(a)).to.deep.equal(pinned);
    const touch = JSON.parse(readFileSync(path.join(path.dirname(GBP), "expected.json"), "utf8"));
    expect(touch.fill_model).to.equal("touch@1");
    expect(a.summary.fills).to.be.greaterThan(0);
    expect(a.summary.fills).to.be.below(touch.summary.fills);
  });

  it("grinder replay <bar dataset> --fill-models touch,cross,bar_cross: one row per model, the bar rule never fills more than cross", () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, "bin", "grinder.js"), "replay", GBP, "--fill-models", "touch,cross,bar_cross", "--to", "2012-02-08T00:00:00Z", "--json"], { cwd: ROOT, encoding: "utf8", maxBuffer: 16 << 20 });
    expect(r.status, r.stderr).to.equal(0);
    const rows = JSON.parse(r.stdout).rows as Array<{ fill_model: string; fills: number }>;
    expect(rows.map((x) => x.fill_model)).to.deep.equal(["touch@1", "cross@1", "bar_cross@1"]);
    expect(rows[2].fills).to.be.at.most(rows[1].fills);
    expect(rows[0].fills).to.be.greaterThan(0);
  });
});
