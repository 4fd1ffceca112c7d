import { expect } from "chai";
import fc from "fast-check";
import { REGIMES, TOX_ACTIONS, type GridPlan } from "../../sdk/contracts/trading";
import { quantize } from "../../sdk/util/quantize";
import { hashCanonical } from "../../sdk/util/canonical";
import { computeLevels, notionalCap, parsePolicyConfig, planGrid, sizingWeights, type PlanInput, type PolicyConfig } from "../../sdk/policy";
import { CLEAN_TOX, features } from "./helpers";

/** Random market + state + config, kept within the contracts (quantised mid, lot-quantised inventory). */
/** A double in [lo, hi] from a uniform integer grid (fc.double favours extreme values like 1e-300). */
const uniform = (lo: number, hi: number): fc.Arbitrary<number> => fc.integer({ min: 0, max: 1_000_000 }).map((k) => lo + ((hi - lo) * k) / 1_000_000);

const scenario = fc
  .record({
    midExp: uniform(-2, 5),
    tickDigits: fc.integer({ min: 2, max: 6 }),
    lotShift: fc.integer({ min: -3, max: 1 }),
    minNotional: fc.constantFrom(0, 1, 5, 10),
    natr: fc.oneof({ arbitrary: fc.constant(null), weight: 1 }, { arbitrary: uniform(0, 0.03), weight: 9 }),
    impact: fc.option(uniform(0, 500), { nil: null }),
    depth: fc.option(uniform(0, 1e6), { nil: null }),
    regime: fc.oneof({ arbitrary: fc.constantFrom("RANGE" as const, "TREND_UP" as const, "TREND_DOWN" as const), weight: 6 }, { arbitrary: fc.constantFrom(...REGIMES), weight: 4 }),
    toxAction: fc.oneof({ arbitrary: fc.constant("NORMAL" as const), weight: 7 }, { arbitrary: fc.constantFrom(...TOX_ACTIONS), weight: 3 }),
    guard: fc.oneof({ arbitrary: fc.constant("NORMAL" as const), weight: 8 }, { arbitrary: fc.constantFrom("DAMAGE_CONTROL" as const, "EMERGENCY" as const), weight: 2 }),
    budgetFrac: fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, { arbitrary: uniform(0, 0.1), weight: 19 }),
    equityExp: fc.oneof({ arbitrary: fc.constant(-Infinity), weight: 1 }, { arbitrary: uniform(2, 7), weight: 19 }),
    invFrac: fc.oneof(fc.constant(0), uniform(-1.5, 1.5)),
    barMinutes: fc.constantFrom(1, 5, 15),
  })
  .chain((m) =>
    fc
      .record({
        alpha: uniform(0.2, 3),
        step_min_frac: uniform(0.0002, 0.01),
        levels_min: fc.integer({ min: 1, max: 5 }),
        levels_extra: fc.integer({ min: 0, max: 35 }),
        mode: fc.constantFrom("equal_notional" as const, "tapered" as const),
        ratio: uniform(1, 5),
        taper: fc.constantFrom("increasing_outward" as const, "decreasing_outward" as const),
        max_open_orders: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 6 }), weight: 1 }, { arbitrary: fc.integer({ min: 7, max: 80 }), weight: 4 }),
        capQuote: fc.boolean(),
        capFrac: uniform(0.05, 2),
        capAbs: uniform(10, 1e6),
        lev: uniform(0.1, 5),
        against: fc.oneof(fc.constant(0), uniform(0, 1)),
        tp: uniform(0.5, 3),
        xMin: uniform(0.001, 0.02),
        xSpan: uniform(0, 0.2),
        reduceLevels: fc.integer({ min: 1, max: 5 }),
        thinPause: fc.boolean(),
      })
      .map((c) => ({ m, c })),
  )
  .map(({ m, c }) => {
    const cfg = parsePolicyConfig({
      alpha: c.alpha,
      step_min_frac: c.step_min_frac,
      levels_min: c.levels_min,
      levels_max: c.levels_min + c.levels_extra,
      x_min_frac: c.xMin,
      x_cap_frac: c.xMin + c.xSpan,
      sizing: { mode: c.mode, max_weight_ratio: c.ratio, taper: c.taper },
      caps: {
        max_open_orders: c.max_open_orders,
        max_effective_leverage: c.lev,
        max_inventory_notional: c.capQuote ? { kind: "quote", value: c.capAbs } : { kind: "frac_equity", value: c.capFrac },
      },
      trend: { against_adds_factor: c.against },
      damage_control: { tp_distance_factor: c.tp },
      reduce_only: { levels: c.reduceLevels },
      throttle: { thin_book_action: c.thinPause ? "PAUSE" : "THROTTLE" },
    });
    const tick = Number(`1e${Math.floor(m.midExp) - m.tickDigits}`);
    // A lot worth 10^-4 .. 10 quote, as on real venues.
    const lot = Number(`1e${m.lotShift - Math.floor(m.midExp) - 1}`);
    const equity = m.equityExp === -Infinity ? 0 : 10 ** m.equityExp;
    const mid = Math.max(tick, quantize(10 ** m.midExp, tick));
    const invAbs = quantize(Math.abs((m.invFrac * equity) / mid), lot, "floor");
    const inventory_qty = m.invFrac < 0 ? -invAbs : invAbs;
    const input: PlanInput = {
      symbol: "PROPUSDT",
      ts: 1,
      instrument: { symbol: "PROPUSDT", tick_size: tick, lot_size: lot, min_notional: m.minNotional },
      features: features({ symbol: "PROPUSDT", mid, natr: m.natr, warm: m.natr !== null, impact_bps: m.impact, depth_topn_usd: m.depth }),
      regime: m.regime,
      tox: { ...CLEAN_TOX, action: m.toxAction },
      dd_budget: m.budgetFrac * equity,
      equity,
      inventory_qty,
      guard: m.guard,
      bar_interval_ms: m.barMinutes * 60_000,
    };
    return { input, cfg };
  });

