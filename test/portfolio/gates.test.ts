import { expect } from "chai";
import { errorOf } from "../support";
import { ErrorCode } from "../../sdk/contracts/errors";
import {
  applyGates,
  defaultPortfolioConfig,
  GATE_FUNDING,
  GATE_REGIME,
  GATE_SPREAD,
  GATE_STALE,
  GATE_THIN,
  GATE_TOXIC,
  GATE_WARMUP,
  gateSymbol,
} from "../../sdk/portfolio";
import { castViews, view } from "./views";

const g = defaultPortfolioConfig().gates;
const TS = 1_000_000;


describe("portfolio: hard gates (17.15.1)", () => {
  it("passes a clean, warm, liquid symbol", () => {
    expect(gateSymbol(TS, view("A"), g)).to.deep.equal([]);
  });
  it("stale: by data time since the last snapshot, and by the l1_stale flag", () => {
    expect(gateSymbol(TS, view("A", { ts: TS - g.max_stale_ms - 1 }), g)).to.deep.equal([GATE_STALE]);
    expect(gateSymbol(TS, view("A", { ts: TS - g.max_stale_ms }), g), "exactly at the limit is fresh").to.deep.equal([]);
    expect(gateSymbol(TS, view("A", { l1_stale: true }), g)).to.deep.equal([GATE_STALE]);
  });
  it("toxic: HIGH and EXTREME excluded, MID not", () => {
    expect(gateSymbol(TS, view("A", {}, { severity: "HIGH" }), g)).to.deep.equal([GATE_TOXIC]);
    expect(gateSymbol(TS, view("A", {}, { severity: "EXTREME" }), g)).to.deep.equal([GATE_TOXIC]);
    expect(gateSymbol(TS, view("A", {}, { severity: "MID", penalty: 0.4 }), g)).to.deep.equal([]);
  });
  it("thin: L1 best-level notional, and fresh L2 depth / impact only when present", () => {
    expect(gateSymbol(TS, view("A", { thin_l1_quote: g.min_thin_l1_quote - 1 }), g)).to.deep.equal([GATE_THIN]);
    expect(gateSymbol(TS, view("A", { depth_topn_usd: g.min_depth_topn_usd - 1, impact_bps: 3 }), g)).to.deep.equal([GATE_THIN]);
    expect(gateSymbol(TS, view("A", { depth_topn_usd: 1e6, impact_bps: g.max_impact_bps + 1 }), g)).to.deep.equal([GATE_THIN]);
    expect(gateSymbol(TS, view("A", { depth_topn_usd: 10, impact_bps: 500, l2_stale: true }), g), "stale L2 is ignored (17.4.2)").to.deep.equal([]);
  });
  it("spread: the baseline (normal spread) when known, else the current spread", () => {
    expect(gateSymbol(TS, view("A", { spread_bps_baseline: g.max_spread_bps + 1 }), g)).to.deep.equal([GATE_SPREAD]);
    expect(gateSymbol(TS, view("A", { spread_bps: 100, spread_bps_baseline: 3 }), g), "a momentary spike is toxicity's job").to.deep.equal([]);
    expect(gateSymbol(TS, view("A", { spread_bps: 100, spread_bps_baseline: null }), g)).to.deep.equal([GATE_SPREAD]);
  });
  it("funding: only when the view carries a rate; null config disables it", () => {
    expect(gateSymbol(TS, view("A", {}, {}, "RANGE", 0.01), g)).to.deep.equal([GATE_FUNDING]);
    expect(gateSymbol(TS, view("A", {}, {}, "RANGE", -0.01), g)).to.deep.equal([GATE_FUNDING]);
    expect(gateSymbol(TS, view("A", {}, {}, "RANGE", 0.0001), g)).to.deep.equal([]);
    expect(gateSymbol(TS, view("A", {}, {}, "RANGE", null), g)).to.deep.equal([]);
    expect(gateSymbol(TS, view("A"), g), "absent rate: gate skipped, no code").to.deep.equal([]);
    expect(gateSymbol(TS, view("A", {}, {}, "RANGE", 0.01), { ...g, max_abs_funding_rate: null })).to.deep.equal([]);
  });
  it("regime PAUSED / EMERGENCY and not-warm features are excluded", () => {
    expect(gateSymbol(TS, view("A", {}, {}, "PAUSED"), g)).to.deep.equal([GATE_REGIME]);
    expect(gateSymbol(TS, view("A", {}, {}, "EMERGENCY"), g)).to.deep.equal([GATE_REGIME]);
    expect(gateSymbol(TS, view("A", { warm: false }), g)).to.deep.equal([GATE_WARMUP]);
    expect(gateSymbol(TS, view("A", { range_score: null }), { ...g, require_warm: false }), "unscorable even with the warm gate off").to.deep.equal([GATE_WARMUP]);
  });
  it("reports every failed gate, in the fixed code order", () => {
    const r = gateSymbol(TS, view("A", { l1_stale: true, thin_l1_quote: 1, spread_bps_baseline: 99 }, { severity: "EXTREME" }), g);
    expect(r).to.deep.equal([GATE_STALE, GATE_TOXIC, GATE_THIN, GATE_SPREAD]);
  });
  it("applyGates: the cast's toxic, thin and stale symbols are excluded with their codes, output lexical", () => {
    const { eligible, excluded } = applyGates(TS, [...castViews(TS)].reverse(), g);
    expect(eligible.map((v) => v.symbol)).to.deep.equal(["CHOP1", "CHOP2", "CHOP3", "TREND"]);
    expect(excluded).to.deep.equal([
      { symbol: "STALE", reasons: [GATE_STALE] },
      { symbol: "THIN", reasons: [GATE_THIN] },
      { symbol: "TOXIC", reasons: [GATE_TOXIC] },
    ]);
  });
  it("refuses views it cannot judge with E_INVALID_ARGUMENT naming the field", () => {
    let e = errorOf(() => applyGates(TS, [view("A"), view("A")], g));
    expect(e.code).to.equal(ErrorCode.INVALID_ARGUMENT);
    e = errorOf(() => applyGates(TS, [view("A", { range_score: NaN })], g));
    expect(e.field).to.equal("views[A].features.range_score");
    e = errorOf(() => applyGates(TS, [view("A", { ts: TS + 1 })], g));
    expect(e.field).to.equal("views[A].features.ts");
    e = errorOf(() => applyGates(TS, [view("A", {}, { penalty: 1.5 })], g));
    expect(e.field).to.equal("views[A].tox.penalty");
    e = errorOf(() => applyGates(TS, [{ ...view("A"), features: view("B").features }], g));
    expect(e.field).to.equal("views[A].features.symbol");
  });
});
