import { expect } from "chai";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { defaultConfig, parseConfig } from "../../sdk/config";
import { runReplay, PRINT_BLIND_FILL_MODELS } from "../../sdk/engine/run";
import { openFixture } from "../../sdk/data/fixture";
import { validateFixtureTrades } from "../../sdk/data/trades";
import { FIXTURES_DIR } from "../../sdk/cli/fixtures-path";
import { SCENARIOS } from "../../scripts/fixture-models/scenarios";
import type { FillModelKind } from "../../sdk/sim";

const withModel = (kind: FillModelKind) => {
  const base = defaultConfig();
  return parseConfig({ ...(base as unknown as Record<string, unknown>), execution: { ...base.execution, fill_model: { kind } } });
};

describe("bundled fixtures carry trades (ADR-145)", function () {
  this.timeout(300_000);

  it("every generated fixture declares a trades sidecar that validates (rows, hash, both aggressors)", async () => {
    for (const name of Object.keys(SCENARIOS).filter((n) => n !== "multisymbol_topk_l1")) {
      const fx = openFixture(path.join(FIXTURES_DIR, name));
      expect(fx.manifest.trades, name).to.not.equal(undefined);
      const t = (await validateFixtureTrades(fx))!;
      expect(t.hash_ok, name).to.equal(true);
      expect(t.rows, name).to.equal(fx.manifest.trades!.rows);
      expect(t.rows, `${name}: prints`).to.be.greaterThan(fx.manifest.rows / 2);
      expect(t.buy, name).to.be.within(t.rows * 0.3, t.rows * 0.7);
    }
    // the large one: declared, not re-read here (fixtures verify and the ladder digests read it)
    expect(openFixture(path.join(FIXTURES_DIR, "multisymbol_topk_l1")).manifest.trades!.rows).to.be.greaterThan(600_000);
  });

  it("print-blind rungs: the sidecar is fed but their digest is expected.json's and equals the run without trades; queue_prob@2 moves with the prints", async () => {
    const dir = path.join(FIXTURES_DIR, "thin_book_l2");
    const fx = openFixture(dir);
    const expected = JSON.parse(readFileSync(path.join(dir, "expected.json"), "utf8")) as { digest: string };
    expect([...PRINT_BLIND_FILL_MODELS].sort()).to.deep.equal(["bar_cross", "cross", "touch"]);
    for (const kind of ["touch", "cross"] as const) {
      const a = await runReplay({ fixture: fx, config: withModel(kind) });
      const b = await runReplay({ fixture: fx, config: withModel(kind), trades: false });
      expect(a.trades, kind).to.equal(fx.manifest.trades!.rows);
      expect(b.trades, kind).to.equal(0);
      expect(a.digest, kind).to.equal(b.digest);
      if (kind === "touch") expect(a.digest).to.equal(expected.digest);
    }
    const q = await runReplay({ fixture: fx, config: withModel("queue_prob") });
    const q0 = await runReplay({ fixture: fx, config: withModel("queue_prob"), trades: false });
    expect(q.trades).to.equal(fx.manifest.trades!.rows);
    expect(q.digest, "the prints change a queue rung's run").to.not.equal(q0.digest);
    expect(q.summary.fills, "prints at and through the touch fill queued orders").to.be.greaterThan(q0.summary.fills);
  });
});
