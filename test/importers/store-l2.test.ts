import { expect } from "chai";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { tableFromArrays, tableFromIPC, tableToIPC, float64, list } from "@uwdata/flechette";
import { openFixture, streamFixture } from "../../sdk/data/fixture";
import { BOOK_STORE_VERSION, REPEAT_BOOK_STORE_VERSION, columnarContentHash, columnarSnapshots, columnarTradesHash, openColumnarStore, scanColumnar, storeTrades, STORE_VERSION, writeColumnarStore } from "../../sdk/data/store";
import { streamFixtureTrades } from "../../sdk/data/trades";
import { defaultConfig, parseConfig } from "../../sdk/config";
import { exportStoreToParquet } from "../../sdk/data/parquet";
import { runReplay } from "../../sdk/engine/run";
import { sameOrdersLadder } from "../../sdk/engine/same-orders";
import { canonicalJson } from "../../sdk/util/canonical";
import type { BookLevel, InstrumentSpec, OrderBook, Snapshot, Trade } from "../../sdk/contracts/market";
import { expectGrinderError, tmpDir } from "./helpers";

const ROOT = path.resolve(__dirname, "..", "..");
const FX = (n: string) => path.join(ROOT, "fixtures", n);
const DATA = path.join(ROOT, "..", "shared", "data");
const INSTS: InstrumentSpec[] = [
  { symbol: "AAA", tick_size: 0.5, lot_size: 0.25, min_notional: 0 },
  { symbol: "BB-C_1", tick_size: 0.5, lot_size: 0.25, min_notional: 0 },
];

/** A valid row: L1 at 100 / 101, book levels on the half-tick grid below / above it (or a stale book anywhere). */
const row = (ts: number): fc.Arbitrary<Snapshot> =>
  fc
    .record({
      symbol: fc.constantFrom("AAA", "BB-C_1"),
      bq: fc.integer({ min: 1, max: 400 }),
      aq: fc.integer({ min: 1, max: 400 }),
      lp: fc.option(fc.integer({ min: 190, max: 210 }), { nil: undefined }),
      book: fc.option(
        fc.record({
          bids: fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 6 }),
          asks: fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 6 }),
          ts: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
          stale: fc.option(fc.boolean(), { nil: undefined }),
        }),
        { nil: undefined, freq: 2 },
      ),
    })
    .map(({ symbol, bq, aq, lp, book }) => {
      const s: Snapshot = { ts, symbol, bid_price: 100, bid_qty: bq / 4, ask_price: 101, ask_qty: aq / 4 };
      if (lp !== undefined) s.last_price = lp / 2;
      if (book !== undefined) {
        const lv = (qs: number[], p0: number, dir: number): BookLevel[] => qs.map((q, i) => ({ price: p0 + dir * i * 0.5, qty: q / 4 }));
        const b: OrderBook = { bids: lv(book.bids, 100, -1), asks: lv(book.asks, 101, 1) };
        if (book.ts !== undefined) b.ts = ts - book.ts;
        if (book.stale !== undefined) b.stale = book.stale;
        s.book = b;
      }
      return s;
    });
const stream: fc.Arbitrary<Snapshot[]> = fc.array(fc.integer({ min: 0, max: 40_000_000 }), { minLength: 1, maxLength: 120 }).chain((gaps) => {
  let t = 1_704_067_195_000; // rows cross a UTC midnight: partitions by date
  return fc.tuple(...gaps.map((g) => row((t += g))));
});

/** `stream` with about half of its book rows given the levels of their symbol's previous book row (as real websocket imports have them, ADR-261). */
const repeating: fc.Arbitrary<Snapshot[]> = fc.tuple(stream, fc.array(fc.boolean(), { minLength: 120, maxLength: 120 })).map(([rows, rep]) => {
  const last = new Map<string, OrderBook>();
  return rows.map((r, i) => {
    const prev = last.get(r.symbol);
    if (r.book === undefined) return r;
    const out: Snapshot = rep[i] && prev !== undefined ? { ...r, book: { ...r.book, bids: prev.bids.map((l) => ({ ...l })), asks: prev.asks.map((l) => ({ ...l })) } } : r;
    last.set(r.symbol, out.book!);
    return out;
  });
});

