import { expect } from "chai";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { barSnapshots, highFirst, importLeanMinute, importOhlcvCsv, importQuoteBarPair, mergeSnapshotStreams, parseTime, type QuoteBar } from "../../sdk/data/bars";
import { StepTracker } from "../../sdk/data/importers/common";
import { configForInterval } from "../../sdk/engine/interval";
import { openBarDataset, streamBarDataset } from "../../sdk/data/dataset";
import { defaultConfig } from "../../sdk/config";
import { MidBarBuilder } from "../../sdk/features/bars";
import type { Snapshot } from "../../sdk/contracts/market";
import { DATA_DIR, drain, expectGrinderError, tmpDir } from "./helpers";
import { errorOf } from "../support";

const FX = path.join(DATA_DIR, "fxcm-minute");
const BID = path.join(FX, "gbpusd-m1-bid-2012-02.csv");
const ASK = path.join(FX, "gbpusd-m1-ask-2012-02.csv");
const CB = path.join(DATA_DIR, "coinbase-minute");
const lean = (sym: string, day: string, kind = "quote") => path.join(CB, sym, `${day}_${sym}_minute_${kind}.csv`);

function write(name: string, lines: string[]): string {
  const f = path.join(tmpDir("bars"), name);
  writeFileSync(f, lines.join("\n") + "\n");
  return f;
}

