import { expect } from "chai";
import path from "node:path";
import { ESLint } from "eslint";

const ROOT = path.resolve(__dirname, "..", "..");

/** The layer rule (ADR-045) as lint sees it: `npx eslint sdk` fails on any upward import. */
describe("layers: lint refuses upward imports", function () {
  this.timeout(120_000);
  const eslint = new ESLint({ cwd: ROOT });
  const lint = async (file: string, code: string) => {
    const [r] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
    return r.messages.filter((m) => m.ruleId === "layers/no-upward-import").map((m) => m.message);
  };

  it("a pure stage importing the engine is an error", async () => {
    const msgs = await lint("sdk/regime/bad-example.ts", 'import { runReplay } from "../engine/run";\nexport const x = runReplay;\n');
    expect(msgs).to.have.length(1);
    expect(msgs[0]).to.match(/sdk\/regime \(layer 2\) must not import sdk\/engine \(layer 6\)/);
  });

  it("the venue importing the strategy side, and config importing the engine, are errors", async () => {
    expect(await lint("sdk/sim/bad-example.ts", 'export * from "../execution/order-manager";\n')).to.have.length(1);
    expect(await lint("sdk/config/bad-example.ts", 'export { ReplayEngine } from "../engine/replay";\n')).to.have.length(1);
    expect(await lint("sdk/regime/bad-example.ts", 'import type { Policy } from "../policy/x";\nexport type P = Policy;\n'), "same layer, other folder").to.have.length(1);
  });

  it("downward and same-folder imports pass; the whole sdk/ is clean", async () => {
    expect(await lint("sdk/engine/ok-example.ts", 'import { SimVenue } from "../sim/venue";\nimport { Recorder } from "./recorder";\nexport const a = [SimVenue, Recorder];\n')).to.deep.equal([]);
    const results = await eslint.lintFiles(["sdk/**/*.ts"]);
    const bad = results.flatMap((r) => r.messages.filter((m) => m.ruleId === "layers/no-upward-import").map((m) => `${path.relative(ROOT, r.filePath)}: ${m.message}`));
    expect(bad).to.deep.equal([]);
  });
});