const RUNS = { numRuns: 400, seed: 20260517 };
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const notional = (ls: GridPlan["bids"]): number => sum(ls.map((l) => l.qty * l.price));
const leq = (a: number, b: number, msg: string): void => {
  expect(a, msg).to.be.at.most(b * (1 + 1e-9) + 1e-9);
};
/** Bids add risk unless they only buy back (part of) a short inventory; asks mirror that. */
const bidsAdd = (p: GridPlan, inv: number): boolean => p.bids.length > 0 && !(inv < 0 && sum(p.size_schedule.buy) <= -inv * (1 + 1e-12));
const asksAdd = (p: GridPlan, inv: number): boolean => p.asks.length > 0 && !(inv > 0 && sum(p.size_schedule.sell) <= inv * (1 + 1e-12));

function check(name: string, f: (p: GridPlan, input: PlanInput, cfg: PolicyConfig) => void): void {
  it(name, () => {
    fc.assert(
      fc.property(scenario, ({ input, cfg }) => {
        f(planGrid(input, cfg), input, cfg);
      }),
      RUNS,
    );
  });
}

describe("planGrid properties (fast-check, random markets and configs)", () => {
  check("worst-case loss at width_down / width_up ≤ dd_budget_symbol (spec 17.11.2), held inventory counted", (p, x) => {
    const inv = x.inventory_qty;
    const mid = x.features.mid;
    if (bidsAdd(p, inv)) {
      const Pd = p.center_price * (1 - p.width_down_frac);
      const ladder = sum(p.bids.map((l) => l.qty * Math.max(0, l.price - Pd)));
      const held = Math.max(0, inv) * Math.max(0, mid - Pd);
      leq(ladder + held, Math.max(x.dd_budget, held), "buy side worst case within budget");
      leq(ladder + held, p.worst_case_loss, "plan.worst_case_loss bounds the loss at width_down");
    }
    if (asksAdd(p, inv)) {
      const Pu = p.center_price * (1 + p.width_up_frac);
      const ladder = sum(p.asks.map((l) => l.qty * Math.max(0, Pu - l.price)));
      const held = Math.max(0, -inv) * Math.max(0, Pu - mid);
      leq(ladder + held, Math.max(x.dd_budget, held), "sell side worst case within budget");
      leq(ladder + held, p.worst_case_loss, "plan.worst_case_loss bounds the loss at width_up");
    }
    leq(p.worst_case_loss, Math.max(x.dd_budget, p.worst_case_loss), "finite");
  });

  check("caps never exceeded after resolution (spec 17.7.3, 17.11.5)", (p, x, cfg) => {
    expect(p.bids.length + p.asks.length, "max_open_orders").to.be.at.most(cfg.caps.max_open_orders);
    const cap = notionalCap(x.equity, cfg.caps).cap;
    const expo = x.inventory_qty * x.features.mid;
    if (bidsAdd(p, x.inventory_qty)) {
      expect(expo, "no buys added when long inventory is at the cap").to.be.below(cap);
      leq(expo + notional(p.bids), cap, "long exposure after all bids fill ≤ cap");
    }
    if (asksAdd(p, x.inventory_qty)) {
      expect(-expo, "no sells added when short inventory is at the cap").to.be.below(cap);
      leq(-expo + notional(p.asks), cap, "short exposure after all asks fill ≤ cap");
    }
  });

  check("no adds when adds_allowed is false; reduce-only never exceeds the inventory", (p, x) => {
    const inv = x.inventory_qty;
    if (!p.adds_allowed || p.reduce_only) {
      leq(sum(p.size_schedule.buy), Math.max(0, -inv), "buys only cover a short");
      leq(sum(p.size_schedule.sell), Math.max(0, inv), "sells only unload a long");
    }
    if (p.mode === "EMERGENCY" || p.mode === "PAUSE") expect(p.adds_allowed).to.equal(false);
    if (x.guard === "EMERGENCY" || x.regime === "EMERGENCY" || x.regime === "PAUSED") {
      expect(p.bids.length + p.asks.length, "cancel all").to.equal(0);
    }
    if (x.features.natr === null) expect(p.mode === "PAUSE" || p.mode === "EMERGENCY").to.equal(true);
  });

  check("levels within clamps; ladders ordered and indexed from 1", (p, x, cfg) => {
    const bound = Math.max(cfg.levels_max, cfg.reduce_only.levels);
    expect(p.bids.length).to.be.at.most(bound);
    expect(p.asks.length).to.be.at.most(bound);
    expect(p.levels_down).to.equal(p.bids.length);
    expect(p.levels_up).to.equal(p.asks.length);
    p.bids.forEach((l, i) => {
      expect(l.index).to.equal(i + 1);
      if (i) expect(l.price, "bids strictly descending").to.be.below(p.bids[i - 1].price);
    });
    p.asks.forEach((l, i) => {
      expect(l.index).to.equal(i + 1);
      if (i) expect(l.price, "asks strictly ascending").to.be.above(p.asks[i - 1].price);
    });
    if (p.bids.length && p.asks.length) expect(p.bids[0].price).to.be.below(p.asks[0].price);
    if (p.bids.length && x.inventory_qty >= 0) expect(p.bids[0].price, "a buy never above the mid").to.be.at.most(x.features.mid);
  });

  check("quantisation: prices on tick, qtys on lot, notional ≥ min_notional", (p, x) => {
    const { tick_size, lot_size, min_notional } = x.instrument;
    for (const l of [...p.bids, ...p.asks]) {
      expect(quantize(l.price, tick_size), `price ${l.price} on tick ${tick_size}`).to.equal(l.price);
      expect(quantize(l.qty, lot_size), `qty ${l.qty} on lot ${lot_size}`).to.equal(l.qty);
      expect(l.qty).to.be.greaterThan(0);
      expect(l.price).to.be.greaterThan(0);
      expect(l.qty * l.price, "min_notional").to.be.at.least(min_notional);
    }
    expect(p.size_schedule.buy).to.deep.equal(p.bids.map((l) => l.qty));
    expect(p.size_schedule.sell).to.deep.equal(p.asks.map((l) => l.qty));
  });

  check("identical inputs → identical plan (deep equal, same canonical hash)", (p, x, cfg) => {
    const again = planGrid(JSON.parse(JSON.stringify(x)) as PlanInput, JSON.parse(JSON.stringify(cfg)) as PolicyConfig);
    expect(again).to.deep.equal(p);
    expect(hashCanonical(again)).to.equal(hashCanonical(p));
  });
});

