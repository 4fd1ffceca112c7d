/**
 * One temporary folder per test run, removed when the run ends (ADR-222). Tests and the
 * processes they start make their scratch folders with `mkdtempSync(os.tmpdir() + ...)`; most
 * never removed them, so every `npm test` left hundreds of folders in /tmp. Mocha's global
 * setup (main process, before the parallel workers are forked) points TMPDIR at a fresh
 * `grinder-test-run-*` folder, which `os.tmpdir()` returns in the main process, in every worker
 * (they inherit the environment) and in every child process; the global teardown removes it,
 * whether the tests passed or not. GRINDER_MACHINE_TMPDIR keeps the machine's own temporary
 * folder for what must be shared beyond one run (the kernel lock, test/harness/kernel-lock.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** A run folder under `machine` and the environment that points a run at it. */
export function makeRunTmp(machine: string): { dir: string; env: Record<string, string>; remove(): void } {
  const dir = mkdtempSync(path.join(machine, "grinder-test-run-"));
  return {
    dir,
    env: { GRINDER_MACHINE_TMPDIR: machine, TMPDIR: dir, GRINDER_TEST_TMPDIR: dir },
    remove: () => rmSync(dir, { recursive: true, force: true, maxRetries: 3 }),
  };
}

let run: ReturnType<typeof makeRunTmp> | null = null;

export function mochaGlobalSetup(): void {
  run = makeRunTmp(process.env.GRINDER_MACHINE_TMPDIR ?? os.tmpdir());
  Object.assign(process.env, run.env);
}

export function mochaGlobalTeardown(): void {
  run?.remove();
  run = null;
}
