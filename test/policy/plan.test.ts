import { expect } from "chai";
import type { GridPlan } from "../../sdk/contracts/trading";
import { GrinderError } from "../../sdk/contracts/errors";
import { PolicyReason, defaultPolicyConfig, explainGrid, parsePolicyConfig, planGrid, regimeActions } from "../../sdk/policy";
import { CLEAN_TOX, features, input } from "./helpers";

const cfg = defaultPolicyConfig();
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const empty = (p: GridPlan): boolean => p.bids.length === 0 && p.asks.length === 0;

describe("planGrid: regime actions (spec 17.6.3, 17.14)", () => {
  it("RANGE, flat: bilateral symmetric grid, NORMAL, adds allowed (hand-computed geometry)", () => {
    // Geometry before the open-order cap: 40 leaves the 2 × 16 levels alone.
    const p = planGrid(input(), parsePolicyConfig({ caps: { max_open_orders: 40 } }));
    expect(p.mode).to.equal("NORMAL");
    expect(p.center_price).to.equal(100);
    expect(p.step_frac).to.equal(0.002);
    expect(p.width_down_frac).to.equal(p.width_up_frac);
    expect(p.levels_down, "ceil(0.030984/0.002) = 16").to.equal(16);
    expect(p.levels_up).to.equal(16);
    expect(p.bids[0]).to.deep.equal({ side: "BUY", index: 1, price: 99.8, qty: p.size_schedule.buy[0] });
    expect(p.asks[0].price).to.equal(100.2);
    expect(p.adds_allowed).to.equal(true);
    expect(p.reduce_only).to.equal(false);
    expect(p.reasons).to.include.members([PolicyReason.REGIME_RANGE, PolicyReason.SIZING_EQUAL_NOTIONAL]);
    // The default 5 000 notional cap binds before the 100 budget: caps step 1 (reduce sizes).
    expect(p.reasons).to.include.members([PolicyReason.CAP_INVENTORY_NOTIONAL, PolicyReason.CAPS_REDUCE_SIZES]);
    expect(sum(p.bids.map((l) => l.qty * l.price))).to.be.at.most(5000);
    expect(p.worst_case_loss).to.be.at.most(100);
  });

  it("RANGE, default open-order cap 24 leaves room for take-profits: 16+16 levels reduced to 12+12", () => {
    const p = planGrid(input(), cfg);
    expect(cfg.caps.max_open_orders).to.equal(24);
    expect([p.levels_down, p.levels_up]).to.deep.equal([12, 12]);
    expect(p.bids.length + p.asks.length).to.equal(24);
    expect(p.reasons).to.include.members([PolicyReason.CAP_MAX_OPEN_ORDERS, PolicyReason.CAPS_REDUCE_LEVELS]);
  });

  it("RANGE, long inventory: mild skew moves the centre down (buys further, sells closer)", () => {
    const p = planGrid(input({ inventory_qty: 20 }), cfg);
    // util = 2000/5000 = 0.4; shift = −0.25·0.4 = −0.1 step → C = 100·(1 − 0.0002) = 99.98
    expect(p.center_price).to.equal(99.98);
    expect(p.reasons).to.include(PolicyReason.INVENTORY_SKEW);
    expect(p.bids[0].price).to.be.below(99.8);
  });

  it("TREND_UP: asymmetric width (wider up, against the trend), restricted sell adds, trend skew up", () => {
    const p = planGrid(input({ regime: "TREND_UP" }), cfg);
    expect(p.width_up_frac).to.be.greaterThan(p.width_down_frac);
    expect(p.center_price).to.be.greaterThan(100);
    expect(p.reasons).to.include.members([PolicyReason.REGIME_TREND, PolicyReason.TREND_ADDS_RESTRICTED, PolicyReason.TREND_ASYMMETRIC_WIDTH, PolicyReason.TREND_SKEW]);
    const buyN = sum(p.bids.map((l) => l.qty * l.price));
    const sellN = sum(p.asks.map((l) => l.qty * l.price));
    expect(sellN, "against side carries less new risk").to.be.below(buyN);
  });

  it("TREND_DOWN with against_adds_factor 0: buys only reduce a short, never add", () => {
    const c = parsePolicyConfig({ trend: { against_adds_factor: 0 } });
    const flat = planGrid(input({ regime: "TREND_DOWN" }), c);
    expect(flat.bids).to.deep.equal([]);
    expect(flat.reasons).to.include(PolicyReason.TREND_AGAINST_REDUCE_ONLY);
    const short = planGrid(input({ regime: "TREND_DOWN", inventory_qty: -2 }), c);
    expect(sum(short.size_schedule.buy)).to.be.closeTo(2, 1e-12);
  });

  it("VOL_SHOCK: adds off, reduce-only, step × shock_multiplier", () => {
    const flat = planGrid(input({ regime: "VOL_SHOCK" }), cfg);
    expect(flat).to.deep.include({ mode: "REDUCE_ONLY", adds_allowed: false, reduce_only: true, step_frac: 0.004 });
    expect(empty(flat)).to.equal(true);
    expect(flat.reasons).to.include.members([PolicyReason.ADDS_OFF, PolicyReason.NOTHING_TO_REDUCE]);
    const long = planGrid(input({ regime: "VOL_SHOCK", inventory_qty: 3 }), cfg);
    expect(long.bids).to.deep.equal([]);
    expect(long.asks.map((l) => l.price)).to.deep.equal([100.4, 100.8, 101.2]);
    expect(sum(long.size_schedule.sell)).to.be.closeTo(3, 1e-12);
    const short = planGrid(input({ regime: "VOL_SHOCK", inventory_qty: -3 }), cfg);
    expect(short.asks).to.deep.equal([]);
    expect(short.bids.map((l) => l.price)).to.deep.equal([99.6, 99.2, 98.8]);
  });

  it("THIN_BOOK: reduce-only with inventory; flat → THROTTLE (fewer levels, half budget) or PAUSE by config", () => {
    const long = planGrid(input({ regime: "THIN_BOOK", inventory_qty: 1 }), cfg);
    expect(long.mode).to.equal("REDUCE_ONLY");
    expect(long.bids).to.deep.equal([]);
    const thr = planGrid(input({ regime: "THIN_BOOK" }), cfg);
    expect(thr.mode).to.equal("THROTTLE");
    expect(thr.dd_budget).to.equal(50);
    // THIN_BOOK: step 0.005, X = 3·0.002·√60 = 0.04648 → 10 levels, × 0.5 = 5
    expect(thr.levels_down).to.equal(5);
    expect(thr.reasons).to.include(PolicyReason.THROTTLE);
    const pause = planGrid(input({ regime: "THIN_BOOK" }), parsePolicyConfig({ throttle: { thin_book_action: "PAUSE" } }));
    expect(pause.mode).to.equal("PAUSE");
    expect(empty(pause)).to.equal(true);
  });

  it("TOXIC: pause new risk; reduce-only when holding inventory", () => {
    const flat = planGrid(input({ regime: "TOXIC" }), cfg);
    expect(flat.mode).to.equal("PAUSE");
    expect(empty(flat)).to.equal(true);
    expect(flat.reasons).to.include(PolicyReason.PAUSE_NEW_RISK);
    const long = planGrid(input({ regime: "TOXIC", inventory_qty: 2 }), cfg);
    expect(long.mode).to.equal("REDUCE_ONLY");
    expect(sum(long.size_schedule.sell)).to.be.closeTo(2, 1e-12);
    expect(long.bids).to.deep.equal([]);
  });

  it("toxicity action THROTTLE throttles a RANGE plan; PAUSE acts like TOXIC; EMERGENCY cancels all", () => {
    const thr = planGrid(input({ tox: { ...CLEAN_TOX, severity: "MID", action: "THROTTLE" } }), cfg);
    expect(thr.mode).to.equal("THROTTLE");
    expect(thr.reasons).to.include(PolicyReason.TOX_THROTTLE);
    const pause = planGrid(input({ tox: { ...CLEAN_TOX, severity: "HIGH", action: "PAUSE" } }), cfg);
    expect(pause.mode).to.equal("PAUSE");
    const em = planGrid(input({ inventory_qty: 5, tox: { ...CLEAN_TOX, severity: "EXTREME", action: "EMERGENCY" } }), cfg);
    expect(em.mode).to.equal("EMERGENCY");
    expect(empty(em)).to.equal(true);
  });

  it("PAUSED and EMERGENCY (regime or guard) cancel all, even with inventory", () => {
    for (const [over, mode, why] of [
      [{ regime: "PAUSED" as const }, "PAUSE", PolicyReason.REGIME_PAUSED],
      [{ regime: "EMERGENCY" as const }, "EMERGENCY", PolicyReason.REGIME_EMERGENCY],
      [{ guard: "EMERGENCY" as const }, "EMERGENCY", PolicyReason.GUARD_EMERGENCY],
    ] as const) {
      const p = planGrid(input({ ...over, inventory_qty: 4 }), cfg);
      expect(p.mode).to.equal(mode);
      expect(empty(p), `${mode} → no orders`).to.equal(true);
      expect(p.adds_allowed).to.equal(false);
      expect(p.reasons).to.include(why);
    }
  });

  it("DAMAGE_CONTROL guard: adds off, reduce-only ladder spaced by step × tp_distance_factor", () => {
    const c = parsePolicyConfig({ damage_control: { tp_distance_factor: 2 } });
    const p = planGrid(input({ guard: "DAMAGE_CONTROL", inventory_qty: 3 }), c);
    expect(p).to.deep.include({ mode: "DAMAGE_CONTROL", adds_allowed: false, reduce_only: true });
    expect(p.asks.map((l) => l.price)).to.deep.equal([100.4, 100.8, 101.2]);
    expect(p.bids).to.deep.equal([]);
    expect(p.reasons).to.include(PolicyReason.GUARD_DAMAGE_CONTROL);
  });

  it("features not warm (natr null) → PAUSE with FEATURES_NOT_WARM", () => {
    const p = planGrid(input({ features: features({ natr: null, warm: false }) }), cfg);
    expect(p.mode).to.equal("PAUSE");
    expect(empty(p)).to.equal(true);
    expect(p.reasons).to.deep.equal([PolicyReason.FEATURES_NOT_WARM]);
  });

  it("bar interval TF enters n = H/TF (spec 17.8.2)", () => {
    const p5 = planGrid(input({ bar_interval_ms: 300_000 }), cfg);
    expect(p5.x_stress_frac).to.be.closeTo(2 * 0.002 * Math.sqrt(12), 1e-15);
  });

  it("L2 penalty widens X_stress when impact is high", () => {
    const p = planGrid(input({ features: features({ impact_bps: 20, depth_topn_usd: 25_000 }) }), cfg);
    expect(p.x_stress_frac).to.be.closeTo(2 * 2 * 0.002 * Math.sqrt(60), 1e-15);
    expect(p.reasons).to.include(PolicyReason.L2_PENALTY);
  });

  it("held inventory consumes the DD budget of its side (BUDGET_EXHAUSTED → no more buys)", () => {
    const p = planGrid(input({ inventory_qty: 60 }), cfg);
    expect(p.bids).to.deep.equal([]);
    expect(p.reasons).to.include(PolicyReason.BUDGET_EXHAUSTED);
    expect(p.asks.length).to.be.greaterThan(0);
  });

  it("refuses non-finite budget / equity / inventory with E_INVALID_ARGUMENT naming the field", () => {
    expect(() => planGrid(input({ dd_budget: NaN }), cfg)).to.throw(GrinderError, /dd_budget/);
    expect(() => planGrid(input({ dd_budget: -1 }), cfg)).to.throw(GrinderError, /dd_budget/);
    expect(() => planGrid(input({ inventory_qty: Infinity }), cfg)).to.throw(GrinderError, /inventory_qty/);
  });

  it("is pure: frozen inputs and config are accepted and left untouched", () => {
    const deepFreeze = <T>(o: T): T => {
      if (o && typeof o === "object") {
        Object.freeze(o);
        for (const v of Object.values(o)) deepFreeze(v);
      }
      return o;
    };
    const x = deepFreeze(input({ inventory_qty: 2, regime: "TREND_DOWN" }));
    const before = JSON.stringify(x);
    const c = deepFreeze(parsePolicyConfig({ caps: { max_open_orders: 6 } }));
    const p = planGrid(x, c);
    expect(JSON.stringify(x)).to.equal(before);
    expect(p.bids.length + p.asks.length).to.be.at.most(6);
  });

  it("regimeActions precedence: guard EMERGENCY beats everything, DAMAGE_CONTROL beats regime", () => {
    expect(regimeActions("RANGE", CLEAN_TOX, "EMERGENCY", 1, true, cfg).mode).to.equal("EMERGENCY");
    expect(regimeActions("PAUSED", CLEAN_TOX, "DAMAGE_CONTROL", 1, true, cfg).mode).to.equal("PAUSE");
    expect(regimeActions("TREND_UP", CLEAN_TOX, "DAMAGE_CONTROL", 1, true, cfg)).to.deep.include({ mode: "DAMAGE_CONTROL", buy: "off", sell: "reduce" });
    expect(regimeActions("RANGE", CLEAN_TOX, "NORMAL", 0, false, cfg).mode).to.equal("PAUSE");
  });
});