describe("sizing / levels properties", () => {
  it("tapered weights: sum 1, max/min ≤ max_weight_ratio, monotonic, positive (spec 17.11.4)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 1, max: 20, noNaN: true }),
        fc.constantFrom("increasing_outward" as const, "decreasing_outward" as const),
        fc.constantFrom("equal_notional" as const, "tapered" as const),
        (n, r, taper, mode) => {
          const w = sizingWeights(n, { mode, max_weight_ratio: r, taper });
          expect(w.length).to.equal(n);
          expect(Math.abs(sum(w) - 1)).to.be.below(1e-12);
          const mx = Math.max(...w);
          const mn = Math.min(...w);
          expect(mn).to.be.greaterThan(0);
          expect(mx / mn).to.be.at.most(r * (1 + 1e-12));
          for (let i = 1; i < n; i++) {
            if (mode === "equal_notional" || taper === "increasing_outward") expect(w[i]).to.be.at.least(w[i - 1] * (1 - 1e-12));
            else expect(w[i]).to.be.at.most(w[i - 1] * (1 + 1e-12));
          }
        },
      ),
      { numRuns: 500, seed: 7 },
    );
  });

  it("computeLevels stays within [levels_min, levels_max] (spec 17.10)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 1e-6, max: 0.5, noNaN: true }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 50 }),
        (width, step, lo, extra) => {
          const r = computeLevels(width, step, { levels_min: lo, levels_max: lo + extra });
          expect(r.levels).to.be.within(lo, lo + extra);
          expect(Number.isInteger(r.levels)).to.equal(true);
        },
      ),
      { numRuns: 500, seed: 11 },
    );
  });
});
