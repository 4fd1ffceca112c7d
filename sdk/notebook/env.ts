import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SDK_VERSION } from "../version";
import { denoJupyter } from "./display";

/** Where and with what a notebook or report ran: printed in reports, never hashed. */
export interface EnvironmentInfo {
  sdk_version: string;
  git_commit: string;
  /** True when tracked files differ from the commit. */
  git_dirty: boolean | null;
  node: string;
  platform: string;
  typescript_in_kernel: string | null;
  tslab: string | null;
  /** Deno's version when this runs on Deno (the `grinder-deno` kernel, ADR-165), else null. */
  deno: string | null;
  /** Root of the checkout whose SDK this process loaded (the code the report ran). */
  project_root: string;
  /** Script this process runs: inside the kernel, this checkout's `node_modules/tslab/bin/tslab`. */
  process_script: string | null;
  /** Launcher of this checkout's kernel spec (`.jupyter/kernels/grinder/kernel.json`, or `grinder-deno` on Deno), null when absent. */
  kernel_launcher: string | null;
  /** True when the running process and the kernel launcher both belong to `project_root` (ADR-086). */
  kernel_is_this_checkout: boolean | null;
}

const ROOT = path.resolve(__dirname, "..", "..");

function git(args: string[]): string | null {
  try {
    return execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

/** SDK version, git commit, Node.js and (inside the kernel) tslab / TypeScript versions. */
export function environmentInfo(): EnvironmentInfo {
  const deno = denoRuntime();
  let tslab: { versions?: { tslab: string; typescript: string } } = {};
  try {
    // On Deno tslab is not what runs the notebook: no tslab version is reported there.
    if (!deno) tslab = require("tslab/dist/public");
  } catch {
    tslab = {};
  }
  const status = git(["status", "--porcelain", "--untracked-files=no"]);
  const launcher = kernelLauncher(deno ? "grinder-deno" : "grinder");
  // On Deno the running program is the deno binary (this checkout's node_modules/@deno/...).
  const script = deno ? deno.execPath : process.argv[1] ? path.resolve(process.argv[1]) : null;
  const inside = (p: string | null): boolean => p !== null && path.resolve(p).startsWith(ROOT + path.sep);
  const inKernel = deno ? deno.inJupyter : script !== null && /tslab/.test(script);
  return {
    sdk_version: SDK_VERSION,
    git_commit: git(["rev-parse", "HEAD"]) ?? "unknown",
    git_dirty: status === null ? null : status.length > 0,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    typescript_in_kernel: deno ? deno.typescript : (tslab.versions?.typescript ?? null),
    tslab: tslab.versions?.tslab ?? null,
    deno: deno ? deno.version : null,
    project_root: ROOT,
    process_script: script,
    kernel_launcher: launcher,
    kernel_is_this_checkout: inKernel ? inside(script) && inside(launcher) : null,
  };
}

/** Deno's version, binary and whether this runs inside `deno jupyter`; null on Node.js. */
function denoRuntime(): { version: string; typescript: string; execPath: string; inJupyter: boolean } | null {
  const d = (globalThis as { Deno?: { version: { deno: string; typescript: string }; execPath(): string } }).Deno;
  if (d === undefined) return null;
  return { version: d.version.deno, typescript: d.version.typescript, execPath: d.execPath(), inJupyter: denoJupyter() !== null };
}

/** argv[0] of this checkout's kernel spec (what `scripts/run-notebook.py` requires to be inside the checkout). */
function kernelLauncher(kernel: string): string | null {
  try {
    const spec = JSON.parse(readFileSync(path.join(ROOT, ".jupyter", "kernels", kernel, "kernel.json"), "utf8")) as { argv?: unknown };
    return Array.isArray(spec.argv) && typeof spec.argv[0] === "string" ? spec.argv[0] : null;
  } catch {
    return null;
  }
}

/** A fresh, empty scratch folder under the OS temp folder (for journals and artifacts of a demo run). */
export function scratchDir(prefix = "grinder-"): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}
