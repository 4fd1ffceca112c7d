import { expect } from "chai";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../sdk/cli/main";

const FIXTURES = path.resolve(__dirname, "..", "..", "fixtures");

/** Run the CLI in-process, capturing stdout/stderr. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
  const saved = process.exitCode;
  process.exitCode = undefined;
  try {
    const code = await main(["node", "grinder", ...args]);
    return { code, out: out.join(""), err: err.join("") };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
    process.exitCode = saved;
  }
}

describe("cli: replay and fixtures verify", () => {
  let tmp = "";
  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), "grinder-verify-"));
    cpSync(path.join(FIXTURES, "thin_book_l2"), path.join(tmp, "thin_book_l2"), { recursive: true });
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("replay --json prints digest, fill_model, config_hash, summary and metrics", async () => {
    const r = await cli(["replay", path.join(tmp, "thin_book_l2"), "--json"]);
    expect(r.code).to.equal(0);
    const j = JSON.parse(r.out);
    const exp = JSON.parse(readFileSync(path.join(tmp, "thin_book_l2", "expected.json"), "utf8"));
    expect(j.digest).to.equal(exp.digest);
    expect(j.fill_model).to.equal("touch@1");
    expect(j.config_hash).to.match(/^[0-9a-f]{64}$/);
    expect(j.metrics.map((m: { name: string }) => m.name)).to.include("grinder_cycles_completed_total");
  });

  it("verify passes on a matching expected.json and exits 1 on a mismatch; --update rewrites it", async () => {
    const dir = path.join(tmp, "thin_book_l2");
    const ok = await cli(["fixtures", "verify", dir]);
    expect(ok.code, ok.err).to.equal(0);
    const file = path.join(dir, "expected.json");
    const exp = JSON.parse(readFileSync(file, "utf8"));
    writeFileSync(file, JSON.stringify({ ...exp, digest: "0".repeat(64), summary: { ...exp.summary, cycles: exp.summary.cycles + 1 } }));
    const bad = await cli(["fixtures", "verify", dir]);
    expect(bad.code).to.equal(1);
    expect(bad.err).to.contain("digest: expected 0000");
    expect(bad.err).to.contain("summary.cycles");
    const upd = await cli(["fixtures", "verify", "--update", dir]);
    expect(upd.code).to.equal(0);
    expect(JSON.parse(readFileSync(file, "utf8")).digest).to.equal(exp.digest);
  });
});
