import { expect } from "chai";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { resolveDatasets } from "../../sdk/calibration/datasets";
import { buildUnits } from "../../sdk/calibration/folds";
import { parseSpec } from "../../sdk/calibration/spec";
import { clearSnapshotCache, evaluate } from "../../sdk/calibration/replay-evaluator";
import { DatasetStore } from "../../sdk/calibration/queue/datastore";
import { defaultConfig, parseConfig, type GrinderConfig } from "../../sdk/config";
import { openFixture, streamFixture } from "../../sdk/data/fixture";
import { streamFixtureTrades } from "../../sdk/data/trades";
import { openColumnarStore, writeColumnarStore } from "../../sdk/data/store";
import { runReplay } from "../../sdk/engine/run";
import type { GrinderError } from "../../sdk/contracts/errors";
import { tmp } from "./helpers";

// ADR-259: a columnar store is a calibration dataset like the fixture it holds (same resolution,
// same unit digests); a unit under a print-reading fill model sees the fixture's prints.
const FIXTURES = path.resolve(__dirname, "..", "..", "fixtures");
const HOUR = 3_600_000;

async function convert(root: string, name: string): Promise<string> {
  const fx = openFixture(path.join(FIXTURES, name));
  const dir = path.join(root, name);
  await writeColumnarStore(dir, streamFixture(fx), {
    name: fx.manifest.name, instruments: fx.instruments.values(), part_rows: 20_000,
    ...(fx.manifest.trades !== undefined ? { trades: streamFixtureTrades(fx) } : {}),
  });
  return dir;
}

const withFill = (kind: string): GrinderConfig => {
  const base = defaultConfig();
  return parseConfig({ ...(base as unknown as Record<string, unknown>), execution: { ...base.execution, fill_model: { kind } } });
};
const task = (config: GrinderConfig, dir: string, unit: object) => ({ config: JSON.parse(JSON.stringify(config)), fixture_dir: dir, unit: unit as never });

