import { expect } from "chai";
import { readFileSync } from "node:fs";
import { buildArtifact, renderArtifact, writeArtifact } from "../../sdk/calibration/artifact";
import { runCalibration } from "../../sdk/calibration/calibrate";
import { parseSpec } from "../../sdk/calibration/spec";
import { GrinderError } from "../../sdk/contracts/errors";
import { SYNTH, smallSpec, tinyFixture, tmp } from "./helpers";

describe("calibration: determinism across workers and runs", () => {
  let root: string;
  before(async () => {
    root = tmp("fx");
    await tinyFixture(root, "fx_a");
    await tinyFixture(root, "fx_b", 30, 1_700_100_000_000);
  });

  const spec = smallSpec({
    parameters: [
      { path: "policy.alpha", min: 0.1, max: 1.0, step: 0.05 },
      { path: "policy.k_tail.RANGE", min: 1.5, max: 3.5, step: 0.25 },
    ],
    search: { method: "halton", samples: 6, refine_rounds: 6 },
  });

  async function run(workers: number): Promise<{ bytes: string; sha: string }> {
    const r = await runCalibration(parseSpec(spec), { workers, evaluator: { module: SYNTH, id: "synth" }, fixturesRoot: root });
    const a = buildArtifact(r, { git_commit: "0".repeat(40) });
    const file = await writeArtifact(a, tmp("out"));
    return { bytes: readFileSync(file, "utf8"), sha: a.sha256 };
  }

  it("same spec → byte-identical artifact for 1 and 2 workers, and across two runs", async () => {
    const w1 = await run(1);
    const w2 = await run(2);
    const w2b = await run(2);
    expect(w2.sha, "1 vs 2 workers").to.equal(w1.sha);
    expect(w2.bytes, "1 vs 2 workers: whole file").to.equal(w1.bytes);
    expect(w2b.bytes, "two runs with 2 workers").to.equal(w2.bytes);
  });

  it("in-process evaluation (workers 0) gives the same artifact as the pool", async () => {
    const r0 = await runCalibration(parseSpec(spec), { workers: 0, evaluator: { module: SYNTH, id: "synth" }, fixturesRoot: root });
    const r2 = await runCalibration(parseSpec(spec), { workers: 2, evaluator: { module: SYNTH, id: "synth" }, fixturesRoot: root });
    expect(renderArtifact(buildArtifact(r0, { git_commit: null }))).to.equal(renderArtifact(buildArtifact(r2, { git_commit: null })));
  });

  it("an evaluator's GrinderError crosses the worker boundary with its code and field", async () => {
    const e = await runCalibration(parseSpec(spec), { workers: 2, evaluator: { module: SYNTH, export: "evaluateFailing", id: "f" }, fixturesRoot: root }).catch((x) => x);
    expect(e).to.be.instanceOf(GrinderError);
    expect(e.code).to.equal("E_BAD_NUMBER");
    expect(e.field).to.equal("net_pnl");
    expect(e.message).to.match(/synthetic failure \(trial on fx_a#1\)/);
  });
});
