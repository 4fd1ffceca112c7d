import { expect } from "chai";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { openFixture, streamFixture } from "../../sdk/data/fixture";
import { columnarContentHash, columnarSnapshots, L1LineWriter, l1Line, openColumnarStore, scanColumnar, writeColumnarStore } from "../../sdk/data/store";
import { runReplay } from "../../sdk/engine/run";
import type { Snapshot } from "../../sdk/contracts/market";
import { expectGrinderError, tmpDir } from "./helpers";

const ROOT = path.resolve(__dirname, "..", "..");
const FX = (n: string) => path.join(ROOT, "fixtures", n);
const copy = (s: Snapshot): Snapshot => ({ ...s });

describe("columnar store: batch scan into one holder, cached line text, runReplay({ store }) (ADR-125)", function () {
  this.timeout(300_000);

  it("L1LineWriter gives l1Line's text row after row (property over runs with repeated values, seeded)", () => {
    const v = fc.oneof(fc.constantFrom(0.1, 0.3, 100, 2000.5, -0, 0), fc.double({ min: 1e-8, max: 1e9, noNaN: true, noDefaultInfinity: true }));
    const opt = fc.option(v, { nil: undefined });
    const row = fc.tuple(fc.integer({ min: 0, max: 2 ** 45 }), v, v, v, v, opt, opt);
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 40 }), fc.stringMatching(/^[A-Z0-9_\-]{1,12}$/), (rows, sym) => {
        const w = new L1LineWriter();
        const sj = JSON.stringify(sym);
        // repeat every row once so the cache is hit, then continue
        for (const r of rows.flatMap((x) => [x, x])) {
          const [ts, bp, bq, ap, aq, lp, fr] = r;
          expect(w.line(sj, ts, bp, bq, ap, aq, lp ?? NaN, fr ?? NaN)).to.equal(l1Line(sj, ts, bp, bq, ap, aq, lp ?? NaN, fr ?? NaN));
        }
      }),
      { seed: 125, numRuns: 300 },
    );
  });

  it("scanColumnar visits the rows of columnarSnapshots in the same order with the same fields (multi-symbol, optional fields); early stop", async () => {
    const inst = [
      { symbol: "AAA", tick_size: 0.1, lot_size: 0.001, min_notional: 0 },
      { symbol: "BBB-X", tick_size: 0.01, lot_size: 0.01, min_notional: 0 },
    ];
    const rows: Snapshot[] = [];
    for (let i = 0; i < 3000; i++) {
      const sym = i % 7 < 4 ? "AAA" : "BBB-X";
      const s: Snapshot = { ts: 1_700_000_000_000 + i * 40_000, symbol: sym, bid_price: 100 + (i % 13) * 0.1, bid_qty: 1 + (i % 5), ask_price: 100.1 + (i % 13) * 0.1, ask_qty: 2 };
      if (i % 3 === 0) s.last_price = 100 + (i % 11) * 0.1;
      if (i % 5 === 0) s.funding_rate = -0.0001 * (i % 4);
      rows.push(s);
    }
    const dir = path.join(tmpDir("store-scan"), "two");
    await writeColumnarStore(dir, rows, { name: "two", instruments: inst, part_rows: 700, batch_rows: 128 });
    const st = openColumnarStore(dir);
    const viaGen = [...columnarSnapshots(st)];
    const viaScan: Snapshot[] = [];
    const holders = new Set<Snapshot>();
    const n = scanColumnar(st, (s) => {
      holders.add(s);
      viaScan.push(copy(s));
    });
    expect(n).to.equal(3000);
    expect(holders.size).to.equal(1); // one reused holder, no object per row
    expect(viaScan).to.deep.equal(viaGen);
    expect(viaScan).to.deep.equal(rows);
    let seen = 0;
    expect(scanColumnar(st, () => ++seen < 10)).to.equal(10);
    expect(columnarContentHash(st)).to.equal((await writeColumnarStore(path.join(tmpDir("store-scan"), "again"), rows, { name: "again", instruments: inst })).content_sha256);
  });

  it("runReplay({ store }) gives the fixture's committed digest, also with a window, and equals the snapshots path", async () => {
    const fx = openFixture(FX("range_day_l1"));
    const dir = path.join(tmpDir("store-scan"), "rd");
    await writeColumnarStore(dir, streamFixture(fx), { name: "range_day_l1", instruments: fx.instruments.values(), part_rows: 30_000, batch_rows: 5_000 });
    const st = openColumnarStore(dir);
    const exp = JSON.parse(readFileSync(path.join(FX("range_day_l1"), "expected.json"), "utf8"));
    const r = await runReplay({ store: st, tables: false });
    expect(r.digest).to.equal(exp.digest);
    expect(r.summary.snapshots).to.equal(86_400);
    const window = { from_ts: 1_704_070_800_000, to_ts: 1_704_103_200_000 };
    const a = await runReplay({ store: st, window, tables: false });
    const b = await runReplay({ snapshots: columnarSnapshots(st, { reuse: true }), instruments: st.instruments, source: { name: st.manifest.name, content_sha256: st.manifest.content_sha256 }, window, tables: false });
    expect(a.digest).to.equal(b.digest);
    expect(a.summary.snapshots).to.equal(b.summary.snapshots);
    expect(a.summary.snapshots).to.be.lessThan(86_400);
    await expectGrinderError(runReplay({ store: st, fixture: fx }), "E_INVALID_ARGUMENT", undefined, "store");
  });
});
