/**
 * Test helpers: run notebooks headless through real Jupyter (scripts/run-notebook.py with
 * Debian's /usr/bin/python3 and nbclient) on the `grinder` kernel, and compile SDK entry
 * points with tslab's own TypeScript 5.0.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { kernelSpawnSync } from "../harness/kernel-lock";

export const ROOT = path.resolve(__dirname, "..", "..");
export const PYTHON = "/usr/bin/python3";
export const RUNNER = path.join(ROOT, "scripts", "run-notebook.py");

export interface RunSummary {
  notebook: string;
  ok: boolean;
  code_cells: number;
  executed: number;
  seconds: number;
  signed?: boolean;
  failure: null | { cell: number | null; id: string | null; source: string; error: string };
}

/** Why Jupyter cannot run here, or null. Tests fail (not skip) with this: CI installs it. */
export function jupyterProblem(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing`;
  const r = spawnSync(PYTHON, ["-c", "import nbclient, nbconvert; from jupyter_client.kernelspec import KernelSpecManager as K; print(K().get_kernel_spec('grinder').argv[0])"], { encoding: "utf8", env: projectJupyterEnv() });
  if (r.status !== 0) return `Jupyter or the 'grinder' kernel is not installed (run scripts/setup.sh): ${r.stderr.trim().split("\n").pop()}`;
  const launcher = r.stdout.trim();
  if (!launcher.startsWith(ROOT + path.sep)) return `the 'grinder' kernel found (${launcher}) is not this checkout's: run scripts/setup.sh here`;
  return null;
}

/** The environment with this checkout's kernel folder first on JUPYTER_PATH (scripts/setup.sh writes it). */
export function projectJupyterEnv(): NodeJS.ProcessEnv {
  const rest = process.env.JUPYTER_PATH;
  return { ...process.env, JUPYTER_PATH: path.join(ROOT, ".jupyter") + (rest ? path.delimiter + rest : "") };
}

/** A fresh temporary folder for executed notebooks. */
export function tempDir(prefix = "grinder-nb-"): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Execute a notebook (relative to the project root); writes executed ipynb/html when asked. Holds the kernel lock. */
export function runNotebook(notebook: string, out: { ipynb?: string; html?: string; timeoutS?: number; noSign?: boolean; env?: NodeJS.ProcessEnv } = {}): RunSummary {
  const args = [RUNNER, path.resolve(ROOT, notebook), "--json", "--timeout", String(out.timeoutS ?? 300)];
  if (out.ipynb) args.push("--ipynb", out.ipynb);
  if (out.html) args.push("--html", out.html);
  if (out.noSign) args.push("--no-sign");
  const r = kernelSpawnSync(PYTHON, args, { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: out.env ?? process.env });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as RunSummary;
  } catch {
    throw new Error(`run-notebook.py failed (status ${r.status}):\n${r.stderr.slice(-4000)}`);
  }
}

/** A readable failure message: the cell that failed, its source and its error. */
export function describeFailure(s: RunSummary): string {
  if (!s.failure) return "";
  return `${s.notebook}: cell ${s.failure.cell} (${s.failure.id}) failed\n--- cell source ---\n${s.failure.source}\n--- error ---\n${s.failure.error.slice(0, 6000)}`;
}

/** Live (not zombie) processes whose command line mentions `needle` (a kernel left behind). */
export function processesMentioning(needle: string): number[] {
  return readdirSync("/proc")
    .filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid)
    .filter((n) => {
      try {
        return readFileSync(`/proc/${n}/cmdline`, "utf8").includes(needle) && !/\) Z /.test(readFileSync(`/proc/${n}/stat`, "utf8"));
      } catch {
        return false;
      }
    })
    .map(Number);
}
