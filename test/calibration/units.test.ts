import { expect } from "chai";
import * as fc from "fast-check";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { errorOf } from "../support";
import { buildArtifact } from "../../sdk/calibration/artifact";
import { runCalibration } from "../../sdk/calibration/calibrate";
import { aggregate, type TrialMetrics } from "../../sdk/calibration/evaluator";
import { resolveDatasets } from "../../sdk/calibration/datasets";
import { buildFolds, buildUnits, type ResolvedDataset } from "../../sdk/calibration/folds";
import { haltonPoint, radicalInverse } from "../../sdk/calibration/halton";
import { compareScores, score } from "../../sdk/calibration/objective";
import { applyPoint, buildAxes, enumerateGrid, getPath } from "../../sdk/calibration/space";
import { parseConfig } from "../../sdk/config";
import { GateSchema, loadSpec, ObjectiveSchema, parseSpec } from "../../sdk/calibration/spec";
import { applyGate, summarise } from "../../sdk/calibration/walkforward";
import { GrinderError } from "../../sdk/contracts/errors";
import { smallSpec, tinyFixture, tmp } from "./helpers";
import * as synth from "./synthetic-evaluator";

function errOf(f: () => unknown): GrinderError {
  try {
    f();
  } catch (e) {
    if (e instanceof GrinderError) return e;
    throw e;
  }
  throw new Error("expected a GrinderError");
}

const run = (o: Partial<TrialMetrics> = {}): TrialMetrics => ({
  net_pnl: 10,
  fees: 1,
  max_drawdown: 20,
  dd_budget: 500,
  cycles: 12,
  duration_ms: 3_600_000,
  emergency_ms: 0,
  damage_control_ms: 0,
  fill_model: "m",
  ...o,
});

describe("calibration: spec validation", () => {
  it("accepts the committed default spec", () => {
    const rs = loadSpec(path.resolve(__dirname, "../../calibration/specs/default.json"));
    expect(rs.spec.name).to.equal("default");
    expect(rs.hash).to.match(/^[0-9a-f]{64}$/);
  });

  it("errors name the field and the file", () => {
    const f = path.join(tmp("spec"), "bad.json");
    const bad = smallSpec();
    (bad.parameters as Array<Record<string, unknown>>)[0].step = -1;
    writeFileSync(f, JSON.stringify(bad));
    const e = errOf(() => loadSpec(f));
    expect(e.field).to.equal("parameters[0].step");
    expect(e.file).to.equal(f);
    expect(errOf(() => parseSpec({ ...smallSpec(), extra: 1 })).code).to.equal("E_EXTRA_FIELD");
    expect(errOf(() => parseSpec(smallSpec({ folds: { segments: 2, time: { mode: "rolling", train: 2 } } }))).field).to.equal("folds.time.train");
    expect(errOf(() => parseSpec(smallSpec({ folds: { segments: 2 } }))).field).to.equal("folds");
    const dup = smallSpec({ parameters: [{ path: "policy.alpha", choices: [1] }, { path: "policy.alpha", choices: [2] }] });
    expect(errOf(() => parseSpec(dup)).field).to.equal("parameters[1].path");
    expect(errOf(() => parseSpec(smallSpec({ search: { method: "sobol" } }))).field).to.equal("search.method");
    expect(errOf(() => parseSpec(smallSpec({ datasets: [{ fixture: "a" }], folds: { segments: 1, leave_one_fixture_out: true } }))).field).to.equal(
      "folds.leave_one_fixture_out",
    );
  });

  it("refuses a parameter that is not a config field, a bad config value, and a grid over budget", async () => {
    const root = tmp("fx");
    await tinyFixture(root, "fx_a");
    await tinyFixture(root, "fx_b");
    const opts = { workers: 0, evaluator: { fn: synth.evaluate, id: "s" }, fixturesRoot: root };
    let e = await runCalibration(parseSpec(smallSpec({ parameters: [{ path: "policy.nope", choices: [1] }] })), opts).catch((x) => x);
    expect(e).to.be.instanceOf(GrinderError);
    expect(e.field).to.equal("parameters[0].path");
    // A bad value is refused when the spec is parsed, naming parameters[i] (ADR-131).
    e = errorOf(() => parseSpec(smallSpec({ parameters: [{ path: "policy.alpha", choices: ["x"] }] })));
    expect(e.code, e.message).to.equal("E_CONFIG");
    expect(e.field).to.equal("parameters[0].choices[0]");
    e = await runCalibration(parseSpec(smallSpec({ search: { method: "grid", budget: 5 } })), opts).catch((x) => x);
    expect(e.field).to.equal("search.budget");
    e = await runCalibration(parseSpec(smallSpec({ datasets: [{ fixture: "fx_a", symbols: ["ZZZ"] }, { fixture: "fx_b" }] })), opts).catch((x) => x);
    expect(e.code).to.equal("E_UNKNOWN_SYMBOL");
    expect(e.field).to.equal("datasets[0].symbols[0]");
    e = await runCalibration(parseSpec(smallSpec({ base: { policy: { alpha: -5 } } })), opts).catch((x) => x);
    expect(e.field).to.equal("base.policy.alpha");
  });
});