describe("planGrid: caps resolution order (spec 17.11.5)", () => {
  const run = (over: Record<string, unknown>, inp = input()): GridPlan => planGrid(inp, parsePolicyConfig(over));

  it("max_open_orders 10: reduce levels only (16+16 → 5+5)", () => {
    const p = run({ caps: { max_open_orders: 10 } });
    expect([p.levels_down, p.levels_up]).to.deep.equal([5, 5]);
    expect(p.step_frac).to.equal(0.002);
    expect(p.reasons).to.include.members([PolicyReason.CAP_MAX_OPEN_ORDERS, PolicyReason.CAPS_REDUCE_LEVELS]);
    expect(p.reasons).to.not.include(PolicyReason.CAPS_WIDEN_STEP);
    expect(p.mode).to.equal("NORMAL");
  });

  it("max_open_orders 2 (< 2·levels_min): reduce levels, then widen the step until one level per side", () => {
    const p = run({ caps: { max_open_orders: 2 } });
    expect([p.levels_down, p.levels_up]).to.deep.equal([1, 1]);
    expect(p.step_frac).to.be.greaterThan(0.002);
    const caps = p.reasons.filter((r) => r.startsWith("CAPS_"));
    expect(caps, "documented order").to.deep.equal([PolicyReason.CAPS_REDUCE_LEVELS, PolicyReason.CAPS_WIDEN_STEP]);
  });

  it("max_open_orders 1: one side switched off → THROTTLE; 0 → PAUSE", () => {
    const one = run({ caps: { max_open_orders: 1 } });
    expect(one.mode).to.equal("THROTTLE");
    expect(one.bids.length + one.asks.length).to.equal(1);
    expect(one.reasons).to.include(PolicyReason.CAPS_THROTTLE);
    const zero = run({ caps: { max_open_orders: 0 } });
    expect(zero.mode).to.equal("PAUSE");
    expect(empty(zero)).to.equal(true);
    expect(zero.reasons).to.include(PolicyReason.CAPS_PAUSE);
  });

  it("budget too small for 16 levels over min_notional: fewer, larger levels (never below min_notional)", () => {
    const p = planGrid(input({ dd_budget: 0.5 }), cfg);
    expect(p.levels_down).to.equal(3);
    for (const l of [...p.bids, ...p.asks]) expect(l.qty * l.price).to.be.at.least(5);
    expect(p.reasons).to.include.members([PolicyReason.CAP_MIN_NOTIONAL, PolicyReason.CAPS_REDUCE_LEVELS]);
  });

  it("leverage cap binds when it is the smaller limit", () => {
    const p = run({ caps: { max_inventory_notional: { kind: "quote", value: 1e9 }, max_effective_leverage: 0.1 } });
    expect(p.reasons).to.include.members([PolicyReason.CAP_EFFECTIVE_LEVERAGE, PolicyReason.CAPS_REDUCE_SIZES]);
    expect(sum(p.bids.map((l) => l.qty * l.price))).to.be.at.most(1000);
  });
});

describe("explainGrid", () => {
  it("returns the same plan as planGrid with the intermediates that produced it", () => {
    const x = input({ regime: "TREND_UP", inventory_qty: 5 });
    const e = explainGrid(x, cfg);
    expect(e.plan).to.deep.equal(planGrid(x, cfg));
    expect(e.stress?.x_stress).to.equal(e.plan.x_stress_frac);
    expect(e.step?.step).to.equal(0.0025);
    expect(e.levels?.down.levels).to.be.a("number");
    expect(e.caps?.step).to.equal(e.plan.step_frac);
    expect(e.actions.sell_budget_factor, "TREND_UP restricts the against (sell) side").to.equal(0.5);
    const paused = explainGrid(input({ regime: "PAUSED" }), cfg);
    expect(paused.stress).to.equal(undefined);
    expect(paused.plan.mode).to.equal("PAUSE");
  });
});