describe("bar importers on the real files in ../shared/data", function () {
  this.timeout(120_000);

  it("the real bar files are present (CI runs with ../shared beside the clone; never skipped)", () => {
    for (const f of [BID, ASK, lean("ethusd", "20180404"), lean("btceur", "20180406", "trade")]) expect(existsSync(f), f).to.equal(true);
  });

  it("FXCM GBPUSD bid/ask pair: 30,117 bars, first/last rows, gaps, locked/crossed minutes counted", async () => {
    const steps = new StepTracker();
    const imp = importQuoteBarPair(BID, ASK, { symbol: "GBPUSD", interval_ms: 60_000, steps });
    const bars = await drain(imp);
    expect(bars.length).to.equal(30_117);
    expect(imp.report.lines).to.equal(30_118);
    expect(imp.report.rejectedTotal).to.equal(0);
    expect(bars[0]).to.deep.include({ symbol: "GBPUSD", open_time: Date.UTC(2012, 1, 1), bid_open: 1.57597, bid_high: 1.57606, bid_low: 1.57576, bid_close: 1.57576, ask_open: 1.57608, ask_high: 1.5761, ask_low: 1.57585, ask_close: 1.57585, quoted: true });
    expect(bars[bars.length - 1]).to.deep.include({ open_time: Date.UTC(2012, 2, 1), bid_open: 1.59206, bid_close: 1.59208, ask_open: 1.59217, ask_close: 1.59216 });
    expect(imp.report.counts).to.deep.include({ gaps: 111, missing_bars: 11_644, locked_bars: 565, crossed_bars: 676 });
    expect(steps.step()).to.equal(0.00001);
  });

  it("FXCM: a bad field names file, line and field; misaligned or short files are refused", async () => {
    const lines = readFileSync(BID, "utf8").split("\n").slice(0, 6);
    const askLines = readFileSync(ASK, "utf8").split("\n").slice(0, 6);
    const bad = lines.slice();
    bad[3] = bad[3].replace(/,1\.5\d+,/, ",abc,");
    const b1 = write("bid.csv", bad);
    const a1 = write("ask.csv", askLines);
    await expectGrinderError(drain(importQuoteBarPair(b1, a1, { symbol: "GBPUSD", interval_ms: 60_000 })), "E_BAD_NUMBER", 4, "open", b1);
    const shifted = askLines.slice();
    shifted[2] = shifted[2].replace("00:01:00", "00:01:30");
    const a2 = write("ask.csv", shifted);
    await expectGrinderError(drain(importQuoteBarPair(write("bid.csv", lines), a2, { symbol: "GBPUSD", interval_ms: 60_000 })), "E_SEQUENCE", 3, "timestamp", a2);
    const a3 = write("ask.csv", askLines.slice(0, 4));
    await expectGrinderError(drain(importQuoteBarPair(write("bid.csv", lines), a3, { symbol: "GBPUSD", interval_ms: 60_000 })), "E_PARSE", 5, "timestamp", a3);
    const hl = askLines.slice();
    hl[1] = "2012-02-01 00:00:00+00:00,1.57608,1.57500,1.57585,1.57585";
    const a4 = write("ask.csv", hl);
    await expectGrinderError(drain(importQuoteBarPair(write("bid.csv", lines), a4, { symbol: "GBPUSD", interval_ms: 60_000 })), "E_BAD_NUMBER", 2, "high", a4);
    // lenient: counted, the rest kept
    const imp = importQuoteBarPair(b1, a1, { symbol: "GBPUSD", interval_ms: 60_000, lenient: true });
    expect((await drain(imp)).length).to.equal(4);
    expect(imp.report.rejected).to.deep.equal({ E_BAD_NUMBER: 1 });
  });

  it("swapped bid and ask files are refused (ADR-243): E_CROSSED_BOOK at the 100th bar, lenient or not; a short stream at its end; the real pair crosses on 2 % of its bars", async () => {
    // the real pair given the wrong way round: bid above ask on every one of the first 100 bars (line 101 after the header)
    for (const lenient of [false, true]) {
      const e = await expectGrinderError(drain(importQuoteBarPair(ASK, BID, { symbol: "GBPUSD", interval_ms: 60_000, lenient })), "E_CROSSED_BOOK", 101, "open", ASK);
      expect(e.message).to.contain("100 of the 100 bars").and.contain("look swapped");
    }
    // a short stream is judged at its end: 12 bars, 7 crossed → refused; 12 bars, 6 crossed → kept (counted)
    const bids = readFileSync(BID, "utf8").split("\n").slice(0, 13);
    const asks = readFileSync(ASK, "utf8").split("\n").slice(0, 13);
    const mix = (n: number): [string, string] => [write("bid.csv", bids.map((l, i) => (i >= 1 && i <= n ? asks[i] : l))), write("ask.csv", asks.map((l, i) => (i >= 1 && i <= n ? bids[i] : l)))];
    const [b7, a7] = mix(7);
    await expectGrinderError(drain(importQuoteBarPair(b7, a7, { symbol: "GBPUSD", interval_ms: 60_000 })), "E_CROSSED_BOOK", 13, "open", b7);
    const [b6, a6] = mix(6);
    const imp = importQuoteBarPair(b6, a6, { symbol: "GBPUSD", interval_ms: 60_000 });
    expect((await drain(imp)).length).to.equal(12);
    expect(imp.report.counts.crossed_bars).to.equal(6);
    // under 10 bars nothing is judged
    const few = importQuoteBarPair(write("bid.csv", asks.slice(0, 6)), write("ask.csv", bids.slice(0, 6)), { symbol: "GBPUSD", interval_ms: 60_000 });
    expect((await drain(few)).length).to.equal(5);
    expect(few.report.counts.crossed_bars).to.equal(5);
  });

  it("a Lean quote file with its bid and ask columns swapped is refused (ADR-243)", async () => {
    const lines = readFileSync(lean("ltcusd", "20180404"), "utf8").split("\n").filter((l) => l.length > 0);
    const swapped = lines.map((l) => {
      const f = l.split(",");
      return [f[0], ...f.slice(6, 11), ...f.slice(1, 6)].join(",");
    });
    const f = path.join(tmpDir("lean"), "20180404_ltcusd_minute_quote.csv");
    writeFileSync(f, swapped.join("\n") + "\n");
    const e = await expectGrinderError(drain(importLeanMinute([f])), "E_CROSSED_BOOK", 100, "bid_open", f);
    expect(e.message).to.contain("columns look swapped");
  });

  it("Lean crypto minute quote bars: row counts per symbol, first/last rows, day from the file name", async () => {
    const days = ["20180404", "20180405", "20180406"];
    const ltc = importLeanMinute(days.map((d) => lean("ltcusd", d)));
    const bars = await drain(ltc);
    expect(ltc.symbol).to.equal("LTCUSD");
    expect(bars.length).to.equal(1438 + 1439 + 1439);
    expect(bars[0]).to.deep.include({ open_time: Date.UTC(2018, 3, 4), bid_open: 134.12, ask_open: 134.13, bid_size: 83.92313369, ask_size: 120.78767427, quoted: true });
    expect(bars[bars.length - 1]).to.deep.include({ open_time: Date.UTC(2018, 3, 6) + 86_280_000, bid_close: 112.93, ask_close: 112.94 });
    expect(ltc.report.counts.files).to.equal(3);
    const eth = await drain(importLeanMinute([lean("ethusd", "20180404"), lean("ethusd", "20180405")]));
    expect(eth.length).to.equal(1438 + 1438);
  });

  it("Lean trade bars: OHLCV, quoted = false; bad lines name file/line/field", async () => {
    const imp = importLeanMinute([lean("btceur", "20180404", "trade"), lean("btceur", "20180405", "trade"), lean("btceur", "20180406", "trade")]);
    const bars = await drain(imp);
    expect(bars.length).to.equal(949 + 1395 + 1319);
    expect(bars[0]).to.deep.include({ open_time: Date.UTC(2018, 3, 4), bid_open: 6060, bid_low: 6048.83, bid_close: 6049.68, volume: 6.72374365, quoted: false });
    expect(bars[bars.length - 1]).to.deep.include({ open_time: Date.UTC(2018, 3, 6) + 86_340_000, bid_close: 5401.01, volume: 0.09 });
    const f = path.join(tmpDir("lean"), "20180404_btceur_minute_trade.csv");
    writeFileSync(f, "0,6060,6060,6048.83,6049.68,6.7\n60000,6049.68,6049.69,6045.03\n");
    await expectGrinderError(drain(importLeanMinute([f])), "E_PARSE", 2, "close", f);
    writeFileSync(f, "0,6060,6060,6048.83,6049.68,6.7\n0,6049.68,6049.69,6045.03,6045.03,1\n");
    await expectGrinderError(drain(importLeanMinute([f])), "E_SEQUENCE", 2, "ms_since_midnight", f);
    expect(errorOf(() => importLeanMinute([path.join(tmpDir("lean"), "btceur.csv")])).code).to.equal("E_INVALID_ARGUMENT");
  });
});

