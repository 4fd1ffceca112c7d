import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { PROJECT_ROOT } from "../../sdk/cli/fixtures-path";
import { ErrorCode } from "../../sdk/contracts/errors";
import type { Snapshot, Trade } from "../../sdk/contracts/market";
import { FixtureWriter, newLoadReport, streamSnapshotFile } from "../../sdk/data/fixture";
import { importBinanceWs, type BinanceWsOptions } from "../../sdk/data/importers";
import { validateSnapshotRow } from "../../sdk/data/validate";
import { collect, l2, rejection, T0, writeLines } from "../data/helpers";
import { DATA_DIR, drain, ETH_WS, expectGrinderError, tmpDir } from "./helpers";

/** Output of one import in merged order: snapshots and prints interleaved as the importer hands them out. */
async function merged(files: string | string[], opts: BinanceWsOptions): Promise<{ items: Array<Snapshot | Trade>; imp: ReturnType<typeof importBinanceWs> }> {
  const items: Array<Snapshot | Trade> = [];
  const imp = importBinanceWs(files, { ...opts, onTrade: (t) => items.push(t) });
  for await (const s of imp) items.push(s);
  return { items, imp };
}
const isTrade = (x: Snapshot | Trade): x is Trade => (x as Trade).aggressor !== undefined;

/**
 * Prints against the quote in force when they arrive: `wrong` = a SELL print above the bid or a
 * BUY print below the ask (impossible when both streams are on one consistent clock);
 * `outside` = a print outside [bid, ask] (also a sweep through several levels, which is real);
 * `wrongL2` = the same wrong-side test against the attached book's top.
 */
function printAudit(items: Array<Snapshot | Trade>): { prints: number; wrong: number; outside: number; wrongL2: number } {
  let q: Snapshot | undefined;
  const r = { prints: 0, wrong: 0, outside: 0, wrongL2: 0 };
  for (const x of items) {
    if (!isTrade(x)) {
      q = x;
      continue;
    }
    if (!q) continue;
    r.prints++;
    if (x.aggressor === "SELL" ? x.price > q.bid_price : x.price < q.ask_price) r.wrong++;
    if (x.price < q.bid_price || x.price > q.ask_price) r.outside++;
    const b = q.book;
    if (b && b.bids.length && b.asks.length && (x.aggressor === "SELL" ? x.price > b.bids[0].price : x.price < b.asks[0].price)) r.wrongL2++;
  }
  return r;
}

const NS = (ms: number): string => `${ms}000000`;
const fdep = (recv: number, T: number, U: number, u: number, pu: number, b: string[][], a: string[][]): string =>
  `${NS(recv)} {"stream":"f@depth@0ms","data":{"e":"depthUpdate","E":${T},"T":${T},"s":"F","U":${U},"u":${u},"pu":${pu},"b":${JSON.stringify(b)},"a":${JSON.stringify(a)}}}`;
const ftick = (recv: number, T: number, u: number, b: string, a: string): string =>
  `${NS(recv)} {"stream":"f@bookTicker","data":{"e":"bookTicker","u":${u},"s":"F","b":"${b}","B":"1","a":"${a}","A":"1","T":${T},"E":${T}}}`;
const ftrade = (recv: number, T: number, id: number, p: string, m: boolean): string =>
  `${NS(recv)} {"stream":"f@trade","data":{"e":"trade","E":${T},"T":${T},"s":"F","t":${id},"p":"${p}","q":"0.5","X":"MARKET","m":${m}}}`;
const FREST = (recv: number, T: number, L: number): string => `${NS(recv)} {"lastUpdateId":${L},"E":${T},"T":${T},"bids":[["10.0","1"],["9.9","2"]],"asks":[["10.1","1"],["10.2","3"]]}`;

function rec(lines: string[]): string {
  const f = path.join(tmpDir("wsclock"), "f-rec.txt");
  writeFileSync(f, lines.join("\n") + "\n");
  return f;
}

