import { expect } from "chai";
import fc from "fast-check";
import { defaultPortfolioConfig, parsePortfolioConfig, scoreSymbols } from "../../sdk/portfolio";
import { view } from "./views";

const cfg = defaultPortfolioConfig();

describe("portfolio: score (17.15.2)", () => {
  it("components are ratios to the best on the compressed scale, score = weighted sum", () => {
    const s = scoreSymbols([view("A", { range_score: 20, trend_strength: 0.5 }), view("B", { range_score: 2, trend_strength: -3 }, { penalty: 0.25 })], cfg);
    const [a, b] = s;
    expect(a.range_score).to.equal(1);
    expect(b.range_score).to.be.closeTo(Math.log1p(2) / Math.log1p(20), 1e-15);
    expect(a.trend_strength, "|trend| / max(|trend|, floor)").to.be.closeTo(0.5 / 3, 1e-15);
    expect(b.trend_strength).to.equal(1);
    expect(b.tox_penalty, "tox penalty used on its absolute scale").to.equal(0.25);
    expect(a.liquidity_score).to.equal(1);
    expect(b.score).to.be.closeTo(b.range_score + b.liquidity_score - 0.25 - 1, 1e-15);
    expect(a.score).to.be.greaterThan(b.score);
  });
  it("the trend floor keeps noise-level trends small among choppy symbols", () => {
    const s = scoreSymbols([view("A", { trend_strength: 0.01 }), view("B", { trend_strength: 0.03 })], cfg);
    expect(s[1].trend_strength).to.be.closeTo(0.03, 1e-15);
  });
  it("liquidity: L1 for all, plus fresh-L2 depth and impact among the symbols that have them", () => {
    const s = scoreSymbols(
      [
        view("A", { thin_l1_quote: 10_000, depth_topn_usd: 1e6, impact_bps: 4 }),
        view("B", { thin_l1_quote: 10_000, depth_topn_usd: 1e5, impact_bps: 9 }),
        view("C", { thin_l1_quote: 10_000 }),
      ],
      cfg,
    );
    expect(s[0].liquidity_score).to.equal(1);
    const depthB = Math.log1p(1e5) / Math.log1p(1e6);
    expect(s[1].liquidity_score).to.be.closeTo((1 + depthB + 5 / 10) / 3, 1e-15);
    expect(s[2].liquidity_score, "L1-only symbol scored on L1 alone").to.equal(1);
    expect(s[1].raw.depth_topn_usd).to.equal(1e5);
    expect(s[2].raw.depth_topn_usd).to.equal(null);
  });
  it("weights are read from config", () => {
    const c = parsePortfolioConfig({ weights: { w_range: 0, w_liq: 0, w_tox: 0, w_trend: 2 } });
    const s = scoreSymbols([view("A", { trend_strength: 2 }), view("B", { trend_strength: 1 })], c);
    expect(s.map((x) => x.score)).to.deep.equal([-2, -1]);
  });
  it("is independent of the input order (property)", () => {
    const arb = fc.array(
      fc.record({
        range: fc.double({ min: 0, max: 1e4, noNaN: true }),
        trend: fc.double({ min: -10, max: 10, noNaN: true }),
        thin: fc.double({ min: 0, max: 1e9, noNaN: true }),
        depth: fc.option(fc.double({ min: 0, max: 1e9, noNaN: true })),
        impact: fc.double({ min: 0, max: 500, noNaN: true }),
        pen: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
      { minLength: 1, maxLength: 9 },
    );
    fc.assert(
      fc.property(arb, fc.infiniteStream(fc.nat()), (rows, seeds) => {
        const views = rows.map((r, i) =>
          view(`S${i}`, { range_score: r.range, trend_strength: r.trend, thin_l1_quote: r.thin, depth_topn_usd: r.depth, impact_bps: r.depth === null ? null : r.impact }, { penalty: r.pen }),
        );
        const shuffled = views.map((v) => ({ v, k: seeds.next().value as number })).sort((a, b) => a.k - b.k).map((x) => x.v);
        const a = scoreSymbols(views, cfg);
        expect(scoreSymbols(shuffled, cfg)).to.deep.equal(a);
        for (const s of a) for (const c of [s.range_score, s.liquidity_score, s.trend_strength]) expect(c).to.be.within(0, 1);
      }),
    );
  });
});
