import { expect } from "chai";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { isTrade, type Snapshot, type Trade } from "../../sdk/contracts/market";
import { importBinanceWs, importToFixture } from "../../sdk/data/importers";
import { openFixture, validateFixture } from "../../sdk/data/fixture";
import { streamFixtureEvents, validateFixtureTrades } from "../../sdk/data/trades";
import { DATA_DIR, drain, ETH_WS, expectGrinderError, tmpDir } from "./helpers";

const USDM_WS = path.join(DATA_DIR, "binance-usdm", "btcusdt-2024-08-08-stream.txt");
const ETH_WS_2 = path.join(DATA_DIR, "binance-spot", "ethusdt-2024-08-09-stream.txt");

/** Real-data tests must not skip silently: a missing capture is a failure. */
function requireData(...files: string[]): void {
  for (const f of files) expect(existsSync(f), `missing real capture ${f} (../shared/data beside the project)`).to.equal(true);
}

/** Reference L1/L2 check done here, independently of the importer: latest bookTicker id <= u over the whole file. */
function bookTickers(file: string): Array<{ u: number; b: number; B: number; a: number; A: number }> {
  const out = [];
  for (const l of readFileSync(file, "utf8").split("\n")) {
    if (!l.includes("@bookTicker")) continue;
    const d = JSON.parse(l.slice(l.indexOf(" ") + 1)).data;
    out.push({ u: d.u, b: Number(d.b), B: Number(d.B), a: Number(d.a), A: Number(d.A) });
  }
  return out;
}

