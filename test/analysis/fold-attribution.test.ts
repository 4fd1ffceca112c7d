import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { foldAttribution } from "../../sdk/analysis/fold-attribution";
import { runCalibration } from "../../sdk/calibration/calibrate";
import { parseSpec } from "../../sdk/calibration/spec";
import { PROJECT_ROOT } from "../../sdk/cli/fixtures-path";
import { LENIENT_GATE } from "../calibration/helpers";

/** ADR-133: per-fold mark-to-market attribution of a calibration's out-of-sample replays. */
describe("calibration: per-fold PnL attribution (ADR-133)", function () {
  this.timeout(900_000);

  it("each fold's OOS replays: net PnL = the fold's OOS net PnL; regimes' MtM + unattributed = net PnL; deterministic", async () => {
    const spec = parseSpec({
      name: "attr",
      version: 1,
      parameters: [{ path: "policy.alpha", choices: [0.8, 1.4] }],
      datasets: [{ fixture: "vol_shock_l1" }],
      objective: { name: "net_pnl" },
      folds: { segments: 3, time: { mode: "rolling", train: 1 } },
      search: { method: "grid" },
      gate: LENIENT_GATE,
    });
    const result = await runCalibration(spec, { workers: 0, fixturesRoot: path.join(PROJECT_ROOT, "fixtures") });
    expect(result.folds.length).to.be.greaterThan(0);
    const a = await foldAttribution(result);
    expect(a.map((f) => f.fold)).to.deep.equal(result.folds.map((f) => f.id));
    for (let i = 0; i < a.length; i++) {
      const f = a[i];
      expect(f.units).to.deep.equal(result.folds[i].test);
      expect(f.net_pnl, `fold ${f.fold}: same replays as the trials`).to.be.closeTo(result.folds[i].out_of_sample.metrics.net_pnl, 1e-6);
      expect(f.rows.length).to.be.greaterThan(0);
      const mtm = f.rows.reduce((s, r) => s + r.mtm_pnl, 0);
      // what the regimes do not explain is reported, not hidden
      expect(mtm + f.unattributed_pnl, `fold ${f.fold}`).to.be.closeTo(f.net_pnl, 1e-9);
      expect(Number.isFinite(f.unattributed_pnl)).to.equal(true);
      for (const r of f.rows) expect(r.fold).to.equal(f.fold);
    }
    expect(await foldAttribution(result)).to.deep.equal(a);
  });

  it("CLI: calibrate --attribution prints the per-fold table (the artifact and report do not change)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "grinder-attr-"));
    try {
      const spec = path.join(dir, "attr.json");
      writeFileSync(spec, JSON.stringify({ name: "attr", version: 1, parameters: [{ path: "policy.alpha", choices: [0.8, 1.4] }], datasets: [{ fixture: "vol_shock_l1" }], objective: { name: "net_pnl" }, folds: { segments: 3, time: { mode: "rolling", train: 1 } }, search: { method: "grid" }, gate: LENIENT_GATE }));
      const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, "bin", "grinder.js"), "calibrate", spec, "--workers", "0", "--no-progress", "--attribution", "--out", dir], { cwd: PROJECT_ROOT, encoding: "utf8", timeout: 600_000 });
      expect(r.stdout, r.stderr).to.contain("per-fold out-of-sample PnL by regime").and.match(/time-1 .*net -?\d/);
      expect(r.stderr).to.not.match(/\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
