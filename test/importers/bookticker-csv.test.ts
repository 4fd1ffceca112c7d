import { expect } from "chai";
import fc from "fast-check";
import { readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import * as path from "node:path";
import { BookTickerCsvParser, importBookTickerCsv, inferBookTickerInstrument, scanBookTickerCsv } from "../../sdk/data/importers";
import { DecimalScanner } from "../../sdk/data/importers/decimal-scan";
import { BTC_CSV, drain, expectGrinderError, HAVE_DATA, tmpDir } from "./helpers";

const HEADER = "update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,transaction_time,event_time";
const ROWS = [
  "5123107839020,61800.20,2.507,61800.30,2.510,1723161256313,1723161256313",
  "5123107840008,61800.20,2.507,61800.30,2.504,1723161256322,1723161256322",
  "5123107840016,61800.20,2.507,61800.30,2.522,1723161256322,1723161256322",
];

function writeCsv(dir: string, name: string, lines: string[]): string {
  const f = path.join(dir, name);
  writeFileSync(f, lines.join("\n") + "\n");
  return f;
}

(HAVE_DATA ? describe : describe.skip)("bookTicker CSV importer on the real BTCUSDT dump", () => {
  it("streams all 66,089 rows with the documented first and last values (ts = event_time)", async () => {
    const imp = importBookTickerCsv(BTC_CSV);
    const snaps = await drain(imp);
    expect(snaps.length).to.equal(66089);
    expect(imp.report.emitted).to.equal(66089);
    expect(imp.report.lines).to.equal(66090, "header + 66,089 rows");
    expect(imp.report.counts.header).to.equal(1);
    expect(imp.report.rejectedTotal).to.equal(0);
    expect(snaps[0]).to.deep.equal({ ts: 1723161256313, symbol: "BTCUSDT", bid_price: 61800.2, bid_qty: 2.507, ask_price: 61800.3, ask_qty: 2.51 });
    expect(snaps[snaps.length - 1]).to.deep.equal({ ts: 1723161600709, symbol: "BTCUSDT", bid_price: 61659.7, bid_qty: 1.486, ask_price: 61659.8, ask_qty: 0.981 });
    expect(imp.report.first_ts).to.equal(1723161256313);
    expect(imp.report.last_ts).to.equal(1723161600709);
  });

  it("infers tick 0.1 and lot 0.001 (the README's values) and records that they were inferred", async () => {
    const { spec, inferred } = await inferBookTickerInstrument(BTC_CSV);
    expect(spec).to.deep.equal({ symbol: "BTCUSDT", tick_size: 0.1, lot_size: 0.001, min_notional: 0 });
    expect(inferred).to.equal(true);
    const given = await inferBookTickerInstrument(BTC_CSV, { instrument: { tick_size: 0.1, lot_size: 0.001, min_notional: 5 } });
    expect(given.inferred).to.equal(false);
    expect(given.spec.min_notional).to.equal(5);
  });

  it("every parsed value equals Number() of the field text (byte parser is exact)", async () => {
    const text = readFileSync(BTC_CSV, "latin1").split("\n").slice(1).filter((l) => l.length);
    let k = 0;
    let mismatches = 0;
    await scanBookTickerCsv(BTC_CSV, {
      onBatch: (b) => {
        for (let i = 0; i < b.n; i++, k++) {
          const f = text[k].split(",").map(Number);
          if (b.update_id[i] !== f[0] || b.bid_price[i] !== f[1] || b.bid_qty[i] !== f[2] || b.ask_price[i] !== f[3] || b.ask_qty[i] !== f[4] || b.transaction_time[i] !== f[5] || b.event_time[i] !== f[6]) mismatches++;
        }
      },
    });
    expect(k).to.equal(66089);
    expect(mismatches).to.equal(0);
  });
});

describe("bookTicker CSV importer", () => {
  it("accepts a file without header, with CRLF, without final newline, and gzip-compressed, identically", async () => {
    const dir = tmpDir("bt");
    const a = await drain(importBookTickerCsv(writeCsv(dir, "BTCUSDT-bookTicker-a.csv", [HEADER, ...ROWS])));
    const noHeader = await drain(importBookTickerCsv(writeCsv(dir, "BTCUSDT-bookTicker-b.csv", ROWS)));
    const crlf = path.join(dir, "BTCUSDT-bookTicker-c.csv");
    writeFileSync(crlf, [HEADER, ...ROWS].join("\r\n"));
    const gz = path.join(dir, "BTCUSDT-bookTicker-d.csv.gz");
    writeFileSync(gz, gzipSync([HEADER, ...ROWS].join("\n") + "\n"));
    expect(a.length).to.equal(3);
    expect(noHeader).to.deep.equal(a);
    expect(await drain(importBookTickerCsv(crlf))).to.deep.equal(a);
    expect(await drain(importBookTickerCsv(gz))).to.deep.equal(a);
  });

  it("a UTF-8 byte order mark before the first line is not data (ADR-244): same rows with or without a header, CRLF, gzip; elsewhere it is refused", async () => {
    const dir = tmpDir("bt-bom");
    const a = await drain(importBookTickerCsv(writeCsv(dir, "BTCUSDT-bookTicker-a.csv", [HEADER, ...ROWS])));
    const bom = (name: string, text: string): string => {
      const f = path.join(dir, name);
      writeFileSync(f, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
      return f;
    };
    expect(await drain(importBookTickerCsv(bom("BTCUSDT-bookTicker-b1.csv", [HEADER, ...ROWS].join("\r\n") + "\r\n")))).to.deep.equal(a);
    expect(await drain(importBookTickerCsv(bom("BTCUSDT-bookTicker-b2.csv", ROWS.join("\n") + "\n")))).to.deep.equal(a);
    const gz = path.join(dir, "BTCUSDT-bookTicker-b3.csv.gz");
    writeFileSync(gz, gzipSync(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from([HEADER, ...ROWS].join("\n") + "\n")])));
    expect(await drain(importBookTickerCsv(gz))).to.deep.equal(a);
    // only before the first line: on line 2 it is a bad number
    const f = path.join(dir, "BTCUSDT-bookTicker-b5.csv");
    writeFileSync(f, Buffer.concat([Buffer.from(HEADER + "\n"), Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(ROWS.join("\n") + "\n")]));
    await expectGrinderError(drain(importBookTickerCsv(f)), "E_BAD_NUMBER", 2, "update_id");
  });

  it("gives the same rows whatever the chunk boundaries (property)", () => {
    const more = ROWS.map((r, i) => r.replace(/^5123107/, `51231${i + 1}9`).replace(/172316125/g, "172316126"));
    const body = Buffer.from([HEADER, ...ROWS, ...more].join("\n") + "\n");
    const whole = new BookTickerCsvParser("x.csv");
    const ref: number[] = [];
    const collect = (b: { n: number; update_id: Float64Array; bid_price: Float64Array; ask_qty: Float64Array; event_time: Float64Array }, out: number[]): void => {
      for (let i = 0; i < b.n; i++) out.push(b.update_id[i], b.bid_price[i], b.ask_qty[i], b.event_time[i]);
    };
    collect(whole.push(body), ref); // the batch is reused: read it before the next call
    collect(whole.end(), ref);
    expect(ref.length).to.equal(24);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: body.length - 1 }), { maxLength: 8 }), (cuts) => {
        cuts.sort((x, y) => x - y);
        const p = new BookTickerCsvParser("x.csv");
        const got: number[] = [];
        let prev = 0;
        for (const c of [...cuts, body.length]) {
          collect(p.push(body.subarray(prev, c)), got);
          prev = c;
        }
        collect(p.end(), got);
        expect(got).to.deep.equal(ref);
      }),
    );
  });

  it("DecimalScanner equals Number() on decimal text (property)", () => {
    const sc = new DecimalScanner();
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{1,18}(\.[0-9]{1,12})?$/), (t) => {
        const v = sc.num(Buffer.from(t + ",", "latin1"), 0, t.length + 1, "f");
        expect(Object.is(v, Number(t)), `${t}: ${v} vs ${Number(t)}`).to.equal(true);
        expect(sc.pos).to.equal(t.length);
      }),
      { numRuns: 2000 },
    );
  });

  it("takes the symbol from --symbol or the file name, and refuses when neither gives one", async () => {
    const dir = tmpDir("bt");
    const f = writeCsv(dir, "BTCUSDT-bookTicker-x.csv", ROWS);
    expect((await drain(importBookTickerCsv(f, { symbol: "XBT" })))[0].symbol).to.equal("XBT");
    const g = writeCsv(dir, "quotes.csv", ROWS);
    expect(() => importBookTickerCsv(g)).to.throw(/no symbol given/);
  });

  it("iterating an import twice gives the same rows and a fresh report each time", async () => {
    const dir = tmpDir("bt");
    const imp = importBookTickerCsv(writeCsv(dir, "BTCUSDT-bookTicker-x.csv", [HEADER, ...ROWS]));
    const a = await drain(imp);
    const b = await drain(imp);
    expect(b).to.deep.equal(a);
    expect(imp.report.emitted).to.equal(3);
    expect(imp.report.counts).to.deep.equal({ header: 1 });
  });

  it("reuse mode yields one object updated in place with the same values", async () => {
    const dir = tmpDir("bt");
    const f = writeCsv(dir, "BTCUSDT-bookTicker-x.csv", ROWS);
    const seen: Array<{ same: boolean; ask_qty: number }> = [];
    let first: unknown;
    for await (const s of importBookTickerCsv(f, { reuse: true })) {
      first ??= s;
      seen.push({ same: s === first, ask_qty: s.ask_qty });
    }
    expect(seen).to.deep.equal([
      { same: true, ask_qty: 2.51 },
      { same: true, ask_qty: 2.504 },
      { same: true, ask_qty: 2.522 },
    ]);
  });
});

