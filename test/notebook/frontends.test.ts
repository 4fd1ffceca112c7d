/**
 * Jupyter's own command-line front ends on the `grinder` kernel: `jupyter run` (which adds the
 * files to run to the kernel's command line and exits without shutting the kernel down) and
 * `jupyter console`.
 */
import { expect } from "chai";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { SDK_VERSION } from "../../sdk/version";
import { kernelSpawnSync } from "../harness/kernel-lock";
import { ROOT, jupyterProblem, processesMentioning, projectJupyterEnv, tempDir } from "./jupyter";


describe("Jupyter front ends on the grinder kernel", () => {
  it("`jupyter run --kernel=grinder <file>` runs the file with the SDK and leaves no kernel behind @slow", async function () {
    this.timeout(300_000);
    const problem = jupyterProblem();
    expect(problem, problem ?? "").to.equal(null);
    const dir = tempDir("grinder-run-");
    const runtime = path.join(dir, "runtime");
    mkdirSync(runtime);
    const file = path.join(dir, "hello.ts");
    writeFileSync(file, 'import { SDK_VERSION, canonicalJson } from "./sdk";\nconsole.log(`grinder ${SDK_VERSION} ${canonicalJson({ b: 1, a: [2, 3] })}`);\n');
    const r = kernelSpawnSync("jupyter", ["run", "--kernel=grinder", file], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 240_000,
      env: { ...projectJupyterEnv(), JUPYTER_RUNTIME_DIR: runtime, PYDEVD_DISABLE_FILE_VALIDATION: "1" },
    });
    expect(r.error, String(r.error)).to.equal(undefined);
    expect(r.stderr, "no kernel error").to.not.contain("too many arguments");
    expect(r.status, r.stderr.slice(-3000)).to.equal(0);
    expect(r.stdout).to.contain(`grinder ${SDK_VERSION} {"a":[2,3],"b":1}`);
    // The kernel notices its client is gone and exits (scripts/tslab-preload.cjs).
    const end = Date.now() + 15_000;
    while (processesMentioning(runtime).length > 0 && Date.now() < end) await new Promise((res) => setTimeout(res, 250));
    const left = processesMentioning(runtime);
    for (const p of left) process.kill(p, "SIGKILL");
    expect(left, "kernel processes left running").to.deep.equal([]);
  });

  it("`jupyter console --kernel=grinder` runs lines with the SDK and shuts the kernel down @slow", async function () {
    this.timeout(300_000);
    const problem = jupyterProblem();
    expect(problem, problem ?? "").to.equal(null);
    const runtime = path.join(tempDir("grinder-console-"), "runtime");
    mkdirSync(runtime);
    const r = kernelSpawnSync("jupyter", ["console", "--kernel=grinder", "--simple-prompt", "--ZMQTerminalInteractiveShell.kernel_timeout=120", "--ZMQTerminalInteractiveShell.confirm_exit=False"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 240_000,
      input: 'import { SDK_VERSION, canonicalJson } from "./sdk"; console.log(`console ${SDK_VERSION} ${canonicalJson({ y: 1, x: 0 })}`);\n',
      env: { ...projectJupyterEnv(), JUPYTER_RUNTIME_DIR: runtime, PYDEVD_DISABLE_FILE_VALIDATION: "1" },
    });
    expect(r.error, String(r.error)).to.equal(undefined);
    expect(r.stdout, r.stderr.slice(-3000)).to.contain(`console ${SDK_VERSION} {"x":0,"y":1}`);
    const end = Date.now() + 15_000;
    while (processesMentioning(runtime).length > 0 && Date.now() < end) await new Promise((res) => setTimeout(res, 250));
    const left = processesMentioning(runtime);
    for (const p of left) process.kill(p, "SIGKILL");
    expect(left, "kernel processes left running").to.deep.equal([]);
  });
});
