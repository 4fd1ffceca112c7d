import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { defaultConfig, parseConfig } from "../../sdk/config";
import { openFixture, streamFixture } from "../../sdk/data/fixture";
import { streamFixtureTrades } from "../../sdk/data/trades";
import { columnarSnapshots, openColumnarStore, scanColumnar, SharedReadAhead, storeTrades, writeColumnarStore, type ColumnarStore } from "../../sdk/data/store";
import { runReplay } from "../../sdk/engine/run";
import { replayStartTs } from "../../sdk/engine/replay";
import type { Snapshot, Trade } from "../../sdk/contracts/market";
import { GrinderError } from "../../sdk/contracts/errors";
import { tmpDir } from "../importers/helpers";

// ADR-258: a bounded warm-up (`window.warmup_ms`, `grinder replay --warmup`): the replay is the
// replay of the data from `from_ts − warmup_ms` on, and a columnar store does not read what ends before it.
const ROOT = path.resolve(__dirname, "..", "..");
const FX = path.join(ROOT, "fixtures", "range_day_l1");
const HOUR = 3_600_000;

async function storeOf(name: string, partRows: number, batchRows: number): Promise<ColumnarStore> {
  const fx = openFixture(FX);
  const dir = path.join(tmpDir("warmup"), name);
  await writeColumnarStore(dir, streamFixture(fx), {
    name: fx.manifest.name, instruments: fx.instruments.values(), part_rows: partRows, batch_rows: batchRows, force: true, trades: streamFixtureTrades(fx),
  });
  return openColumnarStore(dir);
}