describe("bookTicker CSV importer: bad input", () => {
  const cases: Array<{ name: string; line: string; code: string; field: string }> = [
    { name: "truncated line", line: "5123107840100,61800.20,2.507,61800.30", code: "E_PARSE", field: "best_ask_qty" },
    { name: "non-numeric field", line: "5123107840100,61800.20,abc,61800.30,2.5,1723161256400,1723161256400", code: "E_BAD_NUMBER", field: "best_bid_qty" },
    { name: "empty field", line: "5123107840100,61800.20,2.5,,2.5,1723161256400,1723161256400", code: "E_PARSE", field: "best_ask_price" },
    { name: "zero quantity", line: "5123107840100,61800.20,0,61800.30,2.5,1723161256400,1723161256400", code: "E_BAD_NUMBER", field: "best_bid_qty" },
    { name: "extra field", line: "5123107840100,61800.20,2.5,61800.30,2.5,1723161256400,1723161256400,7", code: "E_PARSE", field: "column 8" },
    { name: "crossed quote", line: "5123107840100,61800.40,2.5,61800.30,2.5,1723161256400,1723161256400", code: "E_CROSSED_BOOK", field: "best_bid_price" },
    { name: "duplicated update id", line: "5123107840016,61800.20,2.5,61800.30,2.5,1723161256400,1723161256400", code: "E_SEQUENCE", field: "update_id" },
    { name: "out-of-order update id", line: "5123107840010,61800.20,2.5,61800.30,2.5,1723161256400,1723161256400", code: "E_SEQUENCE", field: "update_id" },
    { name: "event time backwards", line: "5123107840100,61800.20,2.5,61800.30,2.5,1723161256000,1723161256000", code: "E_TIME_BACKWARDS", field: "event_time" },
    { name: "fractional update id", line: "5123107840100.5,61800.20,2.5,61800.30,2.5,1723161256400,1723161256400", code: "E_BAD_NUMBER", field: "update_id" },
  ];
  for (const c of cases) {
    it(`${c.name}: strict → ${c.code} at line 5, field ${c.field}; lenient → counted skip`, async () => {
      const dir = tmpDir("bt");
      const f = writeCsv(dir, "BTCUSDT-bookTicker-bad.csv", [HEADER, ...ROWS, c.line, "5123107840200,61800.20,2.5,61800.30,2.5,1723161256500,1723161256500"]);
      await expectGrinderError(drain(importBookTickerCsv(f)), c.code, 5, c.field, f);
      const imp = importBookTickerCsv(f, { lenient: true });
      const snaps = await drain(imp);
      expect(snaps.length).to.equal(4, "the bad row is skipped, the rows around it kept");
      expect(imp.report.rejectedTotal).to.equal(1);
      expect(imp.report.rejected).to.deep.equal({ [c.code]: 1 });
      expect(imp.report.examples[0]).to.include({ line: 5, code: c.code, field: c.field });
    });
  }

  it("a blank line inside the file is refused; trailing blank lines are counted", async () => {
    const dir = tmpDir("bt");
    const f = writeCsv(dir, "BTCUSDT-bookTicker-blank.csv", [HEADER, ROWS[0], "", ROWS[1]]);
    await expectGrinderError(drain(importBookTickerCsv(f)), "E_PARSE", 3, undefined, f);
    const g = writeCsv(dir, "BTCUSDT-bookTicker-trail.csv", [HEADER, ROWS[0], "", ""]);
    const imp = importBookTickerCsv(g);
    expect((await drain(imp)).length).to.equal(1);
    expect(imp.report.counts.trailing_blank_lines).to.equal(2);
  });

  it("a header-only file streams nothing and leaves the instrument unset; inference then refuses", async () => {
    const dir = tmpDir("bt");
    const f = writeCsv(dir, "BTCUSDT-bookTicker-empty.csv", [HEADER]);
    const imp = importBookTickerCsv(f);
    expect((await drain(imp)).length).to.equal(0);
    expect(imp.report.instrument).to.equal(undefined);
    await expectGrinderError(inferBookTickerInstrument(f), "E_INVALID_ARGUMENT", undefined, undefined, f);
  });

  it("an unexpected header is refused at line 1", async () => {
    const dir = tmpDir("bt");
    const f = writeCsv(dir, "BTCUSDT-bookTicker-hdr.csv", ["id,bid,ask", ...ROWS]);
    await expectGrinderError(drain(importBookTickerCsv(f)), "E_PARSE", 1, "header", f);
  });

  it("lenient mode counts several kinds of bad rows by reason", async () => {
    const dir = tmpDir("bt");
    const f = writeCsv(dir, "BTCUSDT-bookTicker-mix.csv", [
      HEADER,
      ...ROWS,
      "5123107840016,61800.20,2.5,61800.30,2.5,1723161256400,1723161256400",
      "5123107840100,61800.40,2.5,61800.30,2.5,1723161256400,1723161256400",
      "5123107840101,61800.20,x,61800.30,2.5,1723161256400,1723161256400",
      "5123107840102,61800.20",
      "5123107840103,61800.20,2.5,61800.30,2.5,1723161256400,1723161256400",
    ]);
    const imp = importBookTickerCsv(f, { lenient: true });
    expect((await drain(imp)).length).to.equal(4);
    expect(imp.report.rejected).to.deep.equal({ E_SEQUENCE: 1, E_CROSSED_BOOK: 1, E_BAD_NUMBER: 1, E_PARSE: 1 });
    expect(imp.report.rejectedTotal).to.equal(4);
  });
});
