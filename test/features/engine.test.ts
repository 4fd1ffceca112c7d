import { expect } from "chai";
import fc from "fast-check";
import type { InstrumentSpec, OrderBook, Snapshot } from "../../sdk/contracts";
import { FeatureConfigSchema, FeatureEngine, computeL2Into, emptyFeatures, L2Scratch, walkAvgPrice } from "../../sdk/features";

const INST: InstrumentSpec = { symbol: "TESTUSDT", tick_size: 0.01, lot_size: 0.001, min_notional: 5 };
const close = (a: number | null, b: number, rel = 1e-12): void => {
  expect(a, "value").to.not.equal(null);
  expect(Math.abs((a as number) - b), `${a} vs ${b}`).to.be.at.most(rel * Math.max(1, Math.abs(b)));
};
const snap = (ts: number, bid: number, ask: number, bq = 1, aq = 1, book?: OrderBook): Snapshot => ({ ts, symbol: INST.symbol, bid_price: bid, ask_price: ask, bid_qty: bq, ask_qty: aq, ...(book ? { book } : {}) });

describe("feature config", () => {
  it("parses {} to the documented defaults and refuses unknown fields and fast ≥ slow", () => {
    const c = FeatureConfigSchema.parse({});
    expect(c.bar_interval_ms).to.equal(60_000);
    expect(c.atr_period).to.equal(14);
    expect(c.natr_source).to.equal("mid_bars");
    expect(FeatureConfigSchema.safeParse({ bogus: 1 }).success).to.equal(false);
    expect(FeatureConfigSchema.safeParse({ ema_fast_bars: 40, ema_slow_bars: 40 }).success).to.equal(false);
  });
  it("FeatureEngine refuses a bad config with a GrinderError naming the field", () => {
    expect(() => new FeatureEngine(INST, { atr_period: 0 })).to.throw(/E_CONFIG.*features\.atr_period/);
  });
});

describe("FeatureEngine L1 (spec 17.5.3)", () => {
  it("hand-computed mid, spread_bps, imbalance_l1, thin_l1 and thin_l1_quote", () => {
    const fe = new FeatureEngine(INST, {});
    fe.update(snap(0, 99.99, 100.01, 3, 1));
    const f = fe.features;
    expect(f.mid).to.equal(100);
    close(f.spread_bps, (0.02 / 100) * 1e4);
    close(f.imbalance_l1, (3 - 1) / (3 + 1 + 1e-12));
    expect(f.thin_l1).to.equal(1);
    expect(f.thin_l1_quote).to.equal(100);
    expect(f.symbol).to.equal("TESTUSDT");
  });
  it("refuses another symbol's snapshot and time going backwards", () => {
    const fe = new FeatureEngine(INST, {});
    fe.update(snap(1_000, 1, 2));
    expect(() => fe.update({ ...snap(2_000, 1, 2), symbol: "OTHER" })).to.throw(/E_INVALID_ARGUMENT/);
    expect(() => fe.update(snap(999, 1, 2))).to.throw(/E_TIME_BACKWARDS/);
  });
});

