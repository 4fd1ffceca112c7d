import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const BIN = path.join(ROOT, "bin", "grinder.js");

/** ADR-242: a command line the CLI cannot parse is bad input: commander's message and exit 2; help and version exit 0. */
describe("grinder: usage errors exit 2 with commander's message (ADR-242)", function () {
  this.timeout(120_000);
  const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8" });

  for (const [args, message] of [
    [["bogus"], "unknown command 'bogus'"],
    [["replay"], "missing required argument 'fixture'"],
    [["store", "convert", "fixtures/range_day_l1"], "required option '--out <dir>' not specified"],
    [["replay", "fixtures/range_day_l1", "--no-such-option"], "unknown option '--no-such-option'"],
    [["replay", "fixtures/range_day_l1", "--from"], "option '--from <ts>' argument missing"],
    [["store"], "Usage: grinder store"],
  ] as const) {
    it(`grinder ${args.join(" ")} → exit 2, "${message}"`, () => {
      const r = run(...args);
      expect(r.status, r.stderr).to.equal(2);
      expect(r.stderr).to.contain(message);
    });
  }

  it("--help and --version exit 0", () => {
    for (const args of [["--help"], ["replay", "--help"], ["--version"]]) {
      const r = run(...args);
      expect(r.status, `${args.join(" ")}: ${r.stderr}`).to.equal(0);
      expect(r.stdout.length, args.join(" ")).to.be.greaterThan(0);
    }
  });
});
