import { expect } from "chai";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { Snapshot } from "../../sdk/contracts/market";
import { importBinanceWs, L2Book } from "../../sdk/data/importers";
import { drain, ETH_WS, expectGrinderError, HAVE_DATA, tmpDir } from "./helpers";

/** The fields these tests read (bookTicker `b/B/a/A` strings, depth `e/u`). */
interface WsMsg {
  stream?: string;
  data?: { e?: string; u: number; b: string; B: string; a: string; A: string };
}

/** Recorded lines of the real capture, split into (line index, parsed message). */
function loadRecording(): { lines: string[]; msgs: Array<{ ns: string; m: WsMsg }> } {
  const lines = readFileSync(ETH_WS, "utf8").split("\n").filter((l) => l.length);
  const msgs = lines.map((l) => {
    const sp = l.indexOf(" ");
    return { ns: l.slice(0, sp), m: JSON.parse(l.slice(sp + 1)) as WsMsg };
  });
  return { lines, msgs };
}

const isDepth = (x: { m: WsMsg }): boolean => x.m.data?.e === "depthUpdate";
const isTicker = (x: { m: WsMsg }): boolean => typeof x.m.stream === "string" && x.m.stream.endsWith("@bookTicker");

(HAVE_DATA ? describe : describe.skip)("Binance websocket importer on the real ETHUSDT recording", () => {
  let rec: ReturnType<typeof loadRecording>;
  before(() => {
    rec = loadRecording();
  });

  it("emits one snapshot per bookTicker, with counts and first/last values of the recording", async () => {
    // Receive-clock figures (ADR-140 keeps `clock: "receive"` as the line-order reading of the recording).
    const imp = importBinanceWs(ETH_WS, { clock: "receive" });
    const snaps = await drain(imp);
    const c = imp.report.counts;
    expect(snaps.length).to.equal(24077);
    expect(c.book_ticker).to.equal(24077);
    expect(c.depth_update).to.equal(3434);
    expect(c.trade).to.equal(6106);
    expect(c.rest_snapshots).to.equal(1);
    expect(c.gaps).to.equal(0, "the recording has no sequence gap");
    expect(c.depth_dropped_old).to.equal(2, "the two updates before the REST snapshot have u <= lastUpdateId");
    expect(c.depth_applied).to.equal(3432);
    expect(c.snapshots_without_book).to.equal(3, "three bookTickers arrive before the REST snapshot");
    expect(c.stale_snapshots).to.equal(0);
    expect(c.l2_crossed).to.equal(0, "the rebuilt book is never crossed");
    expect(imp.report.rejectedTotal).to.equal(0);
    expect(imp.report.instrument).to.deep.equal({ symbol: "ETHUSDT", tick_size: 0.01, lot_size: 0.0001, min_notional: 0 });
    // Spot bookTicker has no exchange time: ts is the receive time, ns → ms floor.
    expect(snaps[0]).to.deep.equal({ ts: 1723161254024, symbol: "ETHUSDT", bid_price: 2683.8, bid_qty: 3.0292, ask_price: 2683.81, ask_qty: 31.4395 });
    const last = snaps[snaps.length - 1];
    expect(last).to.include({ ts: 1723161599900, bid_price: 2682.5, bid_qty: 3.3168, ask_price: 2682.51, ask_qty: 50.9739, last_price: 2682.51 });
    expect(last.book!.bids.length).to.equal(20);
    expect(last.book!.asks.length).to.equal(20);
    expect(last.book!.bids[0]).to.deep.equal({ price: 2682.5, qty: 3.3168 });
    expect(last.book!.ts).to.equal(1723161599900);
    expect(last.book!.stale).to.equal(undefined);
    for (const s of snaps) if (s.book) expect(s.book.ts! <= s.ts, "book.ts is a receive time no later than the snapshot's").to.equal(true);
  });

  it("L2 rebuild matches the bookTicker: after each applied depth update with final id u, the best bid/ask (price and qty) equal the bookTicker with the largest update id <= u", async () => {
    // Independent reference: every bookTicker of the file, by update id.
    const bt = rec.msgs.filter(isTicker).map((x) => x.m.data!);
    const ids = bt.map((d) => d.u as number);
    let checked = 0;
    let matched = 0;
    let priceMatched = 0;
    const onDepthApplied = (u: number, book: L2Book): void => {
      let lo = 0;
      let hi = ids.length - 1;
      let k = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (ids[mid] <= u) {
          k = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      if (k < 0) return;
      const t = bt[k];
      checked++;
      const px = book.bids.prices[0] === Number(t.b) && book.asks.prices[0] === Number(t.a);
      if (px) priceMatched++;
      if (px && book.bids.qtys[0] === Number(t.B) && book.asks.qtys[0] === Number(t.A)) matched++;
    };
    const imp = importBinanceWs(ETH_WS, { onDepthApplied });
    await drain(imp);
    // The recording has no gaps and Binance's bookTicker is pushed on every best-level change,
    // so the rule must hold at every applied update: any miss is a rebuild bug.
    expect(checked).to.equal(3432);
    expect(priceMatched / checked).to.equal(1);
    expect(matched / checked).to.equal(1);
    expect(imp.report.counts.l2_check_matched).to.equal(3432, "the importer's own cross-check agrees");
    expect(imp.report.counts.l2_check_mismatched).to.equal(0);
  });

  it("a dropped depthUpdate marks the book stale until a REST snapshot resynchronises it; afterwards the snapshots equal the clean run's", async () => {
    const { lines, msgs } = rec;
    const depthIdx = msgs.map((x, i) => (isDepth(x) ? i : -1)).filter((i) => i >= 0);
    const drop = depthIdx[100];
    const resyncAfter = depthIdx[200];
    const uR = msgs[resyncAfter].m.data!.u;
    // Clean run, capturing the full book right after update uR to forge the resync snapshot.
    let full: { bids: string[][]; asks: string[][] } | undefined;
    const clean = await drain(
      importBinanceWs(ETH_WS, {
        clock: "receive",
        markL1Crossed: false,
        onDepthApplied: (u, book) => {
          if (u === uR)
            full = {
              bids: book.bids.prices.map((p, i) => [String(p), String(book.bids.qtys[i])]),
              asks: book.asks.prices.map((p, i) => [String(p), String(book.asks.qtys[i])]),
            };
        },
      }),
    );
    expect(full, "captured the book at the resync point").to.not.equal(undefined);
    const rest = `${msgs[resyncAfter].ns} ${JSON.stringify({ lastUpdateId: uR, bids: full!.bids, asks: full!.asks })}`;
    const dir = tmpDir("ws");

    // 1) gap only: stale from the next depth update to the end of the file.
    const gapOnly = path.join(dir, "gap.txt");
    writeFileSync(gapOnly, lines.filter((_, i) => i !== drop).join("\n") + "\n");
    // Sequence staleness only, counted in line order (receive clock); the L1/L2 agreement flag
    // (ADR-141) and the exchange-clock merge (ADR-140) are tested on their own.
    const g = importBinanceWs(gapOnly, { clock: "receive", markL1Crossed: false });
    const gs = await drain(g);
    expect(g.report.counts.gaps).to.equal(1);
    expect(g.report.counts.resyncs).to.equal(0);
    expect(g.report.counts.stale_at_end).to.equal(1);
    const firstStale = gs.findIndex((s) => s.book?.stale === true);
    expect(firstStale).to.be.greaterThan(0);
    expect(gs.slice(firstStale).every((s) => s.book!.stale === true)).to.equal(true);
    expect(g.report.counts.stale_snapshots).to.equal(gs.length - firstStale);

    // 2) gap, then a REST snapshot taken at uR: stale exactly between the gap and the resync.
    const healed = path.join(dir, "healed.txt");
    const out: string[] = [];
    lines.forEach((l, i) => {
      if (i === drop) return;
      out.push(l);
      if (i === resyncAfter) out.push(rest);
    });
    writeFileSync(healed, out.join("\n") + "\n");
    const h = importBinanceWs(healed, { clock: "receive", markL1Crossed: false });
    const hs = await drain(h);
    expect(h.report.counts.gaps).to.equal(1);
    expect(h.report.counts.resyncs).to.equal(1);
    expect(h.report.counts.rest_snapshots).to.equal(2);
    expect(hs.length).to.equal(clean.length);
    // bookTickers between the update after the dropped one (gap detected) and the resync line.
    const gapSeen = depthIdx[101];
    const staleExpected = msgs.filter((x, i) => isTicker(x) && i > gapSeen && i <= resyncAfter).length;
    expect(h.report.counts.stale_snapshots).to.equal(staleExpected);
    expect(staleExpected).to.be.greaterThan(0);
    const tickersBefore = (i: number): number => msgs.slice(0, i).filter(isTicker).length;
    const a = tickersBefore(gapSeen + 1);
    const b = tickersBefore(resyncAfter + 1);
    const stale = (s: Snapshot): boolean => s.book?.stale === true;
    expect(hs.slice(0, a).some(stale)).to.equal(false);
    expect(hs.slice(a, b).every(stale)).to.equal(true);
    expect(hs.slice(b).some(stale)).to.equal(false);
    expect(hs.slice(b), "after the resync the rebuilt book equals the clean run").to.deep.equal(clean.slice(b));
    // Before the dropped line nothing differs; between it and the next update the loss cannot be
    // seen yet (a gap is only detectable when the following update arrives).
    const d0 = tickersBefore(drop);
    expect(hs.slice(0, d0)).to.deep.equal(clean.slice(0, d0));
  });
});

// A tiny synthetic recording (symbol X), enough to exercise every rule.
const NS = (ms: number): string => `${ms}000000`;
const REST = `${NS(1000)} {"lastUpdateId":100,"bids":[["10.00","1"],["9.99","2"]],"asks":[["10.01","1"],["10.02","3"]]}`;
const dep = (ms: number, U: number, u: number, b: string[][], a: string[][]): string =>
  `${NS(ms)} {"stream":"x@depth@100ms","data":{"e":"depthUpdate","E":${ms + 1400},"s":"X","U":${U},"u":${u},"b":${JSON.stringify(b)},"a":${JSON.stringify(a)}}}`;
const tick = (ms: number, u: number, b: string, B: string, a: string, A: string, s = "X"): string =>
  `${NS(ms)} {"stream":"x@bookTicker","data":{"u":${u},"s":"${s}","b":"${b}","B":"${B}","a":"${a}","A":"${A}"}}`;
const trade = (ms: number, p: string): string => `${NS(ms)} {"stream":"x@trade","data":{"e":"trade","E":${ms},"s":"X","t":1,"p":"${p}","q":"0.5","T":${ms},"m":true,"M":true}}`;
const GOOD = [
  tick(990, 99, "10.00", "1", "10.01", "1"),
  dep(995, 95, 99, [["9.98", "4"]], []),
  REST,
  // As on the real feed, a bookTicker arrives before the 100 ms depth batch that contains its id.
  tick(1005, 101, "10.00", "1.5", "10.01", "1"),
  dep(1010, 100, 101, [["10.00", "1.5"]], []),
  trade(1030, "10.01"),
  tick(1035, 103, "10.00", "1.5", "10.02", "3"),
  dep(1040, 102, 103, [], [["10.01", "0"]]),
];

function writeRec(lines: string[]): string {
  const f = path.join(tmpDir("ws"), "x-rec.txt");
  writeFileSync(f, lines.join("\n") + "\n");
  return f;
}

describe("Binance websocket importer (synthetic recording)", () => {
  it("buffers before the snapshot, drops u <= lastUpdateId, applies U <= L+1 <= u, deletes qty 0, carries last trade", async () => {
    const imp = importBinanceWs(writeRec(GOOD), { depth: 5, clock: "receive" });
    const s = await drain(imp);
    expect(s.length).to.equal(3);
    expect(s[0].book).to.equal(undefined, "no book before the first REST snapshot");
    expect(s[1].book).to.deep.equal(
      { bids: [{ price: 10, qty: 1 }, { price: 9.99, qty: 2 }], asks: [{ price: 10.01, qty: 1 }, { price: 10.02, qty: 3 }], ts: 1000 },
      "the REST snapshot's book; the buffered update with u <= lastUpdateId was dropped",
    );
    expect(s[1].last_price).to.equal(undefined);
    expect(s[2]).to.deep.equal({
      ts: 1035,
      symbol: "X",
      bid_price: 10,
      bid_qty: 1.5,
      ask_price: 10.02,
      ask_qty: 3,
      last_price: 10.01,
      book: { bids: [{ price: 10, qty: 1.5 }, { price: 9.99, qty: 2 }], asks: [{ price: 10.01, qty: 1 }, { price: 10.02, qty: 3 }], ts: 1010 },
    });
    expect(imp.report.counts).to.include({ depth_buffered: 1, depth_dropped_old: 1, depth_applied: 2, l2_check_matched: 2, gaps: 0 });
  });

  it("a gap (U != previous u + 1) marks the book stale; a later REST snapshot resyncs it", async () => {
    const imp = importBinanceWs(
      writeRec([
        ...GOOD,
        dep(1060, 105, 106, [["9.99", "5"]], []),
        tick(1070, 106, "10.00", "1.5", "10.02", "3"),
        `${NS(1080)} {"lastUpdateId":107,"bids":[["10.00","2"]],"asks":[["10.02","3"]]}`,
        tick(1085, 107, "10.00", "2", "10.02", "3"),
        dep(1090, 108, 108, [["9.97", "1"]], []),
        tick(1095, 108, "10.00", "2", "10.02", "3"),
      ]),
      { clock: "receive" },
    );
    const s = await drain(imp);
    expect(s[3].book!.stale).to.equal(true);
    expect(s[3].book!.ts).to.equal(1040, "a stale book keeps the time of its last good update");
    expect(s[4].book).to.deep.equal({ bids: [{ price: 10, qty: 2 }], asks: [{ price: 10.02, qty: 3 }], ts: 1080 });
    expect(s[5].book!.bids).to.deep.equal([{ price: 10, qty: 2 }, { price: 9.97, qty: 1 }]);
    expect(imp.report.counts).to.include({ gaps: 1, resyncs: 1, stale_snapshots: 1, rest_snapshots: 2 });
  });

  const bad: Array<{ name: string; line: string; code: string; field: string }> = [
    { name: "truncated line (JSON cut)", line: `${NS(1100)} {"stream":"x@bookTicker","data":{"u":104,"s":"X","b":"10.0`, code: "E_PARSE", field: "json" },
    { name: "truncated line (no message)", line: `${NS(1100)}`, code: "E_PARSE", field: "recv_ns" },
    { name: "non-numeric price", line: tick(1100, 104, "abc", "1", "10.02", "3"), code: "E_BAD_NUMBER", field: "data.b" },
    { name: "non-numeric depth qty", line: dep(1100, 104, 104, [["9.99", "x"]], []), code: "E_BAD_NUMBER", field: "data.b[0][1]" },
    { name: "crossed quote", line: tick(1100, 104, "10.03", "1", "10.02", "3"), code: "E_CROSSED_BOOK", field: "data.b" },
    { name: "duplicated depth update", line: dep(1100, 102, 103, [], []), code: "E_SEQUENCE", field: "data.u" },
    { name: "out-of-order depth update", line: dep(1100, 100, 101, [], []), code: "E_SEQUENCE", field: "data.u" },
    { name: "duplicated bookTicker id", line: tick(1100, 103, "10.00", "1", "10.02", "3"), code: "E_SEQUENCE", field: "data.u" },
    { name: "out-of-order bookTicker id", line: tick(1100, 102, "10.00", "1", "10.02", "3"), code: "E_SEQUENCE", field: "data.u" },
    { name: "receive time backwards", line: tick(1000, 104, "10.00", "1", "10.02", "3"), code: "E_TIME_BACKWARDS", field: "recv_ns" },
    { name: "another symbol", line: tick(1100, 104, "10.00", "1", "10.02", "3", "Y"), code: "E_UNKNOWN_SYMBOL", field: "data.s" },
  ];
  for (const c of bad) {
    it(`${c.name}: strict → ${c.code} at its line, field ${c.field}; lenient → counted skip`, async () => {
      const f = writeRec([...GOOD, c.line, tick(1200, 110, "10.00", "1.5", "10.02", "3")]);
      await expectGrinderError(drain(importBinanceWs(f)), c.code, GOOD.length + 1, c.field, f);
      const imp = importBinanceWs(f, { lenient: true });
      const s = await drain(imp);
      expect(s.length).to.equal(4);
      expect(imp.report.rejected).to.deep.equal({ [c.code]: 1 });
      expect(imp.report.examples[0]).to.include({ line: GOOD.length + 1, code: c.code, field: c.field });
    });
  }
});
