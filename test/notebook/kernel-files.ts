/** The test files that start Jupyter kernels, in the order test/notebook/kernel-suite.ts loads them (ADR-200). */
export const KERNEL_TEST_FILES = [
  "notebooks.test.ts",
  "report.test.ts",
  "kernel.test.ts",
  "deno.test.ts",
  "frontends.test.ts",
  "server.test.ts",
] as const;
