import type { Command } from "commander";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import * as path from "node:path";
import { ErrorCode, GrinderError } from "../../contracts/errors";
import { pidAlive } from "../../data/fixture";
import { PROJECT_ROOT } from "../fixtures-path";

/** Debian's Python: the one with nbclient/nbconvert from apt (a pyenv `python3` on PATH may lack them). */
const PYTHON = "/usr/bin/python3";
const RUNNER = path.join(PROJECT_ROOT, "scripts", "run-notebook.py");
const DEFAULT_NOTEBOOK = path.join(PROJECT_ROOT, "notebooks", "07_acceptance_report.ipynb");

interface RunSummary {
  ok: boolean;
  code_cells: number;
  executed: number;
  seconds: number;
  failure: null | { cell: number | null; source: string; error: string };
}

/**
 * Execute the acceptance-report notebook headless through Jupyter (nbclient, kernel `grinder`)
 * and publish `<out>/acceptance.html` (for readers: code cells left out unless `withCode`) +
 * `<out>/acceptance.ipynb` (the executed notebook, code included). Both are produced in a
 * private folder next to the target and renamed into place only when every cell ran clean,
 * so a reader never sees a half-written or failed report under the published names; a failed
 * run is kept as `acceptance.failed.{ipynb,html}` for inspection.
 */
export function runReport(opts: { notebook?: string; out?: string; kernel?: string; timeout?: number; withCode?: boolean }): { html: string; ipynb: string; summary: RunSummary } {
  const notebook = path.resolve(opts.notebook ?? DEFAULT_NOTEBOOK);
  const out = path.resolve(opts.out ?? path.join(PROJECT_ROOT, "reports"));
  if (!existsSync(notebook)) throw new GrinderError(ErrorCode.IO, "report notebook not found", { file: notebook });
  if (!existsSync(PYTHON)) throw new GrinderError(ErrorCode.IO, `${PYTHON} not found: install Jupyter with scripts/setup.sh`, { file: PYTHON });
  mkdirSync(out, { recursive: true });
  // Work folders carry the pid; those of a killed run (pid gone) are removed here (ADR-084).
  for (const n of readdirSync(out)) {
    const m = /^\.report-(\d+)-/.exec(n);
    if (m && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]))) rmSync(path.join(out, n), { recursive: true, force: true });
  }
  const work = mkdtempSync(path.join(out, `.report-${process.pid}-`));
  try {
    const ipynbTmp = path.join(work, "acceptance.ipynb");
    const htmlTmp = path.join(work, "acceptance.html");
    const args = [RUNNER, notebook, "--ipynb", ipynbTmp, "--html", htmlTmp, "--json", ...(opts.withCode ? [] : ["--no-input"]), "--kernel", opts.kernel ?? "grinder", "--timeout", String(opts.timeout ?? 900)];
    const r = spawnSync(PYTHON, args, { cwd: PROJECT_ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
    let summary: RunSummary;
    try {
      summary = JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as RunSummary;
    } catch {
      throw new GrinderError(ErrorCode.IO, `Jupyter could not run the report (exit ${r.status}): ${r.stderr.trim().split("\n").slice(-5).join(" | ")}`, { file: notebook });
    }
    const html = path.join(out, "acceptance.html");
    const ipynb = path.join(out, "acceptance.ipynb");
    if (!summary.ok) {
      if (existsSync(ipynbTmp)) renameSync(ipynbTmp, path.join(out, "acceptance.failed.ipynb"));
      if (existsSync(htmlTmp)) renameSync(htmlTmp, path.join(out, "acceptance.failed.html"));
      const f = summary.failure;
      throw new GrinderError(
        ErrorCode.IO,
        `acceptance report failed at cell ${f?.cell ?? "?"}:\n--- cell ---\n${f?.source ?? ""}\n--- error ---\n${(f?.error ?? "").slice(0, 4000)}\n(see ${path.join(out, "acceptance.failed.html")})`,
        { file: notebook },
      );
    }
    renameSync(ipynbTmp, ipynb);
    renameSync(htmlTmp, html);
    return { html, ipynb, summary };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function registerReport(program: Command): void {
  program
    .command("report")
    .description("execute the acceptance report notebook headless through Jupyter; writes reports/acceptance.html and .ipynb")
    .option("--notebook <file>", "notebook to execute", DEFAULT_NOTEBOOK)
    .option("--out <dir>", "output folder", path.join(PROJECT_ROOT, "reports"))
    .option("--kernel <name>", "Jupyter kernel", "grinder")
    .option("--timeout <seconds>", "per-cell timeout", (v) => parseInt(v, 10), 900)
    .option("--with-code", "keep the code cells in the HTML")
    .action((opts: { notebook: string; out: string; kernel: string; timeout: number; withCode?: boolean }) => {
      const { html, ipynb, summary } = runReport(opts);
      process.stderr.write(`report: ${summary.executed}/${summary.code_cells} cells in ${summary.seconds.toFixed(1)} s; notebook ${ipynb}\n`);
      process.stdout.write(`${html}\n`);
    });
}