describe("binance-ws clock (ADR-140) and L1/L2 agreement (ADR-141), synthetic", () => {
  // Receive order: the quote of T=2010 (after a sell sweep to 9.9) arrives before the prints of T=2010.
  const SWEEP = [
    FREST(1000, 2000, 100),
    ftick(1001, 2001, 101, "10.0", "10.1"),
    fdep(1002, 2001, 100, 101, 99, [], []),
    ftick(1010, 2010, 105, "9.8", "9.9"),
    ftrade(1011, 2010, 1, "10.0", true),
    ftrade(1011, 2010, 2, "9.9", true),
    ftick(1020, 2020, 106, "9.8", "9.9"),
  ];

  it("exchange clock (default): ts = T, prints before the quote change they caused; receive clock: line order", async () => {
    const ex = await merged(rec(SWEEP), {});
    expect(ex.imp.clock).to.equal("exchange");
    expect(ex.items.map((x) => (isTrade(x) ? `P${x.price}@${x.ts}` : `Q${x.bid_price}@${x.ts}`))).to.deep.equal(["Q10@2001", "P10@2010", "P9.9@2010", "Q9.8@2010", "Q9.8@2020"]);
    expect(printAudit(ex.items)).to.deep.include({ prints: 2, wrong: 0 });
    const rc = await merged(rec(SWEEP), { clock: "receive" });
    expect(rc.items.map((x) => (isTrade(x) ? `P${x.price}@${x.ts}` : `Q${x.bid_price}@${x.ts}`))).to.deep.equal(["Q10@1001", "Q9.8@1010", "P10@1011", "P9.9@1011", "Q9.8@1020"]);
    expect(printAudit(rc.items), "the sell prints land above the bid that they lowered").to.deep.include({ prints: 2, wrong: 2 });
  });

  it("a message later than the reorder window is this line's E_TIME_BACKWARDS (strict), a counted skip (lenient)", async () => {
    const lines = [...SWEEP, ftick(1030, 2030, 107, "9.8", "9.9"), ftrade(1040, 2005, 3, "9.9", true), ftick(1050, 2050, 108, "9.8", "9.9")];
    const f = rec(lines);
    await expectGrinderError(drain(importBinanceWs(f, { reorderWindowMs: 10 })), ErrorCode.TIME_BACKWARDS, 9, "data.T", f);
    const imp = importBinanceWs(f, { reorderWindowMs: 10, lenient: true });
    const s = await drain(imp);
    expect(s.length).to.equal(5);
    expect(imp.report.rejected).to.deep.equal({ [ErrorCode.TIME_BACKWARDS]: 1 });
    // With the default window (2 s) it is not late for the merge, but the print stream's own time
    // went backwards (T 2005 after 2010): it keeps its stream's last time, counted.
    const ok = await merged(f, {});
    expect(ok.items.filter(isTrade).map((t) => t.ts)).to.deep.equal([2010, 2010, 2010]);
    expect(ok.imp.report.counts.exchange_time_clamped).to.equal(1);
  });

  it("spot: a bookTicker takes the E of the depth update containing its id; the REST snapshot the E of the update containing lastUpdateId", async () => {
    const dep = (recv: number, E: number, U: number, u: number, b: string[][]): string =>
      `${NS(recv)} {"stream":"x@depth@100ms","data":{"e":"depthUpdate","E":${E},"s":"X","U":${U},"u":${u},"b":${JSON.stringify(b)},"a":[]}}`;
    const tick = (recv: number, u: number, b: string, B: string): string => `${NS(recv)} {"stream":"x@bookTicker","data":{"u":${u},"s":"X","b":"${b}","B":"${B}","a":"10.01","A":"1"}}`;
    const trade = (recv: number, T: number, p: string): string => `${NS(recv)} {"stream":"x@trade","data":{"e":"trade","E":${T},"s":"X","t":1,"p":"${p}","q":"0.5","T":${T},"m":true,"M":true}}`;
    const lines = [
      `${NS(1000)} {"lastUpdateId":100,"bids":[["10.00","1"],["9.99","2"]],"asks":[["10.01","1"],["10.02","3"]]}`,
      tick(1005, 101, "10.00", "1.5"),
      trade(1006, 2395, "10.00"),
      dep(1010, 2400, 100, 101, [["10.00", "1.5"]]),
      tick(1035, 102, "10.00", "0.5"),
      dep(1040, 2500, 102, 102, [["10.00", "0.5"]]),
    ];
    const { items, imp } = await merged(rec(lines), {});
    expect(imp.market).to.equal("spot");
    expect(items.map((x) => (isTrade(x) ? `P@${x.ts}` : `Q${x.bid_qty}@${x.ts}/book@${x.book?.ts}`))).to.deep.equal(["P@2395", "Q1.5@2400/book@2400", "Q0.5@2500/book@2400"]);
    expect(imp.report.counts.exchange_time_unmapped).to.equal(undefined);
  });

  it("a current book that crosses its row's quote is written stale and counted (l1_crossed_books)", async () => {
    // The quote moves up to 10.2/10.3 before the depth stream shows it: the old book's best ask 10.1 <= bid 10.2.
    const lines = [FREST(1000, 2000, 100), fdep(1001, 2001, 100, 101, 99, [], []), ftick(1002, 2002, 102, "10.0", "10.1"), ftick(1003, 2003, 103, "10.2", "10.3")];
    const { items, imp } = await merged(rec(lines), {});
    const snaps = items.filter((x): x is Snapshot => !isTrade(x));
    expect(snaps.map((s) => s.book?.stale)).to.deep.equal([undefined, true]);
    expect(imp.report.counts.l1_crossed_books).to.equal(1);
    expect(imp.report.counts.stale_snapshots).to.equal(0, "not a sequence gap");
    const range = { min: 0, max: 1e13 };
    for (const s of snaps) expect(() => validateSnapshotRow(s, range)).to.not.throw();
    const off = await merged(rec(lines), { markL1Crossed: false });
    const bad = off.items.filter((x): x is Snapshot => !isTrade(x))[1];
    expect(bad.book!.stale).to.equal(undefined);
    expect(() => validateSnapshotRow(bad, range)).to.throw(/best ask 10.1 <= the row's bid_price 10.2/);
  });
});

describe("CLI: grinder import binance-ws --clock", function () {
  this.timeout(120_000);
  const run = (args: string[]): { status: number | null; stderr: string } => {
    const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, "bin", "grinder.js"), ...args], { cwd: PROJECT_ROOT, encoding: "utf8", timeout: 120_000 });
    return { status: r.status, stderr: r.stderr };
  };
  it("--clock receive is recorded in the manifest; an unknown clock, or --clock on another format, exits 2 naming the field", async () => {
    const lines = [FREST(1_723_161_000_000, 1_723_161_001_000, 100), fdep(1_723_161_000_001, 1_723_161_001_001, 100, 101, 99, [], []), ftick(1_723_161_000_002, 1_723_161_001_002, 102, "10.0", "10.1"), ftrade(1_723_161_000_003, 1_723_161_001_003, 1, "10.0", true)];
    const f = rec(lines);
    const out = path.join(tmpDir("wsclockcli"), "fx_clock");
    const ok = run(["import", "binance-ws", f, "--out", out, "--clock", "receive", "--tick", "0.1", "--lot", "0.5"]);
    expect(ok.status, ok.stderr).to.equal(0);
    const { readFileSync } = await import("node:fs");
    const m = JSON.parse(readFileSync(path.join(out, "fixture.json"), "utf8")) as { scenario: { clock: string }; provenance: { ts_rule: string } };
    expect(m.scenario.clock).to.equal("receive");
    expect(m.provenance.ts_rule).to.match(/^ts = receive time/);
    for (const args of [["import", "binance-ws", f, "--out", out + "2", "--clock", "wall"], ["import", "binance-bookticker-csv", f, "--out", out + "3", "--clock", "receive"]]) {
      const r = run(args);
      expect(r.status, r.stderr).to.equal(2);
      expect(r.stderr).to.contain("E_INVALID_ARGUMENT");
      expect(r.stderr).to.contain("field 'clock'");
    }
  });
});

