import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { expect } from "chai";
import { ErrorCode } from "../../sdk/contracts/errors";
import type { Snapshot } from "../../sdk/contracts/market";
import { FixtureWriter, newLoadReport, openFixture, streamFixture, streamSnapshotFile, validateFixture } from "../../sdk/data/fixture";
import { collect, l1, l2, rejection, T0, tmpDir, writeLines } from "./helpers";

/** A row's JSON with one field's value replaced by raw JSON text (for 1e999 and friends). */
function withRaw(row: Record<string, unknown>, field: string, raw: string): string {
  return JSON.stringify({ ...row, [field]: "@@RAW@@" }).replace('"@@RAW@@"', raw);
}

function without(row: Record<string, unknown>, field: string): string {
  const r = { ...row };
  delete r[field];
  return JSON.stringify(r);
}

function l2With(i: number, f: (b: { bids: Array<Record<string, unknown>>; asks: Array<Record<string, unknown>> } & Record<string, unknown>) => void): string {
  const r = l2(i) as { book: { bids: Array<Record<string, unknown>>; asks: Array<Record<string, unknown>> } & Record<string, unknown> };
  f(r.book);
  return JSON.stringify(r);
}

/**
 * Every kind of bad row: [title, line 3 of the file, code, field]. Lines 1-2 and 4-5 are good,
 * so the error must name line 3.
 */
const BAD_ROWS: Array<[string, string, ErrorCode, string | undefined]> = [
  ["malformed JSON", '{"ts": 1704067202000, "symbol": "AAAUSDT", "bid_price": 100', ErrorCode.PARSE, undefined],
  ["not an object", "[1, 2, 3]", ErrorCode.BAD_TYPE, ""],
  ["missing ask_qty", without(l1(2), "ask_qty"), ErrorCode.MISSING_FIELD, "ask_qty"],
  ["missing ts", without(l1(2), "ts"), ErrorCode.MISSING_FIELD, "ts"],
  ["missing symbol", without(l1(2), "symbol"), ErrorCode.MISSING_FIELD, "symbol"],
  ["missing book.asks", l2With(2, (b) => delete (b as Record<string, unknown>).asks), ErrorCode.MISSING_FIELD, "book.asks"],
  ["extra field", JSON.stringify({ ...l1(2), venue: "X" }), ErrorCode.EXTRA_FIELD, "venue"],
  ["extra field in book", l2With(2, (b) => (b.depth = 3)), ErrorCode.EXTRA_FIELD, "book.depth"],
  ["extra field in a level", l2With(2, (b) => (b.bids[2].id = 7)), ErrorCode.EXTRA_FIELD, "book.bids[2].id"],
  ["price as a string", JSON.stringify({ ...l1(2), bid_price: "100.01" }), ErrorCode.BAD_TYPE, "bid_price"],
  ["ts as a string", JSON.stringify({ ...l1(2), ts: String(T0 + 2000) }), ErrorCode.BAD_TYPE, "ts"],
  ["symbol as a number", JSON.stringify({ ...l1(2), symbol: 7 }), ErrorCode.BAD_TYPE, "symbol"],
  ["empty symbol", JSON.stringify({ ...l1(2), symbol: "" }), ErrorCode.BAD_TYPE, "symbol"],
  ["null qty (JSON's NaN)", withRaw(l1(2), "bid_qty", "null"), ErrorCode.BAD_TYPE, "bid_qty"],
  ["boolean price", withRaw(l1(2), "ask_price", "true"), ErrorCode.BAD_TYPE, "ask_price"],
  ["book is null", withRaw(l1(2), "book", "null"), ErrorCode.BAD_TYPE, "book"],
  ["book levels not an array", l2With(2, (b) => (b.bids = { price: 1 } as never)), ErrorCode.BAD_TYPE, "book.bids"],
  ["level is a number", l2With(2, (b) => (b.asks[1] = 5 as never)), ErrorCode.BAD_TYPE, "book.asks[1]"],
  ["book.stale not boolean", l2With(2, (b) => (b.stale = "yes")), ErrorCode.BAD_TYPE, "book.stale"],
  ["negative price", JSON.stringify({ ...l1(2), ask_price: -100 }), ErrorCode.BAD_NUMBER, "ask_price"],
  ["zero price", JSON.stringify({ ...l1(2), bid_price: 0 }), ErrorCode.BAD_NUMBER, "bid_price"],
  ["zero qty", JSON.stringify({ ...l1(2), ask_qty: 0 }), ErrorCode.BAD_NUMBER, "ask_qty"],
  ["negative qty", JSON.stringify({ ...l1(2), bid_qty: -0.5 }), ErrorCode.BAD_NUMBER, "bid_qty"],
  ["1e999 price (parses to Infinity)", withRaw(l1(2), "ask_price", "1e999"), ErrorCode.BAD_NUMBER, "ask_price"],
  ["-1e999 qty (parses to -Infinity)", withRaw(l1(2), "ask_qty", "-1e999"), ErrorCode.BAD_NUMBER, "ask_qty"],
  ["zero last_price", JSON.stringify({ ...l1(2), last_price: 0 }), ErrorCode.BAD_NUMBER, "last_price"],
  ["1e999 funding_rate", withRaw(l1(2), "funding_rate", "1e999"), ErrorCode.BAD_NUMBER, "funding_rate"],
  ["fractional ts", JSON.stringify({ ...l1(2), ts: T0 + 2000.5 }), ErrorCode.BAD_NUMBER, "ts"],
  ["negative ts", JSON.stringify({ ...l1(2), ts: -1 }), ErrorCode.BAD_NUMBER, "ts"],
  ["zero level qty", l2With(2, (b) => (b.asks[3].qty = 0)), ErrorCode.BAD_NUMBER, "book.asks[3].qty"],
  ["1e999 level price", l2With(2, (b) => (b.bids[5].price = "@@INF@@")).replace('"@@INF@@"', "1e999"), ErrorCode.BAD_NUMBER, "book.bids[5].price"],
  ["negative book.ts", l2With(2, (b) => (b.ts = -5)), ErrorCode.BAD_NUMBER, "book.ts"],
  ["crossed book (bid > ask)", JSON.stringify({ ...l1(2), bid_price: 101, ask_price: 100.5 }), ErrorCode.CROSSED_BOOK, "bid_price"],
  ["locked book (bid = ask)", JSON.stringify({ ...l1(2), bid_price: 100.5, ask_price: 100.5 }), ErrorCode.CROSSED_BOOK, "bid_price"],
  ["time going backwards", JSON.stringify(l1(0)), ErrorCode.TIME_BACKWARDS, "ts"],
  ["unknown symbol", JSON.stringify(l1(2, "ZZZUSDT")), ErrorCode.UNKNOWN_SYMBOL, "symbol"],
  ["bids not descending", l2With(2, (b) => (b.bids[4].price = 100.5)), ErrorCode.BOOK_ORDER, "book.bids[4].price"],
  ["asks not ascending", l2With(2, (b) => (b.asks[7].price = 99)), ErrorCode.BOOK_ORDER, "book.asks[7].price"],
  ["duplicate ask level", l2With(2, (b) => (b.asks[1].price = b.asks[0].price)), ErrorCode.BOOK_ORDER, "book.asks[1].price"],
];

