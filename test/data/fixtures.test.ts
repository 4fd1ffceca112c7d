import { statSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import type { Snapshot } from "../../sdk/contracts/market";
import { openFixture, readLines, streamFixture, validateFixture } from "../../sdk/data/fixture";
import { canonicalJson } from "../../sdk/util/canonical";
import { SCENARIOS, scenarioRecord, scenarioSnapshots } from "../../scripts/fixture-models/scenarios";

const ROOT = path.resolve(__dirname, "..", "..");
const FIXTURES = path.join(ROOT, "fixtures");
const MB = 1024 * 1024;

/** The six required fixtures (spec 17.20.2) with their row counts per symbol. */
const EXPECTED: Record<string, Record<string, number>> = {
  range_day_l1: { RANGEUSDT: 86_400 },
  trend_day_l1: { TRENDUSDT: 86_400 },
  vol_shock_l1: { SHOCKUSDT: 86_400 },
  multisymbol_topk_l1: {
    CHOPAUSDT: 86_400,
    CHOPBUSDT: 86_400,
    CHOPCUSDT: 86_400,
    STALEUSDT: 86_400 - 3960,
    THINUSDT: 86_400,
    TOXICUSDT: 86_400,
    TRENDUSDT: 86_400,
  },
  thin_book_l2: { DEPTHUSDT: 14_400 },
  impact_spike_l2: { IMPACTUSDT: 14_400 },
};

function onGrid(x: number, step: number): boolean {
  const k = x / step;
  return Math.abs(k - Math.round(k)) < 1e-6;
}

async function rowsOf(name: string, f: (s: Snapshot) => void): Promise<void> {
  for await (const s of streamFixture(path.join(FIXTURES, name))) f(s);
}

/** Buy-side impact (bps over mid) of taking `quote` notional from the asks. */
function impactBps(s: Snapshot, quote: number): number {
  const mid = (s.bid_price + s.ask_price) / 2;
  let left = quote;
  let cost = 0;
  let qty = 0;
  for (const l of s.book!.asks) {
    const take = Math.min(left, l.price * l.qty);
    cost += take;
    qty += take / l.price;
    left -= take;
    if (left <= 0) break;
  }
  if (left > 0) return Infinity;
  return (cost / qty / mid - 1) * 1e4;
}

function topNDepth(s: Snapshot, n: number): number {
  let d = 0;
  for (const l of s.book!.bids.slice(0, n)) d += l.price * l.qty;
  for (const l of s.book!.asks.slice(0, n)) d += l.price * l.qty;
  return d;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function inSpans(t: number, spans: Array<{ start_s: number; duration_s: number }>): boolean {
  return spans.some((e) => t >= e.start_s && t < e.start_s + e.duration_s);
}

describe("fixtures: the six committed fixtures", () => {
  it("are all present, gzipped, small enough, and their manifests hold the generator's scenario", () => {
    let total = 0;
    for (const name of Object.keys(EXPECTED)) {
      const fx = openFixture(path.join(FIXTURES, name));
      expect(fx.manifest.name).to.equal(name);
      expect(fx.manifest.snapshots, name).to.equal("snapshots.jsonl.gz");
      const size = statSync(fx.snapshotsPath).size;
      expect(size, `${name} file size`).to.be.lessThan(25 * MB);
      total += size;
      expect([...fx.instruments.keys()]).to.deep.equal(Object.keys(EXPECTED[name]));
      expect(fx.manifest.rows).to.equal(Object.values(EXPECTED[name]).reduce((a, b) => a + b, 0));
      expect(fx.manifest.scenario, `${name}: manifest scenario = scenarioRecord(def)`).to.deep.equal(JSON.parse(JSON.stringify(scenarioRecord(SCENARIOS[name]))));
      expect(fx.manifest.scenario.seed).to.be.a("number");
    }
    expect(total, "total size of the six").to.be.lessThan(60 * MB);
  });

  it("start with exactly the rows the committed generator produces", async () => {
    for (const name of Object.keys(EXPECTED)) {
      const fx = openFixture(path.join(FIXTURES, name));
      const gen = scenarioSnapshots(SCENARIOS[name]);
      let n = 0;
      for await (const line of readLines(fx.snapshotsPath)) {
        const next = gen.next();
        expect(next.done).to.equal(false);
        expect(line, `${name} line ${n + 1}`).to.equal(canonicalJson(next.value));
        if (++n === 3000) break;
      }
      expect(n).to.equal(3000);
    }
  });

  it("validate end to end (rows, content hash) with the stated row counts per symbol @slow", async function () {
    this.timeout(120_000);
    for (const [name, perSymbol] of Object.entries(EXPECTED)) {
      const s = await validateFixture(path.join(FIXTURES, name));
      expect(s.hash_ok, name).to.equal(true);
      expect(s.report.rejectedTotal).to.equal(0);
      const got = Object.fromEntries(s.symbols.map((y) => [y.symbol, y.rows]));
      expect(got, name).to.deep.equal(perSymbol);
      for (const y of s.symbols) {
        expect(y.first_ts, `${name}/${y.symbol} starts 2024-01-01`).to.equal(1_704_067_200_000);
        const isL2 = name.endsWith("_l2");
        expect(y.l2_rows).to.equal(isL2 ? y.rows : 0);
        if (y.symbol !== "STALEUSDT") expect(y.max_gap_ms).to.equal(1000);
      }
    }
  });

  it("multisymbol_topk_l1: one row per symbol per second in lexical order, STALEUSDT gaps of 5-20 min @slow", async function () {
    this.timeout(60_000);
    let prevTs = -1;
    let prevSym = "";
    const lastTs = new Map<string, number>();
    const gaps: number[] = [];
    const specs = openFixture(path.join(FIXTURES, "multisymbol_topk_l1")).instruments;
    let offGrid = 0;
    await rowsOf("multisymbol_topk_l1", (s) => {
      if (s.ts === prevTs) expect(s.symbol > prevSym, `symbol order at ts ${s.ts}: ${prevSym} then ${s.symbol}`).to.equal(true);
      const last = lastTs.get(s.symbol);
      if (last !== undefined && s.ts - last !== 1000) gaps.push(s.ts - last);
      lastTs.set(s.symbol, s.ts);
      prevTs = s.ts;
      prevSym = s.symbol;
      const sp = specs.get(s.symbol)!;
      if (!onGrid(s.bid_price, sp.tick_size) || !onGrid(s.ask_price, sp.tick_size) || !onGrid(s.bid_qty, sp.lot_size) || !onGrid(s.ask_qty, sp.lot_size)) offGrid++;
    });
    expect(offGrid, "rows off the tick/lot grid").to.equal(0);
    expect(gaps).to.have.length(6);
    for (const g of gaps) expect(g).to.be.within(5 * 60_000 + 1000, 20 * 60_000 + 1000);
  });

  it("thin_book_l2: L1 = book top, >= 10 levels outside collapses, depth collapses ~10x, stale spans freeze book.ts", async () => {
    const def = SCENARIOS.thin_book_l2;
    const book = def.symbols[0].book!;
    const spec = def.symbols[0].instrument;
    const normal: number[] = [];
    const collapsed: number[] = [];
    let staleRows = 0;
    let flagged = 0;
    let shortBooks = 0;
    let t = 0;
    await rowsOf("thin_book_l2", (s) => {
      const b = s.book!;
      expect(s.bid_price).to.equal(b.bids[0].price);
      expect(s.ask_price).to.equal(b.asks[0].price);
      expect(s.bid_qty).to.equal(b.bids[0].qty);
      expect(s.ask_qty).to.equal(b.asks[0].qty);
      expect(b.ts).to.be.a("number").and.at.most(s.ts);
      expect(onGrid(b.bids[b.bids.length - 1].price, spec.tick_size) && onGrid(b.asks[3 % b.asks.length].qty, spec.lot_size)).to.equal(true);
      const inCollapse = inSpans(t, book.collapse);
      if (!inCollapse) expect(Math.min(b.bids.length, b.asks.length), `levels at step ${t}`).to.be.at.least(10);
      else if (b.bids.length < 10) shortBooks++;
      if (b.ts! < s.ts) {
        staleRows++;
        expect(inSpans(t, book.stale), `book.ts behind ts only in stale spans (step ${t})`).to.equal(true);
      }
      if (b.stale) flagged++;
      if (!inSpans(t, book.stale)) (inCollapse ? collapsed : normal).push(topNDepth(s, 5));
      t++;
    });
    const staleSteps = book.stale.reduce((a, e) => a + e.duration_s, 0);
    expect(staleRows, "every stale-span row has a frozen book.ts").to.equal(staleSteps);
    expect(flagged).to.equal(book.stale.filter((e) => e.flagged).reduce((a, e) => a + e.duration_s, 0));
    expect(shortBooks, "some collapses leave only a few levels").to.be.greaterThan(300);
    const ratio = median(normal) / median(collapsed);
    expect(ratio, `top-5 depth normal / collapsed = ${ratio.toFixed(1)}`).to.be.within(5, 30);
  });

  it("impact_spike_l2: impact of a 50,000-quote buy (the feature default Q) spikes in hollow-book episodes", async () => {
    const def = SCENARIOS.impact_spike_l2;
    const hollow = def.symbols[0].book!.hollow;
    const normal: number[] = [];
    const inHollow: number[] = [];
    let t = 0;
    await rowsOf("impact_spike_l2", (s) => {
      expect(s.ask_price).to.equal(s.book!.asks[0].price);
      expect(s.bid_qty).to.equal(s.book!.bids[0].qty);
      (inSpans(t, hollow) ? inHollow : normal).push(impactBps(s, 50_000));
      t++;
    });
    const base = median(normal);
    const share = (xs: number[]) => xs.filter((x) => x > 4 * base).length / xs.length;
    // Infinity = the whole visible book cannot fill Q.
    expect(share(inHollow), `hollow rows with impact > 4 x normal median (${base.toFixed(2)} bps)`).to.be.greaterThan(0.6);
    expect(share(normal), "normal rows with such impact").to.be.lessThan(0.1);
  });
});
