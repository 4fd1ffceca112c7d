import { expect } from "chai";
import type { QuoteEvent, TradeEvent } from "../../sdk/contracts/events";
import { CrossFillModel, TouchFillModel, makeFillModel, makeLatencyModel, type BookView, type SimOrder } from "../../sdk/sim";
import { ExecutionConfigSchema } from "../../sdk/execution/config";

const book = (bid: number, ask: number): BookView => ({ symbol: "X", ts: 0, bid_price: bid, bid_qty: 1, ask_price: ask, ask_qty: 1, bids: null, asks: null });
const quote = (bid: number, ask: number): QuoteEvent => ({ type: "quote", ts: 0, symbol: "X", snapshot: { ts: 0, symbol: "X", bid_price: bid, bid_qty: 1, ask_price: ask, ask_qty: 1 } });
const order = (side: "BUY" | "SELL", price: number, remaining = 2): SimOrder => ({ id: "X:1", symbol: "X", side, price, qty: 2, remaining, arrival_ts: 0, arrival_seq: 1, taker: false, state: null });
const share = { own_ahead: 0, own_filled: 0 };

describe("sim: touch / cross fill models on the venue contract", () => {
  it("touch fills the whole remaining qty when mid reaches the limit", () => {
    expect(TouchFillModel.fillQty(order("BUY", 100, 1.5), quote(99, 101), book(99, 101), share, 0.1)).to.equal(1.5);
    expect(TouchFillModel.fillQty(order("BUY", 99.9), quote(99, 101), book(99, 101), share, 0.1)).to.equal(0);
    expect(TouchFillModel.fillQty(order("SELL", 100), quote(99, 101), book(99, 101), share, 0.1)).to.equal(2);
    expect(TouchFillModel.fillQty(order("SELL", 100.1), quote(99, 101), book(99, 101), share, 0.1)).to.equal(0);
  });

  it("cross needs the opposite best at the limit", () => {
    expect(CrossFillModel.fillQty(order("BUY", 100), quote(99, 101), book(99, 101), share, 0.1), "touch is not enough").to.equal(0);
    expect(CrossFillModel.fillQty(order("BUY", 101), quote(99, 101), book(99, 101), share, 0.1)).to.equal(2);
    expect(CrossFillModel.fillQty(order("SELL", 99), quote(99, 101), book(99, 101), share, 0.1)).to.equal(2);
  });

  it("quote-driven models fill nothing on a trade print", () => {
    const tr: TradeEvent = { type: "trade", ts: 0, symbol: "X", price: 90, qty: 5, aggressor: "SELL" };
    // touch and cross only: the maker ladder (ADR-053) fills on prints by design.
    for (const m of [TouchFillModel, CrossFillModel]) expect(m.fillQty(order("BUY", 100), tr, book(99, 101), share, 0.1), m.id).to.equal(0);
  });

  it("mayFill agrees with fillQty at the bounds", () => {
    for (const m of [TouchFillModel, CrossFillModel]) {
      for (const [bid, ask] of [[99, 101], [100, 100.2], [98, 99.5], [100.5, 101]]) {
        const b = new Float64Array([100, 100.4]);
        const any = m.fillQty(order("BUY", 100), quote(bid, ask), book(bid, ask), share, 0.1) > 0 || m.fillQty(order("SELL", 100.4), quote(bid, ask), book(bid, ask), share, 0.1) > 0;
        expect(m.mayFill!(quote(bid, ask), book(bid, ask), b), `${m.id} ${bid}/${ask}`).to.equal(any);
      }
    }
  });

  it("is chosen by config kind; latency absent = none", () => {
    const cfg = ExecutionConfigSchema.parse({});
    expect(makeFillModel(cfg.fill_model).id).to.equal("touch@1");
    expect(cfg.latency, "absent stays absent (config hash unchanged)").to.equal(undefined);
    expect(makeLatencyModel(cfg.latency).id).to.equal("none");
    const c = ExecutionConfigSchema.parse({ latency: { kind: "constant", entry_ms: 50 } });
    const lm = makeLatencyModel(c.latency);
    expect([lm.id, lm.entry(1000), lm.response(1000), lm.immediate]).to.deep.equal(["constant(50,0)", 1050, 1000, false]);
    expect(() => ExecutionConfigSchema.parse({ latency: { kind: "gamma" } })).to.throw();
  });
});
