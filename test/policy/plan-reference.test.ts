import { expect } from "chai";
import fc from "fast-check";
import { REGIMES, TOX_ACTIONS, type Side } from "../../sdk/contracts/trading";
import type { InstrumentSpec } from "../../sdk/contracts/market";
import { quantize, quantizeFloorWith, stepForm } from "../../sdk/util/quantize";
import { explainGrid, ladderPrices, parsePolicyConfig, reduceOnlyLadder, type PlanInput } from "../../sdk/policy";
import { explainGrid as explainGridRef } from "./reference/plan";
import { ladderPrices as ladderPricesRef } from "./reference/sizing";
import { reduceOnlyLadder as reduceOnlyLadderRef } from "./reference/reduce";
import { CLEAN_TOX, features } from "./helpers";

/**
 * ADR-175: the planning hot path (integer tick / lot arithmetic instead of decimal.js and
 * toPrecision, no closures or string keys per call) must give byte-identical plans. The policy as
 * it was before is kept in test/policy/reference/ as the oracle; chai's deep equality also tells
 * 0 from -0, so "equal" here means every number is the same double.
 */

/** A double in [lo, hi] from a uniform integer grid. */
const uniform = (lo: number, hi: number): fc.Arbitrary<number> => fc.integer({ min: 0, max: 1_000_000 }).map((k) => lo + ((hi - lo) * k) / 1_000_000);

/** Ticks and lots as venues write them, powers of ten and not (0.5, 0.25, 0.005, 5). */
const gridStep = (exp: number): fc.Arbitrary<number> =>
  fc.constantFrom(1, 2, 5, 25).map((m) => Number(`${m}e${exp}`));

const contract = fc.oneof(
  { arbitrary: fc.constant({}), weight: 8 },
  { arbitrary: fc.constantFrom({ contract_multiplier: 10 }, { contract_multiplier: 0.001 }), weight: 1 },
  { arbitrary: fc.constantFrom({ contract_multiplier: 100, inverse: true }, { contract_multiplier: 10, inverse: true }), weight: 1 },
);

const scenario = fc
  .record({
    midExp: uniform(-2, 5),
    tickDigits: fc.integer({ min: 1, max: 6 }),
    lotShift: fc.integer({ min: -3, max: 1 }),
    tickM: fc.constantFrom(1, 1, 1, 5, 25),
    lotM: fc.constantFrom(1, 1, 1, 5, 25),
    terms: contract,
    minNotional: fc.constantFrom(0, 1, 5, 10),
    natr: fc.oneof({ arbitrary: fc.constant(null), weight: 1 }, { arbitrary: uniform(0, 0.03), weight: 9 }),
    impact: fc.option(uniform(0, 500), { nil: null }),
    depth: fc.option(uniform(0, 1e6), { nil: null }),
    regime: fc.oneof({ arbitrary: fc.constantFrom("RANGE" as const, "TREND_UP" as const, "TREND_DOWN" as const), weight: 5 }, { arbitrary: fc.constantFrom(...REGIMES), weight: 5 }),
    toxAction: fc.oneof({ arbitrary: fc.constant("NORMAL" as const), weight: 7 }, { arbitrary: fc.constantFrom(...TOX_ACTIONS), weight: 3 }),
    guard: fc.oneof({ arbitrary: fc.constant("NORMAL" as const), weight: 7 }, { arbitrary: fc.constantFrom("DAMAGE_CONTROL" as const, "EMERGENCY" as const), weight: 3 }),
    budgetFrac: fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, { arbitrary: uniform(0, 0.1), weight: 19 }),
    equityExp: fc.oneof({ arbitrary: fc.constant(-Infinity), weight: 1 }, { arbitrary: uniform(2, 7), weight: 19 }),
    invFrac: fc.oneof(fc.constant(0), uniform(-1.5, 1.5)),
    alpha: uniform(0.2, 3),
    step_min_frac: uniform(0.0002, 0.01),
    levels_min: fc.integer({ min: 1, max: 5 }),
    levels_extra: fc.integer({ min: 0, max: 40 }),
    mode: fc.constantFrom("equal_notional" as const, "tapered" as const),
    max_open_orders: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 6 }), weight: 1 }, { arbitrary: fc.integer({ min: 7, max: 80 }), weight: 4 }),
    capFrac: uniform(0.05, 2),
    against: fc.oneof(fc.constant(0), uniform(0, 1)),
    tp: uniform(0.5, 3),
    reduceLevels: fc.integer({ min: 1, max: 5 }),
  })
  .map((m) => {
    const cfg = parsePolicyConfig({
      alpha: m.alpha,
      step_min_frac: m.step_min_frac,
      levels_min: m.levels_min,
      levels_max: m.levels_min + m.levels_extra,
      sizing: { mode: m.mode },
      caps: { max_open_orders: m.max_open_orders, max_inventory_notional: { kind: "frac_equity", value: m.capFrac } },
      trend: { against_adds_factor: m.against },
      damage_control: { tp_distance_factor: m.tp },
      reduce_only: { levels: m.reduceLevels },
    });
    const tick = Number(`${m.tickM}e${Math.floor(m.midExp) - m.tickDigits}`);
    const lot = Number(`${m.lotM}e${m.lotShift - Math.floor(m.midExp) - 1}`);
    const equity = m.equityExp === -Infinity ? 0 : 10 ** m.equityExp;
    const mid = Math.max(tick, quantize(10 ** m.midExp, tick));
    const invAbs = quantize(Math.abs((m.invFrac * equity) / mid), lot, "floor");
    const instrument: InstrumentSpec = { symbol: "REFUSDT", tick_size: tick, lot_size: lot, min_notional: m.minNotional, ...m.terms };
    const input: PlanInput = {
      symbol: "REFUSDT", ts: 1, instrument,
      features: features({ symbol: "REFUSDT", mid, natr: m.natr, warm: m.natr !== null, impact_bps: m.impact, depth_topn_usd: m.depth }),
      regime: m.regime, tox: { ...CLEAN_TOX, action: m.toxAction }, dd_budget: m.budgetFrac * equity, equity,
      inventory_qty: m.invFrac < 0 ? -invAbs : invAbs, guard: m.guard,
    };
    return { input, cfg };
  });

