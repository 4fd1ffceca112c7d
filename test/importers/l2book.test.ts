import { expect } from "chai";
import fc from "fast-check";
import { BookSide } from "../../sdk/data/importers";

describe("L2 book side (sorted arrays + binary search)", () => {
  it("equals a Map-based reference after any sequence of set/delete (property)", () => {
    const op = fc.record({ tick: fc.integer({ min: 1, max: 60 }), qty: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1000 })) });
    fc.assert(
      fc.property(fc.boolean(), fc.array(op, { maxLength: 300 }), (descending, ops) => {
        const side = new BookSide(descending);
        const ref = new Map<number, number>();
        for (const o of ops) {
          const price = o.tick / 100;
          const qty = o.qty / 1000;
          side.set(price, qty);
          if (qty === 0) ref.delete(price);
          else ref.set(price, qty);
        }
        const want = [...ref.entries()].sort((a, b) => (descending ? b[0] - a[0] : a[0] - b[0]));
        expect(side.prices).to.deep.equal(want.map((e) => e[0]));
        expect(side.qtys).to.deep.equal(want.map((e) => e[1]));
        expect(side.top(5)).to.deep.equal(want.slice(0, 5).map(([price, qty]) => ({ price, qty })));
      }),
      { numRuns: 300 },
    );
  });

  it("deleting an absent level is a no-op; find returns the insertion point when absent", () => {
    const s = new BookSide(true);
    s.set(10, 1);
    s.set(9, 2);
    s.set(11, 0);
    expect(s.prices).to.deep.equal([10, 9]);
    expect(s.find(9.5)).to.equal(-2, "would insert at index 1");
    expect(s.find(9)).to.equal(1);
  });
});