describe("generic OHLCV CSV importer (synthetic edge cases)", () => {
  it("maps columns by header name in any order; ISO, epoch s and epoch ms times agree", async () => {
    const iso = write("a.csv", ["Close,High,Low,Open,Date,Vol", "10.5,11,10,10.2,2024-01-01T00:00:00Z,5", "10.7,10.9,10.4,10.5,2024-01-01T00:01:00Z,3"]);
    const bars = await drain(importOhlcvCsv(iso, { symbol: "X_Y-1", interval_ms: 60_000, columns: { time: "date", volume: "vol" } }));
    expect(bars.map((b) => [b.open_time, b.bid_open, b.bid_high, b.bid_low, b.bid_close, b.volume])).to.deep.equal([
      [1704067200000, 10.2, 11, 10, 10.5, 5],
      [1704067260000, 10.5, 10.9, 10.4, 10.7, 3],
    ]);
    const sec = write("b.csv", ["1704067200,10.2,11,10,10.5,5", "1704067260,10.5,10.9,10.4,10.7,3"]);
    const ms = write("c.csv", ["time;open;high;low;close", "1704067200000;10.2;11;10;10.5", "1704067260000;10.5;10.9;10.4;10.7"]);
    expect((await drain(importOhlcvCsv(sec, { symbol: "S", interval_ms: 60_000 }))).map((b) => b.open_time)).to.deep.equal([1704067200000, 1704067260000]);
    expect((await drain(importOhlcvCsv(ms, { symbol: "S", interval_ms: 60_000, delimiter: ";" }))).map((b) => b.bid_close)).to.deep.equal([10.5, 10.7]);
  });

  it("refuses bad rows with file/line/field (strict) and counts them (lenient); gaps counted", async () => {
    const f = write("bad.csv", ["time,open,high,low,close", "2024-01-01T00:00:00Z,10,11,9,10", "2024-01-01T00:01:00Z,10,9,9.5,10", "2024-01-01T00:02:00Z,-1,11,9,10", "2024-01-01T00:02:30Z,10,11,9,10", "2024-02-30T00:00:00Z,10,11,9,10", "2024-01-01T00:05:00Z,10,11,9,10"]);
    await expectGrinderError(drain(importOhlcvCsv(f, { symbol: "S", interval_ms: 60_000 })), "E_BAD_NUMBER", 3, "high", f);
    const imp = importOhlcvCsv(f, { symbol: "S", interval_ms: 60_000, lenient: true });
    const bars = await drain(imp);
    expect(bars.map((b) => b.open_time)).to.deep.equal([1704067200000, 1704067500000]);
    expect(imp.report.rejected).to.deep.equal({ E_BAD_NUMBER: 4 });
    expect(imp.report.examples.map((e) => [e.line, e.field])).to.deep.equal([[3, "high"], [4, "open"], [5, "time"], [6, "time"]]);
    expect(imp.report.counts).to.deep.include({ gaps: 1, missing_bars: 4 });
    const unmapped = write("u.csv", ["when,o,h,l,c", "2024-01-01,1,1,1,1"]);
    await expectGrinderError(drain(importOhlcvCsv(unmapped, { symbol: "S", interval_ms: 60_000 })), "E_INVALID_ARGUMENT", 1, "time", unmapped);
  });

  it("parseTime: ISO with zones, dates, epoch units; junk refused", () => {
    expect(parseTime("2012-02-01 00:00:00+00:00")).to.equal(Date.UTC(2012, 1, 1));
    expect(parseTime("2012-02-01T02:00:00+02:00")).to.equal(Date.UTC(2012, 1, 1));
    expect(parseTime("2024-08-08T23:58:00.250Z")).to.equal(Date.UTC(2024, 7, 8, 23, 58, 0, 250));
    expect(parseTime("2024-08-08")).to.equal(Date.UTC(2024, 7, 8));
    expect(parseTime("1723161256")).to.equal(1723161256000);
    expect(parseTime("1723161256313")).to.equal(1723161256313);
    expect(parseTime("1723161256313123")).to.equal(1723161256313);
    for (const bad of ["", "yesterday", "2024-13-01", "2024-02-30", "2024-08-08T25:00:00Z"]) expect(errorOf(() => parseTime(bad)).code).to.equal("E_BAD_NUMBER");
  });
});