describe("data: snapshot loader refuses bad rows with code, line and field", () => {
  const t = tmpDir();
  after(t.cleanup);
  const good = [JSON.stringify(l1(0)), JSON.stringify(l1(1))];
  const tail = [JSON.stringify(l1(3)), JSON.stringify(l1(4))];

  for (const [title, line, code, field] of BAD_ROWS) {
    it(`${title} → ${code}${field ? ` at '${field}'` : ""}`, async () => {
      const file = writeLines(path.join(t.dir, `${title.replace(/\W+/g, "_")}.jsonl`), [...good, line, ...tail]);
      const err = await rejection(collect(streamSnapshotFile(file, { symbols: ["AAAUSDT"] })));
      expect(err.code, err.message).to.equal(code);
      expect(err.line, "line number of the bad row").to.equal(3);
      expect(err.field, "field path").to.equal(field);
      expect(err.file).to.equal(file);
      expect(err.message).to.contain(`${file}:3`);
    });
  }

  it("a blank line inside the file is refused (E_PARSE, naming the blank line once a row follows it); trailing blank lines are fine", async () => {
    const inner = writeLines(path.join(t.dir, "blank-inner.jsonl"), [...good, "", ...tail]);
    const err = await rejection(collect(streamSnapshotFile(inner)));
    expect([err.code, err.line]).to.deep.equal([ErrorCode.PARSE, 3]);
    expect(err.detail).to.contain("blank line 3");
    const trailing = writeLines(path.join(t.dir, "blank-trailing.jsonl"), [...good, ...tail, "", ""]);
    expect(await collect(streamSnapshotFile(trailing))).to.have.length(4);
  });

  it("a missing file, a corrupt and a truncated gzip file are E_IO naming the file", async () => {
    const missing = path.join(t.dir, "nope.jsonl");
    const e1 = await rejection(collect(streamSnapshotFile(missing)));
    expect([e1.code, e1.file]).to.deep.equal([ErrorCode.IO, missing]);
    const notGz = path.join(t.dir, "not.jsonl.gz");
    writeFileSync(notGz, "plain text\n");
    const e2 = await rejection(collect(streamSnapshotFile(notGz)));
    expect([e2.code, e2.file, e2.line]).to.deep.equal([ErrorCode.IO, notGz, 1]);
    const rows = Array.from({ length: 3000 }, (_, i) => JSON.stringify(l2(i)));
    const gz = gzipSync(rows.join("\n") + "\n");
    const cut = path.join(t.dir, "cut.jsonl.gz");
    writeFileSync(cut, gz.subarray(0, Math.floor(gz.length / 2)));
    let n = 0;
    const e3 = await rejection(
      (async () => {
        for await (const _ of streamSnapshotFile(cut)) n++;
      })(),
    );
    expect(e3.code).to.equal(ErrorCode.IO);
    expect(n, "rows before the cut are delivered").to.be.greaterThan(0).and.lessThan(3000);
  });

  it("stops reading when the consumer breaks early (no error, file closed)", async () => {
    const file = writeLines(path.join(t.dir, "early.jsonl"), Array.from({ length: 100 }, (_, i) => JSON.stringify(l1(i))));
    let n = 0;
    for await (const _ of streamSnapshotFile(file)) if (++n === 5) break;
    expect(n).to.equal(5);
  });
});

