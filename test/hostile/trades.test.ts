import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { PROJECT_ROOT } from "../../sdk/cli/fixtures-path";
import { ErrorCode } from "../../sdk/contracts/errors";
import type { Snapshot, Trade } from "../../sdk/contracts/market";
import { FixtureWriter, newLoadReport, openFixture } from "../../sdk/data/fixture";
import { streamFixtureEvents, streamFixtureTrades, streamTradeFile, TradeWriter, validateFixtureTrades } from "../../sdk/data/trades";
import { runReplay } from "../../sdk/engine/run";
import { importBinanceWs } from "../../sdk/data/importers/binance-ws";
import { importTradesCsv } from "../../sdk/data/importers/trades-csv";
import { importOhlcvCsv } from "../../sdk/data/bars";
import { collect, l1, rejection, T0, tmpDir, writeLines } from "../data/helpers";

/** ADR-130: the trades sidecar gets the snapshot loader's protections (issue 15 for trades). */

const BIN = path.join(PROJECT_ROOT, "bin", "grinder.js");
const SPEC = { symbol: "AAAUSDT", tick_size: 0.01, lot_size: 0.001, min_notional: 0 };
const trade = (i: number, over: Partial<Trade> = {}): Trade => ({ ts: T0 + i * 1000, symbol: "AAAUSDT", price: 100.01, qty: 0.5, aggressor: i % 2 ? "SELL" : "BUY", id: 1000 + i, ...over });

async function fixtureWithTrades(dir: string, trades: Trade[], snaps = 6): Promise<string> {
  const w = await FixtureWriter.create(dir, { name: path.basename(dir), description: "t", scenario: {}, symbols: [SPEC] });
  for (let i = 0; i < snaps; i++) await w.write(l1(i) as unknown as Snapshot);
  const tw = TradeWriter.create(w.stagingDir, ["AAAUSDT"], false);
  for (const t of trades) await tw.write(t);
  w.setTrades(await tw.close());
  await w.close();
  return dir;
}

