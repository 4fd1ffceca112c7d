import { expect } from "chai";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { BookTickerCsvParser, importBookTickerCsv } from "../../sdk/data/importers";
import { GrinderError } from "../../sdk/contracts/errors";
import type { Snapshot } from "../../sdk/contracts/market";
import { l1Line, writeColumnarStore } from "../../sdk/data/store";
import { tmpDir } from "./helpers";
import { BOOKTICKER_SCAN_WASM_BASE64, BOOKTICKER_SCAN_WASM_SHA256 } from "../../sdk/data/importers/bookticker-scan-wasm";
import { genCsv, rng } from "./bookticker-gen";

/**
 * ADR-192: the bookTicker parser's one-pass fast path (common-form rows) and the canonical lines
 * it renders from the field text must give exactly what the reference path gives: the same
 * values as `Number(field)`, the same refusals, and line bytes equal to `l1Line` of the values.
 */
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

  it("ADR-252: the WebAssembly fast path gives the rows, line bytes, lenient report and strict error of the JavaScript path, whatever the chunk boundaries (property, seeded)", () => {
    let taken = 0;
    let total = 0;
    const run = (body: Buffer, cuts: number[], wasm: boolean, lenient: boolean): { rows: number[][]; lines: string; report: unknown; err: unknown; wasmRows: number } => {
      const p = new BookTickerCsvParser("x.csv", lenient);
      p.trackSteps = false; // tick and lot given: the store import's setting, where the module runs
      p.renderLines("BTC-USD_X", { wasm });
      const rows: number[][] = [];
      let lines = "";
      let err: unknown;
      try {
        feed(p, body, cuts, (r, l) => {
          rows.push(...r);
          lines += l;
        });
      } catch (e) {
        err = e instanceof GrinderError ? { code: e.code, message: e.message, line: e.line, field: e.field } : e;
      }
      return { rows, lines, report: JSON.parse(JSON.stringify(p.report)), err, wasmRows: p.wasmRowsTaken };
    };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 30 }), fc.boolean(), fc.boolean(), fc.uniqueArray(fc.integer({ min: 1, max: 20_000 }), { maxLength: 6 }), (seed, header, lenient, cutsRaw) => {
        const g = genCsv(rng(seed), 150, header, 1_723_161_256_313, lenient ? 40 : 400);
        const body = Buffer.from(g.lines.join("\n") + "\n", "latin1");
        const cuts = [...new Set(cutsRaw.map((c) => c % body.length).filter((c) => c > 0))].sort((a, b) => a - b);
        const js = run(body, cuts, false, lenient);
        const wa = run(body, cuts, true, lenient);
        expect(js.wasmRows).to.equal(0);
        expect(wa.rows).to.deep.equal(js.rows);
        expect(wa.lines).to.equal(js.lines);
        expect(wa.report).to.deep.equal(js.report);
        expect(wa.err).to.deep.equal(js.err);
        taken += wa.wasmRows;
        total += wa.rows.length;
      }),
      { seed: 252, numRuns: 200 },
    );
    // the module took most rows (the generator writes many rows in forms it leaves to the parser)
    expect(taken).to.be.greaterThan(total * 0.3);
  });

  it("ADR-252: the committed module is the compile of wasm/bookticker-scan.ts by the pinned AssemblyScript (scripts/build-wasm.cjs --check)", () => {
    const r = spawnSync(process.execPath, [path.join(__dirname, "..", "..", "scripts", "build-wasm.cjs"), "--check"], { encoding: "utf8" });
    expect(r.stderr).to.equal("");
    expect(r.status).to.equal(0);
    expect(r.stdout).to.match(/bookticker-scan-wasm\.ts is current/);
    const bytes = Buffer.from(BOOKTICKER_SCAN_WASM_BASE64, "base64");
    expect(createHash("sha256").update(bytes).digest("hex")).to.equal(BOOKTICKER_SCAN_WASM_SHA256);
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
