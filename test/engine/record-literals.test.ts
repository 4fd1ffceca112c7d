import { expect } from "chai";
import fc from "fast-check";
import { fillRecord } from "../../sdk/contracts/events";
import type { Fill } from "../../sdk/contracts/trading";
import { defaultConfig } from "../../sdk/config";
import { planGrid } from "../../sdk/policy/plan";
import { defaultStages } from "../../sdk/strategies/adaptive-grid/default-stages";
import { input } from "../policy/helpers";

// ADR-253: records and stage inputs made per fill / per policy tick are built as one literal, not
// as a spread followed by new keys; these tests hold the literals to what the spreads made.
describe("engine: per-event records built as literals (ADR-253)", () => {
  const fill: fc.Arbitrary<Fill> = fc.record({
    order_id: fc.string(), symbol: fc.constantFrom("BTCUSDT", "ETH-USD_PERP"), side: fc.constantFrom("BUY", "SELL"), kind: fc.constantFrom("GRID", "TP"),
    price: fc.double({ noNaN: true }), qty: fc.double({ noNaN: true }), ts: fc.integer(), fee: fc.double({ noNaN: true }), liquidity: fc.constantFrom("MAKER", "TAKER"),
  }) as fc.Arbitrary<Fill>;

  it("fillRecord has the keys, key order and values of { t: 'fill', ...fill, level, realized }", () => {
    fc.assert(
      fc.property(fill, fc.integer({ min: -40, max: 40 }), fc.double({ noNaN: true }), (f, level, realized) => {
        const want = { t: "fill", ...f, level, realized };
        const got = fillRecord(f, level, realized);
        expect(Object.keys(got)).to.deep.equal(Object.keys(want));
        expect(got).to.deep.equal(want);
      }),
      { numRuns: 200 },
    );
  });

  it("the default plan stage uses the features' bar interval, whether the input carries it or not, and does not change the input", () => {
    const cfg = defaultConfig();
    const tf = cfg.features.bar_interval_ms;
    const bare = input();
    const before = JSON.stringify(bare);
    const want = planGrid({ ...bare, bar_interval_ms: tf }, cfg.policy);
    // the interval matters to the plan (n = H / TF), so a stage that ignored it would differ
    expect(planGrid({ ...bare, bar_interval_ms: tf * 5 }, cfg.policy).x_stress_frac).to.not.equal(want.x_stress_frac);
    expect(defaultStages.plan(bare, cfg)).to.deep.equal(want);
    expect(defaultStages.plan({ ...bare, bar_interval_ms: tf }, cfg)).to.deep.equal(want);
    expect(defaultStages.plan({ ...bare, bar_interval_ms: tf * 5 }, cfg)).to.deep.equal(want);
    expect(JSON.stringify(bare)).to.equal(before);
  });
});
