import { expect } from "chai";
import { ctx, harness } from "./helpers";

const lv = (side: "BUY" | "SELL", index: number, price: number, qty = 0.01) => ({ side, index, price, qty });
const brief = (xs: { type: string; order_id: string; price: number; accepted: boolean; reason?: string }[]) =>
  xs.map((i) => `${i.type} ${i.order_id} ${i.price}${i.accepted ? "" : " REFUSED " + i.reason}`);

describe("execution: OrderManager reconcile (spec 17.12.3)", () => {
  it("places a plan, keeps unchanged orders, amends moved ones, cancels extras (CANCEL, AMEND, PLACE order)", () => {
    const h = harness();
    const c = ctx();
    h.exec.reconcile("BTC", 0, 99.9, 100.1, [lv("BUY", 1, 99), lv("SELL", 1, 101), lv("BUY", 2, 98), lv("SELL", 2, 102)], c);
    expect(brief(h.intents), "levels by index, BUY before SELL, ids symbol:seq").to.deep.equal([
      "PLACE BTC:1 99", "PLACE BTC:2 101", "PLACE BTC:3 98", "PLACE BTC:4 102",
    ]);
    h.intents.length = 0;
    // recentre: BUY 99 stays, BUY 98 → 98.5 (amend), SELL 102 gone (cancel), SELL 101 stays, new BUY 3
    h.exec.reconcile("BTC", 1000, 99.9, 100.1, [lv("BUY", 1, 99), lv("SELL", 1, 101), lv("BUY", 2, 98.5), lv("BUY", 3, 97)], c);
    expect(brief(h.intents)).to.deep.equal(["CANCEL BTC:4 102", "AMEND BTC:3 98.5", "PLACE BTC:5 97"]);
    expect(h.exec.openCount).to.equal(4);
    h.intents.length = 0;
    h.exec.reconcile("BTC", 2000, 99.9, 100.1, [lv("BUY", 1, 99), lv("SELL", 1, 101), lv("BUY", 2, 98.5), lv("BUY", 3, 97)], c);
    expect(h.intents, "same plan → no intents").to.deep.equal([]);
  });

  it("amend tolerance: keeps an order within tolerance·step of the level and at most its qty; re-prices otherwise", () => {
    const h = harness({ amend_tolerance_steps: 0.25, amend_qty_tolerance: 0.1 });
    const c = ctx({ step_frac: 0.01 }); // tolerance 0.25 step = 0.25 % of the price
    h.exec.reconcile("BTC", 0, 99.9, 100.1, [lv("BUY", 1, 99), lv("BUY", 2, 98), lv("SELL", 1, 101), lv("SELL", 2, 102)], c);
    h.intents.length = 0;
    h.exec.reconcile("BTC", 1000, 99.9, 100.1, [
      lv("BUY", 1, 98.8, 0.0105), // Δ 0.2 ≤ 0.247, resting qty 0.01 within 10 % below 0.0105: kept
      lv("BUY", 2, 98.5), // Δ 0.5 > 0.246: amended
      lv("SELL", 1, 101.2, 0.009), // price within tolerance but the resting 0.01 > 0.009 would exceed the plan: amended
      lv("SELL", 2, 102, 0.0115), // resting 0.01 < 0.9·0.0115: amended
    ], c);
    expect(brief(h.intents), "ids: BUY1=1, SELL1=2, BUY2=3, SELL2=4; BUY1 kept").to.deep.equal(["AMEND BTC:2 101.2", "AMEND BTC:3 98.5", "AMEND BTC:4 102"]);
    h.intents.length = 0;
    const strict = harness({ amend_tolerance_steps: 0, amend_qty_tolerance: 0 });
    strict.exec.reconcile("BTC", 0, 99.9, 100.1, [lv("BUY", 1, 99)], c);
    strict.intents.length = 0;
    strict.exec.reconcile("BTC", 1000, 99.9, 100.1, [lv("BUY", 1, 98.9)], c);
    expect(brief(strict.intents), "tolerance 0 re-prices on any difference").to.deep.equal(["AMEND BTC:1 98.9"]);
  });

  it("refuses placements beyond the per-symbol and portfolio caps, with reasons", () => {
    const h = harness({ max_open_orders_per_symbol: 2, max_open_orders_portfolio: 3 }, [
      { symbol: "A", tick_size: 0.1, lot_size: 0.001, min_notional: 0 },
      { symbol: "B", tick_size: 0.1, lot_size: 0.001, min_notional: 0 },
    ]);
    const c = ctx();
    h.exec.reconcile("A", 0, 99.9, 100.1, [lv("BUY", 1, 99), lv("BUY", 2, 98), lv("BUY", 3, 97)], c);
    h.exec.reconcile("B", 0, 99.9, 100.1, [lv("BUY", 1, 99), lv("BUY", 2, 98)], c);
    expect(brief(h.intents)).to.deep.equal([
      "PLACE A:1 99", "PLACE A:2 98", "PLACE A:3 97 REFUSED MAX_OPEN_ORDERS_SYMBOL",
      "PLACE B:1 99", "PLACE B:2 98 REFUSED MAX_OPEN_ORDERS_PORTFOLIO",
    ]);
    expect(h.exec.counters.refused_by_reason).to.deep.equal({ MAX_OPEN_ORDERS_SYMBOL: 1, MAX_OPEN_ORDERS_PORTFOLIO: 1 });
  });

  it("token bucket in data time: a burst beyond capacity is refused, refills at refill_per_sec", () => {
    const h = harness({ rate_limit: { capacity: 2, refill_per_sec: 1 } });
    const c = ctx();
    const plan = [lv("BUY", 1, 99), lv("BUY", 2, 98), lv("BUY", 3, 97)];
    h.exec.reconcile("BTC", 0, 99.9, 100.1, plan, c);
    expect(brief(h.intents)).to.deep.equal(["PLACE BTC:1 99", "PLACE BTC:2 98", "PLACE BTC:3 97 REFUSED RATE_LIMIT"]);
    h.intents.length = 0;
    h.exec.reconcile("BTC", 500, 99.9, 100.1, plan, c);
    expect(brief(h.intents), "half a token after 0.5 s").to.deep.equal(["PLACE BTC:4 97 REFUSED RATE_LIMIT"]);
    h.intents.length = 0;
    h.exec.reconcile("BTC", 1000, 99.9, 100.1, plan, c);
    expect(brief(h.intents), "one token after 1 s").to.deep.equal(["PLACE BTC:5 97"]);
  });

  it("cancels are never rate limited", () => {
    const h = harness({ rate_limit: { capacity: 1, refill_per_sec: 0.001 } });
    const c = ctx();
    h.exec.reconcile("BTC", 0, 99.9, 100.1, [lv("BUY", 1, 99)], c);
    h.exec.reconcile("BTC", 1, 99.9, 100.1, [], c);
    expect(brief(h.intents)).to.deep.equal(["PLACE BTC:1 99", "CANCEL BTC:1 99"]);
  });

  it("reduce-only: adding side dropped, reducing side clipped to |position|", () => {
    const h = harness();
    h.ledger.applyFill("BTC", "BUY", 100, 0.03, 0);
    const c = ctx({ adds_allowed: false, reduce_only: true });
    h.exec.reconcile("BTC", 0, 99.9, 100.1, [lv("BUY", 1, 99, 0.02), lv("SELL", 1, 101, 0.02), lv("SELL", 2, 102, 0.02), lv("SELL", 3, 103, 0.02)], c);
    expect(h.intents.map((i) => `${i.type} ${i.side} ${i.price} ${i.qty}`)).to.deep.equal(["PLACE SELL 101 0.02", "PLACE SELL 102 0.01"]);
  });

  it("stopped (EMERGENCY): cancels everything and places nothing", () => {
    const h = harness();
    h.exec.reconcile("BTC", 0, 99.9, 100.1, [lv("BUY", 1, 99), lv("SELL", 1, 101)], ctx());
    h.intents.length = 0;
    h.exec.reconcile("BTC", 1, 99.9, 100.1, [lv("BUY", 1, 99), lv("SELL", 1, 101)], ctx({ stopped: true }));
    expect(brief(h.intents)).to.deep.equal(["CANCEL BTC:1 99", "CANCEL BTC:2 101"].map((s) => s));
    expect(h.exec.openCount).to.equal(0);
  });

  it("simultaneous fills are processed by price then id", () => {
    const h = harness();
    const c = ctx({ adds_allowed: false });
    h.exec.reconcile("BTC", 0, 99.9, 100.1, [lv("BUY", 1, 99), lv("BUY", 2, 98), lv("BUY", 3, 97)], ctx());
    h.exec.matchFills("BTC", 10, 96, 96.2, 96.1, c);
    expect(h.fills.map((f) => f.price)).to.deep.equal([97, 98, 99]);
  });
});

describe("execution: order manager is pure", () => {
  it("requests mirror the accepted intents; refused intents send nothing", () => {
    const h = harness({ max_open_orders_per_symbol: 1 });
    h.exec.reconcile("BTC", 0, 99.9, 100.1, [lv("BUY", 1, 99), lv("BUY", 2, 98)], ctx());
    expect(h.requests.map((r) => `${r.type} ${r.order_id}`)).to.deep.equal(["PLACE BTC:1"]);
    expect(brief(h.intents)).to.deep.equal(["PLACE BTC:1 99", "PLACE BTC:2 98 REFUSED MAX_OPEN_ORDERS_SYMBOL"]);
    expect(h.venue.openCount, "the venue rests what was sent").to.equal(1);
  });
});