describe("bounded warm-up before the window (ADR-258)", function () {
  this.timeout(300_000);
  const fx = openFixture(FX);
  let t0 = 0;
  let store: ColumnarStore;
  before(async () => {
    for await (const s of streamFixture(fx)) {
      t0 = s.ts;
      break;
    }
    // many partitions and batches: the start falls inside a partition and inside a batch
    store = await storeOf("range", 8_000, 1_500);
    expect(store.manifest.partitions.length).to.be.greaterThan(8);
  });

  it("a warm-up covering all the data is the unbounded replay; a shorter one is the replay of the data from its start (same digest), with or without prints read", async () => {
    const from = t0 + 12 * HOUR + 1234;
    for (const kind of ["touch", "trade_through"] as const) {
      const base = defaultConfig();
      const config = parseConfig({ ...(base as unknown as Record<string, unknown>), execution: { ...base.execution, fill_model: { kind } } });
      const all = await runReplay({ fixture: FX, config, window: { from_ts: from } });
      const covering = await runReplay({ fixture: FX, config, window: { from_ts: from, warmup_ms: 13 * HOUR } });
      expect(covering.digest).to.equal(all.digest);
      const w = { from_ts: from, warmup_ms: 2 * HOUR + 7 };
      const bounded = await runReplay({ fixture: FX, config, window: w });
      expect(bounded.digest, kind).to.not.equal(all.digest);
      // the definition: the same replay over only the rows (and prints) at or after from − warmup
      const start = from - w.warmup_ms;
      const rows: Snapshot[] = [];
      for await (const s of streamFixture(fx)) if (s.ts >= start) rows.push(s);
      const prints: Trade[] = [];
      for await (const t of streamFixtureTrades(fx)) if (t.ts >= start) prints.push(t);
      const cut = await runReplay({
        snapshots: rows, instruments: fx.instruments.values(), config, window: { from_ts: from }, source: { name: fx.manifest.name, content_sha256: fx.manifest.content_sha256 },
        tradeStream: kind === "trade_through" ? prints : undefined,
      });
      if (kind === "touch") expect(bounded.digest).to.equal(cut.digest);
      expect(bounded.summary).to.deep.equal(cut.summary);
      expect(bounded.summary.snapshots).to.equal(rows.length);
      // the store: same replay, its prints merged as the fixture's
      const fromStore = await runReplay({ store, config, window: w });
      expect(fromStore.digest, kind).to.equal(bounded.digest);
      expect((await runReplay({ store, config, window: { from_ts: from } })).digest).to.equal(all.digest);
    }
  });

  it("a scan from a data time yields exactly the rows of the whole scan at or after it, whatever partition or batch it falls in, a row's own time included; the prints likewise (property, seeded)", () => {
    const rows: Snapshot[] = [];
    scanColumnar(store, (s) => void rows.push({ ...s }), { prefetch: false });
    const prints = [...storeTrades(store)];
    const last = rows[rows.length - 1].ts;
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: t0 - 5, max: last + 5 }), fc.nat(rows.length - 1).map((i) => rows[i].ts)), fc.boolean(), (from, prefetch) => {
        const want = rows.filter((s) => s.ts >= from);
        const got: Snapshot[] = [];
        const n = scanColumnar(store, (s) => void got.push({ ...s }), { prefetch, fromTs: from });
        expect(n).to.equal(want.length);
        // (as JSON: chai's deep equality of ~86 k objects costs seconds)
        expect(JSON.stringify(got)).to.equal(JSON.stringify(want));
        expect([...columnarSnapshots(store, { fromTs: from })].length).to.equal(want.length);
        // prints: whole partitions before it are skipped; the engine skips the rest
        const tp = [...storeTrades(store, { fromTs: from })];
        expect(JSON.stringify(tp.filter((t) => t.ts >= from))).to.equal(JSON.stringify(prints.filter((t) => t.ts >= from)));
      }),
      { seed: 258, numRuns: 15 },
    );
  });

  it("the partitions that end before the start are not read: with them deleted the bounded replay is unchanged, the unbounded one fails", async () => {
    const st = await storeOf("pruned", 8_000, 1_500);
    const from = t0 + 20 * HOUR;
    const w = { from_ts: from, warmup_ms: HOUR };
    const before = await runReplay({ store: st, window: w });
    const start = replayStartTs(w);
    const gone = st.manifest.partitions.filter((p) => p.last_ts < start);
    expect(gone.length).to.be.greaterThan(4);
    for (const p of gone) rmSync(path.join(st.dir, p.file));
    const after = await runReplay({ store: openColumnarStore(st.dir), window: w });
    expect(after.digest).to.equal(before.digest);
    let err: unknown;
    try {
      await runReplay({ store: openColumnarStore(st.dir), window: { from_ts: from } });
    } catch (e) {
      err = e;
    }
    expect((err as GrinderError).code).to.equal("E_IO");
  });

  it("the ranges pruning trusts are checked (ADR-262): a manifest whose last_ts disagrees with its partition is refused when the partition is read; partitions out of time order are refused at open", async () => {
    const st = await storeOf("ranges", 8_000, 1_500);
    const file = path.join(st.dir, "store.json");
    const good = readFileSync(file, "utf8");
    const m = JSON.parse(good) as { partitions: Array<{ first_ts: number; last_ts: number }>; trades?: { partitions: Array<{ first_ts: number; last_ts: number }> } };
    // a shortened range (what would make a bounded replay skip rows of its window): the unbounded replay reads the partition and refuses
    const k = 3;
    m.partitions[k].last_ts -= 1;
    writeFileSync(file, JSON.stringify(m));
    let err: unknown;
    try {
      await runReplay({ store: openColumnarStore(st.dir) });
    } catch (e) {
      err = e;
    }
    expect((err as GrinderError).code).to.equal("E_HASH_MISMATCH");
    expect((err as GrinderError).field).to.equal("last_ts");
    expect((err as GrinderError).file).to.equal(path.join(st.dir, st.manifest.partitions[k].file));
    // a trades partition likewise
    m.partitions[k].last_ts += 1;
    expect(m.trades?.partitions.length).to.be.greaterThan(0);
    m.trades!.partitions[0].first_ts += 1;
    writeFileSync(file, JSON.stringify(m));
    err = undefined;
    try {
      for (const _ of storeTrades(openColumnarStore(st.dir))) void _;
    } catch (e) {
      err = e;
    }
    expect((err as GrinderError).code).to.equal("E_HASH_MISMATCH");
    expect((err as GrinderError).field).to.equal("first_ts");
    m.trades!.partitions[0].first_ts -= 1;
    // two partitions swapped: refused at open, naming the entry
    const p = m.partitions;
    [p[4], p[5]] = [p[5], p[4]];
    writeFileSync(file, JSON.stringify(m));
    err = undefined;
    try {
      openColumnarStore(st.dir);
    } catch (e) {
      err = e;
    }
    expect((err as GrinderError).code).to.equal("E_PARSE");
    expect((err as GrinderError).field).to.equal("partitions[5]");
    writeFileSync(file, good);
    expect((await runReplay({ store: openColumnarStore(st.dir) })).digest).to.match(/^[0-9a-f]{64}$/);
  });

  it("a shared read-ahead serves two scans from its start; a scan from another start reads on its own; the same rows either way", () => {
    const from = t0 + 9 * HOUR + 17;
    const want: Snapshot[] = [];
    scanColumnar(store, (s) => void want.push({ ...s }), { prefetch: false, fromTs: from });
    const ra = SharedReadAhead.start(store, 2, { fromTs: from });
    expect(ra).to.not.equal(null);
    // the two consumers stepped in lockstep (one thread: generators), as two replays read it
    const gens = [columnarSnapshots(store, { readAhead: ra!.handle(0), fromTs: from }), columnarSnapshots(store, { readAhead: ra!.handle(1), fromTs: from })];
    const a: Snapshot[] = [];
    const b: Snapshot[] = [];
    for (;;) {
      const x = gens[0].next();
      const y = gens[1].next();
      if (!x.done) a.push({ ...x.value });
      if (!y.done) b.push({ ...y.value });
      if (x.done && y.done) break;
    }
    expect(JSON.stringify(a)).to.equal(JSON.stringify(want));
    expect(JSON.stringify(b)).to.equal(JSON.stringify(want));
    expect(ra!.stalls()).to.equal(0);
    ra!.close();
    // a handle for another start: not attached (the scan reads by itself), rows still right
    const other = SharedReadAhead.start(store, 1, { fromTs: -Infinity })!;
    const c: Snapshot[] = [];
    scanColumnar(store, (s) => void c.push({ ...s }), { readAhead: other.handle(0), fromTs: from });
    expect(JSON.stringify(c)).to.equal(JSON.stringify(want));
    other.close();
  });

  it("bad windows are refused: warmup_ms without from_ts, negative or fractional; a warm-up starting after the data", async () => {
    for (const w of [{ warmup_ms: HOUR }, { from_ts: t0 + HOUR, warmup_ms: -1 }, { from_ts: t0 + HOUR, warmup_ms: 1.5 }]) {
      let err: unknown;
      try {
        await runReplay({ fixture: FX, window: w });
      } catch (e) {
        err = e;
      }
      expect((err as GrinderError).code, JSON.stringify(w)).to.equal("E_INVALID_ARGUMENT");
      expect((err as GrinderError).field).to.equal("warmup_ms");
    }
    // a warm-up that starts after the data: the window holds no snapshot (ADR-245), said as such
    let err: unknown;
    try {
      await runReplay({ store, window: { from_ts: t0 + 30 * HOUR, warmup_ms: HOUR } });
    } catch (e) {
      err = e;
    }
    expect((err as GrinderError).code).to.equal("E_INVALID_ARGUMENT");
    expect((err as GrinderError).detail).to.match(/none at or after the warm-up's start/);
  });

  it("CLI: grinder replay <store> --from … --warmup 3h: the same stdout with the baseline on its thread or in-process; junk or no --from exits 2", () => {
    const run = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(process.execPath, [path.join(ROOT, "bin", "grinder.js"), "replay", ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env } });
    const from = new Date(t0 + 15 * HOUR).toISOString();
    const thread = run([store.dir, "--from", from, "--warmup", "3h", "--json"], { GRINDER_BASELINE_THREAD: "1" });
    expect(thread.status, thread.stderr).to.equal(0);
    const inProcess = run([store.dir, "--from", from, "--warmup", "3h", "--json"], { GRINDER_BASELINE_THREAD: "0" });
    expect(inProcess.stdout).to.equal(thread.stdout);
    const j = JSON.parse(thread.stdout);
    expect(j.summary.snapshots).to.equal(86_400 - (15 - 3) * 3_600);
    const full = JSON.parse(run([store.dir, "--from", from, "--json", "--no-baselines"]).stdout);
    expect(full.summary.snapshots).to.equal(86_400);
    for (const bad of [["--from", from, "--warmup", "3x"], ["--warmup", "3h"], ["--from", from, "--warmup", "-1h"]]) {
      const r = run([store.dir, ...bad]);
      expect(r.status, bad.join(" ")).to.equal(2);
      expect(r.stderr).to.match(/warmup/);
    }
  });
});