describe("data: lenient mode counts every rejected row", () => {
  const t = tmpDir();
  after(t.cleanup);

  it("accepts the good rows, counts rejections per code and keeps examples", async () => {
    const lines = [
      JSON.stringify(l1(0)), // 1 ok
      "{oops", // 2 E_PARSE
      JSON.stringify(l1(1)), // 3 ok
      JSON.stringify({ ...l1(2), bid_price: -1 }), // 4 E_BAD_NUMBER bid_price
      withRaw(l1(2), "ask_qty", "1e999"), // 5 E_BAD_NUMBER ask_qty
      JSON.stringify({ ...l1(2), bid_price: 200 }), // 6 E_CROSSED_BOOK
      JSON.stringify(l1(2)), // 7 ok
      JSON.stringify(l1(1)), // 8 E_TIME_BACKWARDS
      JSON.stringify(l1(3, "ZZZUSDT")), // 9 E_UNKNOWN_SYMBOL
      JSON.stringify({ ...l1(3), x: 1 }), // 10 E_EXTRA_FIELD
      without(l1(3), "bid_qty"), // 11 E_MISSING_FIELD
      JSON.stringify(l2(3)), // 12 ok (L2)
      l2With(4, (b) => (b.bids[1].price = 1000)), // 13 E_BOOK_ORDER
      JSON.stringify({ ...l1(4), ask_price: "1" }), // 14 E_BAD_TYPE
      JSON.stringify(l1(5)), // 15 ok
    ];
    const file = writeLines(path.join(t.dir, "mixed.jsonl"), lines);
    const report = newLoadReport(file);
    const rows = await collect(streamSnapshotFile(file, { lenient: true, report, symbols: ["AAAUSDT"], maxExamples: 3 }));
    expect(rows.map((r) => r.ts)).to.deep.equal([0, 1, 2, 3, 5].map((i) => T0 + i * 1000));
    expect(report.lines).to.equal(15);
    expect(report.accepted).to.equal(5);
    expect(report.rejectedTotal).to.equal(10);
    expect(report.rejected).to.deep.equal({
      E_PARSE: 1,
      E_BAD_NUMBER: 2,
      E_CROSSED_BOOK: 1,
      E_TIME_BACKWARDS: 1,
      E_UNKNOWN_SYMBOL: 1,
      E_EXTRA_FIELD: 1,
      E_MISSING_FIELD: 1,
      E_BOOK_ORDER: 1,
      E_BAD_TYPE: 1,
    });
    expect(report.accepted + report.rejectedTotal, "nothing dropped silently").to.equal(lines.length);
    expect(report.examples).to.have.length(3);
    expect(report.examples[0]).to.include({ line: 2, code: ErrorCode.PARSE });
    expect(report.examples[1]).to.include({ line: 4, code: ErrorCode.BAD_NUMBER, field: "bid_price" });
    expect(report.examples[2]).to.include({ line: 5, code: ErrorCode.BAD_NUMBER, field: "ask_qty" });
  });

  it("validateFixture --lenient reports the rejections and hash_ok=false; strict refuses", async () => {
    const dir = path.join(t.dir, "fx");
    const w = await FixtureWriter.create(dir, { name: "fx", description: "t", scenario: {}, symbols: [{ symbol: "AAAUSDT", tick_size: 0.01, lot_size: 0.5, min_notional: 5 }], gzip: false });
    for (let i = 0; i < 10; i++) await w.write(l1(i) as unknown as Snapshot);
    await w.close();
    const file = openFixture(dir).snapshotsPath;
    const lines = (await collect(streamSnapshotFile(file))).map((r) => JSON.stringify(r));
    lines[6] = JSON.stringify({ ...l1(6), ask_qty: 0 });
    writeLines(file, lines);
    const s = await validateFixture(dir, { lenient: true });
    expect(s.rows).to.equal(9);
    expect(s.report.rejected).to.deep.equal({ E_BAD_NUMBER: 1 });
    expect(s.hash_ok).to.equal(false);
    const err = await rejection(validateFixture(dir));
    expect([err.code, err.line, err.field]).to.deep.equal([ErrorCode.BAD_NUMBER, 7, "ask_qty"]);
  });
});