describe("calibration: search space and Halton", () => {
  it("ranges are exact decimals and the grid is lexicographic", () => {
    const axes = buildAxes([
      { path: "a.b", min: 0.1, max: 0.3, step: 0.1 },
      { path: "a.c", choices: ["x", "y"] },
    ]);
    expect(axes[0].values).to.deep.equal([0.1, 0.2, 0.3]);
    expect(enumerateGrid(axes)).to.deep.equal([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
      [2, 0],
      [2, 1],
    ]);
    expect(applyPoint({ a: { d: 1 } }, { "a.b": 0.2, "a.c": "y" })).to.deep.equal({ a: { d: 1, b: 0.2, c: "y" } });
  });

  it("Halton: radical inverses in bases 2 and 3 (van der Corput values)", () => {
    expect([1, 2, 3, 4, 5].map((n) => radicalInverse(n, 2))).to.deep.equal([0.5, 0.25, 0.75, 0.125, 0.625]);
    expect(haltonPoint(1, 2)).to.deep.equal([0.5, 1 / 3]);
    expect(haltonPoint(2, 2)[1]).to.be.closeTo(2 / 3, 1e-15);
    expect(haltonPoint(3, 2)[1]).to.be.closeTo(1 / 9, 1e-15);
  });

  it("Halton points lie in [0,1) and the first b^k points of a base fill every 1/b^k bin once (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 8 }), (n, d) => haltonPoint(n, d).every((u) => u >= 0 && u < 1)),
    );
    const bins = new Set(Array.from({ length: 27 }, (_, n) => Math.round(radicalInverse(n, 3) * 27)));
    expect(bins.size).to.equal(27);
  });
});

