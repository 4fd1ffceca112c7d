import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { validateFixture } from "../../sdk/data/fixture";
import { canonicalJson } from "../../sdk/util/canonical";
import { generateFixture } from "../../scripts/generate-fixtures";
import { SCENARIOS, scenarioSnapshots, type ScenarioDef } from "../../scripts/fixture-models/scenarios";
import { marketStats } from "../../scripts/fixture-models/stats";
import { tmpDir } from "./helpers";

function hashFirst(def: ScenarioDef, n: number): string {
  const h = createHash("sha256");
  let i = 0;
  for (const s of scenarioSnapshots(def)) {
    h.update(canonicalJson(s) + "\n");
    if (++i === n) break;
  }
  return h.digest("hex");
}

function take<T>(it: Iterable<T>, n: number): T[] {
  const out: T[] = [];
  for (const x of it) {
    out.push(x);
    if (out.length === n) break;
  }
  return out;
}

describe("fixture generator", () => {
  const t = tmpDir("grinder-gen-");
  after(t.cleanup);

  it("yields the same rows twice for every scenario, and other rows for another seed", () => {
    for (const def of Object.values(SCENARIOS)) {
      const a = hashFirst(def, 2000);
      expect(hashFirst(def, 2000), def.name).to.equal(a);
      expect(hashFirst({ ...def, seed: def.seed + 1 }, 2000), `${def.name} with another seed`).to.not.equal(a);
    }
  });

  it("writes byte-identical files when run twice (gzip and manifest included)", async () => {
    for (const name of ["multisymbol_topk_l1", "impact_spike_l2"]) {
      const small: ScenarioDef = { ...SCENARIOS[name], steps: 900 };
      const a = await generateFixture(small, path.join(t.dir, "a"));
      const b = await generateFixture(small, path.join(t.dir, "b"));
      expect(a.content_sha256).to.equal(b.content_sha256);
      for (const f of ["fixture.json", "snapshots.jsonl.gz"]) {
        const x = readFileSync(path.join(t.dir, "a", name, f));
        const y = readFileSync(path.join(t.dir, "b", name, f));
        expect(x.equals(y), `${name}/${f} identical`).to.equal(true);
      }
      const v = await validateFixture(path.join(t.dir, "a", name));
      expect(v.hash_ok).to.equal(true);
      expect(v.rows).to.equal(a.rows);
    }
  });

  it("keeps files it does not own (expected.json) when regenerating into an existing folder", async () => {
    const small: ScenarioDef = { ...SCENARIOS.range_day_l1, steps: 60 };
    await generateFixture(small, path.join(t.dir, "keep"));
    const expected = path.join(t.dir, "keep", "range_day_l1", "expected.json");
    writeFileSync(expected, '{"digest":"x"}\n');
    await generateFixture(small, path.join(t.dir, "keep"));
    expect(readFileSync(expected, "utf8")).to.equal('{"digest":"x"}\n');
  });

  it("moves like a market: fat tails, volatility clustering, spread widens and depth thins with vol (range_day_l1)", () => {
    const [s] = marketStats(scenarioSnapshots(SCENARIOS.range_day_l1));
    expect(s.kurtosis_1m, "excess kurtosis of 1-minute returns").to.be.greaterThan(1);
    expect(s.abs_acf_1, "autocorrelation of |1-minute return|").to.be.greaterThan(0.1);
    expect(s.corr_vol_spread, "corr(5-min vol, spread)").to.be.greaterThan(0.3);
    expect(s.corr_vol_depth, "corr(5-min vol, top-of-book notional)").to.be.lessThan(-0.2);
    expect(s.median_range_score_60m, "chop: sum|r| / |net| over an hour").to.be.greaterThan(5);
    // Not a smooth cycle: hourly volatility varies by clusters, not a constant.
    const vols = s.hours.map((h) => h.vol_1m_bps);
    expect(Math.max(...vols) / Math.min(...vols)).to.be.greaterThan(2);
  });

  it("trend_day_l1 nets +6..10 % with up and down legs; range_day_l1 stays within a few % @slow", () => {
    const [tr] = marketStats(scenarioSnapshots(SCENARIOS.trend_day_l1));
    expect(tr.net_return_pct).to.be.within(6, 10);
    const leg = (from: number, to: number) => tr.hours.slice(from, to).reduce((a, h) => a + h.ret_pct, 0);
    expect(leg(1, 9), "01:00-09:00 up").to.be.greaterThan(5);
    expect(leg(16, 20), "16:00-20:00 down").to.be.lessThan(-2.5);
    expect(tr.median_range_score_60m).to.be.lessThan(3);
    const [rg] = marketStats(scenarioSnapshots(SCENARIOS.range_day_l1));
    expect(Math.abs(rg.net_return_pct)).to.be.lessThan(3);
  });

  it("vol_shock_l1: vol and spread blow out after 13:00 and come back", () => {
    const [s] = marketStats(scenarioSnapshots(SCENARIOS.vol_shock_l1));
    const calm = s.hours.slice(0, 12);
    const calmVol = calm.reduce((a, h) => a + h.vol_1m_bps, 0) / calm.length;
    const calmSpread = calm.reduce((a, h) => a + h.spread_bps, 0) / calm.length;
    const shock = s.hours[13];
    expect(shock.vol_1m_bps / calmVol, "vol in the first shock hour").to.be.greaterThan(4);
    expect(shock.spread_bps / calmSpread, "spread in the first shock hour").to.be.greaterThan(5);
    const late = s.hours.slice(18);
    expect(late.reduce((a, h) => a + h.spread_bps, 0) / late.length / calmSpread, "spread back to calm").to.be.lessThan(2);
  });

  it("multisymbol_topk_l1 symbols differ as described (spread, depth, trend) @slow", function () {
    this.timeout(120_000);
    const stats = new Map(marketStats(scenarioSnapshots(SCENARIOS.multisymbol_topk_l1)).map((s) => [s.symbol, s]));
    const chop = ["CHOPAUSDT", "CHOPBUSDT", "CHOPCUSDT"].map((k) => stats.get(k)!);
    for (const c of chop) {
      expect(c.mean_spread_bps, c.symbol).to.be.lessThan(2.5);
      expect(c.mean_top_notional, c.symbol).to.be.greaterThan(40_000);
      expect(Math.abs(c.net_return_pct), c.symbol).to.be.lessThan(3);
    }
    expect(stats.get("TOXICUSDT")!.mean_spread_bps).to.be.greaterThan(5 * Math.max(...chop.map((c) => c.mean_spread_bps)));
    expect(stats.get("TOXICUSDT")!.p99_spread_bps).to.be.greaterThan(4 * stats.get("TOXICUSDT")!.mean_spread_bps);
    expect(stats.get("THINUSDT")!.mean_top_notional).to.be.lessThan(1000);
    expect(stats.get("TRENDUSDT")!.net_return_pct).to.be.greaterThan(8);
    expect(stats.get("STALEUSDT")!.rows).to.equal(86_400 - 3960);
  });

  it("all prices are on the tick grid, quantities on the lot grid, bid < ask (first rows of each scenario)", () => {
    const offGrid = (x: number, step: number) => Math.abs(x / step - Math.round(x / step)) > 1e-6;
    for (const def of Object.values(SCENARIOS)) {
      const specs = new Map(def.symbols.map((m) => [m.instrument.symbol, m.instrument]));
      const bad: string[] = [];
      for (const s of take(scenarioSnapshots(def), 3000)) {
        const sp = specs.get(s.symbol)!;
        const levels = s.book ? [...s.book.bids, ...s.book.asks] : [];
        for (const p of [s.bid_price, s.ask_price, s.last_price!, ...levels.map((l) => l.price)])
          // The printed form must be the exact decimal (quantize): no 0.30000000000000004.
          if (offGrid(p, sp.tick_size) || String(p).length > 14) bad.push(`${s.symbol} price ${p}`);
        for (const q of [s.bid_qty, s.ask_qty, ...levels.map((l) => l.qty)]) if (offGrid(q, sp.lot_size) || String(q).length > 14) bad.push(`${s.symbol} qty ${q}`);
        if (!(s.bid_price < s.ask_price)) bad.push(`${s.symbol} crossed at ${s.ts}`);
      }
      expect(bad.slice(0, 5), def.name).to.deep.equal([]);
    }
  });
});
