import { expect } from "chai";
import {
  PolicyReason,
  computeL2Penalty,
  computeLevels,
  computeSizes,
  computeStep,
  computeStress,
  defaultPolicyConfig,
  ladderPrices,
  lossCoefficient,
  notionalCap,
  parsePolicyConfig,
  reduceOnlyLadder,
  sizingWeights,
  stressMark,
} from "../../sdk/policy";
import { INSTRUMENT } from "./helpers";

const cfg = defaultPolicyConfig();
const NO_L2 = { impact_bps: null, depth_topn_usd: null };
const close = (a: number, b: number, msg: string, rel = 1e-12): void => {
  expect(Math.abs(a - b), `${msg}: ${a} vs ${b}`).to.be.at.most(rel * Math.max(1, Math.abs(b)));
};

describe("policy formulas (hand-computed)", () => {
  describe("X_stress (spec 17.8.2): n = H/TF, sigma_H = NATR·√n, X = clamp(k_tail·sigma_H·l2·trend, X_min, X_cap)", () => {
    const rows: Array<{ name: string; natr: number; regime: "RANGE" | "VOL_SHOCK" | "TREND_UP" | "TREND_DOWN"; tf: number; x: number; up: number; down: number; reason?: string }> = [
      // RANGE: H=60, k=2, TF=1 → n=60, sigma=0.002·√60=0.015491933, X=0.030983867
      { name: "RANGE 1m", natr: 0.002, regime: "RANGE", tf: 1, x: 2 * 0.002 * Math.sqrt(60), up: 0.030983866769659335, down: 0.030983866769659335 },
      // TF=5 → n=12, X = 2·0.002·√12 = 0.013856406
      { name: "RANGE 5m", natr: 0.002, regime: "RANGE", tf: 5, x: 0.013856406460551018, up: 0.013856406460551018, down: 0.013856406460551018 },
      // VOL_SHOCK: H=30, k=3 → 3·0.002·√30 = 0.032863353
      { name: "VOL_SHOCK", natr: 0.002, regime: "VOL_SHOCK", tf: 1, x: 0.03286335345030997, up: 0.03286335345030997, down: 0.03286335345030997 },
      // clamp to X_min: 2·0.0001·√60 = 0.00155 < 0.005
      { name: "X_min clamp", natr: 0.0001, regime: "RANGE", tf: 1, x: 0.005, up: 0.005, down: 0.005, reason: PolicyReason.X_CLAMPED_MIN },
      // clamp to X_cap: 2·0.01·√60 = 0.155 > 0.08
      { name: "X_cap clamp", natr: 0.01, regime: "RANGE", tf: 1, x: 0.08, up: 0.08, down: 0.08, reason: PolicyReason.X_CLAMPED_CAP },
      // TREND_UP: H=120, k=2.5 → 2.5·0.002·√120 = 0.054772256, × penalty 1.25 = 0.068465320;
      // against (up) ×1.25 = 0.08558 → capped 0.08; with (down) ×0.8 = 0.054772256
      { name: "TREND_UP asym", natr: 0.002, regime: "TREND_UP", tf: 1, x: 0.06846531968814576, up: 0.08, down: 0.05477225575051661, reason: PolicyReason.TREND_ASYMMETRIC_WIDTH },
      { name: "TREND_DOWN asym", natr: 0.002, regime: "TREND_DOWN", tf: 1, x: 0.06846531968814576, up: 0.05477225575051661, down: 0.08, reason: PolicyReason.TREND_PENALTY },
    ];
    for (const r of rows) {
      it(r.name, () => {
        const s = computeStress(r.natr, r.regime, r.tf, NO_L2, cfg);
        close(s.x_stress, r.x, "x_stress", 1e-12);
        close(s.width_up, r.up, "width_up");
        close(s.width_down, r.down, "width_down");
        expect(s.l2_penalty, "no L2 → penalty exactly 1 (spec 17.8.1)").to.equal(1);
        expect(s.reasons).to.include(PolicyReason.L2_ABSENT);
        if (r.reason) expect(s.reasons).to.include(r.reason);
      });
    }
    it("l2_penalty: 1 + 0.5·max(0, impact/10 − 1) + 0.5·max(0, 50000/depth − 1), clamped to [1, 2]", () => {
      const l2 = cfg.l2_penalty;
      expect(computeL2Penalty(null, null, l2)).to.equal(1);
      expect(computeL2Penalty(5, 100_000, l2), "good book → 1").to.equal(1);
      close(computeL2Penalty(15, null, l2), 1.25, "impact 15 bps");
      close(computeL2Penalty(null, 25_000, l2), 1.5, "depth half the reference");
      expect(computeL2Penalty(20, 25_000, l2), "1 + 0.5 + 0.5 = 2").to.equal(2);
      expect(computeL2Penalty(1000, 10, l2), "clamped at max").to.equal(2);
      expect(computeL2Penalty(null, 0, l2), "zero depth saturates").to.equal(2);
      const s = computeStress(0.002, "RANGE", 1, { impact_bps: 15, depth_topn_usd: null }, cfg);
      close(s.x_stress, 0.030983866769659335 * 1.25, "X × l2_penalty");
      expect(s.reasons).to.include(PolicyReason.L2_PENALTY);
    });
  });

  describe("step (spec 17.9.2): max(step_min_frac, alpha·NATR·shock_multiplier)", () => {
    const rows: Array<[number, "RANGE" | "TREND_UP" | "VOL_SHOCK" | "THIN_BOOK", number, string[]]> = [
      [0.002, "RANGE", 0.002, []],
      [0.0005, "RANGE", 0.001, [PolicyReason.STEP_FLOOR]],
      [0.002, "TREND_UP", 0.0025, [PolicyReason.SHOCK_MULTIPLIER]],
      [0.002, "VOL_SHOCK", 0.004, [PolicyReason.SHOCK_MULTIPLIER]],
      [0.002, "THIN_BOOK", 0.005, [PolicyReason.SHOCK_MULTIPLIER]],
    ];
    for (const [natr, regime, step, reasons] of rows) {
      it(`${regime} NATR ${natr} → ${step}`, () => {
        const r = computeStep(natr, regime, cfg);
        close(r.step, step, "step");
        expect(r.reasons).to.deep.equal(reasons);
      });
    }
    it("alpha scales the volatility term", () => {
      close(computeStep(0.004, "RANGE", parsePolicyConfig({ alpha: 0.5 })).step, 0.002, "0.5·0.004");
    });
  });

  describe("levels (spec 17.10): ceil(width/step) clamped to [levels_min, levels_max]", () => {
    const rows: Array<[number, number, number, string[]]> = [
      [0.01, 0.002, 5, []],
      [0.030983866769659335, 0.002, 16, []],
      [0.006, 0.002, 3, []], // 2.9999999999999996 → 3
      [0.07, 0.01, 7, []], // 7.000000000000001 → 7, not 8 (float noise tolerance)
      [0.001, 0.002, 2, [PolicyReason.LEVELS_CLAMPED_MIN]],
      [0.1, 0.002, 20, [PolicyReason.LEVELS_CLAMPED_MAX]],
    ];
    for (const [w, s, n, reasons] of rows) {
      it(`width ${w} / step ${s} → ${n}`, () => {
        const r = computeLevels(w, s, cfg);
        expect(r.levels).to.equal(n);
        expect(r.reasons).to.deep.equal(reasons);
      });
    }
  });

  describe("sizing (spec 17.11)", () => {
    it("weights: equal 1/n; tapered linear ramp 1..r normalised; decreasing reverses; n=1 → [1]", () => {
      expect(sizingWeights(4, cfg.sizing)).to.deep.equal([0.25, 0.25, 0.25, 0.25]);
      const t = sizingWeights(3, { mode: "tapered", max_weight_ratio: 2, taper: "increasing_outward" });
      [1 / 4.5, 1.5 / 4.5, 2 / 4.5].forEach((w, i) => close(t[i], w, `w${i}`));
      const d = sizingWeights(3, { mode: "tapered", max_weight_ratio: 2, taper: "decreasing_outward" });
      expect(d).to.deep.equal([...t].reverse());
      expect(sizingWeights(1, { mode: "tapered", max_weight_ratio: 3, taper: "increasing_outward" })).to.deep.equal([1]);
      expect(sizingWeights(0, cfg.sizing)).to.deep.equal([]);
    });

    it("ladder prices: BUY floor / SELL ceil to the tick, strictly monotone even when the step is under a tick", () => {
      expect(ladderPrices("BUY", 100, 0.002, 3, 0.01)).to.deep.equal([99.8, 99.6, 99.4]);
      expect(ladderPrices("SELL", 100, 0.002, 3, 0.01)).to.deep.equal([100.2, 100.4, 100.6]);
      // C=1, step 0.001: 0.999→0.99, 0.998→0.99 (collision → 0.98), 0.997→0.99 (→ 0.97)
      expect(ladderPrices("BUY", 1, 0.001, 3, 0.01)).to.deep.equal([0.99, 0.98, 0.97]);
      expect(ladderPrices("SELL", 1, 0.001, 3, 0.01)).to.deep.equal([1.01, 1.02, 1.03]);
      expect(ladderPrices("BUY", 100, 0.4, 5, 0.01), "stops before zero").to.deep.equal([60, 20]);
    });

    it("stress mark: the further of C·(1∓width) and one step past the deepest level", () => {
      close(stressMark("BUY", 100, 0.015, [99, 98], 0.01), 97.02, "ladder past width → 98·0.99");
      close(stressMark("BUY", 100, 0.05, [99, 98], 0.01), 95, "width beyond the ladder → 100·0.95");
      close(stressMark("SELL", 100, 0.015, [101, 102], 0.01), 103.02, "102·1.01");
      close(stressMark("SELL", 100, 0.05, [101, 102], 0.01), 105, "100·1.05");
    });

    it("loss coefficient F by summation: Σ w_i·(p_i − mark)/p_i (spec 17.11.3)", () => {
      // (99−97.02)/99 = 0.02, (98−97.02)/98 = 0.01 → F = 0.5·0.02 + 0.5·0.01 = 0.015
      close(lossCoefficient("BUY", [99, 98], [0.5, 0.5], 97.02), 0.015, "F", 1e-12);
      // (103.02−101)/101 = 0.02, (103.02−102)/102 = 0.01
      close(lossCoefficient("SELL", [101, 102], [0.5, 0.5], 103.02), 0.015, "F sell", 1e-12);
    });

    it("Option A: a = budget/F = 30/0.015 = 2000 total, 1000 per level, qty floor(1000/p) to the lot", () => {
      const s = computeSizes("BUY", [99, 98], 97.02, 30, Infinity, INSTRUMENT, cfg.sizing);
      close(s.a, 2000, "A");
      expect(s.qtys).to.deep.equal([10.101, 10.204]);
      close(s.worst_loss, 10.101 * 1.98 + 10.204 * 0.98, "worst loss");
      expect(s.worst_loss, "floor keeps the loss at or under the budget").to.be.at.most(30);
      expect(s.scaled).to.equal(false);
    });

    it("Option B: tapered weights scaled to the same budget", () => {
      const sizing = { mode: "tapered" as const, max_weight_ratio: 2, taper: "increasing_outward" as const };
      const s = computeSizes("BUY", [99, 98], 97.02, 30, Infinity, INSTRUMENT, sizing);
      // w = [1/3, 2/3]; F = 0.02/3 + 0.02/3 = 0.013333; A = 2250; notionals 750, 1500
      close(s.f, 0.04 / 3, "F tapered");
      close(s.a, 2250, "A tapered");
      expect(s.qtys).to.deep.equal([7.575, 15.306]);
    });

    it("cap room reduces the total notional (caps step 1) and min_notional drops levels with a reason", () => {
      const capped = computeSizes("BUY", [99, 98], 97.02, 30, 1000, INSTRUMENT, cfg.sizing);
      expect(capped.scaled).to.equal(true);
      expect(capped.qtys).to.deep.equal([5.05, 5.102]);
      const tiny = computeSizes("BUY", [99, 98], 97.02, 0.01, Infinity, INSTRUMENT, cfg.sizing);
      expect(tiny.qtys).to.deep.equal([]);
      expect(tiny.dropped).to.equal(2);
      expect(tiny.reasons).to.deep.equal([PolicyReason.LEVEL_BELOW_MIN_NOTIONAL]);
    });
  });

  describe("reduce-only ladder", () => {
    it("splits the inventory in equal lots, remainder on level 1, summing exactly to the inventory", () => {
      const r = reduceOnlyLadder("SELL", 100, 0.01, 1, 3, INSTRUMENT);
      expect(r.prices).to.deep.equal([101, 102, 103]);
      expect(r.qtys).to.deep.equal([0.334, 0.333, 0.333]);
    });
    it("uses fewer levels when a piece would be under min_notional, none when even one is", () => {
      expect(reduceOnlyLadder("SELL", 100, 0.01, 0.1, 3, INSTRUMENT).qtys).to.deep.equal([0.05, 0.05]);
      const none = reduceOnlyLadder("SELL", 100, 0.01, 0.04, 3, INSTRUMENT);
      expect(none.qtys).to.deep.equal([]);
      expect(none.reasons).to.deep.equal([PolicyReason.REDUCE_BELOW_MIN_NOTIONAL]);
      expect(reduceOnlyLadder("BUY", 100, 0.01, 0.2, 2, INSTRUMENT)).to.deep.include({ prices: [99, 98], qtys: [0.1, 0.1] });
    });
  });

  describe("caps (spec 17.7.3)", () => {
    it("notional cap = min(max_inventory_notional, max_effective_leverage·equity)", () => {
      expect(notionalCap(10_000, cfg.caps)).to.deep.equal({ cap: 5000, binding: "INVENTORY" });
      const q = parsePolicyConfig({ caps: { max_inventory_notional: { kind: "quote", value: 30_000 } } }).caps;
      expect(notionalCap(10_000, q)).to.deep.equal({ cap: 20_000, binding: "LEVERAGE" });
      expect(notionalCap(-5, cfg.caps).cap, "no equity → no room").to.equal(0);
    });
  });
});
