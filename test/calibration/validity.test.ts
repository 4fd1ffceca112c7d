import { expect } from "chai";
import * as fc from "fast-check";
import { runCalibration } from "../../sdk/calibration/calibrate";
import type { EvalTask, TrialMetrics } from "../../sdk/calibration/evaluator";
import { pnlPerDd, pnlPerDdV1 } from "../../sdk/calibration/objective";
import { dominanceCheck, dominates, edgeFlags, paretoFront } from "../../sdk/calibration/pareto";
import { SeededRandom } from "../../sdk/calibration/rng";
import { buildAxes } from "../../sdk/calibration/space";
import { parseSpec } from "../../sdk/calibration/spec";
import { deflatedSharpeFromMoments, expectedMaxSharpe, normCdf, normInv, pboCscv } from "../../sdk/calibration/stats";
import { smallSpec, tinyFixture, tmp } from "./helpers";

describe("calibration: objective never rewards a loss with a bigger drawdown", () => {
  it("pnl_per_dd is increasing in net PnL and non-increasing in drawdown (property), continuous at 0", () => {
    const F = 25;
    fc.assert(
      fc.property(fc.double({ min: -1000, max: 1000, noNaN: true }), fc.double({ min: 0, max: 1000, noNaN: true }), fc.double({ min: 0, max: 500, noNaN: true }), (net, dd, more) => {
        expect(pnlPerDd(net, dd + more, F)).to.be.at.most(pnlPerDd(net, dd, F) + 1e-12);
        expect(pnlPerDd(net + more, dd, F)).to.be.at.least(pnlPerDd(net, dd, F) - 1e-12);
      }),
      { seed: 1300, numRuns: 500 },
    );
    expect(pnlPerDd(-1e-9, 400, F)).to.be.closeTo(0, 1e-6);
    // The old formula rewards the bigger drawdown when losing:
    expect(pnlPerDdV1(-120.3, 252.2, F)).to.be.above(pnlPerDdV1(-108.9, 138.4, F));
    expect(pnlPerDd(-120.3, 252.2, F)).to.be.below(pnlPerDd(-108.9, 138.4, F));
  });

  it("on a constructed grid the old objective picks a dominated point; the new one does not, and the dominance check refuses the old pick", async () => {
    const root = tmp("dom");
    await tinyFixture(root, "fx_a");
    await tinyFixture(root, "fx_b", 30, 1_700_100_000_000);
    // alpha → (net, max DD) per unit: every point loses; alpha 0.4 loses less with a smaller DD than 0.2.
    const table: Record<string, [number, number]> = { "0.2": [-40.1, 84.1], "0.4": [-36.3, 46.1], "0.6": [-60, 60] };
    const fn = (t: EvalTask): TrialMetrics => {
      const [net, dd] = table[String((t.config.policy as { alpha: number }).alpha)] ?? [0, 10]; // the static-grid baseline
      return { net_pnl: net, fees: 1, max_drawdown: dd, dd_budget: 500, cycles: 50, duration_ms: t.unit.to_ts - t.unit.from_ts, emergency_ms: 0, damage_control_ms: 0, fill_model: "synthetic" };
    };
    const spec = smallSpec({
      parameters: [{ path: "policy.alpha", choices: [0.2, 0.4, 0.6] }],
      objective: { name: "pnl_per_dd", dd_floor: 0.05 },
      gate: { min_oos_objective: null },
    });
    const r = await runCalibration(parseSpec(spec), { workers: 0, evaluator: { fn, id: "dom" }, fixturesRoot: root });
    const all = r.points.filter((p) => p.fold === "all");
    expect(all.length).to.equal(3);
    // The old objective over the same full-data metrics (aggregated: sum of net, worst DD).
    const F = 0.05 * 500;
    const oldPick = all.reduce((b, p) => (pnlPerDdV1(p.net_pnl as number, p.max_drawdown as number, F) > pnlPerDdV1(b.net_pnl as number, b.max_drawdown as number, F) ? p : b));
    expect(oldPick["policy.alpha"], "old objective's pick").to.equal(0.2);
    expect(r.final.selected["policy.alpha"], "new objective's pick").to.equal(0.4);
    expect(r.validity.dominance.passed).to.equal(true);
    const metricsOf = (p: (typeof all)[number]) => ({ point: { "policy.alpha": p["policy.alpha"] as number }, metrics: { net_pnl: p.net_pnl, max_drawdown: p.max_drawdown } as never });
    const old = dominanceCheck(metricsOf(oldPick), all.filter((p) => p !== oldPick).map(metricsOf), ["net_pnl", "max_drawdown"]);
    expect(old.passed, "the dominance check would have refused the old pick").to.equal(false);
    expect(old.dominated_by).to.deep.equal([{ "policy.alpha": 0.4 }]);
    expect(r.gate.checks.find((c) => c.name === "not_dominated")?.passed).to.equal(true);
    // every point loses: the default floor (min OOS objective 0) would refuse; here it was switched off
    expect(r.pareto.front.map((f) => f.point)).to.deep.equal([{ "policy.alpha": 0.4 }]);
  });

  it("dominance, Pareto front and edge flags", () => {
    expect(dominates([1, 2], [1, 1])).to.equal(true);
    expect(dominates([1, 1], [1, 1])).to.equal(false);
    expect(dominates([2, 0], [1, 1])).to.equal(false);
    expect(dominates([0, 0], [null, 5])).to.equal(false);
    expect(dominates([0, 5], [null, 5])).to.equal(true);
    expect(paretoFront([[1, 1], [2, 0], [0, 2], [0.5, 0.5], [2, 0]])).to.deep.equal([0, 1, 2, 4]);
    const axes = buildAxes([
      { path: "a.x", min: 0, max: 2, step: 1 },
      { path: "a.k", choices: [3, 1, 2] },
      { path: "a.m", choices: ["u", "v", "w"] },
      { path: "a.two", min: 0, max: 1, step: 1 },
    ]);
    expect(edgeFlags({ "a.x": 1, "a.k": 2, "a.m": "u", "a.two": 0 }, axes)).to.deep.equal([]);
    expect(edgeFlags({ "a.x": 2, "a.k": 1, "a.m": "w", "a.two": 1 }, axes)).to.deep.equal([
      { path: "a.x", value: 2, side: "max" },
      { path: "a.k", value: 1, side: "min" },
    ]);
  });
});

