/**
 * The notebooks on Deno's Jupyter kernel (`grinder-deno`, ADR-165): the same notebook files,
 * executed headless through scripts/run-notebook.py with `--kernel grinder-deno`.
 *
 * `npm test` runs a representative set (01: fixtures, tables, plotly charts and a printed line;
 * 03: grid plans, tables and charts; 04: a replay, arquero and danfo tables);
 * GRINDER_DENO_NOTEBOOKS=all runs every notebook
 * (docs/STATE.md gives the per-notebook times).
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { SDK_VERSION } from "../../sdk";
import { denoJupyter, fixtureNames, notebookKernel, PLOTLY_MIME } from "../../sdk/notebook";
import { kernelSpawnSync } from "../harness/kernel-lock";
import { PYTHON, ROOT, RUNNER, describeFailure, processesMentioning, projectJupyterEnv, tempDir, type RunSummary } from "./jupyter";

const DENO = path.join(ROOT, "node_modules", "@deno", "linux-x64-glibc", "deno");
const KERNEL = "grinder-deno";
const ALL = process.env.GRINDER_DENO_NOTEBOOKS === "all";
const NB_DIR = path.join(ROOT, "notebooks");
const REPRESENTATIVE = ["01_fixtures.ipynb", "03_grid_plan_anatomy.ipynb", "04_replay_and_cycles.ipynb"];

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
}
interface Cell {
  cell_type: string;
  id?: string;
  outputs?: Output[];
}

const text = (t: string | string[] | undefined): string => (Array.isArray(t) ? t.join("") : (t ?? ""));

/** Why the Deno kernel cannot run here, or null (the test fails with it: setup installs both). */
function denoKernelProblem(): string | null {
  if (!existsSync(DENO)) return `${DENO} is missing: npm ci installs the deno package (run scripts/setup.sh)`;
  const r = spawnSync(PYTHON, ["-c", `from jupyter_client.kernelspec import KernelSpecManager as K; print(K().get_kernel_spec('${KERNEL}').argv[0])`], { encoding: "utf8", env: projectJupyterEnv() });
  if (r.status !== 0) return `the '${KERNEL}' kernel is not registered (run scripts/setup.sh): ${r.stderr.trim().split("\n").pop()}`;
  if (!r.stdout.trim().startsWith(ROOT + path.sep)) return `the '${KERNEL}' kernel found (${r.stdout.trim()}) is not this checkout's: run scripts/setup.sh here`;
  return null;
}