describe("binance-ws on the real USD-M BTCUSDT futures recording (futures depth rule)", function () {
  this.timeout(180_000);
  it("detects futures, rebuilds the book with 0 gaps and every applied update equal to the whole-file bookTicker reference; keeps the 21,313 trades", async () => {
    requireData(USDM_WS);
    const bt = bookTickers(USDM_WS);
    let checked = 0;
    let matched = 0;
    const trades: Trade[] = [];
    const imp = importBinanceWs(USDM_WS, {
      onTrade: (t) => trades.push(t),
      onDepthApplied: (u, book) => {
        let lo = 0;
        let hi = bt.length - 1;
        let k = -1;
        while (lo <= hi) {
          const m = (lo + hi) >> 1;
          if (bt[m].u <= u) {
            k = m;
            lo = m + 1;
          } else hi = m - 1;
        }
        if (k < 0) return;
        checked++;
        const r = bt[k];
        if (book.bids.prices[0] === r.b && book.bids.qtys[0] === r.B && book.asks.prices[0] === r.a && book.asks.qtys[0] === r.A) matched++;
      },
    });
    const snaps: Snapshot[] = await drain(imp);
    const c = imp.report.counts;
    expect(imp.market).to.equal("futures");
    expect(c.futures).to.equal(1);
    expect(snaps.length).to.equal(66089);
    expect(c.depth_update).to.equal(6551);
    expect(c.gaps).to.equal(0, "the pu chain has no break");
    expect(c.depth_applied).to.equal(6547);
    expect(c.depth_dropped_old).to.equal(4, "updates with u < L before the one spanning L");
    expect(c.stale_snapshots).to.equal(0);
    expect(c.l2_crossed).to.equal(0);
    // Exchange clock (ADR-140): 33 bookTickers have a transaction time before the REST snapshot's
    // (43 arrive before it in line order, `clock: "receive"`).
    expect(c.snapshots_without_book).to.equal(33);
    expect(checked).to.equal(6547);
    expect(matched).to.equal(6547, "the rebuilt best levels equal the reference bookTicker at every applied update");
    expect(c.l2_check_matched).to.equal(6547);
    expect(c.l2_check_mismatched).to.equal(0);
    expect(imp.report.rejectedTotal).to.equal(0);
    expect(imp.report.instrument).to.deep.equal({ symbol: "BTCUSDT", tick_size: 0.1, lot_size: 0.001, min_notional: 0 });
    const withBook = snaps.filter((s) => s.book);
    expect(withBook.length).to.equal(66089 - 33);
    for (const s of withBook) expect(s.book!.bids[0].price < s.book!.asks[0].price).to.equal(true);
    // trades: count, first print, aggressor rule (m false → BUY), exchange clock (the print's T), order
    expect(c.trade).to.equal(21313);
    expect(trades.length).to.equal(21313);
    expect(trades[0]).to.deep.equal({ ts: 1723161256322, symbol: "BTCUSDT", price: 61800.3, qty: 0.006, aggressor: "BUY", id: 5266583935 });
    for (let i = 1; i < trades.length; i++) expect(trades[i].ts >= trades[i - 1].ts && trades[i].id > trades[i - 1].id).to.equal(true);
    const sells = trades.filter((t) => t.aggressor === "SELL").length;
    expect(sells).to.be.greaterThan(0);
    expect(sells).to.be.lessThan(trades.length);
  });

  it("the old spot rule on this file would go stale: a futures update read as spot is refused, not silently mis-chained", async () => {
    requireData(USDM_WS);
    // Strip pu from the second depth update only: the stream then mixes both kinds.
    const lines = readFileSync(USDM_WS, "utf8").split("\n").slice(0, 400);
    const depthAt = lines.map((l, i) => (l.includes("depthUpdate") ? i : -1)).filter((i) => i >= 0);
    lines[depthAt[1]] = lines[depthAt[1]].replace(/"pu":\d+,/, "");
    const f = path.join(tmpDir("usdm"), "btcusdt-cut.txt");
    writeFileSync(f, lines.join("\n") + "\n");
    await expectGrinderError(drain(importBinanceWs(f)), "E_PARSE", depthAt[1] + 1, "data.pu", f);
  });

  it("a UTF-8 byte order mark before the first line is not data (ADR-244): the same snapshots as without it; elsewhere it is refused", async () => {
    requireData(USDM_WS);
    const lines = readFileSync(USDM_WS, "utf8").split("\n").slice(0, 300);
    const dir = tmpDir("usdm-bom");
    const plain = path.join(dir, "plain.txt");
    writeFileSync(plain, lines.join("\n") + "\n");
    const ref = await drain(importBinanceWs(plain));
    expect(ref.length).to.be.greaterThan(100);
    const bom = path.join(dir, "bom.txt");
    writeFileSync(bom, "\ufeff" + lines.join("\n") + "\n");
    expect(readFileSync(bom).subarray(0, 3)).to.deep.equal(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(await drain(importBinanceWs(bom))).to.deep.equal(ref);
    const inside = path.join(dir, "inside.txt");
    writeFileSync(inside, [lines[0], "\ufeff" + lines[1], ...lines.slice(2)].join("\n") + "\n");
    await expectGrinderError(drain(importBinanceWs(inside)), "E_BAD_NUMBER", 2, "recv_ns", inside);
  });
});

describe("binance-ws: two files of one spot recording (ETHUSDT 2024-08-08 + 2024-08-09)", function () {
  this.timeout(180_000);
  it("continue one update-id chain: 0 gaps, book valid across the boundary, trades of both files", async () => {
    requireData(ETH_WS, ETH_WS_2);
    let boundaryChecked = false;
    const one = importBinanceWs(ETH_WS);
    const firstSnaps = await drain(one);
    let n = 0;
    let trades = 0;
    const imp2 = importBinanceWs([ETH_WS, ETH_WS_2], { onTrade: () => trades++ });
    for await (const s of imp2) {
      n++;
      if (n === firstSnaps.length + 1) {
        // first snapshot of the continuation file: a live, fresh, uncrossed book
        expect(s.book, "book carried across the file boundary").to.not.equal(undefined);
        expect(s.book!.stale).to.equal(undefined);
        expect(s.book!.bids[0].price).to.equal(s.bid_price);
        expect(s.book!.asks[0].price).to.equal(s.ask_price);
        expect(s.ts).to.be.greaterThan(firstSnaps[firstSnaps.length - 1].ts);
        boundaryChecked = true;
      }
      if (s.book) expect(s.book.bids[0].price < s.book.asks[0].price).to.equal(true);
    }
    expect(boundaryChecked).to.equal(true);
    const c = imp2.report.counts;
    expect(c.files).to.equal(2);
    expect(n).to.equal(24077 + 34681);
    expect(c.gaps).to.equal(0);
    expect(c.stale_snapshots).to.equal(0);
    expect(c.depth_update).to.equal(3434 + 3036);
    expect(c.depth_applied).to.equal(3432 + 3036, "every update of the second file is applied");
    expect(c.l2_check_matched).to.equal(3432 + 3036);
    expect(c.l2_check_mismatched).to.equal(0);
    expect(trades).to.equal(6106 + 8409);
    expect(imp2.report.source).to.equal("ethusdt-2024-08-08-stream.txt + ethusdt-2024-08-09-stream.txt");
    // The continuation file alone has no REST snapshot: no book at all, nothing applied, all counted.
    const alone = importBinanceWs(ETH_WS_2);
    const a = await drain(alone);
    expect(a.every((s) => s.book === undefined)).to.equal(true);
    expect(alone.report.counts.depth_applied).to.equal(0);
    expect(alone.report.counts.depth_unapplied_at_end).to.equal(3036);
  });

  it("an error in the second file names that file and its own line", async () => {
    requireData(ETH_WS);
    const dir = tmpDir("ws2");
    const second = path.join(dir, "ethusdt-part2.txt");
    const last = readFileSync(ETH_WS, "utf8").trimEnd().split("\n").pop()!;
    const ns = BigInt(last.slice(0, last.indexOf(" "))) + 1_000_000n;
    writeFileSync(second, `${ns} {"stream":"ethusdt@bookTicker","data":{"u":99999999999,"s":"ETHUSDT","b":"2682.50","B":"1","a":"2682.51","A":"1"}}\n${ns} {"stream":"ethusdt@bookTicker","data":{"u":99999999999,"s":"ETHUSDT","b":"2682.50","B":"1","a":"2682.51","A":"1"}}\n`);
    await expectGrinderError(drain(importBinanceWs([ETH_WS, second])), "E_SEQUENCE", 2, "data.u", second);
  });

  it("grinder's import writes one fixture with a trades sidecar that validates and merges by time", async () => {
    requireData(ETH_WS, ETH_WS_2);
    const out = path.join(tmpDir("ws-fx"), "eth2");
    const r = await importToFixture("binance-ws", ETH_WS, { out, more: [ETH_WS_2] });
    expect(r.manifest!.rows).to.equal(58758);
    expect(r.manifest!.trades!.rows).to.equal(14515);
    const prov = r.manifest!.provenance as { source_files: Array<{ file: string }> };
    expect(prov.source_files.map((x) => x.file)).to.deep.equal(["ethusdt-2024-08-08-stream.txt", "ethusdt-2024-08-09-stream.txt"]);
    await validateFixture(out);
    const t = await validateFixtureTrades(out);
    expect(t!.rows).to.equal(14515);
    expect(t!.buy + t!.sell).to.equal(14515);
    let last = -1;
    let nt = 0;
    let ns = 0;
    for await (const e of streamFixtureEvents(openFixture(out))) {
      expect(e.ts >= last).to.equal(true);
      last = e.ts;
      if (isTrade(e)) nt++;
      else ns++;
    }
    expect([ns, nt]).to.deep.equal([58758, 14515]);
  });
});

// Synthetic futures recording (symbol F): the futures rule in isolation.
const NS = (ms: number): string => `${ms}000000`;
const fdep = (ms: number, U: number, u: number, pu: number, b: string[][], a: string[][]): string =>
  `${NS(ms)} {"stream":"f@depth@0ms","data":{"e":"depthUpdate","E":${ms},"T":${ms},"s":"F","U":${U},"u":${u},"pu":${pu},"b":${JSON.stringify(b)},"a":${JSON.stringify(a)}}}`;
const ftick = (ms: number, u: number, b: string, B: string, a: string, A: string): string =>
  `${NS(ms)} {"stream":"f@bookTicker","data":{"e":"bookTicker","u":${u},"s":"F","b":"${b}","B":"${B}","a":"${a}","A":"${A}","T":${ms},"E":${ms}}}`;
const ftrade = (ms: number, id: number, p: string, q: string, m: boolean, X = "MARKET"): string =>
  `${NS(ms)} {"stream":"f@trade","data":{"e":"trade","E":${ms},"T":${ms},"s":"F","t":${id},"p":"${p}","q":"${q}","X":"${X}","m":${m}}}`;
const FREST = `${NS(1000)} {"lastUpdateId":100,"E":1000,"T":1000,"bids":[["10.0","1"],["9.9","2"]],"asks":[["10.1","1"],["10.2","3"]]}`;

function writeRec(lines: string[]): string {
  const f = path.join(tmpDir("wsf"), "f-rec.txt");
  writeFileSync(f, lines.join("\n") + "\n");
  return f;
}

describe("binance-ws futures rule (synthetic)", () => {
  const GOOD = [
    fdep(990, 80, 90, 70, [["9.8", "4"]], []), // u < L: dropped
    fdep(995, 95, 100, 90, [["9.7", "4"]], []), // u == L: futures keeps it (U <= L <= u)
    FREST,
    ftick(1002, 104, "10.0", "1.5", "10.1", "1"), // a bookTicker before the depth update that contains its id
    fdep(1005, 103, 107, 100, [["10.0", "1.5"]], []), // pu = previous u (100), U != 101: futures ids are not contiguous
    ftrade(1006, 7, "10.1", "0.4", false),
    ftrade(1007, 8, "10.0", "0.2", true),
    ftrade(1007, 9, "10.0", "1", true, "INSURANCE_FUND"),
    ftick(1010, 109, "10.0", "1.5", "10.2", "3"),
    fdep(1012, 110, 112, 107, [], [["10.1", "0"]]),
    ftick(1015, 113, "10.0", "1.5", "10.2", "3"),
  ];

  it("drops u < L, applies the first update with U <= L <= u, then chains by pu; trades keep the aggressor; non-MARKET prints counted", async () => {
    const trades: Trade[] = [];
    const imp = importBinanceWs(writeRec(GOOD), { onTrade: (t) => trades.push(t) });
    const s = await drain(imp);
    expect(imp.market).to.equal("futures");
    expect(imp.report.counts).to.include({ depth_dropped_old: 1, depth_applied: 3, gaps: 0, trade: 2, trade_non_market: 1 });
    // Deferred cross-check: update u=107's reference is bookTicker 104 (arrived earlier), u=112's is 109.
    expect(imp.report.counts).to.include({ l2_check_matched: 2, l2_check_mismatched: 0, l2_check_no_reference: 1 });
    expect(s[s.length - 1].book).to.deep.equal({ bids: [{ price: 10, qty: 1.5 }, { price: 9.9, qty: 2 }, { price: 9.7, qty: 4 }], asks: [{ price: 10.2, qty: 3 }], ts: 1012 });
    expect(trades).to.deep.equal([
      { ts: 1006, symbol: "F", price: 10.1, qty: 0.4, aggressor: "BUY", id: 7 },
      { ts: 1007, symbol: "F", price: 10, qty: 0.2, aggressor: "SELL", id: 8 },
    ]);
    expect(s[s.length - 1].last_price).to.equal(10);
  });

  it("a broken pu chain is a gap (book stale), not an error", async () => {
    const imp = importBinanceWs(writeRec([...GOOD, fdep(1020, 114, 115, 113, [["9.9", "5"]], []), ftick(1025, 115, "10.0", "1.5", "10.2", "3")]));
    const s = await drain(imp);
    expect(imp.report.counts.gaps).to.equal(1);
    expect(s[s.length - 1].book!.stale).to.equal(true);
  });

  it("a trade with a bad field is refused with its field", async () => {
    const f = writeRec([...GOOD, ftrade(1030, 10, "10.0", "0", true)]);
    await expectGrinderError(drain(importBinanceWs(f)), "E_BAD_NUMBER", GOOD.length + 1, "data.q", f);
    const g = writeRec([...GOOD, ftrade(1030, 10, "10.0", "1", true).replace('"m":true', '"m":"yes"')]);
    await expectGrinderError(drain(importBinanceWs(g)), "E_BAD_TYPE", GOOD.length + 1, "data.m", g);
  });
});