describe("calibration: overfitting statistics", () => {
  const noise = (seed: number, N: number, T: number, signal = -1, mu = 0): number[][] => {
    const r = new SeededRandom(seed);
    const cols = Array.from({ length: N }, () => new Array<number>(T).fill(0));
    for (let t = 0; t < T; t++) for (let j = 0; j < N; j++) cols[j][t] = r.normal() + (j === signal ? mu : 0);
    return cols;
  };

  it("normal CDF and quantile match reference values", () => {
    expect(normCdf(1.2345)).to.be.closeTo(0.8914916766373298, 1e-13);
    expect(normCdf(-7.5)).to.be.closeTo(3.1908916729108844e-14, 1e-25);
    expect(normInv(0.975)).to.be.closeTo(1.959963984540054, 1e-12);
    expect(normInv(1e-6)).to.be.closeTo(-4.753424308822899, 1e-10);
    expect(normInv(0.9)).to.be.closeTo(1.2815515655446004, 1e-12);
  });

  it("PBO of pure-noise strategies is about 0.5 (one noise set varies widely: the splits share its data)", function () {
    this.timeout(60_000);
    const ps = Array.from({ length: 12 }, (_, i) => pboCscv(noise(i + 1, 20, 320), 16)!);
    expect(ps[0].splits).to.equal(12870);
    expect(ps[0].strategies).to.equal(20);
    const mean = ps.reduce((a, p) => a + p.pbo, 0) / ps.length;
    expect(mean, "mean PBO over twelve noise sets").to.be.within(0.35, 0.65);
    expect(Math.max(...ps.map((p) => p.pbo)), "some noise sets look badly overfit").to.be.above(0.5);
  });

  it("PBO with one real signal among noise is low", () => {
    const p = pboCscv(noise(7, 20, 320, 5, 0.5), 16)!;
    expect(p.pbo).to.be.below(0.05);
    expect(p.mean_logit).to.be.above(1.5);
  });

  it("PBO is null when it cannot be computed (one strategy, fewer rows than blocks)", () => {
    expect(pboCscv(noise(1, 1, 100))).to.equal(null);
    expect(pboCscv(noise(1, 4, 10), 16)).to.equal(null);
  });

  it("Deflated Sharpe Ratio equals the hand-computed value", () => {
    // N = 10 trials, V[SR] = 0.01, SR = 0.3, T = 100, skew −0.5, kurtosis 4.
    // SR0 = √0.01 · ((1 − γ) Φ⁻¹(0.9) + γ Φ⁻¹(1 − 1/(10e)))
    //     = 0.1 · (0.4227843350984671 · 1.2815515655446004 + 0.5772156649015329 · 1.7892417645816283) = 0.157459830134575
    // z   = (0.3 − SR0) · √99 / √(1 + 0.5 · 0.3 + (3/4) · 0.09) = 1.285346988522726 ; DSR = Φ(z) = 0.900664471489624
    const sr0 = 0.1 * ((1 - 0.5772156649015329) * 1.2815515655446004 + 0.5772156649015329 * 1.7892417645816283);
    expect(sr0).to.be.closeTo(0.157459830134575, 1e-14);
    expect(expectedMaxSharpe(10, 0.01)).to.be.closeTo(sr0, 1e-12);
    const d = deflatedSharpeFromMoments(0.3, 100, -0.5, 4, 10, 0.01);
    const z = ((0.3 - sr0) * Math.sqrt(99)) / Math.sqrt(1 + 0.5 * 0.3 + 0.75 * 0.09);
    expect(z).to.be.closeTo(1.285346988522726, 1e-12);
    expect(d.sr0).to.be.closeTo(0.157459830134575, 1e-12);
    expect(d.dsr).to.be.closeTo(0.900664471489624, 1e-10);
    // More trials deflate more.
    expect(deflatedSharpeFromMoments(0.3, 100, -0.5, 4, 1000, 0.01).dsr).to.be.below(d.dsr);
    expect(expectedMaxSharpe(1, 0.01)).to.equal(0);
  });
});