describe("calibration: objective", () => {
  const obj = ObjectiveSchema.parse({ name: "pnl_per_dd", penalty_emergency: 2, penalty_damage_control: 1 });

  it("pnl_per_dd = net / max(maxDD, floor·budget) − penalties", () => {
    expect(score(aggregate([run()]), obj).value).to.equal(10 / 25); // floor 0.05·500 = 25 > 20
    expect(score(aggregate([run({ max_drawdown: 50 })]), obj).value).to.equal(10 / 50);
    const s = score(aggregate([run({ max_drawdown: 50, emergency_ms: 360_000, damage_control_ms: 720_000 })]), obj);
    expect(s.value).to.be.closeTo(0.2 - 2 * 0.1 - 1 * 0.2, 1e-12);
    expect(score(aggregate([run()]), { ...obj, name: "net_pnl" }).value).to.equal(10 / 500);
    expect(score(aggregate([run()]), { ...obj, name: "cycles" }).value).to.equal(12);
  });

  it("aggregation: flows add, risk is the worst run", () => {
    const a = aggregate([run({ max_drawdown: 30 }), run({ net_pnl: -4, max_drawdown: 60, dd_budget: 100 })]);
    expect(a.net_pnl).to.equal(6);
    expect(a.cycles).to.equal(24);
    expect(a.max_drawdown).to.equal(60);
    expect(a.dd_utilization).to.equal(0.6);
  });

  it("constraints give null with the reason; null ranks below every number", () => {
    const c = ObjectiveSchema.parse({ name: "pnl_per_dd", constraints: { min_cycles: 13, max_dd_utilization: 0.5 } });
    expect(score(aggregate([run()]), c)).to.include({ value: null, reason: "cycles 12 < min_cycles 13" });
    expect(score(aggregate([run({ cycles: 20, max_drawdown: 400 })]), c).reason).to.match(/dd utilization 0.8000 > max_dd_utilization 0.5/);
    expect(score(aggregate([]), c).reason).to.equal("no replayed data");
    const sorted = [null, -3, 2, null, 0].sort(compareScores);
    expect(sorted).to.deep.equal([2, 0, -3, null, null]);
  });
});

describe("calibration: folds", () => {
  const ds = (fixture: string, first: number, last: number): ResolvedDataset => ({
    fixture,
    version: 1,
    content_sha256: "0".repeat(64),
    rows: 1,
    symbols: ["X"],
    symbols_restricted: false,
    first_ts: first,
    last_ts: last,
    dir: "/x",
  });

  it("segments tile [first_ts, last_ts] exactly", () => {
    const u = buildUnits([ds("a", 1000, 1999)], 3);
    expect(u.map((x) => [x.from_ts, x.to_ts])).to.deep.equal([
      [1000, 1333],
      [1333, 1666],
      [1666, 2000],
    ]);
  });

  it("rolling, anchored and leave-one-fixture-out folds", () => {
    const d = [ds("a", 0, 99), ds("b", 0, 99)];
    const roll = buildFolds(d, { segments: 4, time: { mode: "rolling", train: 2, test: 1 }, leave_one_fixture_out: false });
    expect(roll.map((f) => [f.id, f.train, f.test])).to.deep.equal([
      ["time-0", ["a#0", "a#1", "b#0", "b#1"], ["a#2", "b#2"]],
      ["time-1", ["a#1", "a#2", "b#1", "b#2"], ["a#3", "b#3"]],
    ]);
    const anch = buildFolds(d, { segments: 4, time: { mode: "anchored", train: 2, test: 1 }, leave_one_fixture_out: true });
    expect(anch[1].train).to.deep.equal(["a#0", "a#1", "a#2", "b#0", "b#1", "b#2"]);
    expect(anch.slice(2).map((f) => [f.id, f.train, f.test])).to.deep.equal([
      ["lofo-a", ["b#0", "b#1", "b#2", "b#3"], ["a#0", "a#1", "a#2", "a#3"]],
      ["lofo-b", ["a#0", "a#1", "a#2", "a#3"], ["b#0", "b#1", "b#2", "b#3"]],
    ]);
  });
});

