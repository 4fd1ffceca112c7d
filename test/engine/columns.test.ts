import { expect } from "chai";
import fc from "fast-check";
import { CodeColumn, F64Column } from "../../sdk/engine/columns";

describe("engine: growable table columns", () => {
  it("return every pushed value in order across many growths (numbers and coded strings)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double(), fc.constantFrom("RANGE", "TREND_UP", "VOL_SHOCK", "PAUSE")), { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 3_000 }), (cycle, n) => {
        // n rows (up to many growths from the initial 16), cycling through the generated values
        const rows = Array.from({ length: n }, (_, i) => cycle[(i * 7) % cycle.length]);
        const f = new F64Column();
        const c = new CodeColumn();
        for (const [x, s] of rows) {
          f.push(x);
          c.push(s);
        }
        expect(f.length).to.equal(rows.length);
        expect(c.length).to.equal(rows.length);
        expect(f.toArray()).to.deep.equal(rows.map((r) => r[0]));
        expect(c.toArray()).to.deep.equal(rows.map((r) => r[1]));
      }),
      { numRuns: 60, seed: 231 },
    );
  });
});
