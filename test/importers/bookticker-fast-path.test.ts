import { expect } from "chai";
import fc from "fast-check";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { BookTickerCsvParser, importBookTickerCsv } from "../../sdk/data/importers";
import { GrinderError } from "../../sdk/contracts/errors";
import type { Snapshot } from "../../sdk/contracts/market";
import { l1Line, writeColumnarStore } from "../../sdk/data/store";
import { tmpDir } from "./helpers";

/**
 * ADR-192: the bookTicker parser's one-pass fast path (common-form rows) and the canonical lines
 * it renders from the field text must give exactly what the reference path gives: the same
 * values as `Number(field)`, the same refusals, and line bytes equal to `l1Line` of the values.
 */
const HEADER = "update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,transaction_time,event_time";

/** A decimal m·10^-f written in one of several textual forms, all of which `Number` reads as the same value. */
function decimalText(m: number, f: number, form: number): string {
  let s = String(m).padStart(f + 1, "0");
  s = f ? `${s.slice(0, s.length - f)}.${s.slice(s.length - f)}` : s;
  switch (form) {
    case 1: return s + (f ? "00" : ".0"); // trailing zeros
    case 2: return "0" + s; // leading zero
    case 3: return s.startsWith("0.") ? s.slice(1) : s; // ".5"
    case 4: return f ? s : s + "."; // "5."
    case 5: return (m / 10 ** f).toExponential(); // exponent: slow path
    case 6: return (f ? s : s + ".") + "0000000000000"; // more than 15 digits: the reference path
    default: return s;
  }
}

interface Rng {
  nextInt(min: number, max: number): number;
}
/** Seeded generator for the test data (mulberry32). */
function rng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { nextInt: (min, max) => min + Math.floor(next() * (max - min + 1)) };
}

interface Gen {
  lines: string[];
  /** Accepted rows as numbers, in order. */
  rows: number[][];
  /** 1-based line numbers of the refused rows. */
  bad: number[];
}

/** Rows with increasing ids and times, prices in random forms; some rows bad (lenient skips them). */
function genCsv(r: Rng, nRows: number, header: boolean, t0 = 1_723_161_256_313): Gen {
  const lines: string[] = header ? [HEADER] : [];
  const rows: number[][] = [];
  const bad: number[] = [];
  let id = 5_123_107_839_020;
  let t = t0;
  let lastGood = id;
  for (let k = 0; k < nRows; k++) {
    id += r.nextInt(1, 500);
    t += r.nextInt(0, 3);
    const f = r.nextInt(0, 8);
    const scale = r.nextInt(0, 2) === 0 ? 1 : r.nextInt(0, 1) ? 1e-4 : 1e4; // small, usual and large magnitudes
    const bidM = Math.max(1, Math.round(r.nextInt(1, 9_999_999) * scale));
    const askM = bidM + r.nextInt(1, 50);
    const qf = r.nextInt(0, 9);
    const bqM = r.nextInt(1, 999_999);
    const aqM = r.nextInt(1, 999_999);
    const form = () => (r.nextInt(0, 9) < 6 ? 0 : r.nextInt(1, 6));
    const bidT = decimalText(bidM, f, form());
    const askT = decimalText(askM, f, form());
    const bqT = decimalText(bqM, qf, form());
    const aqT = decimalText(aqM, qf, form());
    const tt = String(t - r.nextInt(0, 5));
    const et = r.nextInt(0, 30) === 0 ? "0" + String(t) : String(t); // leading zero: printed, not copied
    let line = `${id},${bidT},${bqT},${askT},${aqT},${tt},${et}`;
    let kind = r.nextInt(0, 40);
    if (kind === 2 && rows.length === 0) kind = 40; // no accepted id to repeat yet
    if (kind === 0) line = line.replace(/,[^,]*,/, ",x1,"); // not a number
    else if (kind === 1) line = `${id},${askT},${bqT},${bidT},${aqT},${tt},${et}`; // crossed
    else if (kind === 2) line = line.replace(/^\d+/, String(lastGood)); // duplicate of the last accepted id
    else if (kind === 3) line = line.split(",").slice(0, 5).join(","); // truncated
    else if (kind === 4) line = `${id},${bidT},0,${askT},${aqT},${tt},${et}`; // zero size
    if (r.nextInt(0, 9) === 0) line += "\r";
    lines.push(line);
    if (kind <= 4) {
      bad.push(lines.length);
      continue;
    }
    lastGood = id;
    rows.push([id, Number(bidT), Number(bqT), Number(askT), Number(aqT), Number(tt), Number(et)]);
  }
  return { lines, rows, bad };
}

