import { expect } from "chai";
import fc from "fast-check";
import Decimal from "decimal.js";
import { exactAbs, exactAdd, exactDiv, exactMul, exactOfDecimal, exactOfNumber, exactSub, exactToNumber, type ExactDecimal } from "../../sdk/ledger/exact-decimal";
import { Ledger } from "../../sdk/ledger/ledger";

/** Doubles of the magnitudes a ledger meets, and awkward ones (many digits, tiny, huge, on half-way points). */
const num = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -1e9, max: 1e9 }).map((k) => k / 1000),
  fc.integer({ min: 1, max: 1e6 }).map((k) => k / 7),
  fc.constantFrom(0.1, 0.2, 0.3, 1e-7, 5e-21, 1e21, 123456789.125, 2023.4022591362126, 0.5, 99999999999999999999, 1.00000000000000000005),
);

function same(x: ExactDecimal, d: Decimal): void {
  expect(exactToNumber(x)).to.equal(d.toNumber() + 0);
  expect(exactToNumber(x) === 0 || new Decimal(`${x.c}e${x.e}`).eq(d), `${x.c}e${x.e} vs ${d.toString()}`).to.equal(true);
}

describe("ledger: exact decimals round like decimal.js (precision 20, half up; ADR-207)", () => {
  it("property: +, −, ×, ÷ and chains of them equal decimal.js, value for value", () => {
    fc.assert(
      fc.property(num, num, num, (a, b, c) => {
        const [x, y, z] = [exactOfNumber(a)!, exactOfNumber(b)!, exactOfNumber(c)!];
        const [dx, dy, dz] = [new Decimal(a), new Decimal(b), new Decimal(c)];
        same(exactAdd(x, y), dx.add(dy));
        same(exactSub(x, y), dx.sub(dy));
        same(exactMul(x, y), dx.mul(dy));
        if (b !== 0) same(exactDiv(x, y), dx.div(dy));
        same(exactAdd(exactMul(x, exactSub(y, z)), exactAbs(exactMul(z, y))), dx.mul(dy.sub(dz)).add(dz.mul(dy).abs()));
        const s = exactSub(exactAdd(exactAdd(x, y), z), y);
        same(s, dx.add(dy).add(dz).sub(dy));
        if (s.c !== BigInt(0)) same(exactDiv(exactAbs(z), s), dz.abs().div(dx.add(dy).add(dz).sub(dy)));
        // decimal.js values (20 digits) in, as the ledger's books hold them
        const q = dx.div(dy.eq(0) ? 3 : dy);
        same(exactMul(exactOfDecimal(q)!, z), q.mul(dz));
      }),
      { numRuns: 3000 },
    );
  });

  it("markView equals the decimal.js computation on a book with fills of awkward prices", () => {
    const l = new Ledger(10_000, ["A", "B"]);
    const ref = (): Record<string, number> => {
      // the decimal.js path, as markView computed it before ADR-207
      let unreal = new Decimal(0), inv = new Decimal(0), realized = new Decimal(0), fees = new Decimal(0);
      for (const b of l.symbols()) {
        realized = realized.add(b.realized);
        fees = fees.add(b.fees);
        if (b.position.isZero()) continue;
        const m = new Decimal(b.mark);
        unreal = unreal.add(b.position.mul(m.sub(b.avg_entry)));
        inv = inv.add(b.position.mul(m).abs());
      }
      const eq = new Decimal(10_000).add(realized).add(unreal).sub(fees);
      return { equity: eq.toNumber(), unrealized_pnl: unreal.toNumber(), inventory_notional: inv.toNumber(), effective_leverage: eq.isPositive() ? inv.div(eq).toNumber() : 0 };
    };
    const fills: Array<[string, "BUY" | "SELL", number, number, number]> = [
      ["A", "BUY", 2023.41, 0.301, 0.0609], ["A", "BUY", 2019.97, 0.117, 0.0236], ["B", "SELL", 0.3333, 1234.5, 0.041],
      ["A", "SELL", 2031.07, 0.2, 0.0406], ["B", "BUY", 0.3299, 1000, 0.033], ["A", "SELL", 2040.13, 0.3, 0.0612],
    ];
    let checked = 0;
    for (const [sym, side, price, qty, fee] of fills) {
      l.applyFill(sym, side, price, qty, fee);
      for (const [ma, mb] of [[2023.12, 0.3317], [1999.995, 0.3], [2100.7, 0.34449]]) {
        l.markFloat(l.book("A"), ma);
        l.markFloat(l.book("B"), mb);
        const v = l.markView();
        const r = ref();
        expect({ equity: v.equity, unrealized_pnl: v.unrealized_pnl, inventory_notional: v.inventory_notional, effective_leverage: v.effective_leverage }).to.deep.equal(r);
        checked++;
      }
    }
    expect(checked).to.equal(18);
  });
});
