import { expect } from "chai";
import fc from "fast-check";
import type { Features } from "../../sdk/contracts";
import {
  actionFor,
  assessToxicity,
  assessToxicityInto,
  defaultToxicityConfig,
  TOX_IMPACT,
  TOX_JUMP,
  TOX_SPREAD_SPIKE,
  TOX_STALE_L1,
  TOX_STALE_L1_SEVERE,
  TOX_STALE_L2,
  ToxicityConfigSchema,
} from "../../sdk/regime";
import { calm } from "./helpers";

const cfg = defaultToxicityConfig();

describe("toxicity gate (spec 17.14.1)", () => {
  it("config: {} gives the documented defaults; thresholds must ascend", () => {
    expect(cfg.spread_ratio_mid).to.equal(2);
    expect(cfg.impact_high_bps).to.equal(20);
    expect(ToxicityConfigSchema.safeParse({ impact_mid_bps: 50 }).success, "mid > high").to.equal(false);
    expect(ToxicityConfigSchema.safeParse({ nope: 1 }).success).to.equal(false);
  });

  // [name, feature overrides, severity, action, reasons, penalty (hand-computed from gradedScore)]
  const table: Array<[string, Partial<Features>, string, string, string[], number]> = [
    ["calm", {}, "LOW", "NORMAL", [], 0],
    ["spread 2.5× baseline, excess 3 bps", { spread_bps: 5, spread_bps_baseline: 2 }, "MID", "THROTTLE", [TOX_SPREAD_SPIKE], 0.25 + (0.25 * 0.5) / 1.5],
    ["spread 4× baseline", { spread_bps: 4, spread_bps_baseline: 1 }, "HIGH", "PAUSE", [TOX_SPREAD_SPIKE], 0.5 + (0.5 * 0.5) / 4.5],
    ["spread 8× baseline", { spread_bps: 16, spread_bps_baseline: 2 }, "EXTREME", "EMERGENCY", [TOX_SPREAD_SPIKE], 1],
    ["spread 3× but only 1 bp over baseline: no spike", { spread_bps: 1.5, spread_bps_baseline: 0.5 }, "LOW", "NORMAL", [], 0],
    ["spread spike ignored without a baseline", { spread_bps: 50, spread_bps_baseline: null }, "LOW", "NORMAL", [], 0],
    ["impact 5 bps", { impact_bps: 5 }, "LOW", "NORMAL", [], 0.125],
    ["impact 25 bps", { impact_bps: 25 }, "HIGH", "PAUSE", [TOX_IMPACT], 0.5 + (0.5 * 5) / 80],
    ["impact 150 bps", { impact_bps: 150 }, "EXTREME", "EMERGENCY", [TOX_IMPACT], 1],
    ["jump 5 NATR", { bar_return: -0.005, natr: 0.001 }, "MID", "THROTTLE", [TOX_JUMP], 0.25 + 0.25 * 0.5],
    ["jump 12 NATR", { bar_return: 0.012, natr: 0.001 }, "EXTREME", "EMERGENCY", [TOX_JUMP], 1],
    ["L1 stale", { l1_stale: true, l1_age_ms: 8_000 }, "MID", "THROTTLE", [TOX_STALE_L1], 0.25],
    ["L1 severely stale: PAUSE, severity stays MID (THIN_BOOK, not TOXIC)", { l1_stale: true, l1_age_ms: 30_000 }, "MID", "PAUSE", [TOX_STALE_L1, TOX_STALE_L1_SEVERE], 0.25],
    ["L2 stale", { l2_stale: true }, "MID", "THROTTLE", [TOX_STALE_L2], 0.25],
    ["worst component wins, all reasons listed", { spread_bps: 5, spread_bps_baseline: 2, impact_bps: 25 }, "HIGH", "PAUSE", [TOX_SPREAD_SPIKE, TOX_IMPACT], 0.5 + (0.5 * 5) / 80],
  ];
  for (const [name, over, sev, action, reasons, pen] of table) {
    it(`table: ${name} → ${sev}/${action}`, () => {
      const a = assessToxicity(calm(over), cfg);
      expect(a.severity).to.equal(sev);
      expect(a.action).to.equal(action);
      expect(a.reasons).to.deep.equal(reasons);
      expect(a.penalty).to.be.closeTo(pen, 1e-12);
    });
  }

  const featArb = fc.record({
    spread_bps: fc.double({ min: 0.1, max: 200, noNaN: true }),
    spread_bps_baseline: fc.option(fc.double({ min: 0.1, max: 20, noNaN: true })),
    impact_bps: fc.option(fc.double({ min: 0, max: 300, noNaN: true })),
    bar_return: fc.option(fc.double({ min: -0.05, max: 0.05, noNaN: true })),
    natr: fc.option(fc.double({ min: 1e-5, max: 0.01, noNaN: true })),
    l1_stale: fc.boolean(),
    l1_age_ms: fc.integer({ min: 0, max: 100_000 }),
    l2_stale: fc.boolean(),
  });

  it("penalty in [0,1] and in the band of the severity; action follows severity except severe staleness (property)", () => {
    const band = { LOW: [0, 0.25], MID: [0.25, 0.5], HIGH: [0.5, 1], EXTREME: [1, 1.0000001] } as const;
    fc.assert(
      fc.property(featArb, (over) => {
        const a = assessToxicity(calm(over), cfg);
        const [lo, hi] = band[a.severity];
        expect(a.penalty).to.be.at.least(lo);
        if (a.severity !== "EXTREME") expect(a.penalty).to.be.below(hi);
        else expect(a.penalty).to.equal(1);
        if (a.reasons.includes(TOX_STALE_L1_SEVERE) && (a.severity === "LOW" || a.severity === "MID")) expect(a.action).to.equal("PAUSE");
        else expect(a.action).to.equal(actionFor(a.severity));
        expect(a.severity === "LOW").to.equal(a.reasons.length === 0 || (a.reasons.length === 1 && a.reasons[0] === TOX_STALE_L1_SEVERE));
      }),
      { numRuns: 300 },
    );
  });

  it("is pure: identical inputs → identical outputs, input untouched, Into variant equal (property)", () => {
    fc.assert(
      fc.property(featArb, (over) => {
        const f = calm(over);
        const before = JSON.stringify(f);
        const a = assessToxicity(f, cfg);
        const b = assessToxicity(f, cfg);
        expect(b).to.deep.equal(a);
        expect(JSON.stringify(f)).to.equal(before);
        const into = assessToxicityInto(f, cfg, { severity: "EXTREME", action: "EMERGENCY", penalty: 1, reasons: ["X"] });
        expect(into).to.deep.equal(a);
      }),
      { numRuns: 200 },
    );
  });
});