describe("L1/L2 agreement in the loader (issue 15 case 8, ADR-141)", function () {
  this.timeout(120_000);
  const SPEC = { symbol: "AAAUSDT", tick_size: 0.01, lot_size: 0.5, min_notional: 5 };
  const inst = new Map([[SPEC.symbol, SPEC]]);
  type Row = { bid_price: number; ask_price: number; book: { bids: Array<{ price: number; qty: number }>; asks: Array<{ price: number; qty: number }>; ts: number; stale?: boolean } };
  const crossing = (side: "bid" | "ask", stale?: boolean): Record<string, unknown> => {
    const r = l2(1) as unknown as Row;
    // L1 100 / 100.02; a current book whose best bid is at the L1 ask, or best ask at the L1 bid.
    if (side === "bid") r.book.bids = [{ price: 100.02, qty: 1 }, ...r.book.bids.slice(1)];
    else r.book.asks = [{ price: 100, qty: 1 }, ...r.book.asks.slice(1)];
    if (side === "bid") r.book.asks = r.book.asks.map((l, k) => ({ price: Math.round((100.03 + k * 0.01) * 100) / 100, qty: l.qty }));
    else r.book.bids = r.book.bids.map((l, k) => ({ price: Math.round((99.99 - k * 0.01) * 100) / 100, qty: l.qty }));
    if (stale) r.book.stale = true;
    return r as unknown as Record<string, unknown>;
  };

  for (const side of ["bid", "ask"] as const) {
    it(`a current book whose best ${side} crosses the row's quote: E_BOOK_MISMATCH at its line and field (strict), rejected and counted (lenient); stale: accepted`, async () => {
      const dir = tmpDir("l1l2");
      const file = writeLines(path.join(dir, `x-${side}.jsonl`), [JSON.stringify(l2(0)), JSON.stringify(crossing(side)), JSON.stringify({ ...l2(2) })]);
      const e = await rejection(collect(streamSnapshotFile(file, { instruments: inst })));
      expect([e.code, e.line, e.field]).to.deep.equal([ErrorCode.BOOK_MISMATCH, 2, side === "bid" ? "book.bids[0].price" : "book.asks[0].price"]);
      const report = newLoadReport(file);
      const rows = await collect(streamSnapshotFile(file, { instruments: inst, lenient: true, report }));
      expect(rows.length).to.equal(2);
      expect(report.rejected).to.deep.equal({ [ErrorCode.BOOK_MISMATCH]: 1 });
      const okFile = writeLines(path.join(dir, `ok-${side}.jsonl`), [JSON.stringify(l2(0)), JSON.stringify(crossing(side, true))]);
      expect((await collect(streamSnapshotFile(okFile, { instruments: inst }))).length).to.equal(2);
    });
  }

  it("CLI: `grinder fixtures validate` on a fixture with such a row exits 2 naming file, line and field", async () => {
    const dir = path.join(tmpDir("l1l2cli"), "fx_l1l2");
    const w = await FixtureWriter.create(dir, { name: "fx_l1l2", description: "t", scenario: {}, symbols: [SPEC], gzip: false });
    await w.write(l2(0) as unknown as Snapshot);
    await w.write(crossing("bid", true) as unknown as Snapshot);
    await w.close();
    // Same bytes but the book no longer marked stale: the row a pre-ADR-141 importer would have written.
    const f = path.join(dir, "snapshots.jsonl");
    const { readFileSync } = await import("node:fs");
    writeFileSync(f, readFileSync(f, "utf8").replace(',"stale":true', ""));
    const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, "bin", "grinder.js"), "fixtures", "validate", dir], { cwd: PROJECT_ROOT, encoding: "utf8", timeout: 120_000 });
    expect(r.status, r.stderr).to.equal(2);
    expect(r.stderr).to.contain("E_BOOK_MISMATCH");
    expect(r.stderr).to.contain("snapshots.jsonl:2");
    expect(r.stderr).to.contain("book.bids[0].price");
    expect(r.stderr).to.not.match(/\n\s+at /);
    void T0;
  });
});

