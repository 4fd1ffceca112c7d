import { expect } from "chai";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { FIXTURES_DIR } from "../../sdk/cli/fixtures-path";
import { bundledFixtures, computeLadderDigests, LADDER_FILE, type LadderDigests } from "../../scripts/pin-ladder-digests";

describe("sim: committed digests per fixture for touch@1 and queue_prob@2 @slow", function () {
  this.timeout(900_000);
  it("every bundled fixture replays to the pinned digests (fixtures/ladder-digests.json); touch@1 equals expected.json (digest and summary)", async () => {
    const want = JSON.parse(readFileSync(LADDER_FILE, "utf8")) as LadderDigests;
    const names = bundledFixtures();
    expect(Object.keys(want).sort()).to.deep.equal([...names].sort());
    // the touch@1 rung is the default config: its run is also each fixture's expected.json (digest and summary)
    const touchSummary = new Map<string, unknown>();
    const got = await computeLadderDigests(names, (n, r) => {
      if (r.fill_model === "touch@1") touchSummary.set(n, r.summary);
    });
    expect(got).to.deep.equal(want);
    for (const n of names) {
      const exp = JSON.parse(readFileSync(path.join(FIXTURES_DIR, n, "expected.json"), "utf8")) as { digest: string; summary: unknown };
      expect(got[n]["touch@1"].digest, n).to.equal(exp.digest);
      expect(touchSummary.get(n), `${n} summary`).to.deep.equal(exp.summary);
      // the generated fixtures carry prints (ADR-145): there the queue rung fills differently from touch@1
      if (n !== "btcusdt_bookticker_real") expect(got[n]["queue_prob@2"].digest, n).to.not.equal(got[n]["touch@1"].digest);
    }
  });
});
