/**
 * Cross-runtime determinism (ADR-180): the same replay under Deno (this checkout's npm `deno`,
 * a newer V8 than Node's) and under Node gives the same digest. Before sdk/util/libm.ts the
 * multi-symbol fixture's digest differed on Deno (ADR-165): `Math.exp`/`log`/`pow`… differ in the
 * last bit between the two engines. Deno runs the compiled CommonJS SDK (scripts/build.cjs), as the
 * `grinder-deno` kernel does.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { defaultConfig } from "../../sdk/config";
import { runReplay } from "../../sdk/engine";
import { ROOT, tempDir } from "./jupyter";

const DENO = path.join(ROOT, "node_modules", "@deno", "linux-x64-glibc", "deno");
const FIXTURE = "multisymbol_topk_l1";

describe("cross-runtime digest: Deno and Node replay to the same bits (ADR-180)", function () {
  this.timeout(300_000);

  it(`${FIXTURE} digests the same under Deno as under Node, and as committed`, async () => {
    expect(existsSync(DENO), `${DENO} is missing: npm ci installs the deno package (run scripts/setup.sh)`).to.equal(true);
    const build = require(path.join(ROOT, "scripts", "build.cjs")) as { ensureBuilt(parts: string[]): Promise<{ js: string }> };
    const { js } = await build.ensureBuilt(["js"]);
    const dir = tempDir("grinder-deno-digest-");
    const probe = path.join(dir, "probe.ts");
    const sdk = pathToFileURL(path.join(js, "sdk", "index.js")).href;
    writeFileSync(
      probe,
      `import { runReplay, defaultConfig } from ${JSON.stringify(sdk)};\n` +
        `const r = await runReplay({ fixture: ${JSON.stringify(path.join(ROOT, "fixtures", FIXTURE))}, config: defaultConfig() });\n` +
        `console.log(JSON.stringify({ digest: r.digest, fills: r.summary.fills, cycles: r.summary.cycles }));\n`,
    );
    const d = spawnSync(DENO, ["run", "-A", "--config", path.join(ROOT, "deno.json"), probe], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" },
    });
    rmSync(dir, { recursive: true, force: true });
    expect(d.status, `deno failed:\n${d.stderr}`).to.equal(0);
    const onDeno = JSON.parse(d.stdout.trim().split("\n").pop() as string) as { digest: string; fills: number; cycles: number };

    const r = await runReplay({ fixture: path.join(ROOT, "fixtures", FIXTURE), config: defaultConfig() });
    const expected = JSON.parse(readFileSync(path.join(ROOT, "fixtures", FIXTURE, "expected.json"), "utf8")) as { digest: string };
    expect(r.digest, "Node: committed digest").to.equal(expected.digest);
    expect(onDeno, "Deno: same digest, fills and cycles as Node").to.deep.equal({ digest: r.digest, fills: r.summary.fills, cycles: r.summary.cycles });
  });
});