describe("calibration: walk-forward gate", () => {
  let root: string;
  before(async () => {
    root = tmp("fx");
    await tinyFixture(root, "fx_a");
    await tinyFixture(root, "fx_b", 30, 1_700_100_000_000);
  });
  const overfitSpec = smallSpec({
    parameters: [{ path: "policy.alpha", choices: [0.2, 0.4, 0.6, 0.8, 1.0] }],
    folds: { segments: 4, time: { mode: "rolling", train: 1, test: 1 } },
    gate: { max_degradation: 0.5, min_oos_objective: 0 },
  });

  it("refuses to export a parameter that only helps in sample, with the reasons", async () => {
    const r = await runCalibration(parseSpec(overfitSpec), { workers: 0, evaluator: { fn: synth.evaluateOverfit, id: "o" }, fixturesRoot: root });
    expect(r.folds.every((f) => (f.in_sample.objective as number) > 0 && (f.out_of_sample.objective as number) < 0), "IS wins, OOS loses").to.equal(true);
    expect(r.gate.passed).to.equal(false);
    expect(r.gate.reasons.join("\n")).to.match(/degradation/).and.to.match(/out-of-sample objective/);
    const e = errOf(() => buildArtifact(r));
    expect(e.code).to.equal("E_REFUSED");
    expect(e.message).to.match(/walk-forward gate/);
  });

  it("the same gate passes a parameter that generalises", async () => {
    const r = await runCalibration(parseSpec(overfitSpec), { workers: 0, evaluator: { fn: synth.evaluate, id: "s" }, fixturesRoot: root });
    expect(r.gate.passed, r.gate.reasons.join("; ")).to.equal(true);
  });

  it("gate checks: infeasible folds, parameter spread, no feasible final point", () => {
    const axes = buildAxes([{ path: "p.x", min: 0, max: 4, step: 1 }]);
    const side = (objective: number | null) => ({ objective, metrics: aggregate([]) });
    const folds = [
      { id: "a", train: [], test: [], selected: { "p.x": 0 }, in_sample: side(1), out_of_sample: side(0.9), degradation: 0.1 },
      { id: "b", train: [], test: [], selected: { "p.x": 4 }, in_sample: side(1), out_of_sample: side(null), degradation: null },
    ];
    const s = summarise(folds, axes);
    expect(s.stability[0].spread).to.equal(1);
    expect(s.infeasible_folds).to.equal(1);
    const g = applyGate(s, GateSchema.parse({ max_infeasible_folds: 0, max_param_spread: 0.5, degradation_floor: 0.1, min_oos_objective: null }), null, "cycles 0 < min_cycles 1");
    expect(g.checks.map((c) => [c.name, c.passed])).to.deep.equal([
      ["final_feasible", false],
      ["infeasible_folds", false],
      ["max_param_spread", false],
    ]);
    expect(g.reasons[0]).to.match(/cycles 0 < min_cycles 1/);
  });
});

describe("calibration: committed specs", () => {
  const dir = path.resolve(__dirname, "../../calibration/specs");
  for (const f of readdirSync(dir).filter((x) => x.endsWith(".json")).sort()) {
    it(`${f} validates and the config schema accepts every parameter's extreme values`, () => {
      const rs = loadSpec(path.join(dir, f));
      const axes = buildAxes(rs.spec.parameters);
      const base = parseConfig(rs.base) as unknown as Record<string, unknown>;
      for (const a of axes) {
        expect(getPath(base, a.path), `${a.path} is a config field`).to.not.equal(undefined);
        for (const v of [a.values[0], a.values[a.values.length - 1]]) expect(() => parseConfig(applyPoint(rs.base, { [a.path]: v })), `${a.path} = ${v}`).to.not.throw();
      }
    });
  }
});

describe("calibration: datasets", () => {
  it("accept a fixture whose lines are not canonical but hash canonically to the manifest; refuse changed content", async () => {
    const root = tmp("ds");
    const dir = await tinyFixture(root, "fx_nc", 10);
    const file = path.join(dir, "snapshots.jsonl");
    const rows = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    // Same content, other key order and spacing.
    writeFileSync(file, rows.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).reverse()), null, 1).replace(/\n/g, "")).join("\n") + "\n");
    const [d] = await resolveDatasets([{ fixture: "fx_nc" }], { root });
    expect(d.rows).to.equal(10);
    expect(d.last_ts - d.first_ts).to.equal(9000);
    rows[3].bid_qty = 2;
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const e = await resolveDatasets([{ fixture: "fx_nc" }], { root }).catch((x) => x);
    expect(e).to.be.instanceOf(GrinderError);
    expect(e.code).to.equal("E_HASH_MISMATCH");
  });
});