describe("data: gzip and plain files", () => {
  const t = tmpDir();
  after(t.cleanup);

  it("give the same rows, and the same error lines", async () => {
    const lines = Array.from({ length: 2500 }, (_, i) => JSON.stringify(i % 3 ? l1(i) : l2(i, 12)));
    const plain = writeLines(path.join(t.dir, "s.jsonl"), lines);
    const gz = writeLines(path.join(t.dir, "s.jsonl.gz"), lines);
    const a = await collect(streamSnapshotFile(plain));
    const b = await collect(streamSnapshotFile(gz));
    expect(a).to.have.length(2500);
    expect(b).to.deep.equal(a);
    lines[1776] = JSON.stringify({ ...l1(1776), bid_qty: -1 });
    const e1 = await rejection(collect(streamSnapshotFile(writeLines(plain, lines))));
    const e2 = await rejection(collect(streamSnapshotFile(writeLines(gz, lines))));
    expect([e1.code, e1.line, e1.field]).to.deep.equal([ErrorCode.BAD_NUMBER, 1777, "bid_qty"]);
    expect([e2.code, e2.line, e2.field]).to.deep.equal([e1.code, e1.line, e1.field]);
  });

  it("a fixture written gzipped and plain validates to the same content hash", async () => {
    const symbols = [{ symbol: "AAAUSDT", tick_size: 0.01, lot_size: 0.5, min_notional: 5 }];
    const hashes: string[] = [];
    for (const gzip of [false, true]) {
      const dir = path.join(t.dir, gzip ? "fx-gz" : "fx-plain");
      const w = await FixtureWriter.create(dir, { name: "fx", description: "t", scenario: {}, symbols, gzip });
      for (let i = 0; i < 300; i++) await w.write((i % 2 ? l1(i) : l2(i)) as unknown as Snapshot);
      const m = await w.close();
      expect(m.snapshots).to.equal(gzip ? "snapshots.jsonl.gz" : "snapshots.jsonl");
      const s = await validateFixture(dir);
      expect(s.hash_ok).to.equal(true);
      hashes.push(s.content_sha256);
      expect((await collect(streamFixture(dir))).length).to.equal(300);
    }
    expect(hashes[1]).to.equal(hashes[0]);
  });

  for (const gzip of [false, true]) {
    it(`a long write leaves no listeners behind on the file stream (${gzip ? "gzip" : "plain"})`, async () => {
      const dir = path.join(t.dir, gzip ? "fx-long-gz" : "fx-long");
      const w = await FixtureWriter.create(dir, { name: "fx", description: "t", scenario: {}, symbols: [{ symbol: "AAAUSDT", tick_size: 0.01, lot_size: 0.5, min_notional: 5 }], gzip });
      const file = (w as unknown as { fileStream: NodeJS.WritableStream }).fileStream;
      const sink = (w as unknown as { sink: NodeJS.WritableStream }).sink;
      const before = { close: file.listenerCount("close"), error: file.listenerCount("error"), drain: sink.listenerCount("drain") };
      let drains = 0;
      sink.on("drain", () => drains++);
      // ≈ 2.5 MB of lines: dozens of 64 KB batches, each one a write the stream must drain
      for (let i = 0; i < 20_000; i++) await w.write(l1(i) as unknown as Snapshot);
      expect(drains, "the writes waited for the stream").to.be.greaterThan(11);
      expect(file.listenerCount("close"), "close listeners").to.equal(before.close);
      expect(file.listenerCount("error"), "error listeners").to.equal(before.error);
      expect(sink.listenerCount("drain"), "drain listeners").to.equal(before.drain + 1);
      await w.close();
      expect((await validateFixture(dir)).rows).to.equal(20_000);
    });
  }
});
