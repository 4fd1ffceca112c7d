import { expect } from "chai";
import { Ledger } from "../../sdk/ledger/ledger";

describe("ledger: positions and PnL (average cost, decimal)", () => {
  it("hand-computed round trip with fees", () => {
    const l = new Ledger(1000, ["X"]);
    l.applyFill("X", "BUY", 100, 2, 0.02);
    l.applyFill("X", "BUY", 97, 1, 0.0097);
    // avg = (200 + 97) / 3 = 99
    expect(l.symbolView("X").avg_entry).to.equal(99);
    const r = l.applyFill("X", "SELL", 101, 1.5, 0.01515);
    expect(r.toNumber(), "(101 − 99)·1.5").to.equal(3);
    l.markFloat(l.book("X"), 100);
    const v = l.view();
    expect(v.realized_pnl).to.equal(3);
    expect(v.unrealized_pnl, "1.5·(100 − 99)").to.equal(1.5);
    expect(v.fees).to.equal(0.04485);
    expect(v.equity, "1000 + 3 + 1.5 − 0.04485").to.equal(1004.45515);
    expect(v.turnover, "200 + 97 + 151.5").to.equal(448.5);
    expect(v.inventory_notional).to.equal(150);
    expect(v.effective_leverage).to.be.closeTo(150 / 1004.45515, 1e-15);
    expect(l.equityFloat(), "float path agrees").to.be.closeTo(v.equity, 1e-9);
  });

  it("a fill through zero realises the old position and opens the rest at the fill price", () => {
    const l = new Ledger(0.0001, ["X"]);
    l.applyFill("X", "BUY", 10, 1, 0);
    const r = l.applyFill("X", "SELL", 12, 3, 0);
    expect(r.toNumber()).to.equal(2);
    const s = l.symbolView("X");
    expect(s.position).to.equal(-2);
    expect(s.avg_entry).to.equal(12);
  });

  it("short positions: realised = (avg − p)·q", () => {
    const l = new Ledger(100, ["X"]);
    l.applyFill("X", "SELL", 50, 2, 0);
    expect(l.applyFill("X", "BUY", 45, 1, 0).toNumber()).to.equal(5);
    l.markFloat(l.book("X"), 40);
    expect(l.view().unrealized_pnl, "−1·(40 − 50)").to.equal(10);
  });

  it("decimal: 0.1 + 0.2 style quantities stay exact", () => {
    const l = new Ledger(100, ["X"]);
    l.applyFill("X", "BUY", 1, 0.1, 0);
    l.applyFill("X", "BUY", 1, 0.2, 0);
    l.applyFill("X", "SELL", 1, 0.3, 0);
    expect(l.symbolView("X").position, "flat exactly").to.equal(0);
  });

  it("refuses a bad fill", () => {
    const l = new Ledger(100, ["X"]);
    expect(() => l.applyFill("X", "BUY", 0, 1, 0)).to.throw(/E_INVARIANT/);
    expect(() => l.applyFill("Y", "BUY", 1, 1, 0)).to.throw(/E_UNKNOWN_SYMBOL/);
  });
});