function bar(o: number, h: number, l: number, c: number, spread = 0.02, t = 0): QuoteBar {
  return { symbol: "S", open_time: t, interval_ms: 60_000, bid_open: o, bid_high: h, bid_low: l, bid_close: c, ask_open: o + spread, ask_high: h + spread, ask_low: l + spread, ask_close: c + spread, bid_size: 0, ask_size: 0, volume: 0, quoted: true };
}
const INST = { symbol: "S", tick_size: 0.01, lot_size: 0.001, min_notional: 0 };

describe("intrabar path model", () => {
  it("O → nearer extreme → other → C at interval/4 steps; bid/ask from the bid and ask bars", async () => {
    const up = await drain(barSnapshots([bar(100, 100.5, 98, 99)], { instrument: INST }));
    expect(up.map((s) => [s.ts, s.bid_price, s.ask_price])).to.deep.equal([[0, 100, 100.02], [15_000, 100.5, 100.52], [30_000, 98, 98.02], [45_000, 99, 99.02]]);
    const down = await drain(barSnapshots([bar(100, 102, 99.5, 101)], { instrument: INST }));
    expect(down.map((s) => s.bid_price)).to.deep.equal([100, 99.5, 102, 101]);
    // tie: low first
    expect(highFirst(bar(100, 101, 99, 100))).to.equal(false);
    // locked point repaired by one tick and counted
    const counts: Record<string, number> = {};
    const locked = await drain(barSnapshots([bar(100, 101, 99, 100, 0)], { instrument: INST }, counts));
    expect(locked.every((s) => Math.abs(s.ask_price - s.bid_price - 0.01) < 1e-12)).to.equal(true);
    expect(counts.crossed_points).to.equal(4);
    // trade bar: configured spread; fixed sizes = size_quote / price on the lot
    const tr = { ...bar(100, 101, 99, 100, 0), quoted: false };
    const t = await drain(barSnapshots([tr], { instrument: INST, spread_ticks: 3, size_quote: 1000 }));
    expect(t[0]).to.deep.equal({ ts: 0, symbol: "S", bid_price: 100, ask_price: 100.03, bid_qty: 10, ask_qty: 9.997 });
  });

  it("property: the snapshots' mid bars rebuild each bar's mid OHLC when the bar intervals agree", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 1000, max: 2000 }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 100 })), { minLength: 1, maxLength: 20 }), (spec) => {
        const bars = spec.map(([o, up, dn, cpos], i) => {
          const lo = o - dn;
          const hi = o + up;
          const c = lo + Math.round(((hi - lo) * cpos) / 100);
          return bar(o / 100, hi / 100, lo / 100, c / 100, 0.02, i * 60_000);
        });
        const snaps: Snapshot[] = [];
        const it = barSnapshots(bars, { instrument: INST });
        return (async () => {
          for await (const s of it) snaps.push(s);
          const out: Array<{ open: number; high: number; low: number; close: number }> = [];
          const mb = new MidBarBuilder(60_000, (b) => out.push({ ...b }));
          for (const s of snaps) mb.update({ ts: s.ts, price: (s.bid_price + s.ask_price) / 2 });
          mb.advanceTo(bars.length * 60_000);
          for (let i = 0; i < out.length; i++) {
            const b = bars[i];
            expect(out[i].open).to.be.closeTo((b.bid_open + b.ask_open) / 2, 1e-9);
            expect(out[i].high).to.be.closeTo((b.bid_high + b.ask_high) / 2, 1e-9);
            expect(out[i].low).to.be.closeTo((b.bid_low + b.ask_low) / 2, 1e-9);
            expect(out[i].close).to.be.closeTo((b.bid_close + b.ask_close) / 2, 1e-9);
          }
          expect(out.length).to.equal(bars.length);
        })();
      }),
      { seed: 14, numRuns: 50 },
    );
  });

  it("merging streams orders by ts then symbol, whatever the input order", async () => {
    const mk = (sym: string, ts: number[]) => (async function* () {
      for (const t of ts) yield { ts: t, symbol: sym, bid_price: 1, bid_qty: 1, ask_price: 2, ask_qty: 1 } as Snapshot;
    })();
    const a = await drain(mergeSnapshotStreams([mk("B", [0, 10, 20]), mk("A", [0, 15]), mk("C", [5])]));
    expect(a.map((s) => `${s.ts}${s.symbol}`)).to.deep.equal(["0A", "0B", "5C", "10B", "15A", "20B"]);
    const b = await drain(mergeSnapshotStreams([mk("C", [5]), mk("A", [0, 15]), mk("B", [0, 10, 20])]));
    expect(b).to.deep.equal(a);
  });
});

