/** `grinder replay --json` carries what the text output shows: the multi-symbol selection summary. */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { streamFixture } from "../../sdk/data/fixture";
import { ROOT } from "./jupyter";

describe("grinder replay --json: the selection summary of a multi-symbol run", () => {
  it("--json has one selection row per symbol, the same symbols the text output summarises @slow", async function () {
    this.timeout(600_000);
    let from = 0;
    for await (const s of streamFixture(path.join(ROOT, "fixtures", "multisymbol_topk_l1"))) {
      from = s.ts;
      break;
    }
    const args = [path.join(ROOT, "bin", "grinder.js"), "replay", "multisymbol_topk_l1", "--from", String(from), "--to", String(from + 3 * 3600_000)];
    const json = spawnSync(process.execPath, [...args, "--json"], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20 });
    expect(json.status, json.stderr).to.equal(0);
    const j = JSON.parse(json.stdout) as { selection?: Array<{ symbol: string; selected_share: number; entries: number }> };
    expect(j.selection, "selection summary in --json").to.be.an("array").with.length(7);
    const text = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20 });
    expect(text.status, text.stderr).to.equal(0);
    for (const row of j.selection ?? []) {
      expect(row.selected_share).to.be.within(0, 1);
      expect(text.stdout, `text output summarises ${row.symbol}`).to.contain(row.symbol);
    }
    expect(j.selection?.some((r) => r.selected_share > 0), "someone was selected").to.equal(true);
  });
});
