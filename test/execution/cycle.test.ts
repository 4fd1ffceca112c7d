import { expect } from "chai";
import { BTC, ctx, harness } from "./helpers";

const lv = (side: "BUY" | "SELL", index: number, price: number, qty = 0.01) => ({ side, index, price, qty });

describe("execution: CycleEngine (spec 17.12.2)", () => {
  it("BUY fill → SELL TP at p·(1+step) rounded up; TP fill completes a cycle with net profit", () => {
    const h = harness({ fees: { maker_bps: 1, taker_bps: 5 } });
    const c = ctx({ step_frac: 0.0123 });
    h.exec.reconcile("BTC", 0, 99.9, 100.1, [lv("BUY", 1, 99.5)], c);
    h.exec.matchFills("BTC", 1000, 99.3, 99.5, 99.4, c); // mid 99.4 <= 99.5
    expect(h.fills.map((f) => [f.side, f.price])).to.deep.equal([["BUY", 99.5]]);
    h.exec.reconcile("BTC", 1000, 99.3, 99.5, null, c);
    const tp = h.exec.openOrders("BTC").find((o) => o.kind === "TP")!;
    // 99.5 · 1.0123 = 100.72385 → ceil to 0.1 = 100.8
    expect(tp.price, "SELL TP rounds up to the tick").to.equal(100.8);
    expect(tp.side).to.equal("SELL");
    expect(tp.qty).to.equal(0.01);
    h.exec.matchFills("BTC", 5000, 100.8, 101, 100.9, c);
    expect(h.cycles.length).to.equal(1);
    // gross (100.8 − 99.5)·0.01 = 0.013; fees 1 bp of 0.995 and of 1.008
    const fees = 0.995e-4 + 1.008e-4;
    expect(h.cycles[0].profit).to.be.closeTo(0.013 - fees, 1e-12);
    expect(h.cycles[0].entry_ts).to.equal(1000);
  });

  it("SELL fill → BUY TP at p·(1−step) rounded down", () => {
    const h = harness();
    const c = ctx({ step_frac: 0.0123 });
    h.exec.reconcile("BTC", 0, 99.9, 100.1, [lv("SELL", 1, 100.5)], c);
    h.exec.matchFills("BTC", 10, 100.5, 100.7, 100.6, c);
    h.exec.reconcile("BTC", 10, 100.5, 100.7, null, c);
    const tp = h.exec.openOrders("BTC").find((o) => o.kind === "TP")!;
    // 100.5 · 0.9877 = 99.26385 → floor = 99.2
    expect(tp.price).to.equal(99.2);
    expect(tp.side).to.equal("BUY");
  });

  it("replenishes one step beyond the outermost grid order when adds are allowed", () => {
    const h = harness();
    const c = ctx({ step_frac: 0.01 });
    h.exec.reconcile("BTC", 0, 99.9, 100.1, [lv("BUY", 1, 99), lv("BUY", 2, 98)], c);
    h.exec.matchFills("BTC", 10, 98.9, 99.1, 99, c); // BUY 99 fills
    h.exec.reconcile("BTC", 10, 98.9, 99.1, null, c);
    const grid = h.exec.openOrders("BTC").filter((o) => o.kind === "GRID").map((o) => [o.price, o.level]);
    // outermost resting BUY is 98 → 98·0.99 = 97.02 → floor 97.0, level 3
    expect(grid).to.deep.equal([[98, 2], [97, 3]]);
  });

  it("adds off: no replenishment, only the (reducing) TP is placed", () => {
    const h = harness();
    const on = ctx({ step_frac: 0.01 });
    h.exec.reconcile("BTC", 0, 99.9, 100.1, [lv("BUY", 1, 99), lv("BUY", 2, 98)], on);
    const off = ctx({ step_frac: 0.01, adds_allowed: false, reduce_only: true });
    h.exec.matchFills("BTC", 10, 98.9, 99.1, 99, off);
    h.exec.reconcile("BTC", 10, 98.9, 99.1, null, off);
    const open = h.exec.openOrders("BTC").map((o) => [o.kind, o.side, o.price]);
    // the remaining BUY at 98 adds risk → cancelled; the TP SELL reduces → placed
    expect(open).to.deep.equal([["TP", "SELL", 100]]);
    expect(h.intents.some((i) => i.type === "CANCEL" && i.reason === "ADDS_RISK")).to.equal(true);
  });

  it("DAMAGE_CONTROL tightens the TP distance (faster unloading)", () => {
    const h = harness({ damage_control_tp_factor: 0.5 });
    const c = ctx({ step_frac: 0.02 });
    h.exec.reconcile("BTC", 0, 99.9, 100.1, [lv("BUY", 1, 100)], c);
    c.damage_control = true;
    h.exec.matchFills("BTC", 10, 99.9, 100, 99.95, c);
    h.exec.reconcile("BTC", 10, 99.9, 100, null, c);
    expect(h.exec.openOrders("BTC").find((o) => o.kind === "TP")!.price, "100·1.01").to.equal(101);
    void BTC;
  });
});
