import { expect } from "chai";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { KERNEL_TEST_FILES } from "../notebook/kernel-files";

const ROOT = path.resolve(__dirname, "..", "..");
// mocha's own file lookup, as `npm test` resolves its patterns
const { lookupFiles } = require("mocha/lib/cli/lookup-files.js") as { lookupFiles(p: string, ext: string[], recursive: boolean): string[] };

/** The quoted or bare file patterns of a `mocha …` script, up to its first option. */
function patterns(script: string): string[] {
  const words = script.match(/'[^']*'|\S+/g) ?? [];
  expect(words[0]).to.equal("mocha");
  const out: string[] = [];
  for (const w of words.slice(1)) {
    if (w.startsWith("-")) break;
    out.push(w.replace(/^'|'$/g, ""));
  }
  return out;
}

const SUITE = path.normalize("test/notebook/kernel-suite.ts");

describe("test harness: the order `npm test` hands files to the parallel workers (ADR-200)", () => {
  const scripts = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

  it("npm test and npm run test:fast list every test file exactly once, the files that start Jupyter kernels first, in one file", () => {
    const every = lookupFiles("test/**/*.test.ts", ["ts"], false).map((f) => path.normalize(f)).sort();
    expect(every.length, "test files found").to.be.greaterThan(100);
    for (const name of ["test", "test:fast"]) {
      const listed = patterns(scripts[name]).flatMap((p) => lookupFiles(p, ["ts"], false).map((f) => path.normalize(f)));
      expect(listed[0], `${name}: the kernel files first, as one file`).to.equal(SUITE);
      // the one file that loads every kernel test file
      const files = listed.flatMap((f) => (f === SUITE ? KERNEL_TEST_FILES.map((k) => path.normalize(`test/notebook/${k}`)) : [f]));
      expect(files.length, `${name}: no file twice`).to.equal(new Set(files).size);
      expect([...files].sort(), `${name}: every test file`).to.deep.equal(every);
    }
    expect(patterns(scripts["test:fast"])).to.deep.equal(patterns(scripts.test));
    // a file that starts a kernel (through the lock's helpers or a notebook run) is one of them
    const starters = every.filter((f) => /\b(kernelSpawnSync|holdKernelLock|runNotebook)\(/.test(readFileSync(path.join(ROOT, f), "utf8")));
    expect(starters.map((f) => path.basename(f)).sort()).to.deep.equal([...KERNEL_TEST_FILES].sort());
    expect(scripts["test:fast"]).to.match(/--grep @slow --invert$/);
  });

  it("parallel mode with two workers, the seed and the timing hooks loaded in every worker (.mocharc.json)", () => {
    const rc = JSON.parse(readFileSync(path.join(ROOT, ".mocharc.json"), "utf8")) as { parallel?: boolean; jobs?: number; require: string[] };
    expect(rc.parallel).to.equal(true);
    expect(rc.jobs).to.equal(2);
    expect(rc.require).to.include.members(["tsx/cjs", "./test/fast-check-seed.ts", "./test/harness/file-times.ts"]);
  });

  it("the fixed fast-check seed of test/fast-check-seed.ts is in force in this worker process", () => {
    expect(fc.readConfigureGlobal().seed).to.equal(20261201);
  });
});
