import { expect } from "chai";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { resolveDatasets } from "../../sdk/calibration/datasets";
import { buildUnits } from "../../sdk/calibration/folds";
import { parseSpec } from "../../sdk/calibration/spec";
import { runCalibration } from "../../sdk/calibration/calibrate";
import { clearSnapshotCache, evaluate } from "../../sdk/calibration/replay-evaluator";
import { DatasetStore } from "../../sdk/calibration/queue/datastore";
import { defaultConfig } from "../../sdk/config";
import { openBarDataset, streamBarDataset } from "../../sdk/data/dataset";
import { FixtureWriter, openFixture } from "../../sdk/data/fixture";
import { replayBarDataset } from "../../sdk/engine/replay-bars";
import type { GrinderError } from "../../sdk/contracts/errors";
import { tmp } from "./helpers";

// ADR-266: a bar dataset recipe is a calibration dataset: resolved by recipe, folder or bare name,
// its content hash that of the stream the path model yields, its units replayed as `grinder replay` does.
const ROOT = path.resolve(__dirname, "..", "..");
const GBP_DIR = path.join(ROOT, "datasets", "gbpusd_m1_2012_02");
const GBP = path.join(GBP_DIR, "dataset.json");
const task = (dir: string, unit: object) => ({ config: JSON.parse(JSON.stringify(defaultConfig())), fixture_dir: dir, unit: unit as never });

async function rejection(p: Promise<unknown>): Promise<GrinderError> {
  try {
    await p;
  } catch (e) {
    return e as GrinderError;
  }
  throw new Error("expected a refusal");
}

describe("calibration on bar datasets (ADR-266)", function () {
  this.timeout(300_000);

  it("a recipe resolves by its file, its folder or its bare name; its content hash is that of a JSONL fixture written from the same stream", async () => {
    const [a] = await resolveDatasets([{ fixture: GBP }]);
    const [b] = await resolveDatasets([{ fixture: path.relative(process.cwd(), GBP_DIR) }]);
    const [c] = await resolveDatasets([{ fixture: "gbpusd_m1_2012_02" }]);
    expect(b).to.deep.equal(a);
    expect(c).to.deep.equal(a);
    expect(a.fixture).to.equal("gbpusd_m1_2012_02");
    expect(a.dir).to.equal(GBP);
    expect(a.rows).to.equal(4 * 30_117);
    expect(a.symbols).to.deep.equal(["GBPUSD"]);
    expect(a.first_ts).to.equal(Date.UTC(2012, 1, 1));
    // the fixture writer's own canonical lines (not the resolver's line builder)
    const ds = await openBarDataset(GBP);
    const dir = path.join(tmp("bar-ds"), "gbp_fixture");
    const w = await FixtureWriter.create(dir, { name: "gbp_fixture", description: "", scenario: {}, symbols: ds.instruments });
    let last = 0;
    for await (const s of streamBarDataset(ds)) {
      await w.write(s);
      last = s.ts;
    }
    const written = await w.close();
    expect(written.content_sha256).to.equal(a.content_sha256);
    expect(openFixture(dir).manifest.rows).to.equal(a.rows);
    expect(a.last_ts).to.equal(last);
  });

  it("a unit's digest and figures are those of replayBarDataset on its window; a warm-up bounds it as for fixtures", async () => {
    const [d] = await resolveDatasets([{ fixture: GBP }]);
    const units = buildUnits([d], 4);
    const u = units[2];
    clearSnapshotCache();
    const m = await evaluate(task(d.dir, u));
    const r = await replayBarDataset(GBP, { window: { from_ts: u.from_ts, to_ts: u.to_ts - 1 }, keepEvents: false });
    expect(m.digest).to.equal(r.digest);
    expect(m.fills).to.equal(r.summary.fills);
    expect(m.net_pnl).to.equal(r.summary.equity_end - r.summary.equity_start);
    expect(m.fills, "the third week trades").to.be.greaterThan(0);
    const [w] = buildUnits([d], 4, 86_400_000).slice(2);
    const rw = await replayBarDataset(GBP, { window: { from_ts: w.from_ts, to_ts: w.to_ts - 1, warmup_ms: 86_400_000 }, keepEvents: false });
    const mw = await evaluate(task(d.dir, w));
    expect(mw.digest).to.equal(rw.digest);
    expect(mw.digest).to.not.equal(m.digest);
  });

  it("refusals: a symbol subset; a source whose bytes changed (E_HASH_MISMATCH, naming the file); a worker finds the recipe by content hash, and refuses an unknown one", async () => {
    const e = await rejection(resolveDatasets([{ fixture: GBP, symbols: ["GBPUSD"] }], { file: "spec.json" }));
    expect(e.code).to.equal("E_INVALID_ARGUMENT");
    expect(e.field).to.equal("datasets[0].symbols");
    // a copy of the recipe whose bid file lost its last line
    const root = tmp("bar-ds-bad");
    const dir = path.join(root, "gbp_copy");
    mkdirSync(dir, { recursive: true });
    const recipe = JSON.parse(readFileSync(GBP, "utf8"));
    const src = recipe.sources[0].files.map((f: string) => path.resolve(GBP_DIR, f));
    const bid = path.join(dir, "bid.csv");
    const lines = readFileSync(src[0], "utf8").trimEnd().split("\n");
    writeFileSync(bid, lines.slice(0, -1).join("\n") + "\n");
    copyFileSync(src[1], path.join(dir, "ask.csv"));
    recipe.sources[0].files = ["bid.csv", "ask.csv"];
    writeFileSync(path.join(dir, "dataset.json"), JSON.stringify(recipe));
    const h = await rejection(resolveDatasets([{ fixture: dir }]));
    expect(h.code).to.equal("E_HASH_MISMATCH");
    expect(h.file).to.equal(bid);
    // the worker's side: found under a folder of datasets by its content hash
    const [d] = await resolveDatasets([{ fixture: GBP }]);
    const store = new DatasetStore([path.join(ROOT, "datasets")]);
    expect(await store.locate({ fixture: "anything", content_sha256: d.content_sha256 })).to.equal(GBP);
    const miss = await rejection(store.locate({ fixture: "gone", content_sha256: "0".repeat(64) }));
    expect(miss.code).to.equal("E_IO");
  });

  it("grinder calibrate's core on the GBPUSD month: walk-forward over weekly segments, the same result for 1 and 2 workers, the dataset pinned by its content hash", async () => {
    const spec = {
      name: "gbpusd-bars", version: 1, description: "alpha on the GBPUSD month",
      parameters: [{ path: "policy.alpha", choices: [0.8, 1.6] }],
      datasets: [{ fixture: "gbpusd_m1_2012_02" }],
      objective: { name: "pnl_per_dd", dd_floor: 0.05 },
      folds: { segments: 4, time: { mode: "rolling", train: 2, test: 1 } },
      search: { method: "grid", budget: 10 },
    };
    const one = await runCalibration(parseSpec(spec), { workers: 1 });
    const two = await runCalibration(parseSpec(spec), { workers: 2 });
    const [d] = await resolveDatasets([{ fixture: GBP }]);
    expect(one.datasets.map((x) => [x.fixture, x.content_sha256])).to.deep.equal([["gbpusd_m1_2012_02", d.content_sha256]]);
    expect(one.units.length).to.equal(4);
    expect(one.folds.length).to.equal(2);
    expect(JSON.stringify(two.points)).to.equal(JSON.stringify(one.points));
    expect(two.config_hash).to.equal(one.config_hash);
    expect(one.points.some((p) => (p.fills as number) > 0), "some point trades").to.equal(true);
  });
});
