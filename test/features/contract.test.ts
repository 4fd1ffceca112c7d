import { expect } from "chai";
import { Ema, MidBarBuilder, RangeWindow, TrendStrength, WilderAtr, type Indicator } from "../../sdk/features";

/**
 * ONE contract test for every streaming indicator of the feature stage (sdk/features/indicator.ts):
 * null while warming up, stable after `requiredInputs`, the same inputs give the same results,
 * and `reset()` returns to the initial state.
 */
interface ContractCase<I, O> {
  name: string;
  make: () => Indicator<I, O>;
  /** At least requiredInputs + a few; each input counts towards warm-up. */
  inputs: I[];
}

const cases: ContractCase<unknown, unknown>[] = [];
function register<I, O>(c: ContractCase<I, O>): void {
  cases.push(c as ContractCase<unknown, unknown>);
}

// Deterministic, non-trivial input streams (no RNG needed).
const wave = (i: number): number => 100 + 3 * Math.sin(i * 0.7) + 0.05 * i + (i % 3 === 0 ? 0.4 : -0.2);
const bars = Array.from({ length: 40 }, (_, i) => {
  const c = wave(i);
  return { high: c + 0.5 + (i % 4) * 0.1, low: c - 0.6 - (i % 5) * 0.1, close: c };
});

register({ name: "MidBarBuilder (one tick per interval)", make: () => new MidBarBuilder(60_000), inputs: Array.from({ length: 30 }, (_, i) => ({ ts: i * 60_000 + 1_000, price: wave(i) })) });
register({ name: "MidBarBuilder (interval with empty gaps)", make: () => new MidBarBuilder(1_000), inputs: Array.from({ length: 30 }, (_, i) => ({ ts: i * 2_500, price: wave(i) })) });
register({ name: "WilderAtr(14)", make: () => new WilderAtr(14), inputs: bars });
register({ name: "WilderAtr(1)", make: () => new WilderAtr(1), inputs: bars.slice(0, 10) });
register({ name: "Ema(10)", make: () => new Ema(10), inputs: bars.map((b) => b.close) });
register({ name: "Ema(60, warmup 1)", make: () => new Ema(60, 1), inputs: bars.map((b) => b.close) });
register({ name: "RangeWindow(H=12)", make: () => new RangeWindow(12, 1e-4), inputs: bars.map((b) => b.close) });
register({ name: "TrendStrength(5, 20)", make: () => new TrendStrength(5, 20), inputs: bars.map((b) => ({ close: b.close, natr: 0.004 + 0.0001 * Math.cos(b.close) })) });

const snap = (v: unknown): unknown => (v === null ? null : JSON.parse(JSON.stringify(v)));

describe("Indicator contract (every streaming indicator)", () => {
  for (const c of cases) {
    describe(c.name, () => {
      it("is null and not stable while warming up, stable from requiredInputs on", () => {
        const ind = c.make();
        expect(ind.result, "fresh result").to.equal(null);
        expect(ind.isStable, "fresh isStable").to.equal(false);
        expect(ind.count).to.equal(0);
        expect(c.inputs.length, "test stream long enough").to.be.greaterThan(ind.requiredInputs + 2);
        c.inputs.forEach((x, i) => {
          const r = ind.update(x);
          expect(ind.count, "count").to.equal(i + 1);
          expect(r, "update returns result").to.equal(ind.result);
          if (i + 1 < ind.requiredInputs) {
            expect(ind.result, `result after ${i + 1} inputs`).to.equal(null);
            expect(ind.isStable, `isStable after ${i + 1} inputs`).to.equal(false);
          }
        });
        expect(ind.isStable, "stable at the end").to.equal(true);
        expect(ind.result, "result at the end").to.not.equal(null);
      });

      it("becomes stable exactly when the required inputs have been seen (one per interval)", () => {
        const ind = c.make();
        // For the gap stream of the bar builder the first close happens on input 2 as well.
        for (let i = 0; i < ind.requiredInputs; i++) ind.update(c.inputs[i]);
        expect(ind.isStable, `stable after ${ind.requiredInputs}`).to.equal(true);
      });

      it("replaying the same inputs gives the same results (fresh instance and after reset)", () => {
        const a = c.make();
        const b = c.make();
        const ra = c.inputs.map((x) => snap(a.update(x)));
        const rb = c.inputs.map((x) => snap(b.update(x)));
        expect(rb).to.deep.equal(ra);
        a.reset();
        expect(a.count, "count after reset").to.equal(0);
        expect(a.result, "result after reset").to.equal(null);
        expect(a.isStable, "isStable after reset").to.equal(false);
        const rc = c.inputs.map((x) => snap(a.update(x)));
        expect(rc).to.deep.equal(ra);
      });
    });
  }
});
