import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SDK_VERSION } from "../version";

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
  let tslab: { versions?: { tslab: string; typescript: string } } = {};
  try {
    tslab = require("tslab/dist/public");
  } catch {
    tslab = {};
  }
  const status = git(["status", "--porcelain", "--untracked-files=no"]);
  return {
    sdk_version: SDK_VERSION,
    git_commit: git(["rev-parse", "HEAD"]) ?? "unknown",
    git_dirty: status === null ? null : status.length > 0,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    typescript_in_kernel: tslab.versions?.typescript ?? null,
    tslab: tslab.versions?.tslab ?? null,
  };
}

/** A fresh, empty scratch folder under the OS temp folder (for journals and artifacts of a demo run). */
export function scratchDir(prefix = "grinder-"): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}
