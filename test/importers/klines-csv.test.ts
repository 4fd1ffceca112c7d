import { expect } from "chai";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { importBookTickerCsv, importKlinesCsv, KLINE_COLUMNS, KlineCursor, loadKlinesCsv, type Kline } from "../../sdk/data/importers";
import { FeatureEngine } from "../../sdk/features";
import { BTC_CSV, drain, expectGrinderError, HAVE_DATA, tmpDir } from "./helpers";

const HEADER = KLINE_COLUMNS.join(",");
const K = [
  "1723161240000,61800.25,61810.05,61795.05,61801.15,0,1723161299999,0,10,0,0,0",
  "1723161300000,61801.15,61820.05,61790.05,61811.15,0,1723161359999,0,12,0,0,0",
  "1723161360000,61811.15,61815.05,61700.05,61710.15,0,1723161419999,0,9,0,0,0",
];

function writeKlines(lines: string[], name = "BTCUSDT-1m-test.csv"): string {
  const f = path.join(tmpDir("kl"), name);
  writeFileSync(f, lines.join("\n") + "\n");
  return f;
}

describe("klines CSV importer", () => {
  it("reads the dump layout with or without header; ts = close_time + 1; symbol from the file name", async () => {
    const a = importKlinesCsv(writeKlines([HEADER, ...K]));
    const ka = await drain(a);
    const kb = await drain(importKlinesCsv(writeKlines(K)));
    expect(ka).to.deep.equal(kb);
    expect(ka.length).to.equal(3);
    expect(ka[0]).to.deep.equal({
      symbol: "BTCUSDT",
      ts: 1723161300000,
      open_time: 1723161240000,
      close_time: 1723161299999,
      open: 61800.25,
      high: 61810.05,
      low: 61795.05,
      close: 61801.15,
      volume: 0,
      quote_volume: 0,
      count: 10,
      taker_buy_volume: 0,
      taker_buy_quote_volume: 0,
    });
    expect(a.report.counts).to.include({ header: 1, interval_ms: 60000, gaps: 0 });
  });

  it("converts microsecond dumps to ms and counts missing bars as gaps", async () => {
    const us = K.map((l) => l.replace(/^(\d+)(,.*?,)(\d+)(,)/, (_m, o, mid, c, t) => `${o}000${mid}${c}999${t}`));
    const imp = importKlinesCsv(writeKlines([us[0], us[2]]));
    const ks = await drain(imp);
    expect(ks.map((k) => [k.open_time, k.close_time])).to.deep.equal([
      [1723161240000, 1723161299999],
      [1723161360000, 1723161419999],
    ]);
    expect(imp.report.counts).to.include({ microsecond_rows: 2, gaps: 1 });
  });

  const bad: Array<{ name: string; line: string; code: string; field: string }> = [
    { name: "truncated line", line: "1723161420000,61710.15,61715.05", code: "E_PARSE", field: "low" },
    { name: "non-numeric field", line: "1723161420000,61710.15,abc,61700.05,61710.15,0,1723161479999,0,9,0,0,0", code: "E_BAD_NUMBER", field: "high" },
    { name: "high below low", line: "1723161420000,61710.15,61700.05,61705.05,61710.15,0,1723161479999,0,9,0,0,0", code: "E_BAD_NUMBER", field: "high" },
    { name: "duplicated open_time", line: K[2], code: "E_SEQUENCE", field: "open_time" },
    { name: "out-of-order open_time", line: K[1], code: "E_SEQUENCE", field: "open_time" },
  ];
  for (const c of bad) {
    it(`${c.name}: strict → ${c.code} at line 5, field ${c.field}; lenient → counted skip`, async () => {
      const f = writeKlines([HEADER, ...K, c.line, "1723161480000,61710.15,61715.05,61700.05,61710.15,0,1723161539999,0,9,0,0,0"]);
      await expectGrinderError(drain(importKlinesCsv(f)), c.code, 5, c.field, f);
      const imp = importKlinesCsv(f, { lenient: true });
      expect((await drain(imp)).length).to.equal(4);
      expect(imp.report.rejected).to.deep.equal({ [c.code]: 1 });
    });
  }

  it("KlineCursor feeds only klines that have closed (ts <= snapshot ts) and refuses unsorted input", async () => {
    const { klines } = await loadKlinesCsv(writeKlines(K));
    const fed: number[] = [];
    const sink = { updateKline: (k: Kline) => fed.push(k.open_time) };
    const cur = new KlineCursor(klines);
    expect(cur.feedUntil(1723161299999, sink)).to.equal(0, "the first bar is not complete before close_time + 1");
    expect(cur.feedUntil(1723161300000, sink)).to.equal(1);
    expect(cur.feedUntil(1723161500000, sink)).to.equal(2);
    expect(fed).to.deep.equal([1723161240000, 1723161300000, 1723161360000]);
    expect(cur.remaining).to.equal(0);
    expect(() => new KlineCursor([klines[1], klines[0]])).to.throw(/out of order/);
  });
});