const USDM_WS = path.join(DATA_DIR, "binance-usdm", "btcusdt-2024-08-08-stream.txt");
const ETH_WS_2 = path.join(DATA_DIR, "binance-spot", "ethusdt-2024-08-09-stream.txt");

describe("binance-ws clocks on the real captures: which clock makes prints and quotes consistent (ADR-140) @slow", function () {
  this.timeout(600_000);
  for (const [name, files, pinned] of [
    ["USD-M BTCUSDT", [USDM_WS], { receive: [21313, 3203, 9594], exchange: [21313, 61, 9405] }],
    ["spot ETHUSDT 08-08 + 08-09", [ETH_WS, ETH_WS_2], { receive: [14515, 7428, 5907], exchange: [14515, 491, 7838] }],
  ] as const) {
    it(`${name}: wrong-side prints under the receive clock vs the exchange clock; every row valid`, async () => {
      const got: Record<string, number[]> = {};
      for (const clock of ["receive", "exchange"] as const) {
        const { items, imp } = await merged([...files], { clock });
        let prev = -Infinity;
        for (const x of items) {
          expect(x.ts >= prev, "merged output in time order").to.equal(true);
          prev = x.ts;
          if (!isTrade(x)) {
            validateSnapshotRow(x);
            if (x.book) expect(x.book.ts! <= x.ts).to.equal(true);
          }
        }
        expect(imp.report.counts.gaps).to.equal(0);
        expect(imp.report.rejectedTotal).to.equal(0);
        const a = printAudit(items);
        got[clock] = [a.prints, a.wrong, a.outside];
      }
      expect(got).to.deep.equal(pinned);
    });
  }
});