describe("calibration on columnar stores (ADR-259)", function () {
  this.timeout(300_000);
  const root = tmp("store-ds");
  let range: string;
  let multi: string;
  before(async () => {
    range = await convert(root, "range_day_l1");
    multi = await convert(root, "multisymbol_topk_l1");
  });

  it("a store resolves as its fixture does (name, version, content hash, rows, symbols, time span); a tampered partition or an unknown symbol is refused", async () => {
    const [f] = await resolveDatasets([{ fixture: "range_day_l1" }], { root: FIXTURES });
    const [s] = await resolveDatasets([{ fixture: range }]);
    expect({ ...s, dir: "" }).to.deep.equal({ ...f, dir: "" });
    expect(s.dir).to.equal(range);
    // by name under a dataset root too
    expect((await resolveDatasets([{ fixture: "range_day_l1" }], { root }))[0].dir).to.equal(range);
    const e1 = await resolveDatasets([{ fixture: range, symbols: ["NOPE"] }]).catch((x: GrinderError) => x);
    expect((e1 as GrinderError).code).to.equal("E_UNKNOWN_SYMBOL");
    const bad = await convert(tmp("store-ds-bad"), "range_day_l1");
    const part = path.join(bad, openColumnarStore(bad).manifest.partitions[1].file);
    const b = readFileSync(part);
    b[b.length >> 1] ^= 1;
    writeFileSync(part, b);
    const e2 = await resolveDatasets([{ fixture: bad }]).catch((x: GrinderError) => x);
    expect((e2 as GrinderError).code).to.equal("E_HASH_MISMATCH");
  });

  it("a unit replayed from the store has the fixture unit's digest and metrics: all symbols, and a symbol subset", async () => {
    const [f] = await resolveDatasets([{ fixture: "range_day_l1" }], { root: FIXTURES });
    const unit = { id: "r#1", fixture: f.fixture, segment: 1, from_ts: f.first_ts + 6 * HOUR, to_ts: f.first_ts + 9 * HOUR };
    const config = defaultConfig();
    clearSnapshotCache();
    const a = await evaluate(task(config, f.dir, unit));
    const b = await evaluate(task(config, range, unit));
    expect(b).to.deep.equal(a);
    // the window ends with prints after its last quote: the run ends at the last print, as `grinder replay`'s does
    expect(a.digest).to.equal((await runReplay({ fixture: f.dir, config, window: { from_ts: unit.from_ts, to_ts: unit.to_ts - 1 } })).digest);
    const [m] = await resolveDatasets([{ fixture: "multisymbol_topk_l1", symbols: ["CHOPBUSDT", "CHOPAUSDT"] }], { root: FIXTURES });
    const sub = { id: "m#0", fixture: m.fixture, segment: 0, from_ts: m.first_ts + HOUR, to_ts: m.first_ts + 3 * HOUR, symbols: m.symbols };
    const c = await evaluate(task(config, m.dir, sub));
    const d = await evaluate(task(config, multi, sub));
    expect(d).to.deep.equal(c);
    expect(c.fills).to.be.greaterThan(0);
  });

  it("under a print-reading fill model a unit sees the prints: its digest is `grinder replay`'s of the window, from the fixture (cache or not) and from the store", async () => {
    const [f] = await resolveDatasets([{ fixture: "range_day_l1" }], { root: FIXTURES });
    const unit = { id: "r#2", fixture: f.fixture, segment: 2, from_ts: f.first_ts + 12 * HOUR, to_ts: f.first_ts + 16 * HOUR };
    const config = withFill("trade_through");
    const replay = await runReplay({ fixture: f.dir, config, window: { from_ts: unit.from_ts, to_ts: unit.to_ts - 1 } });
    const quotesOnly = await runReplay({ fixture: f.dir, config, window: { from_ts: unit.from_ts, to_ts: unit.to_ts - 1 }, trades: false });
    expect(replay.digest, "the prints change this run").to.not.equal(quotesOnly.digest);
    clearSnapshotCache();
    for (let k = 0; k < 2; k++) expect((await evaluate(task(config, f.dir, unit))).digest, `fixture, call ${k}`).to.equal(replay.digest);
    expect((await evaluate(task(config, range, unit))).digest, "store").to.equal(replay.digest);
    // print-blind: served from the parsed cache, same digest as the file replay
    const touch = defaultConfig();
    const t = await runReplay({ fixture: f.dir, config: touch, window: { from_ts: unit.from_ts, to_ts: unit.to_ts - 1 } });
    expect((await evaluate(task(touch, f.dir, unit))).digest).to.equal(t.digest);
  });

  it("a worker finds a store by its content hash (a folder of stores, or the store itself)", async () => {
    const sha = openColumnarStore(range).manifest.content_sha256;
    expect(await new DatasetStore([root]).locate({ fixture: "anything", content_sha256: sha })).to.equal(range);
    expect(await new DatasetStore([range]).locate({ fixture: "range_day_l1", content_sha256: sha })).to.equal(range);
  });
});

describe("calibration: a bounded warm-up per unit (ADR-260)", function () {
  this.timeout(300_000);
  it("folds.warmup_ms gives each unit the window warm-up; its digest is `grinder replay --warmup`'s; absent, the units and spec hash are as before", async () => {
    const [f] = await resolveDatasets([{ fixture: "range_day_l1" }], { root: FIXTURES });
    const plain = buildUnits([f], 4);
    expect(plain.every((u) => !("warmup_ms" in u))).to.equal(true);
    const units = buildUnits([f], 4, 2 * HOUR);
    expect(units.map((u) => u.warmup_ms)).to.deep.equal([2 * HOUR, 2 * HOUR, 2 * HOUR, 2 * HOUR]);
    const u = units[3];
    const config = defaultConfig();
    const m = await evaluate(task(config, f.dir, u));
    const r = await runReplay({ fixture: f.dir, config, window: { from_ts: u.from_ts, to_ts: u.to_ts - 1, warmup_ms: 2 * HOUR } });
    expect(m.digest).to.equal(r.digest);
    expect(m.digest).to.not.equal((await evaluate(task(config, f.dir, plain[3]))).digest);
    const root = tmp("store-ds-w");
    const st = await convert(root, "range_day_l1");
    expect((await evaluate(task(config, st, u))).digest, "store").to.equal(r.digest);
    // the spec field is optional: a spec without it parses without it (its hash unchanged)
    const spec = JSON.parse(readFileSync(path.resolve(__dirname, "..", "..", "calibration", "specs", "default.json"), "utf8"));
    expect("warmup_ms" in parseSpec(spec).spec.folds).to.equal(false);
    expect(parseSpec({ ...spec, folds: { ...spec.folds, warmup_ms: HOUR } }).spec.folds.warmup_ms).to.equal(HOUR);
    expect(() => parseSpec({ ...spec, folds: { ...spec.folds, warmup_ms: -1 } })).to.throw();
  });
});