describe("FeatureEngine bars, NATR, range/trend (spec 17.5.1, 17.5.2, 17.5.5)", () => {
  it("update returns true exactly when a bar closes; bar features follow the closed bar", () => {
    const fe = new FeatureEngine(INST, { bar_interval_ms: 1_000, atr_period: 2, horizon_bars: 2, ema_fast_bars: 1, ema_slow_bars: 2 });
    const ticks: Array<[number, number]> = [[0, 100], [400, 102], [1_000, 101], [2_000, 103], [2_500, 99], [3_000, 100]];
    const closed = ticks.map(([ts, m]) => fe.update(snap(ts, m - 0.01, m + 0.01)));
    expect(closed).to.deep.equal([false, false, true, true, false, true]);
    const f = fe.features;
    expect(f.bars).to.equal(3);
    // Bars: [100,102,100,102] C102; [101] C101; [103,99] H103 L99 C99.
    expect(f.bar_close).to.equal(99);
    close(f.bar_return, 99 / 101 - 1);
    // ATR(2): TR 2, 1 (|101−102|), 4 → seed (2+1)/2 = 1.5 → 1.5 + (4 − 1.5)/2 = 2.75.
    close(f.atr, 2.75);
    close(f.natr, 2.75 / 99);
    // H = 2 over closes 102, 101, 99.
    close(f.sum_abs_returns, Math.abs(101 / 102 - 1) + Math.abs(99 / 101 - 1));
    close(f.net_return, Math.abs(99 / 102 - 1));
    expect(f.warm).to.equal(true);
  });

  it("empty intervals count as flat bars at the previous close (ADR empty-bar rule)", () => {
    const fe = new FeatureEngine(INST, { bar_interval_ms: 1_000 });
    fe.update(snap(0, 99.99, 100.01));
    expect(fe.update(snap(5_500, 104.99, 105.01))).to.equal(true);
    expect(fe.barsClosedInLastUpdate).to.equal(5);
    expect(fe.features.bars).to.equal(5);
    expect(fe.features.bar_close, "last closed bar is the flat [4000,5000) at 100").to.equal(100);
    expect(fe.features.bar_return).to.equal(0);
  });

  it("NATR from klines when natr_source = klines; mid bars do not touch it", () => {
    const fe = new FeatureEngine(INST, { bar_interval_ms: 1_000, atr_period: 2, natr_source: "klines" });
    fe.update(snap(0, 99.99, 100.01));
    fe.update(snap(1_000, 99.99, 100.01));
    expect(fe.features.natr).to.equal(null);
    fe.updateKline({ open_time: 0, close_time: 999, high: 11, low: 9, close: 10 });
    fe.updateKline({ open_time: 1_000, close_time: 1_999, high: 10.5, low: 9.5, close: 10 });
    close(fe.features.atr, 1.5);
    close(fe.features.natr, 0.15);
    expect(fe.features.natr_source).to.equal("klines");
    expect(() => fe.updateKline({ open_time: 1_000, close_time: 1_999, high: 1, low: 1, close: 1 })).to.throw(/E_TIME_BACKWARDS/);
  });

  it("identical inputs give identical features; reset replays identically (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3_000 }), fc.integer({ min: -30, max: 30 }), fc.integer({ min: 1, max: 9 })), { minLength: 5, maxLength: 300 }), (steps) => {
        const run = (fe: FeatureEngine): string[] => {
          let ts = 0;
          let mid = 1000;
          const out: string[] = [];
          for (const [dt, dm, q] of steps) {
            ts += dt;
            mid += dm * 0.01;
            fe.update(snap(ts, mid - 0.01 * q, mid + 0.01 * q, q, 10 - q));
            out.push(JSON.stringify(fe.features));
          }
          return out;
        };
        const cfg = { bar_interval_ms: 1_000, atr_period: 3, horizon_bars: 4, ema_fast_bars: 2, ema_slow_bars: 5 };
        const a = new FeatureEngine(INST, cfg);
        const ra = run(a);
        expect(run(new FeatureEngine(INST, cfg))).to.deep.equal(ra);
        a.reset();
        expect(a.features).to.deep.equal(emptyFeatures(INST.symbol));
        expect(run(a)).to.deep.equal(ra);
      }),
      { numRuns: 40 },
    );
  });

  it("keeps one features object (updated in place)", () => {
    const fe = new FeatureEngine(INST, {});
    const f = fe.features;
    fe.update(snap(0, 1, 2));
    fe.update(snap(70_000, 1, 2));
    expect(fe.features).to.equal(f);
  });
});

