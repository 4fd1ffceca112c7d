import { expect } from "chai";
import fc from "fast-check";
import type { QuoteEvent } from "../../sdk/contracts/events";
import { FeeModel, SimVenue, type FillModel } from "../../sdk/sim";

const INST = { symbol: "X", tick_size: 1, lot_size: 1, min_notional: 0 };
const NEVER: FillModel = { kind: "touch", id: "never@test", init: () => null, fillQty: () => 0 };

interface Ranked { id: string; side: string; price: number; arrival_seq: number }

/** The venue's priority lists (internal state, read for the test). */
function lists(v: SimVenue): { buys: Ranked[]; sells: Ranked[]; bounds: Float64Array } {
  return (v as unknown as { syms: Map<string, { buys: Ranked[]; sells: Ranked[]; bounds: Float64Array }> }).syms.get("X")!;
}

/** The reference order: BUYs highest price first, SELLs lowest first, arrival order within a price. */
function sorted(xs: Ranked[], buy: boolean): string[] {
  return [...xs].sort((a, b) => (a.price !== b.price ? (buy ? b.price - a.price : a.price - b.price) : a.arrival_seq - b.arrival_seq)).map((o) => o.id);
}

describe("sim: an amend keeps the venue's priority lists sorted (in place when the order stays between its neighbours, ADR-206)", () => {
  it("property: after random places, amends (small and large moves, equal prices) and cancels the lists equal a full sort", () => {
    const op = fc.record({ kind: fc.constantFrom("PLACE", "AMEND", "AMEND", "AMEND", "CANCEL"), k: fc.nat(11), side: fc.boolean(), dp: fc.integer({ min: -4, max: 4 }) });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 80 }), (ops) => {
        const v = new SimVenue([INST], NEVER, new FeeModel({ maker_bps: 0, taker_bps: 0 }), { reports: () => undefined });
        const q: QuoteEvent = { type: "quote", ts: 1, symbol: "X", symbol_index: 0, snapshot: { ts: 1, symbol: "X", bid_price: 1000, bid_qty: 1, ask_price: 1002, ask_qty: 1 } };
        v.onMarket(q);
        const live = new Map<string, { side: "BUY" | "SELL"; price: number }>();
        let n = 0;
        for (const o of ops) {
          const ids = [...live.keys()];
          if (o.kind === "PLACE" || ids.length === 0) {
            const side = o.side ? "BUY" : "SELL";
            const price = side === "BUY" ? 990 - (o.k % 6) : 1010 + (o.k % 6);
            const id = `X:${++n}`;
            v.submit({ type: "PLACE", ts: 1, symbol: "X", order_id: id, side, price, qty: 1 }, 1);
            live.set(id, { side, price });
          } else {
            const id = ids[o.k % ids.length];
            if (o.kind === "CANCEL") {
              v.submit({ type: "CANCEL", ts: 1, symbol: "X", order_id: id }, 1);
              live.delete(id);
            } else {
              const x = live.get(id)!;
              x.price += o.dp;
              v.submit({ type: "AMEND", ts: 1, symbol: "X", order_id: id, price: x.price, qty: 1 }, 1);
            }
          }
          const l = lists(v);
          expect(l.buys.map((x) => x.id)).to.deep.equal(sorted(l.buys, true));
          expect(l.sells.map((x) => x.id)).to.deep.equal(sorted(l.sells, false));
          expect(l.buys.length + l.sells.length).to.equal(live.size);
          expect(l.bounds[0]).to.equal(l.buys.length ? Math.max(...l.buys.map((x) => x.price)) : -Infinity);
          expect(l.bounds[1]).to.equal(l.sells.length ? Math.min(...l.sells.map((x) => x.price)) : Infinity);
        }
      }),
      { numRuns: 300 },
    );
  });
});
