import { expect } from "chai";
import { InputSmoother } from "../../sdk/portfolio";
import { view } from "./views";

describe("portfolio: input smoothing", () => {
  it("halves the distance to a new value after one half-life, in log space for range", () => {
    const s = new InputSmoother(1000);
    s.smooth(0, [view("A", { ts: 0, range_score: Math.E - 1, trend_strength: -2 }, { penalty: 0 })]);
    const [v] = s.smooth(1000, [view("A", { ts: 1000, range_score: Math.exp(3) - 1, trend_strength: 0 }, { penalty: 0.5 })]);
    expect(Math.log1p(v.features.range_score as number)).to.be.closeTo(2, 1e-12);
    expect(v.features.trend_strength, "|trend| smoothed").to.be.closeTo(1, 1e-12);
    expect(v.tox.penalty).to.be.closeTo(0.25, 1e-12);
  });
  it("half-life 0 passes views through; unscorable views keep the state", () => {
    const v0 = view("A", { range_score: 7 });
    expect(new InputSmoother(0).smooth(5, [v0])[0]).to.equal(v0);
    const s = new InputSmoother(1000);
    s.smooth(0, [view("A", { ts: 0, range_score: 7 })]);
    const cold = view("A", { ts: 500, range_score: null });
    expect(s.smooth(500, [cold])[0]).to.equal(cold);
    const [v] = s.smooth(500, [view("A", { ts: 500, range_score: 7 })]);
    expect(v.features.range_score).to.be.closeTo(7, 1e-12);
  });
});