function feed(p: BookTickerCsvParser, body: Buffer, cuts: number[], onBatch: (rows: number[][], lines: string) => void): void {
  const take = (b: ReturnType<BookTickerCsvParser["push"]>): void => {
    const rows: number[][] = [];
    for (let i = 0; i < b.n; i++) rows.push([b.update_id[i], b.bid_price[i], b.bid_qty[i], b.ask_price[i], b.ask_qty[i], b.transaction_time[i], b.event_time[i]]);
    onBatch(rows, Buffer.from(p.lineBytes()).toString("latin1"));
  };
  let prev = 0;
  for (const c of [...cuts, body.length]) {
    take(p.push(body.subarray(prev, c)));
    prev = c;
  }
  take(p.end());
}

describe("bookTicker fast path and canonical lines from the field text (ADR-192)", function () {
  this.timeout(120_000);

  it("values, refusals and line bytes equal the reference on rows in many textual forms, whatever the chunk boundaries (property, seeded)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 30 }), fc.boolean(), fc.uniqueArray(fc.integer({ min: 1, max: 20_000 }), { maxLength: 6 }), (seed, header, cutsRaw) => {
        const g = genCsv(rng(seed), 120, header);
        const body = Buffer.from(g.lines.join("\n") + "\n", "latin1");
        const cuts = cutsRaw.map((c) => c % body.length).filter((c) => c > 0).sort((a, b) => a - b);
        const p = new BookTickerCsvParser("x.csv", true);
        p.renderLines("BTCUSDT");
        const got: number[][] = [];
        let lines = "";
        feed(p, Buffer.from(body), [...new Set(cuts)], (rows, l) => {
          got.push(...rows);
          lines += l;
        });
        expect(got).to.deep.equal(g.rows);
        expect(p.report.rejectedTotal).to.equal(g.bad.length);
        expect(p.report.examples.map((e) => e.line)).to.deep.equal(g.bad.slice(0, 20));
        const want = g.rows.map((r) => l1Line('"BTCUSDT"', r[6], r[1], r[2], r[3], r[4], NaN, NaN)).join("");
        expect(lines).to.equal(want);
        // strict mode: the first bad row is the error, at its line
        if (g.bad.length) {
          const q = new BookTickerCsvParser("x.csv", false);
          let err: unknown;
          try {
            feed(q, body, [], () => undefined);
          } catch (e) {
            err = e;
          }
          expect(err).to.be.instanceOf(GrinderError);
          expect((err as GrinderError).line).to.equal(g.bad[0]);
        }
      }),
      { seed: 192, numRuns: 150 },
    );
  });

  it("a store written through the rendered lines equals the one written through the Snapshot path (manifest: content and partition hashes)", async () => {
    const g = genCsv(rng(7), 20_000, true, 86_400_000 * 19_943 - 9_000); // crosses a UTC midnight
    const base = tmpDir("bt-fast");
    const csv = path.join(base, "BTCUSDT-bookTicker-gen.csv");
    writeFileSync(csv, g.lines.join("\n") + "\n");
    const inst = { symbol: "BTCUSDT", tick_size: 1e-12, lot_size: 1e-9, min_notional: 0 };
    const imp = importBookTickerCsv(csv, { instrument: inst, lenient: true, reuse: true });
    const a = await writeColumnarStore(path.join(base, "cols"), imp, { name: "gen", instruments: [inst], part_rows: 3_000 });
    expect(imp.report.rejectedTotal).to.equal(g.bad.length);
    const it = importBookTickerCsv(csv, { instrument: inst, lenient: true, reuse: true });
    const rowsOnly: AsyncIterable<Snapshot> = { [Symbol.asyncIterator]: () => it[Symbol.asyncIterator]() };
    const b = await writeColumnarStore(path.join(base, "rows"), rowsOnly, { name: "gen", instruments: [inst], part_rows: 3_000 });
    expect(a.rows).to.equal(g.rows.length);
    expect(new Set(a.partitions.map((p) => p.date)).size).to.equal(2);
    expect(a).to.deep.equal(b);
  });
});
