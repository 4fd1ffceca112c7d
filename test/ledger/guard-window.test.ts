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

/** The guard's state machine of spec 17.14.3 written out plainly: peak per daily / session window, dd, transitions. */
function referenceGuard(cfg: ReturnType<typeof RiskConfigSchema.parse>) {
  const budget = cfg.dd_budget_abs ?? cfg.equity * cfg.dd_budget_frac;
  let state: "NORMAL" | "DAMAGE_CONTROL" | "EMERGENCY" = "NORMAL";
  let windowId = Number.NaN;
  let peak = cfg.equity;
  let maxU = 0;
  let maxDd = 0;
  return (ts: number, equity: number) => {
    const w = cfg.window;
    const len = w.kind === "daily" ? 86_400_000 : w.length_ms;
    const anchor = w.kind === "daily" ? 0 : w.anchor_ms;
    const id = Math.floor((ts - anchor) / len);
    if (id !== windowId) {
      peak = Number.isNaN(windowId) ? Math.max(cfg.equity, equity) : equity;
      windowId = id;
    }
    if (equity > peak) peak = equity;
    const dd = peak > equity ? peak - equity : 0;
    const u = budget > 0 ? dd / budget : 0;
    if (u > maxU) maxU = u;
    if (dd > maxDd) maxDd = dd;
    const from = state;
    if (from !== "EMERGENCY") {
      if (u >= cfg.emergency_utilization) state = "EMERGENCY";
      else if (from === "NORMAL" && u >= cfg.damage_control_utilization) state = "DAMAGE_CONTROL";
      else if (from === "DAMAGE_CONTROL" && u <= cfg.damage_control_exit_utilization) state = "NORMAL";
    }
    return { tr: state === from ? null : { from, to: state }, v: [dd, u, maxU, peak, maxDd], state };
  };
}

describe("ledger: drawdown guard state machine (the no-change band and the first updates' division path)", () => {
  it("gives the dd, peaks and transitions of the plain state machine, for any thresholds, hysteresis crossings included", () => {
    const win = fc.oneof(
      fc.constant({ kind: "daily" as const }),
      fc.record({ kind: fc.constant("session" as const), length_ms: fc.integer({ min: 1, max: 5_000 }), anchor_ms: fc.integer({ min: 0, max: 5_000 }) }),
    );
    const thresholds = fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0.01, max: 1.5, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })).map(([exitF, dc, emF]) => ({
      damage_control_utilization: dc,
      damage_control_exit_utilization: dc * exitF * 0.999,
      emergency_utilization: dc + emF,
    }));
    // equities anywhere, and at / just around each threshold (dd = u · budget below the peak 10 000, budget 1 000)
    const steps = (th: { damage_control_utilization: number; damage_control_exit_utilization: number; emergency_utilization: number }) => {
      const edges = [th.damage_control_utilization, th.damage_control_exit_utilization, th.emergency_utilization];
      const near = fc.tuple(fc.constantFrom(...edges), fc.constantFrom(-1e-3, -1e-9, 0, 1e-9, 1e-3)).map(([u, d]) => 10_000 - (u + d) * 1_000);
      const eq = fc.oneof({ arbitrary: fc.integer({ min: 8_500, max: 10_500 }), weight: 1 }, { arbitrary: fc.double({ min: 8_500, max: 10_500, noNaN: true }), weight: 1 }, { arbitrary: near, weight: 6 });
      const dt = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 30 }), weight: 9 }, { arbitrary: fc.integer({ min: 0, max: 200_000_000 }), weight: 1 });
      return fc.array(fc.record({ dt, eq }), { minLength: 1, maxLength: 200 });
    };
    fc.assert(
      fc.property(win, thresholds.chain((th) => fc.tuple(fc.constant(th), steps(th))), fc.integer({ min: 0, max: 2 ** 41 }), (window, [th, steps], t0) => {
        const cfg = RiskConfigSchema.parse({ equity: 10_000, dd_budget_abs: 1_000, window, ...th });
        const g = new DrawdownGuard(cfg);
        const ref = referenceGuard(cfg);
        let ts = t0;
        for (const s of steps) {
          ts += s.dt;
          const tr = g.update(ts, s.eq);
          const want = ref(ts, s.eq);
          expect({ tr: tr && { from: tr.from, to: tr.to }, v: Array.from(g.v), state: g.state }).to.deep.equal(want);
        }
      }),
      { numRuns: 300, seed: 230 },
    );
  });
});
