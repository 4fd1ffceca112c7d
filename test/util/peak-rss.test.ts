import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { peakRssKb } from "../../sdk/util/peak-rss";

const ROOT = path.resolve(__dirname, "..", "..");

describe("util: peakRssKb, a process's own peak RSS (ADR-221)", function () {
  this.timeout(60_000);

  it("a child started by a process that holds 300 MB reports its own peak, not its parent's (rusage's maxRSS carries the parent's over fork + exec)", function () {
    if (process.platform !== "linux") this.skip(); // the /proc figure is Linux's; elsewhere peakRssKb is maxRSS
    const child = `const { peakRssKb } = require(${JSON.stringify(path.join(ROOT, "sdk", "util", "peak-rss.ts"))}); console.log(JSON.stringify({ own: peakRssKb(), rusage: process.resourceUsage().maxRSS }))`;
    const script = `
      const big = Buffer.alloc(300 * 1024 * 1024, 1);
      const { spawnSync } = require("node:child_process");
      const r = spawnSync(process.execPath, ["--require", "tsx/cjs", "-e", ${JSON.stringify(child)}], { encoding: "utf8", cwd: ${JSON.stringify(ROOT)} });
      process.stdout.write(r.stdout + (big[7] === 1 ? "" : "?"));
    `;
    const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", cwd: ROOT });
    expect(r.status, r.stderr).to.equal(0);
    const { own, rusage } = JSON.parse(r.stdout.trim()) as { own: number; rusage: number };
    expect(rusage, "rusage's maxRSS of the child reads the parent's 300 MB").to.be.greaterThan(300 * 1024);
    expect(own, "the child's own high-water mark").to.be.below(200 * 1024).and.to.be.greaterThan(10 * 1024);
  });

  it("in this process: positive, and at least the current RSS", () => {
    const now = Math.floor(process.memoryUsage().rss / 1024);
    expect(peakRssKb()).to.be.at.least(now - 1024);
  });
});
