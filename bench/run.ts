/**
 * `npm run bench`: run every `bench/*.bench.ts` in its own Node process (with `--expose-gc`, so
 * memory figures are live heap), one after the other. Extra arguments (e.g. `--quick`) are passed
 * on. Exit code: non-zero when a bench process fails.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import * as path from "node:path";

const dir = __dirname;
const only = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const pass = process.argv.slice(2).filter((a) => a.startsWith("--"));
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts") && (only.length === 0 || only.some((o) => f.includes(o))))
  .sort();
let failed = 0;
for (const f of files) {
  process.stdout.write(`\n=== ${f} ===\n`);
  const r = spawnSync(process.execPath, ["--expose-gc", "--max-old-space-size=4096", "--require", "tsx/cjs", path.join(dir, f), ...pass], { stdio: "inherit", cwd: path.resolve(dir, "..") });
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`✘ ${f} exited with ${r.status ?? r.signal}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
