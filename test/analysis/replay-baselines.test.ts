import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { expect } from "chai";
import { replayBaselines } from "../../sdk/analysis/baselines";
import { PROJECT_ROOT } from "../../sdk/cli/fixtures-path";
import { runReplay } from "../../sdk/engine/run";

/** ADR-132: every `grinder replay` summary reports buy-and-hold and the static grid with the uplift. */

const BIN = path.join(PROJECT_ROOT, "bin", "grinder.js");
const FX = path.join(PROJECT_ROOT, "fixtures", "range_day_l1");
const grinder = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: PROJECT_ROOT, encoding: "utf8", timeout: 300_000 });

describe("grinder replay: baselines (ADR-132)", function () {
  this.timeout(600_000);
  // the whole day's `--json` output, run once for both tests
  let fullDay: ReturnType<typeof grinder> | null = null;
  const fullDayJson = (): ReturnType<typeof grinder> => (fullDay ??= grinder("replay", "range_day_l1", "--json"));

  it("--json carries the three rows equal to replayBaselines, uplift = adaptive − baseline; the digest is unchanged", async () => {
    const r = fullDayJson();
    expect(r.status, r.stderr).to.equal(0);
    const j = JSON.parse(r.stdout) as { digest: string; baselines: Array<{ strategy: string; net_pnl: number; uplift: number }> };
    const adaptive = await runReplay({ fixture: FX });
    expect(j.digest).to.equal(adaptive.digest);
    const want = await replayBaselines(adaptive, { fixture: FX });
    expect(j.baselines).to.deep.equal(JSON.parse(JSON.stringify(want)));
    expect(j.baselines.map((b) => b.strategy)).to.deep.equal(["adaptive grid", "static grid", "buy and hold"]);
    const a = j.baselines[0].net_pnl;
    for (const b of j.baselines.slice(1)) expect(b.uplift).to.be.closeTo(a - b.net_pnl, 1e-9);
    // the static grid is a different run on the same data
    expect(j.baselines[1].net_pnl).to.not.equal(a);
  });

  it("text output shows the table; --no-baselines leaves it out; a window applies to the baselines too", async () => {
    // the first 12 hours (the table's presence does not depend on the run's length)
    const HALF = "1704110400000";
    const t = grinder("replay", "range_day_l1", "--to", HALF);
    expect(t.status, t.stderr).to.equal(0);
    expect(t.stdout).to.match(/baselines\s+strategy/).and.match(/static grid/).and.match(/buy and hold/);
    const n = grinder("replay", "range_day_l1", "--json", "--no-baselines", "--to", HALF);
    expect(n.status, n.stderr).to.equal(0);
    expect(JSON.parse(n.stdout).baselines).to.equal(undefined);
    const full = JSON.parse(fullDayJson().stdout).baselines[2].net_pnl as number;
    const win = JSON.parse(grinder("replay", "range_day_l1", "--json", "--to", HALF).stdout).baselines[2].net_pnl as number;
    expect(win).to.not.equal(full);
  });
});
