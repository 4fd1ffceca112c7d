import { expect } from "chai";
import Decimal from "decimal.js";
import fc from "fast-check";
import { ErrorCode, GrinderError } from "../../sdk/contracts/errors";
import {
  BELOW_CUT,
  defaultPortfolioConfig,
  GATE_CODES,
  GATE_STALE,
  GATE_THIN,
  GATE_TOXIC,
  HYSTERESIS_HELD,
  parsePortfolioConfig,
  SCORE_TREND,
  selectPortfolio,
  selectTopK,
  TopKSelector,
  type SymbolScore,
} from "../../sdk/portfolio";
import { castViews, view } from "./views";

const TS = 1_000_000;
const score = (symbol: string, s: number): SymbolScore => ({
  symbol,
  score: s,
  range_score: 0,
  liquidity_score: 0,
  tox_penalty: 0,
  trend_strength: 0,
  raw: { range_score: 0, trend_strength: 0, thin_l1_quote: 0, depth_topn_usd: null, impact_bps: null },
});

function shuffle<T>(xs: T[], keys: number[]): T[] {
  return xs.map((x, i) => ({ x, k: keys[i % keys.length] * 1000 + i })).sort((a, b) => a.k - b.k).map((p) => p.x);
}

/** Random views: some gate-failing, some tied, on a small symbol alphabet. */
const viewsArb = fc
  .uniqueArray(
    fc.record({
      symbol: fc.constantFrom("A", "B", "C", "D", "E", "F", "G", "H", "I"),
      range: fc.constantFrom(1, 5, 20, 20, 40),
      trend: fc.constantFrom(0, 0.5, -0.5, 2, -3),
      thin: fc.constantFrom(500, 5_000, 50_000, 50_000),
      sev: fc.constantFrom("LOW", "LOW", "MID", "HIGH", "EXTREME") as fc.Arbitrary<"LOW" | "MID" | "HIGH" | "EXTREME">,
      pen: fc.constantFrom(0, 0, 0.2, 0.9),
      age: fc.constantFrom(0, 0, 1_000, 120_000),
      warm: fc.boolean(),
    }),
    { minLength: 0, maxLength: 9, selector: (r) => r.symbol },
  )
  .map((rows) =>
    rows.map((r) => view(r.symbol, { range_score: r.range, trend_strength: r.trend, thin_l1_quote: r.thin, ts: TS - r.age, warm: r.warm || r.age > 0 }, { severity: r.sev, penalty: r.pen })),
  );

