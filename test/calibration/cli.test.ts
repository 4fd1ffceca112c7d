import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { SYNTH, smallSpec, tinyFixture, tmp } from "./helpers";

const BIN = path.resolve(__dirname, "..", "..", "bin", "grinder.js");
const grinder = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });

describe("calibration: CLI", () => {
  let dir: string;
  before(async () => {
    dir = tmp("cli");
    await tinyFixture(dir, "fx_a");
    await tinyFixture(dir, "fx_b", 30, 1_700_100_000_000);
  });

  it("calibrate exports an artifact that 'artifact verify' accepts, and rejects once tampered", () => {
    const spec = path.join(dir, "ok.json");
    writeFileSync(spec, JSON.stringify(smallSpec({ datasets: [{ fixture: path.join(dir, "fx_a") }, { fixture: path.join(dir, "fx_b") }] })));
    const out = path.join(dir, "ok");
    const r = grinder("calibrate", spec, "--workers", "0", "--out", out, "--evaluator", SYNTH, "--no-progress");
    expect(r.status, r.stderr).to.equal(0);
    const [file] = readdirSync(out).filter((f) => f.endsWith(".json"));
    expect(r.stdout).to.contain(file);
    expect(grinder("artifact", "verify", path.join(out, file)).status).to.equal(0);
    writeFileSync(path.join(out, file), readFileSync(path.join(out, file), "utf8").replace('"objective": {', '"objective": {\n'));
    const v = grinder("artifact", "verify", path.join(out, file));
    expect(v.status).to.equal(1);
    expect(v.stderr).to.match(/✘/);
  });

  it("the walk-forward gate refuses the export: exit 2, reason printed, no artifact", () => {
    const spec = path.join(dir, "overfit.json");
    writeFileSync(
      spec,
      JSON.stringify(
        smallSpec({
          datasets: [{ fixture: path.join(dir, "fx_a") }, { fixture: path.join(dir, "fx_b") }],
          parameters: [{ path: "policy.alpha", choices: [0.2, 0.4, 0.6, 0.8, 1.0] }],
          folds: { segments: 4, time: { mode: "rolling", train: 1, test: 1 } },
          gate: { max_degradation: 0.5 },
        }),
      ),
    );
    const out = path.join(dir, "overfit");
    const r = grinder("calibrate", spec, "--workers", "0", "--out", out, "--evaluator", `${SYNTH}#evaluateOverfit`, "--no-progress");
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/E_REFUSED: export refused by the walk-forward gate: .*mean IS→OOS degradation/);
    expect(r.stdout).to.match(/gate ✘ max_degradation/);
    expect(readdirSync(out).filter((f) => f.endsWith(".json"))).to.deep.equal([]);
  });
});
