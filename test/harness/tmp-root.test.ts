import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KERNEL_LOCK } from "./kernel-lock";
import { makeRunTmp } from "./tmp-root";

describe("test run temporary folder (ADR-222)", () => {
  it("points os.tmpdir() of this worker and of child processes at the run's own folder", () => {
    const run = process.env.GRINDER_TEST_TMPDIR;
    const machine = process.env.GRINDER_MACHINE_TMPDIR;
    expect(run, "GRINDER_TEST_TMPDIR set by the global setup").to.be.a("string");
    expect(machine).to.be.a("string");
    expect(os.tmpdir()).to.equal(run);
    expect(path.dirname(run!)).to.equal(machine);
    expect(path.basename(run!)).to.match(/^grinder-test-run-/);
    expect(existsSync(run!)).to.equal(true);
    const child = execFileSync(process.execPath, ["-e", "process.stdout.write(require('os').tmpdir())"], { encoding: "utf8" });
    expect(child).to.equal(run);
  });

  it("keeps the kernel lock machine-wide, outside the run's folder", () => {
    expect(path.dirname(KERNEL_LOCK)).to.equal(process.env.GRINDER_MACHINE_TMPDIR);
    expect(KERNEL_LOCK.startsWith(os.tmpdir() + path.sep)).to.equal(false);
  });

  it("removes the run's folder and everything in it", () => {
    const machine = mkdtempSync(path.join(os.tmpdir(), "machine-"));
    try {
      const r = makeRunTmp(machine);
      expect(r.env.TMPDIR).to.equal(r.dir);
      expect(r.env.GRINDER_MACHINE_TMPDIR).to.equal(machine);
      mkdirSync(path.join(r.dir, "a", "b"), { recursive: true });
      writeFileSync(path.join(r.dir, "a", "b", "f.txt"), "x");
      r.remove();
      expect(existsSync(r.dir)).to.equal(false);
      expect(existsSync(machine)).to.equal(true);
    } finally {
      rmSync(machine, { recursive: true, force: true });
    }
  });
});