describe("portfolio: Top-K selection (17.15.3)", () => {
  it("on the multisymbol cast: the three choppy liquid symbols, others excluded with their codes", () => {
    const s = new TopKSelector().select(TS, castViews(TS), 1000);
    expect(Object.values(s.budgets)).to.deep.equal([333.33333334, 333.33333333, 333.33333333]);
    expect(s.selected).to.deep.equal(["CHOP1", "CHOP2", "CHOP3"]);
    const why = Object.fromEntries(s.excluded.map((e) => [e.symbol, e.reasons]));
    expect(why).to.deep.equal({
      STALE: [GATE_STALE],
      THIN: [GATE_THIN],
      TOXIC: [GATE_TOXIC],
      TREND: [BELOW_CUT, SCORE_TREND],
    });
    expect(Object.keys(s.budgets)).to.deep.equal(["CHOP1", "CHOP2", "CHOP3"]);
    expect(Object.keys(s.scores), "scores of the gate-passing symbols").to.deep.equal(["CHOP1", "CHOP2", "CHOP3", "TREND"]);
    expect(s.unloading).to.deep.equal([]);
  });

  it("selectTopK: ties break by symbol name", () => {
    expect(selectTopK([score("B", 1), score("C", 1), score("A", 1)], 2)).to.deep.equal(["A", "B"]);
  });

  it("hysteresis: a challenger needs to beat the weakest incumbent by more than the margin", () => {
    const inc = new Set(["A", "B"]);
    expect(selectTopK([score("A", 1), score("B", 0.5), score("C", 0.6)], 2, inc, 0.15)).to.deep.equal(["A", "B"]);
    expect(selectTopK([score("A", 1), score("B", 0.5), score("C", 0.65)], 2, inc, 0.15), "equal effective scores keep the incumbent").to.deep.equal(["A", "B"]);
    expect(selectTopK([score("A", 1), score("B", 0.5), score("C", 0.66)], 2, inc, 0.15)).to.deep.equal(["A", "C"]);
  });

  it("re-ranks only on the interval; gate exits are immediate, the seat is refilled at the next re-evaluation", () => {
    const sel = new TopKSelector({ reselect_interval_ms: 60_000, hysteresis: { score_margin: 0 }, smoothing_half_life_ms: 0, gates: { tox_recovery_ms: 0 } });
    const at = (ts: number, vs: ReturnType<typeof view>[]) => vs.map((v) => ({ ...v, features: { ...v.features, ts } }));
    const base = [view("A", { range_score: 30 }), view("B", { range_score: 25 }), view("C", { range_score: 20 }), view("D", { range_score: 10 })];
    expect(sel.select(TS, base, 90).selected).to.deep.equal(["A", "B", "C"]);
    // D becomes the best, but the interval has not elapsed: no change.
    const better = at(TS + 1_000, base.map((v) => (v.symbol === "D" ? view("D", { range_score: 90 }) : v)));
    const s1 = sel.select(TS + 1_000, better, 90);
    expect(s1.selected).to.deep.equal(["A", "B", "C"]);
    expect(s1.excluded.find((e) => e.symbol === "D")?.reasons).to.include(HYSTERESIS_HELD);
    // B turns toxic: leaves at once and is unloading; its seat stays empty until the next re-evaluation.
    const toxic = at(TS + 2_000, better).map((v) => (v.symbol === "B" ? { ...v, tox: { ...v.tox, severity: "HIGH" as const } } : v));
    const s2 = sel.select(TS + 2_000, toxic, 90);
    expect(s2.selected).to.deep.equal(["A", "C"]);
    expect(s2.unloading).to.deep.equal(["B"]);
    expect(s2.excluded.find((e) => e.symbol === "B")?.reasons).to.deep.equal([GATE_TOXIC]);
    expect(Object.values(s2.budgets).reduce((a, b) => a + b, 0), "budget spread over the seats held").to.equal(90);
    // Interval elapsed: full re-rank.
    const s3 = sel.select(TS + 60_000, at(TS + 60_000, better), 90);
    expect(s3.selected).to.deep.equal(["A", "B", "D"]);
    expect(s3.unloading).to.deep.equal(["C"]);
  });

  it("weighted budgets hold between re-evaluations unless the seats or the portfolio budget change", () => {
    const sel = new TopKSelector({ allocator: "weighted", reselect_interval_ms: 60_000, smoothing_half_life_ms: 0 });
    const vs = (ts: number, thinA: number) => ["A", "B", "C"].map((s) => view(s, { ts, thin_l1_quote: s === "A" ? thinA : 50_000 }));
    const b0 = sel.select(TS, vs(TS, 50_000), 300).budgets;
    expect(b0).to.deep.equal({ A: 100, B: 100, C: 100 });
    expect(sel.select(TS + 1_000, vs(TS + 1_000, 5_000), 300).budgets, "held").to.deep.equal(b0);
    const b2 = sel.select(TS + 2_000, vs(TS + 2_000, 5_000), 200).budgets;
    expect(b2.A, "portfolio budget changed: re-allocated with the new weights").to.be.lessThan(b2.B);
    const b3 = sel.select(TS + 60_000, vs(TS + 60_000, 5_000), 300).budgets;
    expect(b3.A, "re-evaluation re-allocates").to.be.lessThan(b3.B);
  });

  it("recovery memory: a symbol seen stale or toxic stays gated for the recovery time", () => {
    const sel = new TopKSelector({ reselect_interval_ms: 60_000, gates: { stale_recovery_ms: 100_000, tox_recovery_ms: 50_000 } });
    const vs = (ts: number, o: { staleA?: boolean; toxicB?: boolean } = {}) =>
      ["A", "B", "C", "D"].map((s) => view(s, { ts, l1_stale: s === "A" && !!o.staleA }, { severity: s === "B" && o.toxicB ? "HIGH" : "LOW" }));
    sel.select(TS, vs(TS, { staleA: true, toxicB: true }), 1);
    const why = (s: { excluded: Array<{ symbol: string; reasons: string[] }> }, x: string) => s.excluded.find((e) => e.symbol === x)?.reasons;
    let s = sel.select(TS + 49_999, vs(TS + 49_999), 1);
    expect(why(s, "A")).to.deep.equal([GATE_STALE]);
    expect(why(s, "B")).to.deep.equal([GATE_TOXIC]);
    s = sel.select(TS + 50_000, vs(TS + 50_000), 1);
    expect(why(s, "B")?.[0], "toxic recovery over").to.equal(BELOW_CUT);
    s = sel.select(TS + 99_999, vs(TS + 99_999), 1);
    expect(why(s, "A")).to.deep.equal([GATE_STALE]);
    expect(s.selected, "re-evaluation filled the empty seat with B").to.deep.equal(["B", "C", "D"]);
    s = sel.select(TS + 100_000, vs(TS + 100_000), 1);
    expect(why(s, "A")?.[0], "stale recovery over").to.equal(BELOW_CUT);
  });

  it("re-evaluates at once while no seat is held (warm-up)", () => {
    const sel = new TopKSelector();
    const cold = ["A", "B", "C"].map((s) => view(s, { warm: false }));
    expect(sel.select(TS, cold, 100).selected).to.deep.equal([]);
    const warm = ["A", "B", "C"].map((s) => view(s, { ts: TS + 60_000 }));
    const s = sel.select(TS + 60_000, warm, 100);
    expect(s.selected).to.deep.equal(["A", "B", "C"]);
    expect(sel.lastDetail?.reranked, "before the interval, because no seat was held").to.equal(true);
  });

  it("refuses time going backwards", () => {
    const sel = new TopKSelector();
    sel.select(TS, [view("A")], 1);
    try {
      sel.select(TS - 1, [view("A", { ts: TS - 1 })], 1);
      expect.fail("should throw");
    } catch (e) {
      expect(e).to.be.instanceOf(GrinderError);
      expect((e as GrinderError).code).to.equal(ErrorCode.TIME_BACKWARDS);
    }
  });

  describe("properties", () => {
    const cfg = defaultPortfolioConfig();
    it("independent of input symbol order, K bounds, gated never selected, budgets exact", () => {
      fc.assert(
        fc.property(viewsArb, fc.array(fc.nat(), { minLength: 1 }), fc.constantFrom(3, 4, 5), fc.constantFrom("equal" as const, "weighted" as const), (views, keys, k, allocator) => {
          const c = parsePortfolioConfig({ k, allocator });
          const a = selectPortfolio(TS, views, 1234.5, c).selection;
          const b = selectPortfolio(TS, shuffle(views, keys), 1234.5, c).selection;
          expect(b).to.deep.equal(a);
          const gated = a.excluded.filter((e) => e.reasons.some((r) => (GATE_CODES as readonly string[]).includes(r))).map((e) => e.symbol);
          const eligible = views.length - gated.length;
          expect(a.selected.length).to.equal(Math.min(k, eligible));
          expect(a.selected.length).to.be.at.most(c.k_max);
          for (const s of gated) expect(a.selected).to.not.include(s);
          expect(a.selected.length + a.excluded.length, "every symbol accounted for").to.equal(views.length);
          const sum = Object.values(a.budgets).reduce((x, y) => x.add(new Decimal(y)), new Decimal(0));
          if (a.selected.length) expect(sum.eq(1234.5)).to.equal(true);
          expect([...a.selected].sort()).to.deep.equal(a.selected);
        }),
      );
    });
    it("stateful: over random call sequences a gated symbol is never seated, K ≤ k, unloading = previous − selected", () => {
      fc.assert(
        fc.property(fc.array(viewsArb, { minLength: 1, maxLength: 12 }), fc.array(fc.integer({ min: 0, max: 1_200_000 }), { minLength: 12, maxLength: 12 }), (calls, gaps) => {
          const sel = new TopKSelector({ reselect_interval_ms: 600_000 });
          let ts = TS;
          let prev: string[] = [];
          calls.forEach((vs, i) => {
            ts += gaps[i];
            const views = vs.map((v) => ({ ...v, features: { ...v.features, ts: Math.min(ts, ts - (TS - v.features.ts)) } }));
            const s = sel.select(ts, views, 100);
            const gatedNow = s.excluded.filter((e) => e.reasons.some((r) => (GATE_CODES as readonly string[]).includes(r))).map((e) => e.symbol);
            for (const g of gatedNow) expect(s.selected).to.not.include(g);
            expect(s.selected.length).to.be.at.most(sel.config.k);
            expect(s.unloading).to.deep.equal(prev.filter((p) => !s.selected.includes(p)).sort());
            prev = s.selected;
          });
        }),
        { numRuns: 60 },
      );
    });
    it("ties break deterministically by name", () => {
      fc.assert(
        fc.property(fc.uniqueArray(fc.constantFrom("A", "B", "C", "D", "E", "F", "G"), { minLength: 4 }), fc.array(fc.nat(), { minLength: 1 }), (syms, keys) => {
          const views = syms.map((s) => view(s));
          const sel = selectPortfolio(TS, shuffle(views, keys), 100, cfg).selection.selected;
          expect(sel).to.deep.equal([...syms].sort().slice(0, cfg.k));
        }),
      );
    });
    it("hysteresis: a symbol whose score stays within the margin of the cut does not flip", () => {
      fc.assert(
        fc.property(
          fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 4, maxLength: 8 }),
          fc.array(fc.double({ min: -0.149, max: 0.149, noNaN: true }), { minLength: 8, maxLength: 8 }),
          (base, jitter) => {
            const names = base.map((_, i) => `S${i}`);
            const first = selectTopK(base.map((s, i) => score(names[i], s)), 3);
            // Scores move; no challenger gets more than the margin ahead of any incumbent.
            const seated = new Set(first);
            const moved = base.map((s, i) => s + jitter[i] / 2);
            const weakest = Math.min(...moved.filter((_, i) => seated.has(names[i])));
            const capped = moved.map((s, i) => (seated.has(names[i]) ? s : Math.min(s, weakest + 0.15)));
            const next = selectTopK(capped.map((s, i) => score(names[i], s)), 3, seated, 0.15);
            expect(next).to.deep.equal(first);
          },
        ),
      );
    });
  });
});
