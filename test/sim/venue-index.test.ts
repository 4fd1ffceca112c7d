import { expect } from "chai";
import type { MarketEvent, QuoteEvent } from "../../sdk/contracts/events";
import { FeeModel, SimVenue, type ExecutionReport, type FillModel } from "../../sdk/sim";

const INST = { symbol: "X", tick_size: 0.01, lot_size: 1, min_notional: 0 };

/** Fills one lot of every resting order whose id is listed in `fillIds` on each quote. */
function oneLotModel(fillIds: Set<string>): FillModel {
  return {
    kind: "touch", id: "one-lot@test", init: () => null,
    fillQty: (o, ev: MarketEvent) => (ev.type === "quote" && fillIds.has(o.id) && o.remaining >= 1 ? 1 : 0),
  };
}

function quote(ts: number): QuoteEvent {
  return { type: "quote", ts, symbol: "X", symbol_index: 0, snapshot: { ts, symbol: "X", bid_price: 99, bid_qty: 1, ask_price: 101, ask_qty: 1 } };
}

describe("sim: venue order index (requests find their order by id)", () => {
  it("an order an amend left with nothing to fill leaves the index with the book: a later cancel of it is refused, the others untouched", () => {
    const reports: ExecutionReport[] = [];
    const fill = new Set(["X:1"]);
    const v = new SimVenue([INST], oneLotModel(fill), new FeeModel({ maker_bps: 0, taker_bps: 0 }), { reports: (b) => reports.push(...b) });
    v.onMarket(quote(1));
    v.submit({ type: "PLACE", ts: 1, symbol: "X", order_id: "X:1", side: "BUY", price: 90, qty: 3 }, 1);
    v.submit({ type: "PLACE", ts: 1, symbol: "X", order_id: "X:2", side: "BUY", price: 89, qty: 3 }, 1);
    v.submit({ type: "PLACE", ts: 1, symbol: "X", order_id: "X:3", side: "SELL", price: 120, qty: 2 }, 1);
    v.onMarket(quote(2)); // X:1 fills 1 of 3
    v.submit({ type: "AMEND", ts: 3, symbol: "X", order_id: "X:1", price: 90, qty: 1 }, 3); // 1 filled, new total 1: nothing left
    fill.clear();
    fill.add("X:2");
    v.onMarket(quote(4)); // a fill of X:2: the batch drops every order with nothing left, X:1 too
    expect(v.openOrders("X").map((o) => o.id)).to.deep.equal(["X:2", "X:3"]);
    reports.length = 0;
    v.submit({ type: "CANCEL", ts: 5, symbol: "X", order_id: "X:1" }, 5);
    expect(reports.map((r) => r.type)).to.deep.equal(["REJECT"]);
    expect(v.openOrders("X").map((o) => o.id), "the cancel of a gone order removes nothing").to.deep.equal(["X:2", "X:3"]);
    v.submit({ type: "PLACE", ts: 6, symbol: "X", order_id: "X:1", side: "BUY", price: 91, qty: 1 }, 6);
    expect(v.openOrders("X").map((o) => o.id), "its id is free again").to.deep.equal(["X:2", "X:3", "X:1"]);
    v.submit({ type: "PLACE", ts: 7, symbol: "X", order_id: "X:3", side: "SELL", price: 121, qty: 1 }, 7);
    expect(reports.map((r) => r.type), "a resting id is a duplicate").to.deep.equal(["REJECT", "REJECT"]);
  });
});
