import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
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

  it("a refusal quoting binary bytes stays one printable line: control characters as \\xNN (ADR-250)", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "grinder-binary-"));
    try {
      const f = path.join(dir, "BTCUSDT-bookTicker-x.csv");
      writeFileSync(f, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00, 0x1b, 0x5b, 0x32, 0x4a, 0x0d, 0x41, 0x0a, 0x31]));
      const r = run("store", "import-bookticker", f, "--out", path.join(dir, "s"), "--tick", "0.1", "--lot", "0.001");
      expect(r.status, r.stderr).to.equal(2);
      expect(r.stderr).to.contain("E_PARSE").and.contain("'\\x7fELF\\x02\\x01\\x00\\x00\\x1b[2J");
      expect(/[\u0000-\u0009\u000b-\u001f\u007f]/.test(r.stderr), JSON.stringify(r.stderr)).to.equal(false);
      expect(r.stderr.trimEnd().split("\n")).to.have.length(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--help and --version exit 0", () => {
    for (const args of [["--help"], ["replay", "--help"], ["--version"]]) {
      const r = run(...args);
      expect(r.status, `${args.join(" ")}: ${r.stderr}`).to.equal(0);
      expect(r.stdout.length, args.join(" ")).to.be.greaterThan(0);
    }
  });
});
