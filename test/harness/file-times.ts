/**
 * Wall time of every test file, for finding what limits the parallel suite (ADR-200): with
 * GRINDER_TEST_TIMES=<file> set, each test file appends one JSON line
 * `{ "file", "ms", "pid", "tests" }` (its hooks and tests, not its module load) to <file>.
 * Loaded by .mocharc.json as a root hook plugin; in parallel mode root hooks run once per file,
 * in each worker. Unset (the default), it does nothing. Summarise with
 * `npx tsx test/harness/file-times.ts <file>`.
 */
import { appendFileSync, readFileSync } from "node:fs";
import * as path from "node:path";

const OUT = process.env.GRINDER_TEST_TIMES;
const ROOT = path.resolve(__dirname, "..", "..");

interface HookContext {
  test?: { parent?: { suites: Array<{ file?: string; total(): number }> } };
}

let started = 0;

export const mochaHooks = OUT
  ? {
      beforeAll(this: HookContext) {
        started = performance.now();
      },
      afterAll(this: HookContext) {
        const suites = this.test?.parent?.suites ?? [];
        const file = suites.find((s) => s.file)?.file ?? "?";
        const tests = suites.reduce((n, s) => n + s.total(), 0);
        const line = { file: path.relative(ROOT, file), ms: Math.round(performance.now() - started), pid: process.pid, tests };
        appendFileSync(OUT, JSON.stringify(line) + "\n");
      },
    }
  : {};

/** `npx tsx test/harness/file-times.ts <file> [n]`: the n slowest files and each worker's total. */
if (require.main === module) {
  const [file, n = "20"] = process.argv.slice(2);
  const rows = readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { file: string; ms: number; pid: number; tests: number });
  rows.sort((a, b) => b.ms - a.ms || a.file.localeCompare(b.file));
  for (const r of rows.slice(0, Number(n))) console.log(`${(r.ms / 1000).toFixed(1).padStart(7)} s  ${String(r.tests).padStart(4)} tests  ${r.file}`);
  const byPid = new Map<number, number>();
  for (const r of rows) byPid.set(r.pid, (byPid.get(r.pid) ?? 0) + r.ms);
  console.log(`${rows.length} files, ${rows.reduce((s, r) => s + r.tests, 0)} tests; per worker: ${[...byPid.values()].map((ms) => `${(ms / 1000).toFixed(0)} s`).join(", ")}`);
}