describe("L2 features (spec 17.5.4)", () => {
  const book: OrderBook = {
    bids: [
      { price: 99.5, qty: 100 },
      { price: 99, qty: 200 },
      { price: 98.5, qty: 1000 },
    ],
    asks: [
      { price: 100.5, qty: 100 },
      { price: 101, qty: 100 },
      { price: 101.5, qty: 100 },
    ],
  };

  it("walks the book for Q quote: average fill price (hand-computed)", () => {
    // Buy 15 000: 10 050 at 100.5 (100 base) + 4 950 at 101 (49.0099 base).
    close(walkAvgPrice(book.asks, 10, 15_000), 15_000 / (100 + 4_950 / 101));
    // Sell for 15 000: 9 950 at 99.5 (100) + 5 050 at 99 (51.0101).
    close(walkAvgPrice(book.bids, 10, 15_000), 15_000 / (100 + 5_050 / 99));
    // Q beyond the visible top N: the remainder is priced at the deepest visible level (lower bound).
    close(walkAvgPrice(book.asks, 2, 30_000), 30_000 / (100 + 100 + (30_000 - 10_050 - 10_100) / 101));
    expect(Number.isNaN(walkAvgPrice([], 10, 1))).to.equal(true);
  });

  it("hand-computed depth, imbalance, spread_at_depth, impact, slope and wall ratio", () => {
    const out = emptyFeatures("X");
    computeL2Into(book, 100, 10, 15_000, out, new L2Scratch(10));
    const bd = 99.5 * 100 + 99 * 200 + 98.5 * 1000;
    const ad = 100.5 * 100 + 101 * 100 + 101.5 * 100;
    close(out.depth_topn_usd, bd + ad);
    close(out.depth_imbalance_topn, (bd - ad) / (bd + ad), 1e-9);
    const buy = 15_000 / (100 + 4_950 / 101);
    const sell = 15_000 / (100 + 5_050 / 99);
    close(out.spread_at_depth_bps, ((buy - sell) / 100) * 1e4, 1e-9);
    close(out.impact_bps, Math.max((buy / 100 - 1) * 1e4, (1 - sell / 100) * 1e4), 1e-9);
    // Nth levels 101.5 and 98.5: 150 bps each side.
    close(out.book_slope, (bd + ad) / 300, 1e-9);
    // Bids: max 1000 / median 200 = 5; asks 1.
    close(out.wall_ratio, 5);
    // Top N = 2 ignores the third level.
    const two = emptyFeatures("X");
    computeL2Into(book, 100, 2, 15_000, two, new L2Scratch(2));
    close(two.depth_topn_usd, 99.5 * 100 + 99 * 200 + 100.5 * 100 + 101 * 100);
    expect(two.wall_ratio, "fewer than 3 levels: no wall ratio").to.equal(null);
  });

  it("evaluates L2 at bar close from the closing snapshot's book, equal to an eager evaluation (ADR-034)", () => {
    const fe = new FeatureEngine(INST, { bar_interval_ms: 60_000 });
    const thinner = { ...book, bids: book.bids.map((l) => ({ price: l.price, qty: l.qty / 2 })) };
    fe.update(snap(0, 99.5, 100.5, 100, 100, book));
    const closed = fe.update(snap(60_000, 99.5, 100.5, 100, 100, thinner));
    expect(closed, "the first snapshot of the next interval closes the bar").to.equal(true);
    const eager = emptyFeatures("X");
    computeL2Into(thinner, 100, fe.cfg.l2_top_n, fe.cfg.impact_notional_quote, eager, new L2Scratch(fe.cfg.l2_top_n));
    expect(fe.features.depth_topn_usd).to.equal(eager.depth_topn_usd);
    expect(fe.features.impact_bps).to.equal(eager.impact_bps);
  });

  it("null without a book; computed with a fresh book; null when flagged stale or older than l2_stale_ms", () => {
    const fe = new FeatureEngine(INST, { l2_stale_ms: 5_000 });
    fe.update(snap(0, 99.5, 100.5));
    const f = fe.features;
    expect([f.depth_topn_usd, f.impact_bps, f.spread_at_depth_bps, f.book_slope, f.wall_ratio, f.depth_imbalance_topn, f.l2_age_ms]).to.deep.equal([null, null, null, null, null, null, null]);
    expect(f.l2_stale, "no book ever seen is not 'stale'").to.equal(false);
    fe.update(snap(1_000, 99.5, 100.5, 100, 100, book));
    expect(f.l2_age_ms).to.equal(0);
    expect(f.depth_topn_usd, "L2 is evaluated at bar close or on syncL2(), not on every snapshot (ADR-034)").to.equal(null);
    fe.syncL2();
    expect(f.depth_topn_usd).to.be.greaterThan(0);
    // Held while fresh on snapshots without a book, then null once older than 5 s.
    fe.update(snap(4_000, 99.5, 100.5));
    expect(f.l2_age_ms).to.equal(3_000);
    expect(f.depth_topn_usd).to.be.greaterThan(0);
    fe.update(snap(6_001, 99.5, 100.5));
    expect(f.l2_stale).to.equal(true);
    expect(f.depth_topn_usd).to.equal(null);
    // A fresh book again, then one flagged stale.
    fe.update(snap(7_000, 99.5, 100.5, 100, 100, book));
    expect(f.l2_stale).to.equal(false);
    fe.syncL2();
    expect(f.impact_bps).to.not.equal(null);
    fe.update(snap(8_000, 99.5, 100.5, 100, 100, { ...book, stale: true }));
    expect(f.l2_stale).to.equal(true);
    expect(f.impact_bps).to.equal(null);
    // book.ts older than the snapshot: aged by data time.
    fe.update(snap(20_000, 99.5, 100.5, 100, 100, { ...book, ts: 14_000 }));
    expect(f.l2_age_ms).to.equal(6_000);
    expect(f.l2_stale).to.equal(true);
    expect(f.wall_ratio).to.equal(null);
  });

  it("L2 fields stay null on any L1-only stream (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 90_000 }), { minLength: 1, maxLength: 100 }), (dts) => {
        const fe = new FeatureEngine(INST, {});
        let ts = 0;
        for (const dt of dts) {
          ts += dt;
          fe.update(snap(ts, 10, 10.01));
          const f = fe.features;
          expect([f.depth_topn_usd, f.depth_imbalance_topn, f.spread_at_depth_bps, f.impact_bps, f.book_slope, f.wall_ratio, f.l2_age_ms]).to.deep.equal([null, null, null, null, null, null, null]);
        }
      }),
      { numRuns: 30 },
    );
  });
});

describe("staleness (spec 17.4.3), data time", () => {
  it("l1_age_ms is the gap the snapshot ends; stale above l1_stale_ms; advanceTime ages a silent symbol", () => {
    const fe = new FeatureEngine(INST, { l1_stale_ms: 5_000, bar_interval_ms: 1_000 });
    fe.update(snap(0, 1, 2));
    expect(fe.features.l1_age_ms).to.equal(0);
    fe.update(snap(5_000, 1, 2));
    expect(fe.features.l1_stale, "5 s is not above 5 s").to.equal(false);
    fe.update(snap(10_001, 1, 2));
    expect(fe.features.l1_age_ms).to.equal(5_001);
    expect(fe.features.l1_stale).to.equal(true);
    fe.update(snap(11_000, 1, 2));
    expect(fe.features.l1_stale).to.equal(false);
    expect(fe.advanceTime(20_000), "bars closed by time").to.equal(true);
    expect(fe.features.l1_age_ms).to.equal(9_000);
    expect(fe.features.l1_stale).to.equal(true);
    expect(fe.features.ts).to.equal(20_000);
    expect(fe.advanceTime(19_000), "ignored: earlier than the features' time").to.equal(false);
  });
});
