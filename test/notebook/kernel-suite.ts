/**
 * Every test file that starts a Jupyter kernel, loaded as ONE file by `npm test` (ADR-200).
 * Kernel runs hold one machine-wide lock (test/harness/kernel-lock.ts); spread over both
 * parallel workers they would wait for each other while the other work waits behind them.
 * In one file they run back to back on one worker while the other worker runs everything else.
 * Each file still runs on its own (`npx mocha test/notebook/deno.test.ts`); `npm test`'s
 * patterns leave these files out and name this one (test/harness/spec-order.test.ts checks
 * that every test file runs exactly once).
 */
import { KERNEL_TEST_FILES } from "./kernel-files";

for (const f of KERNEL_TEST_FILES) require(`./${f}`);
