import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { openFixture, streamFixture } from "../../sdk/data/fixture";
import { columnarContentHash, columnarSnapshots, l1Line, openColumnarStore, symbolBatches, writeColumnarStore } from "../../sdk/data/store";
import { runReplay } from "../../sdk/engine/run";
import { canonicalJson } from "../../sdk/util/canonical";
import type { Snapshot } from "../../sdk/contracts/market";
import { drain, expectGrinderError, tmpDir } from "./helpers";
import { checkedRows } from "../../sdk/data/validate";

function* rowsOf(rows: Snapshot[]): Generator<Snapshot, void, undefined> {
  yield* rows;
}

const ROOT = path.resolve(__dirname, "..", "..");
const FX = (n: string) => path.join(ROOT, "fixtures", n);

describe("columnar store (Arrow IPC, symbol/date partitions, SHA-256 manifest)", function () {
  this.timeout(300_000);

  it("l1Line equals canonicalJson for any L1 snapshot (property, seeded)", () => {
    const pos = fc.double({ min: 1e-8, max: 1e9, noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 45 }), pos, pos, pos, pos, fc.option(pos, { nil: undefined }), fc.option(fc.double({ min: -1, max: 1, noNaN: true }), { nil: undefined }), fc.stringMatching(/^[A-Z0-9_\-]{1,12}$/), (ts, bp, bq, ap, aq, lp, fr, sym) => {
        const s: Snapshot = { ts, symbol: sym, bid_price: bp, bid_qty: bq, ask_price: ap, ask_qty: aq, ...(lp !== undefined ? { last_price: lp } : {}), ...(fr !== undefined ? { funding_rate: fr } : {}) };
        expect(l1Line(JSON.stringify(sym), ts, bp, bq, ap, aq, lp ?? NaN, fr ?? NaN)).to.equal(canonicalJson(s) + "\n");
      }),
      { seed: 76, numRuns: 500 },
    );
  });

  it("JSONL → columnar keeps the content hash (recomputed from the columns); batches are typed arrays; a store replays to the fixture's digest", async () => {
    const fx = openFixture(FX("range_day_l1"));
    const dir = path.join(tmpDir("store"), "rd");
    const m = await writeColumnarStore(dir, streamFixture(fx), { name: "range_day_l1", instruments: fx.instruments.values(), part_rows: 40_000, batch_rows: 10_000 });
    expect(m.content_sha256).to.equal(fx.manifest.content_sha256);
    expect(m.rows).to.equal(86_400);
    expect(m.partitions.map((p) => [p.file, p.rows])).to.deep.equal([["RANGEUSDT/2024-01-01.0.arrow", 40_000], ["RANGEUSDT/2024-01-01.1.arrow", 40_000], ["RANGEUSDT/2024-01-01.2.arrow", 6_400]]);
    const st = openColumnarStore(dir);
    const batches = [...symbolBatches(st, "RANGEUSDT")];
    expect(batches.map((b) => b.length)).to.deep.equal([10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 10_000, 6_400]);
    expect(batches[0].ts).to.be.instanceOf(Float64Array);
    expect(columnarContentHash(st)).to.equal(fx.manifest.content_sha256);
    const exp = JSON.parse(readFileSync(path.join(FX("range_day_l1"), "expected.json"), "utf8"));
    const r = await runReplay({ snapshots: columnarSnapshots(st), instruments: st.instruments, source: { name: st.manifest.name, content_sha256: st.manifest.content_sha256 }, tables: false });
    expect(r.digest).to.equal(exp.digest);
    // no overwrite without force
    await expectGrinderError(writeColumnarStore(dir, [], { name: "x", instruments: fx.instruments.values() }), "E_REFUSED", undefined, undefined, dir);
  });

  it("a multi-symbol fixture reads back in its exact interleaved order (content hash equal)", async () => {
    const fx = openFixture(FX("multisymbol_topk_l1"));
    const dir = path.join(tmpDir("store"), "ms");
    const m = await writeColumnarStore(dir, streamFixture(fx), { name: "multisymbol_topk_l1", instruments: fx.instruments.values() });
    expect(m.content_sha256).to.equal(fx.manifest.content_sha256);
    expect(new Set(m.partitions.map((p) => p.symbol)).size).to.equal(7);
    expect(columnarContentHash(openColumnarStore(dir))).to.equal(fx.manifest.content_sha256);
  });

  it("a tampered partition is refused by its hash; a book is refused by a version-1/2 store; symbols with _ and - name partitions", async () => {
    const fx = openFixture(FX("btcusdt_bookticker_real"));
    const dir = path.join(tmpDir("store"), "btc");
    const m = await writeColumnarStore(dir, streamFixture(fx), { name: "btc", instruments: fx.instruments.values() });
    const file = path.join(dir, m.partitions[0].file);
    const bytes = readFileSync(file);
    bytes[bytes.length >> 1] ^= 1;
    writeFileSync(file, bytes);
    let err: unknown;
    try {
      for (const _ of columnarSnapshots(openColumnarStore(dir)));
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).to.equal("E_HASH_MISMATCH");
    expect((err as { file?: string }).file).to.equal(file);
    const inst = [{ symbol: "BTCUSD_PERP", tick_size: 0.1, lot_size: 1, min_notional: 0, contract_multiplier: 100, inverse: true }, { symbol: "ETH-USD", tick_size: 0.01, lot_size: 0.001, min_notional: 0 }];
    const rows: Snapshot[] = [
      { ts: 1_704_067_200_001, symbol: "ETH-USD", bid_price: 1, bid_qty: 1, ask_price: 2, ask_qty: 1 },
      { ts: 1_704_153_600_001, symbol: "BTCUSD_PERP", bid_price: 1, bid_qty: 1, ask_price: 2, ask_qty: 1, funding_rate: -0.0001 },
    ];
    const d2 = path.join(tmpDir("store"), "sym");
    const m2 = await writeColumnarStore(d2, rows, { name: "sym", instruments: inst });
    expect(m2.partitions.map((p) => p.file)).to.deep.equal(["BTCUSD_PERP/2024-01-02.0.arrow", "ETH-USD/2024-01-01.0.arrow"]);
    expect(await drain((async function* () { yield* columnarSnapshots(openColumnarStore(d2)); })())).to.deep.equal(rows);
    expect(openColumnarStore(d2).instruments[0]).to.deep.include({ contract_multiplier: 100, inverse: true });
    const withBook = [{ ...rows[0], book: { bids: [], asks: [] } }];
    // a version-1 or -2 store holds no book (ADR-254: books make a version-3 store)
    await expectGrinderError(writeColumnarStore(path.join(tmpDir("store"), "b"), withBook, { name: "b", instruments: inst, version: 2 }), "E_INVALID_ARGUMENT", 1, "book");
    await expectGrinderError(writeColumnarStore(path.join(tmpDir("store"), "b"), withBook, { name: "b", instruments: inst, version: 1 }), "E_INVALID_ARGUMENT", 1, "book");
    expect(existsSync(path.join(tmpDir("store"), "b"))).to.equal(false);
  });

  it("ADR-257: every row given to the writer is checked as a fixture row (fields, range, crossed, grid), naming the line; a fixture's stream is not checked twice and stores the same bytes", async () => {
    const inst = [{ symbol: "ETHUSDT", tick_size: 0.01, lot_size: 0.001, min_notional: 0 }];
    const ok: Snapshot = { ts: 1_704_067_200_000, symbol: "ETHUSDT", bid_price: 2000, bid_qty: 1, ask_price: 2000.01, ask_qty: 2 };
    const bad: Array<[Partial<Snapshot> & Record<string, unknown>, string, string]> = [
      [{ bid_price: NaN }, "E_BAD_NUMBER", "bid_price"],
      [{ ask_qty: -1 }, "E_BAD_NUMBER", "ask_qty"],
      [{ bid_price: 2000.01 }, "E_CROSSED_BOOK", "bid_price"],
      [{ ask_price: 2000.015 }, "E_OFF_GRID", "ask_price"],
      [{ bid_qty: 0.0005 }, "E_OFF_GRID", "bid_qty"],
      [{ ts: 5_000_000_000_000 }, "E_TIME_RANGE", "ts"],
      [{ ts: 1_704_067_200_002.5 }, "E_BAD_NUMBER", "ts"],
      [{ venue: "x" }, "E_EXTRA_FIELD", "venue"],
    ];
    const root = tmpDir("store-rows");
    for (const [change, code, field] of bad) {
      const rows = [ok, { ...ok, ts: ok.ts + 1 }, { ...ok, ts: ok.ts + 2, ...change } as Snapshot];
      const out = path.join(root, `bad-${field}`);
      await expectGrinderError(writeColumnarStore(out, rows, { name: "x", instruments: inst, source: "rows.jsonl" }), code, 3, field, "rows.jsonl");
      expect(existsSync(out), "nothing written").to.equal(false);
    }
    // the loader's stream is marked as checked against its instruments; a wider time range is not
    const fx = openFixture(FX("multisymbol_topk_l1"));
    const marked = checkedRows(streamFixture(fx));
    expect(marked?.grid && [...marked.grid.keys()]).to.deep.equal([...fx.instruments.keys()]);
    expect(checkedRows(streamFixture(fx, { timeRange: { min: 0, max: 4_102_444_800_000 } }))).to.equal(undefined);
    expect(checkedRows(rowsOf([ok]))).to.equal(undefined);
    // the same rows through the marked stream and as a plain iterable (checked here): the same store
    const a = await writeColumnarStore(path.join(root, "marked"), streamFixture(fx), { name: "m", instruments: fx.instruments.values() });
    const plain: Snapshot[] = [];
    for await (const r of streamFixture(fx)) plain.push(r);
    const b = await writeColumnarStore(path.join(root, "plain"), plain, { name: "m", instruments: fx.instruments.values() });
    expect(b.content_sha256).to.equal(a.content_sha256).and.equal(fx.manifest.content_sha256);
    expect(b.partitions).to.deep.equal(a.partitions);
    // a spec with another tick than the one the stream was checked against: the writer checks the grid itself
    const coarse = [...fx.instruments.values()].map((i) => ({ ...i, tick_size: i.tick_size * 1000 }));
    const err = await writeColumnarStore(path.join(root, "coarse"), streamFixture(fx), { name: "m", instruments: coarse }).then(() => null, (e: unknown) => e as { code?: string });
    expect(err?.code).to.equal("E_OFF_GRID");
  });

  it("CLI: store convert → export gives a JSONL fixture with the same content hash; verify; refusal without --force; an L2 fixture stored with its books", async () => {
    const dir = tmpDir("storecli");
    const run = (...a: string[]) => spawnSync(process.execPath, [path.join(ROOT, "bin", "grinder.js"), ...a], { cwd: ROOT, encoding: "utf8" });
    const c = run("store", "convert", "btcusdt_bookticker_real", "--out", path.join(dir, "s"));
    expect(c.status, c.stderr).to.equal(0);
    const v = run("store", "verify", path.join(dir, "s"));
    expect(v.status, v.stderr).to.equal(0);
    const e = run("store", "export", path.join(dir, "s"), "--out", path.join(dir, "fx"));
    expect(e.status, e.stderr).to.equal(0);
    const want = openFixture(FX("btcusdt_bookticker_real")).manifest.content_sha256;
    expect(openFixture(path.join(dir, "fx")).manifest.content_sha256).to.equal(want);
    expect(run("store", "export", path.join(dir, "s"), "--out", path.join(dir, "fx")).status).to.equal(2);
    const r = run("replay", path.join(dir, "s"), "--json");
    expect(JSON.parse(r.stdout).digest).to.equal(JSON.parse(readFileSync(path.join(FX("btcusdt_bookticker_real"), "expected.json"), "utf8")).digest);
    // the store's manifest names the store (ADR-248)
    const m = run("replay", path.join(dir, "s", "store.json"), "--json", "--no-baselines");
    expect(m.status, m.stderr).to.equal(0);
    expect(JSON.parse(m.stdout).digest).to.equal(JSON.parse(r.stdout).digest);
    // an L2 fixture is stored with its books (ADR-254; version 4: some of its rows repeat the previous book, ADR-261), and its trades sidecar goes along
    const l2 = run("store", "convert", "thin_book_l2", "--out", path.join(dir, "l2"));
    expect(l2.status, l2.stderr).to.equal(0);
    expect(l2.stdout).to.contain("(store version 4)");
    const l2fx = openFixture(FX("thin_book_l2")).manifest;
    expect(l2.stdout).to.contain(`trades ${l2fx.trades!.rows} → 1 partitions; sha256 ${l2fx.trades!.content_sha256} = fixture's`);
    expect(JSON.parse(readFileSync(path.join(dir, "l2", "store.json"), "utf8")).version).to.equal(4);
    const l2r = run("replay", path.join(dir, "l2"), "--json", "--no-baselines");
    expect(l2r.status, l2r.stderr).to.equal(0);
    expect(JSON.parse(l2r.stdout).digest).to.equal(JSON.parse(readFileSync(path.join(FX("thin_book_l2"), "expected.json"), "utf8")).digest);
    // and a version-2 store of it is refused naming its snapshots file, line and field, nothing written
    const v2 = await writeColumnarStore(path.join(dir, "l2v2"), streamFixture(openFixture(FX("thin_book_l2"))), { name: "x", instruments: openFixture(FX("thin_book_l2")).instruments.values(), version: 2, source: path.join(FX("thin_book_l2"), "snapshots.jsonl.gz") }).then(
      () => null,
      (e: Error) => e.message,
    );
    expect(v2).to.match(/version-2 store holds L1 snapshots only/);
    expect(existsSync(path.join(dir, "l2v2"))).to.equal(false);
  });
});
