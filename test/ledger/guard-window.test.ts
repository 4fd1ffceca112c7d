import { expect } from "chai";
import fc from "fast-check";
import { RiskConfigSchema } from "../../sdk/ledger/config";
import { DrawdownGuard } from "../../sdk/ledger/guard";

/** A guard whose cached window range is dropped before every update: the window id is divided out every time. */
function update(g: DrawdownGuard, ts: number, equity: number, forceDivision: boolean): unknown {
  if (forceDivision) (g as unknown as { win: Float64Array }).win.fill(Number.NaN);
  const tr = g.update(ts, equity);
  return { tr, v: Array.from(g.v), state: g.state };
}

describe("ledger: drawdown guard window range (the window id skips the division inside a known window)", () => {
  it("gives the same peaks, drawdowns and transitions as dividing at every update (daily and session, integer and fractional times)", () => {
    const win = fc.oneof(
      fc.constant({ kind: "daily" as const }),
      fc.record({ kind: fc.constant("session" as const), length_ms: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 10_000 })), anchor_ms: fc.integer({ min: 0, max: 20_000 }) }),
    );
    const step = fc.record({ dt: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 200_000_000 }), fc.double({ min: 0, max: 3_000, noNaN: true })), eq: fc.integer({ min: 9_000, max: 11_000 }) });
    fc.assert(
      fc.property(win, fc.integer({ min: 0, max: 2 ** 41 }), fc.array(step, { minLength: 1, maxLength: 80 }), (window, t0, steps) => {
        const cfg = RiskConfigSchema.parse({ equity: 10_000, dd_budget_abs: 800, window });
        const a = new DrawdownGuard(cfg);
        const b = new DrawdownGuard(cfg);
        let ts = t0;
        for (const s of steps) {
          ts += s.dt;
          expect(update(a, ts, s.eq, false)).to.deep.equal(update(b, ts, s.eq, true));
        }
      }),
      { numRuns: 300 },
    );
  });
});
