/**
 * Start-up benchmark (ADR-090): how long a researcher waits.
 *
 * 1. `grinder --help`: the bundled CLI (`.build/`, what `bin/grinder.js` runs; target ≤ 0.3 s)
 *    next to the TypeScript sources through tsx (`GRINDER_FROM_SOURCE=1`, the old path) and a
 *    bare `node -e 0` measured in the same run (the floor: Node's own start-up).
 * 2. The first `import … from "./sdk"` of a notebook kernel session: a notebook whose first cell
 *    imports the SDK and the notebook helpers, executed through Jupyter (scripts/run-notebook.py);
 *    the cell's time is nbclient's busy → idle timestamps. With the precompiled build (target
 *    ≤ 5 s) and with `GRINDER_KERNEL_FROM_SOURCE=1` (tslab compiles the SDK sources, the old path).
 *
 * Medians of `--reps` runs (default 5 for the CLI, 2 for the kernel; `--quick`: 3 and 1).
 * Absolute times depend on the machine's load; the ratios to the bare loop / old path measured in
 * the same run stay meaningful. Writes `bench/results/startup.json`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const quick = process.argv.includes("--quick");
const CLI_REPS = quick ? 3 : 5;
const KERNEL_REPS = quick ? 1 : 2;
const loadBefore = os.loadavg().map((x) => Math.round(x * 100) / 100);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function timeRun(args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, env, encoding: "utf8" });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${args.join(" ")} failed: ${r.stderr}`);
  return s;
}

function loadavg(): number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

// 1. CLI start-up. One run first so the build is current (a stale build is rebuilt on start).
const grinder = path.join(ROOT, "bin", "grinder.js");
timeRun([grinder, "--help"]);
const bare: number[] = [];
const compiled: number[] = [];
const source: number[] = [];
for (let i = 0; i < CLI_REPS; i++) {
  bare.push(timeRun(["-e", "0"]));
  compiled.push(timeRun([grinder, "--help"]));
  source.push(timeRun([grinder, "--help"], { ...process.env, GRINDER_FROM_SOURCE: "1" }));
}
const cli = {
  reps: CLI_REPS,
  bare_node_s: median(bare),
  compiled_s: median(compiled),
  from_source_s: median(source),
  compiled_over_bare: median(compiled) / median(bare),
  from_source_over_compiled: median(source) / median(compiled),
  target_s: 0.3,
  target_met: median(compiled) <= 0.3,
};

// 2. Kernel: the first cell of a session imports the SDK.
const dir = mkdtempSync(path.join(os.tmpdir(), "grinder-startup-"));
// the notebook and its output are scratch: removed however the bench ends
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const nb = path.join(dir, "first-import.ipynb");
const source0 = [
  'import { SDK_VERSION, runReplay, parseConfig } from "./sdk";',
  'import { showFigure, showTable } from "./sdk/notebook";',
  "console.log(SDK_VERSION, typeof runReplay, typeof parseConfig, typeof showFigure, typeof showTable);",
].join("\n");
writeFileSync(
  nb,
  JSON.stringify({
    cells: [{ cell_type: "code", execution_count: null, id: "first-import", metadata: {}, outputs: [], source: source0 }],
    metadata: { kernelspec: { name: "grinder", display_name: "GRINDER (TypeScript)", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  }),
);

function firstImportSeconds(env: NodeJS.ProcessEnv): { cell_s: number; run_s: number } {
  const out = path.join(dir, "out.ipynb");
  const t0 = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/python3", [path.join(ROOT, "scripts", "run-notebook.py"), nb, "--ipynb", out, "--json", "--no-sign"], { cwd: ROOT, env, encoding: "utf8" });
  const run = Number(process.hrtime.bigint() - t0) / 1e9;
  const summary = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}");
  if (!summary.ok) throw new Error(`first-import notebook failed: ${JSON.stringify(summary.failure)} ${r.stderr}`);
  const ex = JSON.parse(readFileSync(out, "utf8")).cells[0].metadata.execution;
  const cell = (Date.parse(ex["iopub.status.idle"]) - Date.parse(ex["iopub.status.busy"])) / 1000;
  return { cell_s: cell, run_s: run };
}

const built: Array<{ cell_s: number; run_s: number }> = [];
const fromSource: Array<{ cell_s: number; run_s: number }> = [];
for (let i = 0; i < KERNEL_REPS; i++) {
  built.push(firstImportSeconds(process.env));
  fromSource.push(firstImportSeconds({ ...process.env, GRINDER_KERNEL_FROM_SOURCE: "1" }));
}
const kernel = {
  reps: KERNEL_REPS,
  first_import_s: median(built.map((b) => b.cell_s)),
  first_import_from_source_s: median(fromSource.map((b) => b.cell_s)),
  notebook_run_s: median(built.map((b) => b.run_s)),
  notebook_run_from_source_s: median(fromSource.map((b) => b.run_s)),
  from_source_over_built: median(fromSource.map((b) => b.cell_s)) / median(built.map((b) => b.cell_s)),
  target_s: 5,
  target_met: median(built.map((b) => b.cell_s)) <= 5,
};

const result = { bench: "startup", node: process.version, cpus: os.cpus().length, loadavg_before: loadBefore, loadavg_after: loadavg(), cli, kernel };
const f = (x: number) => x.toFixed(3);
process.stdout.write(
  [
    `grinder --help   compiled ${f(cli.compiled_s)} s   from source ${f(cli.from_source_s)} s   bare node ${f(cli.bare_node_s)} s   (compiled = ${cli.compiled_over_bare.toFixed(2)}× bare; source = ${cli.from_source_over_compiled.toFixed(2)}× compiled; target ≤ 0.3 s ${cli.target_met ? "met" : "NOT met"})`,
    `first SDK import compiled ${f(kernel.first_import_s)} s   from source ${f(kernel.first_import_from_source_s)} s   (${kernel.from_source_over_built.toFixed(2)}× faster; target ≤ 5 s ${kernel.target_met ? "met" : "NOT met"}); whole notebook run ${f(kernel.notebook_run_s)} s vs ${f(kernel.notebook_run_from_source_s)} s`,
    `load average ${loadBefore.join(" ")} → ${loadavg().join(" ")} on ${os.cpus().length} CPUs`,
  ].join("\n") + "\n",
);
const resultFile = path.join(ROOT, "bench", "results", "startup.json");
writeFileSync(`${resultFile}.tmp`, JSON.stringify(result, null, 2) + "\n");
renameSync(`${resultFile}.tmp`, resultFile);