function runOnDeno(notebook: string, ipynb: string): RunSummary {
  const args = [RUNNER, path.join(NB_DIR, notebook), "--json", "--kernel", KERNEL, "--timeout", "600", "--ipynb", ipynb];
  const r = kernelSpawnSync(PYTHON, args, { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as RunSummary;
  } catch {
    throw new Error(`run-notebook.py failed (status ${r.status}):\n${r.stderr.slice(-4000)}`);
  }
}



describe("notebooks on the Deno kernel (grinder-deno)", () => {
  it("the display layer detects no Deno kernel under Node.js", () => {
    expect(denoJupyter()).to.equal(null);
    expect(notebookKernel()).to.equal(null);
  });

  it("this checkout's deno binary runs from node_modules (npm ci, scripts ignored) and the kernel is registered", () => {
    const problem = denoKernelProblem();
    expect(problem, problem ?? "").to.equal(null);
    const v = spawnSync(DENO, ["--version"], { encoding: "utf8" });
    expect(v.status, v.stderr).to.equal(0);
    expect(v.stdout).to.match(/^deno 2\.9\.\d+/);
    const spec = JSON.parse(readFileSync(path.join(ROOT, ".jupyter", "kernels", KERNEL, "kernel.json"), "utf8")) as { argv: string[] };
    expect(spec.argv).to.deep.equal([path.join(ROOT, "scripts", "grinder-deno-kernel.sh"), "--conn", "{connection_file}"]);
  });

  it("`jupyter run --kernel=grinder-deno <file>` runs the file with the SDK and leaves no kernel behind (parent watch)", async function () {
    this.timeout(300_000);
    const problem = denoKernelProblem();
    expect(problem, problem ?? "").to.equal(null);
    const dir = tempDir("grinder-deno-run-");
    const runtime = path.join(dir, "runtime");
    mkdirSync(runtime);
    const file = path.join(dir, "hello.ts");
    writeFileSync(file, 'import { SDK_VERSION, canonicalJson } from "./sdk";\nconsole.log(`deno ${SDK_VERSION} ${canonicalJson({ b: 1, a: [2, 3] })}`);\n');
    const r = kernelSpawnSync("jupyter", ["run", `--kernel=${KERNEL}`, file], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 240_000,
      env: { ...projectJupyterEnv(), JUPYTER_RUNTIME_DIR: runtime, PYDEVD_DISABLE_FILE_VALIDATION: "1" },
    });
    expect(r.error, String(r.error)).to.equal(undefined);
    expect(r.status, r.stderr.slice(-3000)).to.equal(0);
    expect(r.stdout).to.contain(`deno ${SDK_VERSION} {"a":[2,3],"b":1}`);
    // `jupyter run` exits without shutting the kernel down: the launcher's watchdog ends it.
    const end = Date.now() + 15_000;
    while (processesMentioning(runtime).length > 0 && Date.now() < end) await new Promise((res) => setTimeout(res, 250));
    const left = processesMentioning(runtime);
    for (const p of left) process.kill(p, "SIGKILL");
    expect(left, "kernel processes left running").to.deep.equal([]);
  });

  const dir = tempDir("grinder-nb-deno-");
  const all = readdirSync(NB_DIR).filter((f) => f.endsWith(".ipynb")).sort();
  for (const f of ALL ? all : REPRESENTATIVE) {
    it(`${f} runs unchanged on Deno: no error output, plotly MIME outputs${f === "01_fixtures.ipynb" ? ", the printed SDK line" : ""}`, function () {
      this.timeout(900_000);
      const problem = denoKernelProblem();
      expect(problem, problem ?? "").to.equal(null);
      const out = path.join(dir, f);
      const s = runOnDeno(f, out);
      expect(s.ok, describeFailure(s)).to.equal(true);
      expect(s.executed, "every code cell ran").to.equal(s.code_cells);
      const cells = (JSON.parse(readFileSync(out, "utf8")) as { cells: Cell[] }).cells.filter((c) => c.cell_type === "code");
      const outputs = cells.flatMap((c) => c.outputs ?? []);
      expect(outputs.filter((o) => o.output_type === "error"), "no error output").to.deep.equal([]);
      expect(outputs.filter((o) => o.output_type === "stream" && o.name === "stderr").map((o) => text(o.text)), "nothing on stderr").to.deep.equal([]);
      const figures = outputs.filter((o) => o.output_type === "display_data" && o.data?.[PLOTLY_MIME] !== undefined);
      if (f !== "07_acceptance_report.ipynb" || figures.length > 0) expect(figures.length, "plotly figures").to.be.greaterThan(0);
      for (const fig of figures) {
        const data = fig.data as Record<string, unknown>;
        expect((data[PLOTLY_MIME] as { data: unknown[] }).data.length, "a figure with traces").to.be.greaterThan(0);
        expect(text(data["text/html"] as string | string[]), "the HTML fallback of every figure").to.include("Plotly.newPlot");
      }
      // plotly.js is inlined once per notebook (the first figure's HTML), as on tslab.
      const withLib = figures.filter((o) => text((o.data as Record<string, unknown>)["text/html"] as string | string[]).length > 1_000_000);
      expect(withLib.length, "plotly.js inlined once").to.equal(1);
      if (f === "01_fixtures.ipynb") {
        const printed = cells[0].outputs?.filter((o) => o.output_type === "stream").map((o) => text(o.text)).join("") ?? "";
        expect(printed).to.equal(`GRINDER SDK ${SDK_VERSION}; fixtures: ${fixtureNames().join(", ")}\n`);
        const html = (o: Output): string => text(o.data?.["text/html"] as string | string[] | undefined);
        const tables = outputs.filter((o) => o.output_type === "display_data" && html(o).includes("<table"));
        expect(tables.length, "tables shown").to.be.greaterThan(0);
        expect(html(tables[0])).to.include("range_day_l1");
      }
    });
  }
});