describe("planning hot path = the reference implementation (ADR-175, differential)", () => {
  it("explainGrid: the same plan and every intermediate, key for key and double for double", () => {
    fc.assert(
      fc.property(scenario, ({ input, cfg }) => {
        expect(explainGrid(input, cfg)).to.deep.equal(explainGridRef(input, cfg));
      }),
      { numRuns: 1500, seed: 20261201 },
    );
  });

  it("ladderPrices: the same prices at tick edges (centres and steps that land on or next to a tick)", () => {
    const arb = fc.record({
      side: fc.constantFrom<Side>("BUY", "SELL"),
      tick: fc.integer({ min: -8, max: 1 }).chain(gridStep),
      k: fc.integer({ min: 1, max: 20_000_000 }),
      // steps that are exact decimal fractions (0.2 of 100 = 20: the toPrecision case) or arbitrary
      step: fc.oneof(fc.integer({ min: 1, max: 2000 }).map((j) => j / 10_000), uniform(1e-6, 0.3)),
      n: fc.integer({ min: 1, max: 60 }),
    });
    fc.assert(
      fc.property(arb, ({ side, tick, k, step, n }) => {
        const center = quantize(k * tick, tick);
        expect(ladderPrices(side, center, step, n, tick)).to.deep.equal(ladderPricesRef(side, center, step, n, tick));
      }),
      { numRuns: 3000, seed: 7 },
    );
    // the documented 12-digit case: 100·(1 − 0.8) floors to 20
    expect(ladderPrices("BUY", 100, 0.2, 4, 0.01)).to.deep.equal(ladderPricesRef("BUY", 100, 0.2, 4, 0.01));
  });

  it("quantizeFloorWith = quantize(·, ·, \"floor\") on, next to and between lots", () => {
    const arb = fc.record({
      lot: fc.integer({ min: -9, max: 3 }).chain(gridStep),
      k: fc.integer({ min: 0, max: 2 ** 45 }),
      nudge: fc.constantFrom(0, 1, -1, 0.5, 1e-13, -1e-13),
    });
    fc.assert(
      fc.property(arb, ({ lot, k, nudge }) => {
        const x = k * lot + nudge * lot;
        expect(Object.is(quantizeFloorWith(x, lot, stepForm(lot)), quantize(x, lot, "floor"))).to.equal(true);
      }),
      { numRuns: 3000, seed: 13 },
    );
  });

  it("reduceOnlyLadder: the same pieces on integer lot counts as in decimal (any lot form, large inventories)", () => {
    const arb = fc.record({
      side: fc.constantFrom<Side>("BUY", "SELL"),
      lot: fc.integer({ min: -8, max: 2 }).chain(gridStep),
      lots: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 2 ** 40 })),
      extra: uniform(0, 0.999),
      levels: fc.integer({ min: 0, max: 8 }),
      minNotional: fc.constantFrom(0, 1, 5, 100),
      center: uniform(0.01, 1e5),
      step: uniform(1e-4, 0.05),
    });
    fc.assert(
      fc.property(arb, ({ side, lot, lots, extra, levels, minNotional, center, step }) => {
        const inst: InstrumentSpec = { symbol: "REFUSDT", tick_size: 0.0001, lot_size: lot, min_notional: minNotional };
        const c = quantize(center, 0.0001);
        const qty = (lots + extra) * lot;
        expect(reduceOnlyLadder(side, c, step, qty, levels, inst)).to.deep.equal(reduceOnlyLadderRef(side, c, step, qty, levels, inst));
      }),
      { numRuns: 3000, seed: 11 },
    );
  });
});
