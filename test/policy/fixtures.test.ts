import { expect } from "chai";
import * as path from "node:path";
import type { GridPlan, Regime } from "../../sdk/contracts/trading";
import { defaultConfig } from "../../sdk/config";
import { openFixture, streamFixture } from "../../sdk/data/fixture";
import { FeatureEngine } from "../../sdk/features";
import { RegimeController, assessToxicity } from "../../sdk/regime";
import { PolicyReason, planGrid } from "../../sdk/policy";
import { StreamDigest } from "../../sdk/util/canonical";
import { quantize } from "../../sdk/util/quantize";

/**
 * The policy on real pipeline output: each fixture (spec 17.20.2) streamed through the feature
 * engine, the toxicity gate and the regime controller, and `planGrid` called at every bar close
 * with a deterministic inventory pattern (short / flat / long) so reduce-only paths run too.
 * Every plan is checked against the regime actions (ADR-016) and the sizing/caps invariants.
 */
const cfg = defaultConfig();
const DD_BUDGET = 100;
const EQUITY = 10_000;

interface Run {
  plans: GridPlan[];
  inventories: number[];
  digest: string;
}

async function run(name: string): Promise<Run> {
  const fx = openFixture(path.join(__dirname, "..", "..", "fixtures", name));
  const instrument = [...fx.instruments.values()][0];
  const fe = new FeatureEngine(instrument, cfg.features);
  const rc = new RegimeController(instrument.symbol, cfg.regime);
  const plans: GridPlan[] = [];
  const inventories: number[] = [];
  const digest = new StreamDigest();
  for await (const s of streamFixture(fx)) {
    if (s.symbol !== instrument.symbol || !fe.update(s)) continue;
    const f = fe.features;
    const tox = assessToxicity(f, cfg.toxicity);
    const regime = rc.update(f, tox).regime;
    const k = (plans.length % 3) - 1;
    const inv = k === 0 || !(f.mid > 0) ? 0 : quantize((k * 1000) / f.mid, instrument.lot_size, "floor");
    const plan = planGrid(
      { symbol: instrument.symbol, ts: s.ts, instrument, features: f, regime, tox, dd_budget: DD_BUDGET, equity: EQUITY, inventory_qty: inv, guard: "NORMAL", bar_interval_ms: cfg.features.bar_interval_ms },
      cfg.policy,
    );
    digest.add(plan);
    plans.push(plan);
    inventories.push(inv);
  }
  return { plans, inventories, digest: digest.hex() };
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

function checkPlan(p: GridPlan, inv: number, tick: number, lot: number, minNotional: number): void {
  const ctx = `${p.symbol} @${p.ts} ${p.regime}/${p.mode}`;
  const allowed: Record<Regime, string[]> = {
    RANGE: ["NORMAL", "THROTTLE", "PAUSE", "REDUCE_ONLY", "EMERGENCY"],
    TREND_UP: ["NORMAL", "THROTTLE", "PAUSE", "REDUCE_ONLY", "EMERGENCY"],
    TREND_DOWN: ["NORMAL", "THROTTLE", "PAUSE", "REDUCE_ONLY", "EMERGENCY"],
    VOL_SHOCK: ["REDUCE_ONLY", "PAUSE", "EMERGENCY"],
    THIN_BOOK: [inv !== 0 ? "REDUCE_ONLY" : "THROTTLE", "PAUSE", "EMERGENCY"],
    TOXIC: [inv !== 0 ? "REDUCE_ONLY" : "PAUSE", "EMERGENCY"],
    PAUSED: ["PAUSE"],
    EMERGENCY: ["EMERGENCY"],
  };
  expect(allowed[p.regime], `${ctx}: mode allowed for the regime (ADR-016)`).to.include(p.mode);
  if (p.mode === "REDUCE_ONLY" || p.mode === "PAUSE" || p.mode === "EMERGENCY") {
    expect(p.adds_allowed, `${ctx}: adds off`).to.equal(false);
    expect(sum(p.size_schedule.buy), `${ctx}: buys only cover a short`).to.be.at.most(Math.max(0, -inv) + 1e-12);
    expect(sum(p.size_schedule.sell), `${ctx}: sells only unload a long`).to.be.at.most(Math.max(0, inv) + 1e-12);
  }
  if (p.mode === "EMERGENCY") expect(p.bids.length + p.asks.length).to.equal(0);
  for (const l of [...p.bids, ...p.asks]) {
    expect(quantize(l.price, tick), `${ctx}: price on tick`).to.equal(l.price);
    expect(quantize(l.qty, lot), `${ctx}: qty on lot`).to.equal(l.qty);
    expect(l.qty * l.price, `${ctx}: min notional`).to.be.at.least(minNotional);
  }
  expect(p.bids.length + p.asks.length, `${ctx}: max_open_orders`).to.be.at.most(cfg.policy.caps.max_open_orders);
  if (p.bids.length && inv >= 0) {
    const Pd = p.center_price * (1 - p.width_down_frac);
    const loss = sum(p.bids.map((l) => l.qty * Math.max(0, l.price - Pd))) + inv * Math.max(0, p.center_price - Pd);
    expect(loss, `${ctx}: worst case at width_down within budget`).to.be.at.most(Math.max(DD_BUDGET, inv * p.center_price) * (1 + 1e-9));
  }
}

describe("policy on the fixtures (features → toxicity → regime → planGrid) @slow", function () {
  this.timeout(120_000);
  const expectations: Record<string, { regime: Regime[]; mode: string[]; min: number }> = {
    range_day_l1: { regime: ["RANGE"], mode: ["NORMAL"], min: 500 },
    trend_day_l1: { regime: ["TREND_UP", "TREND_DOWN"], mode: ["NORMAL", "THROTTLE"], min: 50 },
    vol_shock_l1: { regime: ["VOL_SHOCK"], mode: ["REDUCE_ONLY"], min: 5 },
    thin_book_l2: { regime: ["THIN_BOOK", "TOXIC"], mode: ["REDUCE_ONLY", "THROTTLE", "PAUSE"], min: 5 },
    impact_spike_l2: { regime: ["THIN_BOOK", "TOXIC"], mode: ["REDUCE_ONLY", "THROTTLE", "PAUSE"], min: 5 },
  };
  for (const name of Object.keys(expectations)) {
    it(`${name}: every plan obeys the regime actions and sizing invariants; the intended regime gets its action`, async () => {
      const fx = openFixture(path.join(__dirname, "..", "..", "fixtures", name));
      const ins = [...fx.instruments.values()][0];
      const r = await run(name);
      expect(r.plans.length, "one plan per closed bar").to.be.greaterThan(100);
      r.plans.forEach((p, i) => checkPlan(p, r.inventories[i], ins.tick_size, ins.lot_size, ins.min_notional));
      const e = expectations[name];
      const hits = r.plans.filter((p) => e.regime.includes(p.regime) && e.mode.includes(p.mode));
      expect(hits.length, `${name}: plans in ${e.regime.join("/")} with mode ${e.mode.join("/")}`).to.be.at.least(e.min);
      if (name === "trend_day_l1") {
        const t = r.plans.find((p) => p.regime.startsWith("TREND") && p.mode === "NORMAL");
        expect(t, "a NORMAL trend plan").to.not.equal(undefined);
        expect(t!.width_up_frac, "asymmetric width in TREND (spec 17.8.3)").to.not.equal(t!.width_down_frac);
        expect(t!.reasons).to.include(PolicyReason.TREND_ASYMMETRIC_WIDTH);
      }
      if (name === "vol_shock_l1") {
        const v = r.plans.filter((p) => p.regime === "VOL_SHOCK");
        expect(v.every((p) => !p.adds_allowed && p.reasons.includes(PolicyReason.ADDS_OFF)), "VOL_SHOCK: adds off").to.equal(true);
      }
    });
  }

  it("range_day_l1: the plan stream is deterministic (same digest twice)", async () => {
    const a = await run("range_day_l1");
    const b = await run("range_day_l1");
    expect(a.digest).to.equal(b.digest);
    expect(a.plans.length).to.equal(b.plans.length);
  });
});
