import { expect } from "chai";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { columnarSnapshots, detachReadAhead, openColumnarStore, scanColumnar, SharedReadAhead, writeColumnarStore, type ColumnarStore } from "../../sdk/data/store";
import { GrinderError } from "../../sdk/contracts/errors";
import type { Snapshot } from "../../sdk/contracts/market";
import { tmpDir } from "./helpers";

const inst = [
  { symbol: "AAA", tick_size: 0.1, lot_size: 0.001, min_notional: 0 },
  { symbol: "BB-B", tick_size: 0.1, lot_size: 0.001, min_notional: 0 },
];

async function makeStore(name: string): Promise<{ dir: string; parts: Array<{ symbol: string; file: string }> }> {
  const rows: Snapshot[] = [];
  for (let i = 0; i < 20_000; i++) {
    const sym = i % 3 === 0 ? "BB-B" : "AAA";
    const p = 100 + (i % 97) * 0.1;
    rows.push({ ts: 1_700_000_000_000 + i * 7_000, symbol: sym, bid_price: p, bid_qty: 1 + (i % 5), ask_price: p + 0.1, ask_qty: 2, ...(i % 11 === 0 ? { last_price: p } : {}) });
  }
  const dir = path.join(tmpDir("store-read-ahead"), name);
  const m = await writeColumnarStore(dir, rows, { name, instruments: inst, part_rows: 1_000, batch_rows: 400, force: true });
  return { dir, parts: m.partitions };
}

const sync = (st: ColumnarStore): Snapshot[] => {
  const out: Snapshot[] = [];
  scanColumnar(st, (s) => void out.push({ ...s }), { prefetch: false });
  return out;
};

/** Two consumers of one shared read-ahead stepped row by row in lockstep (one thread: generators). */
function lockstep(st: ColumnarStore, ra: SharedReadAhead): { a: Snapshot[]; b: Snapshot[]; err: unknown[] } {
  const gens = [columnarSnapshots(st, { readAhead: ra.handle(0) }), columnarSnapshots(st, { readAhead: ra.handle(1) })];
  const out: Snapshot[][] = [[], []];
  const err: unknown[] = [undefined, undefined];
  const live = [true, true];
  while (live[0] || live[1]) {
    for (let c = 0; c < 2; c++) {
      if (!live[c]) continue;
      try {
        const n = gens[c].next();
        if (n.done) live[c] = false;
        else out[c].push({ ...n.value });
      } catch (e) {
        err[c] = e;
        live[c] = false;
      }
    }
  }
  return { a: out[0], b: out[1], err };
}

/** ADR-215: one read-ahead worker, each partition read and hash-checked once, for two scans. */
describe("columnar store: a read-ahead shared by two scans (ADR-215)", function () {
  this.timeout(120_000);
  let dir = "";
  let parts: Array<{ symbol: string; file: string }> = [];
  before(async () => {
    ({ dir, parts } = await makeStore("shared"));
    expect(parts.length).to.be.greaterThan(15);
  });

  it("two consumers in lockstep read exactly the synchronous rows, without a stall; a scan whose partner detached reads alone", () => {
    const st = openColumnarStore(dir);
    const want = sync(st);
    expect(want.length).to.equal(20_000);
    const ra = SharedReadAhead.start(st, 2)!;
    expect(ra).to.not.equal(null);
    const r = lockstep(st, ra);
    expect(r.err).to.deep.equal([undefined, undefined]);
    expect(r.a).to.deep.equal(want);
    expect(r.b).to.deep.equal(want);
    expect(ra.stalls()).to.equal(0);
    // the partner never scans but detaches: the other reads everything through the worker
    const ra2 = SharedReadAhead.start(st, 2)!;
    detachReadAhead(ra2.handle(1));
    const got: Snapshot[] = [];
    expect(scanColumnar(st, (s) => void got.push({ ...s }), { readAhead: ra2.handle(0) })).to.equal(20_000);
    expect(got).to.deep.equal(want);
    expect(ra2.stalls()).to.equal(0);
  });

  it("a partner that neither reads nor detaches: the scan gives up waiting after stall_ms and reads on by itself, same rows; a handle of another store is not used", async () => {
    const st = openColumnarStore(dir);
    const want = sync(st);
    const ra = SharedReadAhead.start(st, 2, { stallMs: 200 })!;
    const got: Snapshot[] = [];
    scanColumnar(st, (s) => void got.push({ ...s }), { readAhead: ra.handle(0) });
    expect(got).to.deep.equal(want);
    expect(ra.stalls()).to.equal(1);
    ra.close();
    const other = await makeStore("other");
    const ro = SharedReadAhead.start(openColumnarStore(other.dir), 1)!;
    const got2: Snapshot[] = [];
    scanColumnar(st, (s) => void got2.push({ ...s }), { readAhead: ro.handle(0) });
    expect(got2).to.deep.equal(want);
    ro.close();
  });

  it("a tampered middle partition: both consumers raise the synchronous reader's E_HASH_MISMATCH after the same rows", async () => {
    const t = await makeStore("tampered");
    const p = t.parts.filter((x) => x.symbol === "BB-B")[2];
    const file = path.join(t.dir, p.file);
    const bytes = readFileSync(file);
    bytes[bytes.length >> 1] ^= 1;
    writeFileSync(file, bytes);
    const st = openColumnarStore(t.dir);
    let n = 0;
    let want: GrinderError | null = null;
    try {
      for (const _ of columnarSnapshots(st, { prefetch: false })) n++;
    } catch (e) {
      want = e as GrinderError;
    }
    expect(want).to.be.instanceOf(GrinderError);
    expect(want!.code).to.equal("E_HASH_MISMATCH");
    const ra = SharedReadAhead.start(st, 2)!;
    const r = lockstep(st, ra);
    for (const [rows, e] of [[r.a, r.err[0]], [r.b, r.err[1]]] as const) {
      expect(e).to.be.instanceOf(GrinderError);
      const g = e as GrinderError;
      expect([g.code, g.file, g.field, g.message]).to.deep.equal([want!.code, want!.file, want!.field, want!.message]);
      expect(rows.length).to.equal(n);
    }
    expect(n).to.be.greaterThan(0);
    ra.close();
  });
});
