import { expect } from "chai";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { buildArtifact, loadArtifact, renderArtifact, writeArtifact } from "../../sdk/calibration/artifact";
import { runCalibration } from "../../sdk/calibration/calibrate";
import { parseSpec } from "../../sdk/calibration/spec";
import { smallSpec, tinyFixture, tmp } from "./helpers";
import * as synth from "./synthetic-evaluator";

describe("calibration: runCalibration (synthetic evaluator)", () => {
  let root: string;
  before(async () => {
    root = tmp("fx");
    await tinyFixture(root, "fx_a");
    await tinyFixture(root, "fx_b", 30, 1_700_100_000_000);
  });

  it("grid search selects the synthetic optimum and passes a lenient gate", async () => {
    const r = await runCalibration(parseSpec(smallSpec()), { workers: 0, evaluator: { fn: synth.evaluate, id: "synth" }, fixturesRoot: root });
    expect(r.final.selected, "optimum of the closed form is alpha 0.6, k 2.5").to.deep.equal({ "policy.alpha": 0.6, "policy.k_tail.RANGE": 2.5 });
    expect(r.folds.map((f) => f.id)).to.deep.equal(["time-0", "time-1", "lofo-fx_a", "lofo-fx_b"]);
    expect(r.search.points).to.equal(15);
    expect(r.search.trials, "15 points × 6 units, OOS reuses them").to.equal(90);
    expect(r.gate.passed, r.gate.reasons.join("; ")).to.equal(true);
    expect((r.config as { policy: { alpha: number } }).policy.alpha).to.equal(0.6);
  });

  it("halton + coordinate refinement reaches the same optimum with fewer points than the grid", async () => {
    const spec = smallSpec({
      parameters: [
        { path: "policy.alpha", min: 0.1, max: 1.0, step: 0.05 },
        { path: "policy.k_tail.RANGE", min: 1.5, max: 3.5, step: 0.25 },
      ],
      search: { method: "halton", samples: 8, refine_rounds: 10 },
    });
    const r = await runCalibration(parseSpec(spec), { workers: 0, evaluator: { fn: synth.evaluate, id: "synth" }, fixturesRoot: root });
    expect(r.search.points, "fewer than the 19×9 grid").to.be.lessThan(19 * 9);
    expect(r.final.selected["policy.k_tail.RANGE"]).to.equal(2.5);
    expect(Math.abs((r.final.selected["policy.alpha"] as number) - 0.6)).to.be.at.most(0.1);
  });

  it("artifact round-trips: write, load verifies, same bytes", async () => {
    const r = await runCalibration(parseSpec(smallSpec()), { workers: 0, evaluator: { fn: synth.evaluate, id: "synth" }, fixturesRoot: root });
    const a = buildArtifact(r, { git_commit: null });
    const out = tmp("art");
    const file = await writeArtifact(a, out);
    expect(path.basename(file)).to.equal(`t-v1-${a.sha256.slice(0, 12)}.json`);
    const b = loadArtifact(file);
    expect(b.sha256).to.equal(a.sha256);
    expect(readFileSync(file, "utf8")).to.equal(renderArtifact(a));
  });
});
