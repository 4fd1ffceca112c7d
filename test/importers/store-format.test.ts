import { expect } from "chai";
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { tableFromIPC } from "@uwdata/flechette";
import { columnarContentHash, columnarSnapshots, openColumnarStore, scanColumnar, STORE_VERSION, writeColumnarStore, type StoreManifest } from "../../sdk/data/store";
import { importBookTickerCsv } from "../../sdk/data/importers";
import type { InstrumentSpec, Snapshot } from "../../sdk/contracts/market";
import { runReplay } from "../../sdk/engine/run";
import { legacyRows } from "./store-legacy-rows";
import { BTC_CSV, tmpDir } from "./helpers";

const V1 = path.join(__dirname, "data", "store-v1");

function scanRows(dir: string, prefetch = false): Snapshot[] {
  const out: Snapshot[] = [];
  scanColumnar(openColumnarStore(dir), (s) => void out.push({ ...s }), { prefetch });
  return out;
}
/** The column names of every partition file, in manifest order. */
function columnsOf(dir: string): string[][] {
  const m = openColumnarStore(dir).manifest;
  return m.partitions.map((p) => tableFromIPC(readFileSync(path.join(dir, p.file))).schema.fields.map((f) => f.name));
}
function storeBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { recursive: true }) as string[]) if (e.endsWith(".arrow")) n += statSync(path.join(dir, e)).size;
  return n;
}
/** The columns ADR-235 gives partition `p` of the stream `rows`: seq only when its rows are not consecutive, optional fields only when some row has one. */
function wantColumns(rows: Snapshot[], p: StoreManifest["partitions"][number]): string[] {
  const own = rows.map((r, i) => ({ r, i })).filter((x) => x.r.symbol === p.symbol && x.i >= p.first_seq).slice(0, p.rows);
  const consecutive = own[own.length - 1].i - own[0].i === p.rows - 1;
  return [
    ...(consecutive ? [] : ["seq"]),
    "ts", "bid_price", "bid_qty", "ask_price", "ask_qty",
    ...(own.some((x) => x.r.last_price !== undefined) ? ["last_price"] : []),
    ...(own.some((x) => x.r.funding_rate !== undefined) ? ["funding_rate"] : []),
  ];
}
function editManifest(dir: string, f: (m: StoreManifest) => void): void {
  const file = path.join(dir, "store.json");
  const m = JSON.parse(readFileSync(file, "utf8")) as StoreManifest;
  f(m);
  writeFileSync(file, JSON.stringify(m));
}

