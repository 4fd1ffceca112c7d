import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const BIN = path.join(ROOT, "bin", "grinder.js");

/** ADR-223: the `grinder` command's node flags live in its shebang (what `npx grinder` executes). */
describe("grinder bin: node flags from the shebang (ADR-223)", function () {
  this.timeout(120_000);
  const phases = (cmd: string, args: string[]): Record<string, unknown> => {
    const r = spawnSync(cmd, [...args, "replay", path.join(ROOT, "fixtures", "btcusdt_bookticker_real"), "--no-baselines"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, GRINDER_PHASES: "1" } });
    expect(r.status, r.stderr).to.equal(0);
    const line = r.stderr.split("\n").find((l) => l.startsWith("grinder-phases "));
    expect(line, r.stderr).to.be.a("string");
    return JSON.parse(line!.slice("grinder-phases ".length)) as Record<string, unknown>;
  };

  it("caps the young generation and V8's helper threads when run as a command, and the phases line says which flags ran", () => {
    expect(readFileSync(BIN, "utf8").split("\n")[0]).to.equal("#!/usr/bin/env -S node --max-semi-space-size=8 --v8-pool-size=1");
    expect(phases(BIN, []).node_flags).to.equal("--max-semi-space-size=8 --v8-pool-size=1");
    // `node bin/grinder.js` runs with node's own defaults (documented in the README)
    expect(phases(process.execPath, [BIN]).node_flags).to.equal("");
  });
});