describe("hostile input: trades (ADR-130)", function () {
  this.timeout(180_000);
  const t = tmpDir("grinder-hostile-trades-");
  after(t.cleanup);
  const lines = (rows: unknown[]): string[] => rows.map((r) => (typeof r === "string" ? r : JSON.stringify(r)));

  for (const [title, ts, code] of [
    ["0", 0, ErrorCode.TIME_RANGE],
    ["ts x10", (T0 + 2000) * 10, ErrorCode.TIME_RANGE],
    ["above 2^53", 2 ** 53 + 2, ErrorCode.TIME_RANGE],
    ["1e300", 1e300, ErrorCode.TIME_RANGE],
    ["a seconds time", Math.floor(T0 / 1000), ErrorCode.TIME_RANGE],
    ["a jump over 7 days", T0 + 8 * 86_400_000, ErrorCode.TIME_RANGE],
  ] as Array<[string, number, ErrorCode]>) {
    it(`a ${title} trade ts is ${code} at its line (strict), and the only row rejected (lenient)`, async () => {
      const file = writeLines(path.join(t.dir, `ts-${title.replace(/\W/g, "")}.jsonl`), lines([trade(0), trade(1), trade(2, { ts }), trade(3), trade(4)]));
      const e = await rejection(collect(streamTradeFile(file)));
      expect([e.code, e.file, e.line, e.field]).to.deep.equal([code, file, 3, "ts"]);
      const report = newLoadReport(file);
      const got = await collect(streamTradeFile(file, { lenient: true, report }));
      expect(got.map((x) => x.id)).to.deep.equal([1000, 1001, 1003, 1004]);
      expect(report.accepted + report.rejectedTotal).to.equal(report.lines);
      expect(report.rejected[code]).to.equal(1);
    });
  }

  it("the time range and the gap are configurable", async () => {
    const file = writeLines(path.join(t.dir, "range.jsonl"), lines([trade(0), trade(10)]));
    expect((await collect(streamTradeFile(file, { timeRange: { min: 0, max: 4e12 }, maxGapMs: 20_000 }))).length).to.equal(2);
    const e = await rejection(collect(streamTradeFile(file, { maxGapMs: 5_000 })));
    expect([e.code, e.line, e.field]).to.deep.equal([ErrorCode.TIME_RANGE, 2, "ts"]);
  });

  it("price off the tick grid / qty off the lot grid is E_OFF_GRID in a fixture (loader and writer)", async () => {
    const dir = await fixtureWithTrades(path.join(t.dir, "grid"), [trade(1), trade(2)]);
    const f = openFixture(dir);
    const file = path.join(dir, f.manifest.trades!.file);
    for (const [bad, field] of [[trade(2, { price: 100.015 }), "price"], [trade(2, { qty: 0.0005 }), "qty"]] as Array<[Trade, string]>) {
      writeLines(file, lines([trade(1), bad]));
      const e = await rejection(collect(streamFixtureTrades(dir, { verify: false })));
      expect([e.code, e.file, e.line, e.field]).to.deep.equal([ErrorCode.OFF_GRID, file, 2, field]);
      const tw = TradeWriter.create(path.join(t.dir), ["AAAUSDT"], false, new Map([["AAAUSDT", SPEC]]));
      const w = await rejection(tw.write(bad));
      expect([w.code, w.field]).to.deep.equal([ErrorCode.OFF_GRID, field]);
      await tw.close();
    }
    // 100.07000000000001 is on a 0.01 grid (tolerance)
    writeLines(file, lines([trade(1, { price: 100.07000000000001 })]));
    expect((await collect(streamFixtureTrades(dir, { verify: false }))).length).to.equal(1);
  });

  it("a line over maxLineBytes is E_TOO_LARGE with its line", async () => {
    const file = writeLines(path.join(t.dir, "long.jsonl"), lines([trade(0), JSON.stringify({ ...trade(1), symbol: "X".repeat(5000) })]));
    const e = await rejection(collect(streamTradeFile(file, { maxLineBytes: 1024 })));
    expect([e.code, e.file, e.line]).to.deep.equal([ErrorCode.TOO_LARGE, file, 2]);
  });

  it("a blank line inside: strict names it; lenient counts it and keeps the later rows (accepted + rejected = lines)", async () => {
    const file = writeLines(path.join(t.dir, "blank.jsonl"), [...lines([trade(0), trade(1)]), "", "", ...lines([trade(2), trade(3)]), "", ""]);
    const e = await rejection(collect(streamTradeFile(file)));
    expect([e.code, e.line]).to.deep.equal([ErrorCode.PARSE, 3]);
    const report = newLoadReport(file);
    const got = await collect(streamTradeFile(file, { lenient: true, report }));
    expect(got.map((x) => x.id)).to.deep.equal([1000, 1001, 1002, 1003]);
    expect([report.lines, report.accepted, report.rejectedTotal]).to.deep.equal([6, 4, 2]);
    expect(report.trailingBlank).to.be.greaterThan(0);
  });

  describe("a tampered trades file is refused on read (E_HASH_MISMATCH, no second pass)", () => {
    let dir = "";
    before(async () => {
      dir = await fixtureWithTrades(path.join(t.dir, "tamper"), [trade(1), trade(2), trade(3), trade(4)]);
      // a valid, on-grid change: only the content hash can see it
      const file = path.join(dir, "trades.jsonl");
      writeFileSync(file, readFileSync(file, "utf8").replace('"qty":0.5', '"qty":0.6'));
    });

    it("streamFixtureEvents / runReplay refuse it, also when the replay stops early (--to)", async () => {
      const e1 = await rejection(collect(streamFixtureEvents(dir)));
      expect([e1.code, e1.field]).to.deep.equal([ErrorCode.HASH_MISMATCH, "trades.content_sha256"]);
      expect(e1.file).to.equal(path.join(dir, "fixture.json"));
      const e2 = await rejection(runReplay({ fixture: dir }));
      expect(e2.code).to.equal(ErrorCode.HASH_MISMATCH);
      const e3 = await rejection(runReplay({ fixture: dir, window: { to_ts: T0 + 1500 } }));
      expect(e3.code).to.equal(ErrorCode.HASH_MISMATCH);
      const e4 = await rejection(validateFixtureTrades(dir));
      expect([e4.code, e4.field]).to.deep.equal([ErrorCode.HASH_MISMATCH, "trades.content_sha256"]);
      const lenient = await validateFixtureTrades(dir, { lenient: true });
      expect(lenient?.hash_ok).to.equal(false);
    });

    it("a removed trade is a row-count refusal", async () => {
      const d2 = await fixtureWithTrades(path.join(t.dir, "tamper-rows"), [trade(1), trade(2), trade(3)]);
      writeLines(path.join(d2, "trades.jsonl"), lines([trade(1), trade(2)]));
      const e = await rejection(runReplay({ fixture: d2 }));
      expect([e.code, e.field]).to.deep.equal([ErrorCode.HASH_MISMATCH, "trades.rows"]);
    });

    it("CLI: replay and fixtures validate exit 2 naming the manifest field", () => {
      for (const args of [["replay", dir], ["fixtures", "validate", dir]]) {
        const r = spawnSync(process.execPath, [BIN, ...args], { cwd: PROJECT_ROOT, encoding: "utf8", timeout: 120_000 });
        expect(r.status, r.stderr).to.equal(2);
        expect(r.stderr).to.contain("E_HASH_MISMATCH").and.contain("trades.");
        expect(r.stderr).to.not.match(/\n\s+at |Unhandled|TypeError/);
      }
    });

    it("an untouched fixture with trades replays (the stream hash equals the manifest's)", async () => {
      const ok = await fixtureWithTrades(path.join(t.dir, "ok"), [trade(1), trade(2), trade(3)]);
      const r = await runReplay({ fixture: ok });
      expect(r.summary.snapshots).to.equal(6);
      expect((await validateFixtureTrades(ok))?.hash_ok).to.equal(true);
    });
  });

  describe("importers: an implausible time is the outlier line's error (strict) and the only line skipped (lenient)", () => {
    const drainAll = async (it: AsyncIterable<unknown>): Promise<number> => {
      let n = 0;
      for await (const _ of it) n++;
      return n;
    };
    for (const [title, bad] of [
      ["ts x10", String((T0 + 2000) * 10)],
      ["a seconds time", String(Math.floor(T0 / 1000))],
      ["a jump over 7 days", String(T0 + 8 * 86_400_000)],
    ] as Array<[string, string]>) {
      it(`trades CSV: ${title} → E_TIME_RANGE at line 3, field time`, async () => {
        const row = (i: number, ts: string): string => `${100 + i},2683.80,0.002,5.3676,${ts},True,True`;
        const file = writeLines(path.join(t.dir, `ETHUSDT-trades-${title.replace(/\W/g, "")}.csv`), [row(0, String(T0)), row(1, String(T0 + 1)), row(2, bad), row(3, String(T0 + 3))]);
        const e = await rejection(drainAll(importTradesCsv(file)));
        expect([e.code, e.file, e.line, e.field]).to.deep.equal([ErrorCode.TIME_RANGE, file, 3, "time"]);
        const imp = importTradesCsv(file, { lenient: true });
        expect(await drainAll(imp)).to.equal(3);
        expect(imp.report.rejectedTotal).to.equal(1);
      });
    }

    it("binance-ws: a receive time with extra digits (ts ≈ 1.7e18) → E_TIME_RANGE at its line, field recv_ns; lenient keeps the rest", async () => {
      const line = (i: number, ns: bigint): string =>
        `${ns} {"stream":"ethusdt@bookTicker","data":{"u":${35346513501 + i},"s":"ETHUSDT","b":"2683.80","B":"3.0292","a":"2683.81","A":"31.4395"}}`;
      const ns = (i: number): bigint => BigInt(T0 + i * 100) * 1_000_000n;
      const file = writeLines(path.join(t.dir, "ethusdt-ts-stream.txt"), [line(0, ns(0)), line(1, ns(1)), line(2, ns(2) * 1000n), line(3, ns(3)), line(4, ns(4))]);
      const e = await rejection(drainAll(importBinanceWs(file, { symbol: "ETHUSDT" })));
      expect([e.code, e.line, e.field]).to.deep.equal([ErrorCode.TIME_RANGE, 3, "recv_ns"]);
      const imp = importBinanceWs(file, { symbol: "ETHUSDT", lenient: true });
      expect(await drainAll(imp)).to.equal(4);
      expect(imp.report.rejectedTotal).to.equal(1);
    });

    it("OHLCV CSV: a bar time x10 → E_TIME_RANGE at its line; lenient skips only it", async () => {
      const bar = (ts: number): string => `${ts},1.5,1.6,1.4,1.5,10`;
      const file = writeLines(path.join(t.dir, "bars-ts.csv"), ["time,open,high,low,close,volume", bar(T0), bar(T0 + 60_000), bar((T0 + 120_000) * 10), bar(T0 + 180_000)]);
      const e = await rejection(drainAll(importOhlcvCsv(file, { symbol: "X", interval_ms: 60_000 })));
      expect([e.code, e.line, e.field]).to.deep.equal([ErrorCode.TIME_RANGE, 4, "time"]);
      const imp = importOhlcvCsv(file, { symbol: "X", interval_ms: 60_000, lenient: true });
      expect(await drainAll(imp)).to.equal(3);
      expect(imp.report.rejectedTotal).to.equal(1);
    });
  });
});