describe("config adapted to the data interval", () => {
  it("one-minute data: stale thresholds ×12, bar interval kept; second data unchanged; 5-minute data: 5-minute bars", () => {
    const d = defaultConfig();
    const m = configForInterval(d, 60_000);
    expect([m.features.bar_interval_ms, m.features.l1_stale_ms, m.features.l2_stale_ms, m.toxicity.l1_severe_stale_ms, m.portfolio.gates.max_stale_ms]).to.deep.equal([60_000, 60_000, 60_000, 360_000, 360_000]);
    expect(m.policy).to.deep.equal(d.policy);
    expect(configForInterval(d, 1000)).to.equal(d);
    expect(configForInterval(d, 300_000).features.bar_interval_ms).to.equal(300_000);
    expect(errorOf(() => configForInterval(d, 0)).code).to.equal("E_INVALID_ARGUMENT");
  });
});

describe("bar dataset recipes", function () {
  this.timeout(120_000);
  const recipe = path.join(__dirname, "..", "..", "datasets", "gbpusd_m1_2012_02", "dataset.json");

  it("a source whose SHA-256 differs from the recipe's is refused", async () => {
    const dir = tmpDir("recipe");
    const spec = JSON.parse(readFileSync(recipe, "utf8"));
    spec.sources[0].files = [BID, ASK];
    spec.sources[0].sha256[1] = "0".repeat(64);
    writeFileSync(path.join(dir, "dataset.json"), JSON.stringify(spec));
    await expectGrinderError(openBarDataset(path.join(dir, "dataset.json")), "E_HASH_MISMATCH", undefined, "sources[0].sha256[1]", ASK);
    // a tampered copy of a real file is refused by its hash
    const copy = path.join(dir, "ask.csv");
    copyFileSync(ASK, copy);
    writeFileSync(copy, readFileSync(copy, "utf8").replace("1.57608", "1.57609"));
    spec.sources[0].files = [BID, copy];
    spec.sources[0].sha256[1] = "b257b06a6fe54212d51e18c2fdef3ceaff92523683c58bcc73e9150022ce5d8e";
    writeFileSync(path.join(dir, "dataset.json"), JSON.stringify(spec));
    await expectGrinderError(openBarDataset(path.join(dir, "dataset.json")), "E_HASH_MISMATCH", undefined, "sources[0].sha256[1]", copy);
  });

  it("the Coinbase recipe merges three symbols into one time-ordered stream", async () => {
    const ds = await openBarDataset(path.join(__dirname, "..", "..", "datasets", "coinbase_3sym_m1_2018_04", "dataset.json"));
    const snaps = await drain(streamBarDataset(ds));
    expect(snaps.length).to.equal(4 * (1438 + 1436 + 1439 + 1438 + 1438 + 1438 + 1439 + 1439));
    const per: Record<string, number> = {};
    let ordered = true;
    for (let i = 0; i < snaps.length; i++) {
      per[snaps[i].symbol] = (per[snaps[i].symbol] ?? 0) + 1;
      if (i && (snaps[i].ts < snaps[i - 1].ts || (snaps[i].ts === snaps[i - 1].ts && snaps[i].symbol <= snaps[i - 1].symbol))) ordered = false;
    }
    expect(ordered).to.equal(true);
    expect(per).to.deep.equal({ BTCEUR: 4 * (1438 + 1436 + 1439), ETHUSD: 4 * (1438 + 1438), LTCUSD: 4 * (1438 + 1439 + 1439) });
  });
});
