import { expect } from "chai";
import fc from "fast-check";
import { Ledger } from "../../sdk/ledger/ledger";

/** The mark record's figures as `view()` gives them (the reference `markView` must equal). */
function fromView(l: Ledger): unknown {
  const v = l.view();
  return {
    equity: v.equity, realized_pnl: v.realized_pnl, unrealized_pnl: v.unrealized_pnl, fees: v.fees, inventory_notional: v.inventory_notional,
    effective_leverage: v.effective_leverage, symbols: v.symbols.map((s) => ({ symbol: s.symbol, position: s.position, avg_entry: s.avg_entry, mark: s.mark })),
  };
}

describe("ledger: markView (the mark record's figures, fill-dependent sums cached)", () => {
  it("equals view() after every fill and mark of random two-symbol streams, also between fills", () => {
    const step = fc.record({
      sym: fc.constantFrom("A", "B"),
      fill: fc.boolean(),
      side: fc.constantFrom("BUY" as const, "SELL" as const),
      ticks: fc.integer({ min: 9_000, max: 11_000 }),
      lots: fc.integer({ min: 1, max: 400 }),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
        const l = new Ledger(10_000, ["A", "B"]);
        for (const s of steps) {
          const price = s.ticks / 100;
          if (s.fill) l.applyFill(s.sym, s.side, price, s.lots / 1000, (price * s.lots) / 1e6);
          else l.markFloat(l.book(s.sym), price);
          expect(l.markView()).to.deep.equal(fromView(l));
        }
      }),
      { numRuns: 200 },
    );
  });

  it("falls back to view() for books with contract terms", () => {
    const l = new Ledger(10_000, ["BTCUSD_PERP"], new Map([["BTCUSD_PERP", { multiplier: 100, inverse: true }]]));
    l.applyFill("BTCUSD_PERP", "BUY", 50_000, 3, 0.000006);
    l.markFloat(l.book("BTCUSD_PERP"), 51_000);
    expect(l.markView()).to.deep.equal(l.view());
  });
});
