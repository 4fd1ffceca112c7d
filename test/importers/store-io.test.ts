import { expect } from "chai";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { float64, tableFromArrays, tableToIPC } from "@uwdata/flechette";
import { l1Line, L1LineBytes, openColumnarStore, scanColumnar, shortDecimal, symbolJsonBytes, writeColumnarStore } from "../../sdk/data/store";
import { importBookTickerCsv } from "../../sdk/data/importers";
import { GrinderError } from "../../sdk/contracts/errors";
import type { Snapshot } from "../../sdk/contracts/market";
import { BTC_CSV, expectGrinderError, tmpDir } from "./helpers";

const text = (b: Uint8Array, at: number, n: number): string => Buffer.from(b.subarray(at, at + n)).toString("latin1");

/** Every row of a store as plain objects, through scanColumnar with or without read-ahead. */
function rowsOf(dir: string, prefetch: boolean): Snapshot[] {
  const out: Snapshot[] = [];
  scanColumnar(openColumnarStore(dir), (s) => void out.push({ ...s }), { prefetch });
  return out;
}

describe("columnar store I/O: read-ahead worker, column-batch import, byte lines (ADR-155/156)", function () {
  this.timeout(120_000);

  it("shortDecimal prints String(x) whenever it answers (random decimals and doubles, seeded), and declines exponent-range values", () => {
    const b = new Uint8Array(64);
    const dec = fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 10 ** 15 - 1 }), fc.boolean()).map(([f, m, neg]) => (neg ? -m : m) / 10 ** f);
    const dbl = fc.double({ noNaN: true, noDefaultInfinity: true });
    let answered = 0;
    fc.assert(
      fc.property(fc.oneof(dec, dbl), (x) => {
        const n = shortDecimal(x, b, 5);
        if (n > 0) {
          answered++;
          expect(text(b, 5, n)).to.equal(Object.is(x, -0) ? "0" : String(x));
        }
      }),
      { seed: 156, numRuns: 20_000 },
    );
    expect(answered).to.be.greaterThan(5_000);
    for (const x of [59123.4, 0.001, 0.000001, 1e-6, 100, -0.0001]) expect(text(b, 0, shortDecimal(x, b, 0))).to.equal(String(x));
    for (const x of [1e-7, 1e15, 1e21, 1 / 3, 0.1 + 0.2]) expect(shortDecimal(x, b, 0)).to.equal(0);
  });

  it("partition bytes: untyped Float64Array columns encode exactly as declared float64() columns (ADR-191: hashes unchanged)", () => {
    for (const n of [1, 65_536, 65_537, 150_001]) {
      const cols = ["seq", "ts", "bid_price", "last_price"].map((c, k) => {
        const a = new Float64Array(n + 3);
        for (let i = 0; i < a.length; i++) a[i] = k === 3 && i % 3 ? NaN : Math.sin(i * (k + 1)) * 1000;
        return [c, a.subarray(1, n + 1)] as const;
      });
      const data = Object.fromEntries(cols);
      const typed = tableToIPC(tableFromArrays(data, { types: Object.fromEntries(cols.map(([c]) => [c, float64()])), maxBatchRows: 65_536 }), { format: "file" })!;
      const untyped = tableToIPC(tableFromArrays(data, { maxBatchRows: 65_536 }), { format: "file" })!;
      expect(Buffer.compare(Buffer.from(untyped), Buffer.from(typed)), `n=${n}`).to.equal(0);
    }
  });

  it("L1LineBytes gives the bytes of l1Line's text row after row, across buffer flushes (property, seeded)", () => {
    const v = fc.oneof(fc.constantFrom(0.1, 0.3, 100, 2000.5, -0, 0, 1e-7, 1e21, -1.2345678901234567e-300), fc.double({ min: -1e9, max: 1e9, noNaN: true, noDefaultInfinity: true }));
    const opt = fc.option(v, { nil: undefined });
    const ts = fc.oneof(fc.integer({ min: 0, max: 2 ** 45 }), fc.constantFrom(0, 7, 999_999, 1_000_000, 1_000_001, 1_000_010, 1_722_902_400_000, 1_722_902_400_123));
    const row = fc.tuple(ts, v, v, v, v, opt, opt);
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 60 }), fc.stringMatching(/^[A-Z0-9_\-.]{1,12}$/), (rows, sym) => {
        const got: Buffer[] = [];
        const w = new L1LineBytes((b) => got.push(Buffer.from(b)), 700); // small buffer: several flushes
        const sj = symbolJsonBytes(sym);
        let want = "";
        for (const r of rows.flatMap((x) => [x, x])) {
          const [ts, bp, bq, ap, aq, lp, fr] = r;
          w.line(sj, ts, bp, bq, ap, aq, lp ?? NaN, fr ?? NaN);
          want += l1Line(JSON.stringify(sym), ts, bp, bq, ap, aq, lp ?? NaN, fr ?? NaN);
        }
        w.flush();
        expect(Buffer.concat(got).toString("utf8")).to.equal(want);
        expect(got.length).to.be.greaterThan(rows.length > 20 ? 1 : 0);
      }),
      { seed: 156, numRuns: 200 },
    );
  });

  it("the real bookTicker CSV into a store: column batches give the same manifest (content and partition hashes) as the Snapshot path; report filled", async () => {
    const inst = { symbol: "BTCUSDT", tick_size: 0.1, lot_size: 0.001, min_notional: 0 };
    const base = tmpDir("store-io");
    const imp = importBookTickerCsv(BTC_CSV, { instrument: inst, reuse: true });
    const a = await writeColumnarStore(path.join(base, "cols"), imp, { name: "btc", instruments: [inst], part_rows: 20_000 });
    expect(imp.report.emitted).to.equal(66_089);
    expect(imp.report.instrument).to.deep.equal(inst);
    const first = imp.report.first_ts;
    // the same rows through the async Snapshot iterator (l1Columns hidden)
    const it = importBookTickerCsv(BTC_CSV, { instrument: inst, reuse: true });
    const rowsOnly: AsyncIterable<Snapshot> = { [Symbol.asyncIterator]: () => it[Symbol.asyncIterator]() };
    const b = await writeColumnarStore(path.join(base, "rows"), rowsOnly, { name: "btc", instruments: [inst], part_rows: 20_000 });
    expect(a).to.deep.equal(b);
    expect(a.partitions.length).to.be.greaterThan(3);
    expect(it.report.first_ts).to.equal(first);
    expect(it.report.emitted).to.equal(66_089);
  });

  it("a bad CSV row through the column path is a typed error with file/line/field, and no store folder is left", async () => {
    const base = tmpDir("store-io-bad");
    const csv = path.join(base, "BTCUSDT-bookTicker-bad.csv");
    const lines = readFileSync(BTC_CSV, "utf8").split("\n").slice(0, 200);
    lines[150] = lines[150].replace(/,([0-9.]+),/, ",abc,");
    writeFileSync(csv, lines.join("\n"));
    const inst = { symbol: "BTCUSDT", tick_size: 0.1, lot_size: 0.001, min_notional: 0 };
    const out = path.join(base, "st");
    await expectGrinderError(writeColumnarStore(out, importBookTickerCsv(csv, { instrument: inst, reuse: true }), { name: "bad", instruments: [inst] }), "E_BAD_NUMBER", 151, "best_bid_price", csv);
    expect(existsSync(out)).to.equal(false);
    expect(readdirSync(base).filter((f) => f.startsWith("st"))).to.deep.equal([]);
  });

  it("read-ahead gives exactly the rows of synchronous reads (two symbols, many partitions, early stop), and a tampered later partition is the same E_HASH_MISMATCH after the same rows", async () => {
    const inst = [
      { symbol: "AAA", tick_size: 0.1, lot_size: 0.001, min_notional: 0 },
      { symbol: "BB-B", tick_size: 0.01, lot_size: 0.01, min_notional: 0 },
    ];
    const rows: Snapshot[] = [];
    for (let i = 0; i < 30_000; i++) {
      const sym = i % 3 === 0 ? "BB-B" : "AAA";
      const p = 100 + (i % 97) * 0.1;
      rows.push({ ts: 1_700_000_000_000 + i * 7_000, symbol: sym, bid_price: p, bid_qty: 1 + (i % 5), ask_price: p + 0.1, ask_qty: 2, ...(i % 11 === 0 ? { last_price: p } : {}) });
    }
    const dir = path.join(tmpDir("store-io-pre"), "st");
    const m = await writeColumnarStore(dir, rows, { name: "pre", instruments: inst, part_rows: 1_500, batch_rows: 500 });
    expect(m.partitions.length).to.be.greaterThan(15);
    const sync = rowsOf(dir, false);
    const pre = rowsOf(dir, true);
    expect(pre).to.deep.equal(sync);
    expect(pre.length).to.equal(30_000);
    let seen = 0;
    expect(scanColumnar(openColumnarStore(dir), () => ++seen < 12_345)).to.equal(12_345);
    // tamper a partition in the middle of the second symbol's files
    const p = m.partitions.filter((x) => x.symbol === "BB-B")[3];
    const file = path.join(dir, p.file);
    const bytes = readFileSync(file);
    bytes[bytes.length >> 1] ^= 1;
    writeFileSync(file, bytes);
    const run = (prefetch: boolean): { n: number; err: GrinderError } => {
      let n = 0;
      try {
        scanColumnar(openColumnarStore(dir), () => void n++, { prefetch });
      } catch (e) {
        return { n, err: e as GrinderError };
      }
      throw new Error("tampered store read without error");
    };
    const a = run(false);
    const b = run(true);
    expect(b.err).to.be.instanceOf(GrinderError);
    expect([b.err.code, b.err.file, b.err.field, b.err.message]).to.deep.equal([a.err.code, a.err.file, a.err.field, a.err.message]);
    expect(b.err.code).to.equal("E_HASH_MISMATCH");
    expect(b.n).to.equal(a.n);
    expect(a.n).to.be.greaterThan(0);
  });
});