(HAVE_DATA ? describe : describe.skip)("klines as the NATR source (spec 17.5.2) — on klines derived from the real BTCUSDT quotes", () => {
  // No real kline dump is in ../shared/data: the test derives 1-minute klines from the
  // bookTicker mids (volume/quote volume 0, count = quotes in the minute). They are NOT
  // exchange klines; they let us check the plumbing exactly: klines built from the same mids
  // and bar boundaries must give FeatureEngine exactly the NATR of its own mid-bars.
  it("FeatureEngine(natr_source: klines) fed through KlineCursor reproduces NATR(mid-bars) at every snapshot", async () => {
    const snaps = await drain(importBookTickerCsv(BTC_CSV, { reuse: false }));
    const lines: string[] = [HEADER];
    let cur: { open_time: number; o: number; h: number; l: number; c: number; n: number } | undefined;
    const flush = (): void => {
      if (cur) lines.push([cur.open_time, cur.o, cur.h, cur.l, cur.c, 0, cur.open_time + 59_999, 0, cur.n, 0, 0, 0].join(","));
    };
    for (const s of snaps) {
      const mid = (s.bid_price + s.ask_price) / 2;
      const ot = Math.floor(s.ts / 60_000) * 60_000;
      if (!cur || cur.open_time !== ot) {
        flush();
        cur = { open_time: ot, o: mid, h: mid, l: mid, c: mid, n: 0 };
      }
      cur.h = Math.max(cur.h, mid);
      cur.l = Math.min(cur.l, mid);
      cur.c = mid;
      cur.n++;
    }
    flush();
    const file = writeKlines(lines, "BTCUSDT-1m-derived.csv");
    const { klines, report } = await loadKlinesCsv(file);
    expect(klines.length).to.equal(7, "23:54 .. 00:00, seven started minutes");
    expect(report.counts.gaps).to.equal(0);
    const spec = { symbol: "BTCUSDT", tick_size: 0.1, lot_size: 0.001, min_notional: 0 };
    const cfg = { atr_period: 2, horizon_bars: 2, ema_fast_bars: 1, ema_slow_bars: 2 };
    const mid = new FeatureEngine(spec, { ...cfg, natr_source: "mid_bars" });
    const kl = new FeatureEngine(spec, { ...cfg, natr_source: "klines" });
    const cursor = new KlineCursor(klines);
    let compared = 0;
    for (const s of snaps) {
      cursor.feedUntil(s.ts, kl);
      mid.update(s);
      kl.update(s);
      expect(kl.features.natr_source).to.equal("klines");
      if (mid.features.natr !== null || kl.features.natr !== null) {
        compared++;
        expect(kl.features.natr, `natr at ts ${s.ts}`).to.equal(mid.features.natr);
      }
    }
    expect(compared).to.be.greaterThan(1000, "NATR became defined early enough to compare many snapshots");
    expect(kl.features.natr).to.be.a("number");
  });
});