describe("columnar store version 2: absent columns cost no bytes; version 1 stores still read (ADR-235)", function () {
  this.timeout(120_000);
  const inst: InstrumentSpec[] = [{ symbol: "AAAUSDT", tick_size: 0.1, lot_size: 0.5, min_notional: 0 }, { symbol: "BBB_PERP", tick_size: 0.01, lot_size: 0.5, min_notional: 0 }];

  it("the committed version-1 store reads row for row as written; rewritten as version 2 it has the same content hash, fewer bytes and replays to the same digest", async () => {
    const v1 = openColumnarStore(V1);
    expect(v1.manifest.version).to.equal(1);
    const rows = legacyRows();
    expect(scanRows(V1)).to.deep.equal(rows);
    expect([...columnarSnapshots(v1)]).to.deep.equal(rows);
    expect(columnarContentHash(v1)).to.equal(v1.manifest.content_sha256);
    const dir = path.join(tmpDir("store-fmt"), "v2");
    const m = await writeColumnarStore(dir, rows, { name: "legacy_v2", instruments: inst, part_rows: 64, batch_rows: 24 });
    expect(STORE_VERSION).to.equal(2);
    expect(m.version).to.equal(2);
    expect(m.content_sha256).to.equal(v1.manifest.content_sha256);
    expect(m.partitions.map((p) => [p.file, p.rows, p.first_seq])).to.deep.equal(v1.manifest.partitions.map((p) => [p.file, p.rows, p.first_seq]));
    expect(scanRows(dir)).to.deep.equal(rows);
    // two interleaved symbols: seq stored; BBB_PERP never has an optional field; AAAUSDT's funding rates start at row 200
    const cols = columnsOf(dir);
    expect(cols.map((c) => c.join(" "))).to.deep.equal(m.partitions.map((p) => wantColumns(rows, p).join(" ")));
    expect(cols.filter((c) => c.includes("funding_rate"))).to.have.length.within(1, 4);
    expect(cols.filter((c) => c[0] === "seq")).to.have.length(m.partitions.length);
    expect(storeBytes(dir)).to.be.lessThan(storeBytes(V1));
    const replay = async (d: string): Promise<string> => {
      const st = openColumnarStore(d);
      return (await runReplay({ store: st, tables: false })).digest;
    };
    expect(await replay(dir)).to.equal(await replay(V1));
  });

  it("property: version 1 and version 2 stores of random streams (1-3 symbols, optional fields on none/some/all rows) read the same rows and content hash; columns follow the rule (seeded)", async () => {
    const base = tmpDir("store-fmt-prop");
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.tuple(fc.nat(2), fc.nat(9), fc.nat(3), fc.nat(7)), { minLength: 1, maxLength: 300 }),
        fc.constantFrom(0, 1, 2),
        fc.constantFrom(0, 1, 2),
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 1, max: 40 }),
        async (nsym, draws, lpMode, frMode, partRows, batchRows) => {
          const syms = ["S0", "S1", "S2"].slice(0, nsym);
          const instruments = syms.map((symbol) => ({ symbol, tick_size: 0.01, lot_size: 0.001, min_notional: 0 }));
          let ts = 1_704_153_000_000; // minutes before a UTC midnight
          const rows: Snapshot[] = draws.map(([s, dt, px, flags]) => {
            ts += dt * 20_000;
            const r: Snapshot = { ts, symbol: syms[s % nsym], bid_price: 10 + px * 0.01, bid_qty: 1 + flags, ask_price: 10.05 + px * 0.01, ask_qty: 2 };
            if (lpMode === 2 || (lpMode === 1 && (flags & 1) === 1)) r.last_price = 10.02 + px * 0.01;
            if (frMode === 2 || (frMode === 1 && (flags & 2) === 2)) r.funding_rate = -0.0001 * px;
            return r;
          });
          run++;
          const d1 = path.join(base, `v1-${run}`), d2 = path.join(base, `v2-${run}`);
          const m1 = await writeColumnarStore(d1, rows, { name: "p", instruments, part_rows: partRows, batch_rows: batchRows, version: 1 });
          const m2 = await writeColumnarStore(d2, rows, { name: "p", instruments, part_rows: partRows, batch_rows: batchRows });
          expect(m1.version).to.equal(1);
          expect(m2.content_sha256).to.equal(m1.content_sha256);
          expect(m2.partitions.map((p) => [p.file, p.rows, p.first_seq, p.first_ts, p.last_ts])).to.deep.equal(m1.partitions.map((p) => [p.file, p.rows, p.first_seq, p.first_ts, p.last_ts]));
          expect(scanRows(d2)).to.deep.equal(rows);
          expect(scanRows(d1)).to.deep.equal(rows);
          expect([...columnarSnapshots(openColumnarStore(d2), { prefetch: false })]).to.deep.equal(rows);
          expect(columnarContentHash(openColumnarStore(d2))).to.equal(m1.content_sha256);
          const cols1 = columnsOf(d1), cols2 = columnsOf(d2);
          m2.partitions.forEach((p, k) => {
            expect(cols2[k]).to.deep.equal(wantColumns(rows, p));
            expect(cols1[k]).to.have.length(8);
          });
        },
      ),
      { seed: 235, numRuns: 40 },
    );
  });

  it("refusals: a manifest first_seq moved (seq not stored) is E_HASH_MISMATCH; a version-1 manifest over version-2 partitions names the missing column; an unknown version is refused", async () => {
    const rows = legacyRows().filter((r) => r.symbol === "BBB_PERP");
    const src = path.join(tmpDir("store-fmt-bad"), "one");
    await writeColumnarStore(src, rows, { name: "one", instruments: inst.slice(1), part_rows: 50 });
    expect(columnsOf(src)[0]).to.deep.equal(["ts", "bid_price", "bid_qty", "ask_price", "ask_qty"]);
    const copy = (tag: string): string => {
      const d = `${src}-${tag}`;
      cpSync(src, d, { recursive: true });
      return d;
    };
    const moved = copy("moved");
    editManifest(moved, (m) => void (m.partitions[1].first_seq += 1));
    expect(() => scanRows(moved)).to.throw(/out of sequence/).with.property("code", "E_HASH_MISMATCH");
    expect(() => [...columnarSnapshots(openColumnarStore(moved), { prefetch: false })]).to.throw(/out of sequence/);
    const asV1 = copy("as-v1");
    editManifest(asV1, (m) => void (m.version = 1 as never));
    try {
      scanRows(asV1);
      expect.fail("read");
    } catch (e) {
      expect(e).to.have.property("code", "E_IO");
      expect(e).to.have.property("field", "seq");
    }
    const v5 = copy("v5");
    editManifest(v5, (m) => void (m.version = 5 as never)); // version 3 holds books (ADR-254), 4 repeated books (ADR-261)
    expect(() => openColumnarStore(v5)).to.throw(/version/).with.property("file", path.join(v5, "store.json"));
  });

  it("the real bookTicker dump: version 2 is 40 bytes per row of columns (five of eight), same content hash as the fixture; version 1 keeps the partition hashes of before ADR-235", async () => {
    const instr = { symbol: "BTCUSDT", tick_size: 0.1, lot_size: 0.001, min_notional: 0 };
    const base = tmpDir("store-fmt-real");
    const m2 = await writeColumnarStore(path.join(base, "v2"), importBookTickerCsv(BTC_CSV, { instrument: instr, reuse: true }), { name: "btc", instruments: [instr] });
    const m1 = await writeColumnarStore(path.join(base, "v1"), importBookTickerCsv(BTC_CSV, { instrument: instr, reuse: true }), { name: "btc", instruments: [instr], version: 1 });
    expect(m2.rows).to.equal(66_089);
    expect(m2.content_sha256).to.equal(m1.content_sha256).and.match(/^e28adf4f/);
    // the partition hashes the writer gave before ADR-235 (eight columns)
    expect(m1.partitions.map((p) => p.sha256.slice(0, 16))).to.deep.equal(["b6ba6e72f883a28f", "6c15831669bd51e4"]);
    const per = (d: string): number => storeBytes(path.join(base, d)) / m2.rows;
    expect(per("v1")).to.be.within(64, 64.2);
    expect(per("v2")).to.be.within(40, 40.2);
    expect(scanRows(path.join(base, "v2"))).to.deep.equal(scanRows(path.join(base, "v1")));
  });
});
