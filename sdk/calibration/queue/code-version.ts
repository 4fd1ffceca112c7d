import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { SDK_VERSION } from "../../version";
import type { EvaluatorRef } from "../evaluator";

const SDK_DIR = path.resolve(__dirname, "..", "..");
const LOCK_FILE = path.resolve(SDK_DIR, "..", "package-lock.json");
let sdkTree: string | undefined;

function files(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) files(p, out);
    else if (/\.(ts|js|cjs|mjs|json)$/.test(e.name)) out.push(p);
  }
}

/** SHA-256 over the SDK's source files (relative path + bytes, sorted) and the dependency lock file. */
function sdkTreeHash(): string {
  if (sdkTree) return sdkTree;
  const h = createHash("sha256");
  const list: string[] = [];
  files(SDK_DIR, list);
  for (const f of list) {
    h.update(path.relative(SDK_DIR, f).split(path.sep).join("/"));
    h.update("\0");
    h.update(readFileSync(f));
    h.update("\0");
  }
  h.update("package-lock.json\0");
  if (existsSync(LOCK_FILE)) h.update(readFileSync(LOCK_FILE));
  sdkTree = h.digest("hex");
  return sdkTree;
}

/**
 * The code version of a trial (ADR-101): SHA-256 of the SDK source tree, the dependency lock
 * file, the Node.js version, the evaluator id and — for an evaluator module outside the SDK —
 * that module's bytes. Coordinator and workers compute it independently; a worker whose
 * version differs from the one in a job refuses the job, because its results could differ.
 */
export function codeVersion(ev: EvaluatorRef): string {
  const h = createHash("sha256");
  h.update(`grinder ${SDK_VERSION}\0node ${process.version}\0sdk ${sdkTreeHash()}\0evaluator ${ev.id}\0`);
  const mod = path.resolve(ev.module);
  if (!mod.startsWith(SDK_DIR + path.sep) && existsSync(mod)) h.update(readFileSync(mod));
  return h.digest("hex");
}