const sha = (rows: Snapshot[]): string => createHash("sha256").update(rows.map((r) => canonicalJson(r) + "\n").join("")).digest("hex");
const copy = (s: Snapshot): Snapshot => JSON.parse(JSON.stringify(s)) as Snapshot;

describe("columnar store with L2 books and trade prints (version 3, 4 with repeated books; ADR-254/255/261)", function () {
  this.timeout(300_000);

  it("random streams with and without books, repeated books among them: read back row for row (scan and iterator), content hash = the fixture's lines, version 3 with books, 4 with repeats, 3 when asked (property, seeded)", async () => {
    const base = tmpDir("storel2p");
    let k = 0;
    let withBooks = 0;
    let withRepeats = 0;
    await fc.assert(
      fc.asyncProperty(repeating, fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 17 }), fc.boolean(), async (rows, partRows, batchRows, v3) => {
        const dir = path.join(base, String(k++));
        const m = await writeColumnarStore(dir, rows, { name: "p", instruments: INSTS, part_rows: partRows, batch_rows: batchRows, ...(v3 ? { version: 3 as const } : {}) });
        const books = rows.some((r) => r.book !== undefined);
        if (books) withBooks++;
        if (m.version === REPEAT_BOOK_STORE_VERSION) withRepeats++;
        // a repeat is stored only inside a record batch of one partition, after a book row of its symbol with the same levels
        expect(m.version).to.be.oneOf(books ? (v3 ? [BOOK_STORE_VERSION] : [BOOK_STORE_VERSION, REPEAT_BOOK_STORE_VERSION]) : [STORE_VERSION]);
        expect(m.content_sha256).to.equal(sha(rows));
        const st = openColumnarStore(dir);
        const scanned: Snapshot[] = [];
        scanColumnar(st, (s) => void scanned.push(copy(s)));
        expect(scanned).to.deep.equal(rows);
        expect([...columnarSnapshots(st)]).to.deep.equal(rows);
        expect([...columnarSnapshots(st, { reuse: true })].length).to.equal(rows.length);
        const reused: Snapshot[] = [];
        for (const s of columnarSnapshots(st, { reuse: true })) reused.push(copy(s));
        expect(reused).to.deep.equal(rows);
        expect(columnarContentHash(st)).to.equal(m.content_sha256);
      }),
      { seed: 254, numRuns: 80 },
    );
    expect(withBooks).to.be.greaterThan(30);
    expect(withRepeats, "streams stored with repeats (10 of the 80 at this seed)").to.be.greaterThan(5);
  });

  it("the bundled L2 fixtures: stored with the fixture's content hash (written and recomputed from the columns), replay to the fixture's digest", async () => {
    for (const name of ["thin_book_l2", "impact_spike_l2"]) {
      const fx = openFixture(FX(name));
      const dir = path.join(tmpDir("storel2"), name);
      const m = await writeColumnarStore(dir, streamFixture(fx), { name, instruments: fx.instruments.values() });
      // some rows of these fixtures repeat the previous book (ADR-261: 870 and 120 of 14,400)
      expect(m.version).to.equal(4);
      expect(m.content_sha256).to.equal(fx.manifest.content_sha256);
      expect(columnarContentHash(openColumnarStore(dir))).to.equal(fx.manifest.content_sha256);
      const fields = tableFromIPC(readFileSync(path.join(dir, m.partitions[0].file))).schema.fields.map((f) => f.name);
      expect(fields).to.include.members(["book_flags", "book_ts", "book_bid_price", "book_bid_qty", "book_ask_price", "book_ask_qty"]);
      const a = await runReplay({ fixture: FX(name), trades: false, tables: false });
      const b = await runReplay({ store: openColumnarStore(dir), tables: false });
      expect(b.digest).to.equal(a.digest);
      expect(b.summary.fills).to.be.greaterThan(0);
      let n = 0;
      for (const s of columnarSnapshots(openColumnarStore(dir))) if (s.book !== undefined) n++;
      expect(n).to.equal(m.rows); // every row of these fixtures has a book
    }
  });

  it("real data: the spot ETHUSDT 2024-08-08 websocket recording imported with its rebuilt book, stored, replays to the fixture's digest, store verify passes", () => {
    const dir = tmpDir("storel2real");
    const run = (...a: string[]) => spawnSync(process.execPath, [path.join(ROOT, "bin", "grinder.js"), ...a], { cwd: ROOT, encoding: "utf8" });
    const imp = run("import", "binance-ws", path.join(DATA, "binance-spot", "ethusdt-2024-08-08-stream.txt"), "--out", path.join(dir, "fx"));
    expect(imp.status, imp.stderr).to.equal(0);
    const conv = run("store", "convert", path.join(dir, "fx"), "--out", path.join(dir, "st"));
    expect(conv.status, conv.stderr).to.equal(0);
    expect(conv.stdout).to.contain("(store version 4)");
    // ADR-261: most rows of a websocket import repeat the book; stored as repeats, the partitions are a fifth of version 3's
    const stm = openColumnarStore(path.join(dir, "st")).manifest;
    const partBytes = (d: string, m: { partitions: Array<{ file: string }> }) => m.partitions.reduce((a, p) => a + readFileSync(path.join(d, p.file)).length, 0);
    const perRow = partBytes(path.join(dir, "st"), stm) / stm.rows;
    expect(perRow, "bytes per row").to.be.below(200);
    const fxm = openFixture(path.join(dir, "fx")).manifest;
    expect(fxm.trades!.rows).to.be.greaterThan(1000);
    expect(conv.stdout).to.contain(`trades ${fxm.trades!.rows} → `);
    const ver = run("store", "verify", path.join(dir, "st"));
    expect(ver.status, ver.stderr).to.equal(0);
    expect(ver.stdout).to.contain(`${fxm.trades!.rows} trades (content ${fxm.trades!.content_sha256})`);
    const want = JSON.parse(run("replay", path.join(dir, "fx"), "--json", "--no-baselines").stdout);
    const got = run("replay", path.join(dir, "st"), "--json", "--no-baselines");
    expect(got.status, got.stderr).to.equal(0);
    const g = JSON.parse(got.stdout);
    expect(g.digest).to.equal(want.digest);
    expect(g.summary).to.deep.equal(want.summary);
    expect(g.summary.snapshots).to.be.greaterThan(20_000);
    // the ladder, print-reading rungs included (ADR-255: the store carries the prints): the same rows
    const ladder = (src: string) => JSON.parse(run("replay", src, "--json", "--fill-models", "touch,trade_through,queue_prob").stdout).rows;
    const rows = ladder(path.join(dir, "st"));
    expect(rows).to.deep.equal(ladder(path.join(dir, "fx")));
    expect(rows.map((r: { trades: number }) => r.trades)).to.deep.equal([fxm.trades!.rows, fxm.trades!.rows, fxm.trades!.rows]);
    const same = (src: string) => run("replay", src, "--same-orders", "touch", "--fill-models", "touch,queue_prob").stdout.split("\n").slice(1).join("\n");
    const sameRows = same(path.join(dir, "st"));
    expect(sameRows).to.contain("queue_prob@2");
    expect(sameRows).to.equal(same(path.join(dir, "fx")));
    const back = run("store", "export", path.join(dir, "st"), "--out", path.join(dir, "fx2"));
    expect(back.status, back.stderr).to.equal(0);
    expect(openFixture(path.join(dir, "fx2")).manifest.content_sha256).to.equal(fxm.content_sha256);
    expect(openFixture(path.join(dir, "fx2")).manifest.trades).to.deep.include({ rows: fxm.trades!.rows, content_sha256: fxm.trades!.content_sha256 });
  });

  it("trade prints in the store (ADR-255): the L2 fixtures' sidecars stored with their hash, replays and same-orders rows equal the fixture's under print-reading fill models; bad prints and a tampered trades partition refused", async () => {
    const fx = openFixture(FX("thin_book_l2"));
    const base = tmpDir("storetr");
    const m = await writeColumnarStore(path.join(base, "s"), streamFixture(fx), { name: "t", instruments: fx.instruments.values(), trades: streamFixtureTrades(fx) });
    expect(m.trades).to.deep.include({ rows: fx.manifest.trades!.rows, content_sha256: fx.manifest.trades!.content_sha256 });
    const st = openColumnarStore(path.join(base, "s"));
    expect(columnarTradesHash(st)).to.equal(fx.manifest.trades!.content_sha256);
    const want: Trade[] = [];
    for await (const t of streamFixtureTrades(fx)) want.push(t);
    expect([...storeTrades(st)]).to.deep.equal(want);
    for (const kind of ["trade_through", "queue_prob"] as const) {
      const base = defaultConfig();
      const config = parseConfig({ ...(base as unknown as Record<string, unknown>), execution: { ...base.execution, fill_model: { kind } } });
      const a = await runReplay({ fixture: fx, config, tables: false });
      const b = await runReplay({ store: st, config, tables: false });
      expect(b.digest, kind).to.equal(a.digest);
      expect(b.trades).to.equal(fx.manifest.trades!.rows);
      // without the prints the rung differs: the test can tell
      expect((await runReplay({ store: st, config, tables: false, trades: false })).digest).to.not.equal(a.digest);
    }
    // the same orders under each rung (ADR-196) from the store: the fixture's rows
    const so = async (src: { fixture: typeof fx } | { store: typeof st }) => (await sameOrdersLadder({ ...src, reference: "touch", kinds: ["touch", "trade_through", "queue_prob"] })).rows;
    const soRows = await so({ store: st });
    expect(soRows).to.deep.equal(await so({ fixture: fx }));
    expect(soRows.length).to.equal(3);
    // bad prints: an undeclared symbol and a print back in time, named by file and line; none in a version-2 store
    const snap: Snapshot = { ts: 1_704_067_200_000, symbol: "AAA", bid_price: 100, bid_qty: 1, ask_price: 101, ask_qty: 1 };
    const t0: Trade = { ts: snap.ts, symbol: "AAA", price: 100.5, qty: 0.25, aggressor: "BUY", id: 1 };
    await expectGrinderError(writeColumnarStore(path.join(base, "b1"), [snap], { name: "b", instruments: INSTS, trades: [t0, { ...t0, symbol: "ZZZ" }], trades_source: "t.jsonl" }), "E_UNKNOWN_SYMBOL", 2, "symbol", "t.jsonl");
    await expectGrinderError(writeColumnarStore(path.join(base, "b2"), [snap], { name: "b", instruments: INSTS, trades: [t0, { ...t0, ts: t0.ts - 1 }], trades_source: "t.jsonl" }), "E_TIME_BACKWARDS", 2, "ts", "t.jsonl");
    await expectGrinderError(writeColumnarStore(path.join(base, "b3"), [snap], { name: "b", instruments: INSTS, trades: [t0], version: 2 }), "E_INVALID_ARGUMENT", undefined, "trades");
    const tfile = path.join(st.dir, st.manifest.trades!.partitions[0].file);
    const bytes = readFileSync(tfile);
    bytes[bytes.length >> 1] ^= 1;
    writeFileSync(tfile, bytes);
    await expectGrinderError((async () => [...storeTrades(openColumnarStore(st.dir))])(), "E_HASH_MISMATCH", undefined, "sha256");
  });

  it("bad input: a crossed book row is refused with file, line and field; a partition missing a book column, or with unequal level lists, is E_IO; a tampered one E_HASH_MISMATCH; the Parquet export writes the books", async () => {
    const base = tmpDir("storel2bad");
    const ok: Snapshot = { ts: 1_704_067_200_000, symbol: "AAA", bid_price: 100, bid_qty: 1, ask_price: 101, ask_qty: 1, book: { bids: [{ price: 100, qty: 1 }], asks: [{ price: 101, qty: 1 }] } };
    const crossed: Snapshot = { ...ok, ts: ok.ts + 1, book: { bids: [{ price: 101, qty: 1 }], asks: [{ price: 101.5, qty: 1 }] } };
    await expectGrinderError(writeColumnarStore(path.join(base, "x"), [ok, crossed], { name: "x", instruments: INSTS, source: "rows.jsonl" }), "E_BOOK_MISMATCH", 2, "book.bids[0].price", "rows.jsonl");
    // a good store, then its partition rewritten without one book column / with unequal lists (hash re-pinned)
    const rewrite = async (tag: string, edit: (cols: Record<string, unknown>) => void): Promise<string> => {
      const dir = path.join(base, tag);
      const m = await writeColumnarStore(dir, [ok, { ...ok, ts: ok.ts + 5 }], { name: tag, instruments: INSTS });
      const file = path.join(dir, m.partitions[0].file);
      const t = tableFromIPC(readFileSync(file));
      const cols: Record<string, unknown> = {};
      for (const f of t.schema.fields) cols[f.name] = f.name.startsWith("book_") && f.name !== "book_flags" && f.name !== "book_ts" ? Array.from(t.getChild(f.name).toArray() as ArrayLike<ArrayLike<number>>, (x) => Float64Array.from(x)) : t.getChild(f.name).toArray();
      edit(cols);
      const types = Object.fromEntries(Object.keys(cols).filter((c) => Array.isArray(cols[c])).map((c) => [c, list(float64())]));
      const bytes = tableToIPC(tableFromArrays(cols as Record<string, Float64Array>, { types }), { format: "file" })!;
      writeFileSync(file, bytes);
      const man = JSON.parse(readFileSync(path.join(dir, "store.json"), "utf8"));
      man.partitions[0].sha256 = createHash("sha256").update(bytes).digest("hex");
      writeFileSync(path.join(dir, "store.json"), JSON.stringify(man));
      return dir;
    };
    const scan = async (dir: string) => {
      scanColumnar(openColumnarStore(dir), () => undefined);
    };
    const noAsk = await rewrite("noask", (c) => delete c.book_ask_qty);
    const e1 = await expectGrinderError(scan(noAsk), "E_IO", undefined, "book_ask_qty");
    expect(e1.message).to.match(/book columns but no column 'book_ask_qty'/);
    const uneven = await rewrite("uneven", (c) => ((c.book_bid_qty as Float64Array[])[1] = new Float64Array([1, 2])));
    await expectGrinderError(scan(uneven), "E_IO", undefined, "book_bid_qty");
    const good = await rewrite("good", () => undefined);
    expect([...columnarSnapshots(openColumnarStore(good))].map((s) => s.book)).to.deep.equal([ok.book, ok.book]);
    const file = path.join(good, openColumnarStore(good).manifest.partitions[0].file);
    const bytes = readFileSync(file);
    bytes[bytes.length - 40] ^= 1;
    writeFileSync(file, bytes);
    await expectGrinderError(scan(good), "E_HASH_MISMATCH", undefined, "sha256");
    // ADR-261: a repeat row with levels of its own, a repeat with no book before it, a repeat in a version-3 store: E_IO
    const own = await rewrite("own", (c) => ((c.book_bid_price as Float64Array[])[1] = new Float64Array([100]), (c.book_bid_qty as Float64Array[])[1] = new Float64Array([1])));
    await expectGrinderError(scan(own), "E_IO", undefined, "book_flags");
    const first = await rewrite("first", (c) => ((c.book_flags as Float64Array)[0] = 4));
    const e3 = await expectGrinderError(scan(first), "E_IO", undefined, "book_flags");
    expect(e3.message).to.match(/no book before it/);
    const v3 = await rewrite("v3", () => undefined);
    const man = JSON.parse(readFileSync(path.join(v3, "store.json"), "utf8"));
    expect(man.version).to.equal(4);
    man.version = 3;
    writeFileSync(path.join(v3, "store.json"), JSON.stringify(man));
    const e4 = await expectGrinderError(scan(v3), "E_IO", undefined, "book_flags");
    expect(e4.message).to.match(/version without repeats/);
    // version 3 asked for: the same rows with every book's levels
    const full = await writeColumnarStore(path.join(base, "full"), [ok, { ...ok, ts: ok.ts + 5 }], { name: "full", instruments: INSTS, version: 3 });
    expect(full.version).to.equal(3);
    expect([...columnarSnapshots(openColumnarStore(path.join(base, "full")))].map((s) => s.book)).to.deep.equal([ok.book, ok.book]);
    // the Parquet export writes the books (ADR-263; it refused them before)
    const pq = await rewrite("pq", () => undefined);
    const ex = await exportStoreToParquet(openColumnarStore(pq), path.join(base, "pq.parquet"));
    expect([ex.rows, ex.books, ex.trades]).to.deep.equal([2, 2, null]);
    expect(existsSync(path.join(base, "pq.parquet"))).to.equal(true);
  });
});
