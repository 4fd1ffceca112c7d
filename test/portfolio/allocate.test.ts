import { expect } from "chai";
import Decimal from "decimal.js";
import fc from "fast-check";
import { ErrorCode, GrinderError } from "../../sdk/contracts/errors";
import { allocateBudgets, type AllocationInput } from "../../sdk/portfolio";

function sumDec(b: Record<string, number>): Decimal {
  return Object.values(b).reduce((a, x) => a.add(new Decimal(x)), new Decimal(0));
}

const sel = (xs: Array<[string, number, number]>): AllocationInput[] => xs.map(([symbol, liquidity_score, tox_penalty]) => ({ symbol, liquidity_score, tox_penalty }));

describe("portfolio: budget allocator (17.7.2)", () => {
  it("equal: dd/K, remainder to the lexically first symbol, keys lexical", () => {
    const b = allocateBudgets(sel([["C", 1, 0], ["A", 1, 0], ["B", 1, 0]]), 100, "equal");
    expect(Object.keys(b)).to.deep.equal(["A", "B", "C"]);
    expect(b).to.deep.equal({ A: 33.33333334, B: 33.33333333, C: 33.33333333 });
    expect(sumDec(b).eq(100)).to.equal(true);
  });
  it("weighted: w ∝ liquidity·(1 − tox), remainder to the largest weight", () => {
    const b = allocateBudgets(sel([["A", 0.5, 0], ["B", 1, 0.5], ["C", 1, 0]]), 1000, "weighted");
    // weights 0.5, 0.5, 1 → 250, 250, 500
    expect(b).to.deep.equal({ A: 250, B: 250, C: 500 });
    const c = allocateBudgets(sel([["A", 1, 0], ["B", 1, 0], ["C", 1, 0.5]]), 1, "weighted");
    // weights 1,1,0.5 → 0.4 each for A, B; 0.2 for C; exact here
    expect(c).to.deep.equal({ A: 0.4, B: 0.4, C: 0.2 });
    const d = allocateBudgets(sel([["A", 1, 0], ["B", 1, 0], ["C", 1, 0]]), 1, "weighted");
    expect(d.A, "tie on weight → the lexically first symbol takes the remainder").to.equal(0.33333334);
  });
  it("weighted with all-zero weights falls back to equal", () => {
    expect(allocateBudgets(sel([["A", 0, 0], ["B", 1, 1]]), 10, "weighted")).to.deep.equal({ A: 5, B: 5 });
  });
  it("empty selection → no budgets; zero budget → zeros", () => {
    expect(allocateBudgets([], 100, "equal")).to.deep.equal({});
    expect(allocateBudgets(sel([["A", 1, 0]]), 0, "equal")).to.deep.equal({ A: 0 });
  });
  it("refuses negative / non-finite budgets and duplicate symbols", () => {
    for (const [x, dd] of [[sel([["A", 1, 0]]), -1], [sel([["A", 1, 0]]), NaN], [sel([["A", 1, 0], ["A", 1, 0]]), 1]] as const) {
      try {
        allocateBudgets(x, dd, "equal");
        expect.fail("should throw");
      } catch (e) {
        expect(e).to.be.instanceOf(GrinderError);
        expect((e as GrinderError).code).to.equal(ErrorCode.INVALID_ARGUMENT);
      }
    }
  });
  it("budgets sum exactly to the portfolio budget, never negative, independent of order (property)", () => {
    const arb = fc.uniqueArray(
      fc.record({ symbol: fc.stringMatching(/^[A-Z]{1,6}$/), liquidity_score: fc.double({ min: 0, max: 1, noNaN: true }), tox_penalty: fc.double({ min: 0, max: 1, noNaN: true }) }),
      { minLength: 1, maxLength: 7, selector: (x) => x.symbol },
    );
    // Budgets on the 1e-8 grid, up to 1e7 quote (15 significant digits round-trip exactly).
    const dd = fc.integer({ min: 0, max: 1e15 }).map((n) => new Decimal(n).div(1e8).toNumber());
    fc.assert(
      fc.property(arb, dd, fc.constantFrom("equal" as const, "weighted" as const), (xs, budget, kind) => {
        const b = allocateBudgets(xs, budget, kind);
        expect(sumDec(b).eq(new Decimal(budget)), `Σ ${sumDec(b)} vs ${budget}`).to.equal(true);
        for (const v of Object.values(b)) expect(v).to.be.at.least(0);
        expect(allocateBudgets([...xs].reverse(), budget, kind)).to.deep.equal(b);
      }),
    );
  });
  it("off-grid budget: the sum is the budget rounded down to the quantum, never more", () => {
    const b = allocateBudgets(sel([["A", 1, 0], ["B", 1, 0]]), 10.123456789, "equal");
    expect(sumDec(b).eq("10.12345678")).to.equal(true);
  });
});
