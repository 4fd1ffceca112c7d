import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const LOADER = path.join(ROOT, "scripts", "code-cache.cjs");

/** ADR-224: the CLI bundle through V8's code cache kept beside it. */
describe("code cache of the CLI bundle (ADR-224)", function () {
  this.timeout(60_000);
  let dir = "";
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "grinder-code-cache-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Load `file` through requireCached in a fresh process: its status and what the module computed. */
  const load = (file: string, env: Record<string, string> = {}): { status: string; value: string } => {
    const code = `const c=require(${JSON.stringify(LOADER)});const m=c.requireCached(${JSON.stringify(file)});process.stdout.write(JSON.stringify({status:c.state.status,value:m.value()}))`;
    const r = spawnSync(process.execPath, ["-e", code], { encoding: "utf8", env: { ...process.env, ...env } });
    expect(r.status, r.stderr).to.equal(0);
    return JSON.parse(r.stdout) as { status: string; value: string };
  };
  const caches = (): string[] => readdirSync(dir).filter((f) => f.endsWith(".v8cache")).sort();

  it("writes a cache on the first load, uses it next, and the module behaves the same", () => {
    const f = path.join(dir, "mod.cjs");
    writeFileSync(f, "const path = require('node:path');\nexports.value = () => path.basename(__filename) + ':' + [1, 2, 3].map((x) => x * 7).join(',');\n");
    expect(load(f)).to.deep.equal({ status: "written", value: "mod.cjs:7,14,21" });
    expect(caches()).to.have.length(1);
    expect(load(f)).to.deep.equal({ status: "used", value: "mod.cjs:7,14,21" });
    expect(caches()).to.have.length(1);
  });

  it("refuses a damaged cache, compiles the source and writes a good one", () => {
    const f = path.join(dir, "mod.cjs");
    const c = path.join(dir, caches()[0]);
    const good = readFileSync(c);
    // one byte in the middle of V8's payload (which release V8 does not checksum), then V8's header
    for (const at of [Math.floor(good.length / 2), 40]) {
      const bytes = Buffer.from(good);
      bytes[at] ^= 0x5a;
      writeFileSync(c, bytes);
      expect(load(f)).to.deep.equal({ status: "rejected", value: "mod.cjs:7,14,21" });
      expect(readFileSync(c).equals(bytes), "the damaged file was replaced").to.equal(false);
      expect(load(f).status).to.equal("used");
    }
    writeFileSync(c, good.subarray(0, 20));
    expect(load(f).status).to.equal("rejected");
  });

  it("never uses a cache made from other bytes, even of the same length; GRINDER_CODE_CACHE=0 loads without one", () => {
    const f = path.join(dir, "mod.cjs");
    const src = readFileSync(f, "utf8");
    writeFileSync(f, src.replace("x * 7", "x * 9"));
    expect(readFileSync(f, "utf8")).to.have.length(src.length);
    expect(load(f)).to.deep.equal({ status: "written", value: "mod.cjs:9,18,27" });
    expect(caches()).to.have.length(2);
    const g = path.join(dir, "other.cjs");
    writeFileSync(g, "exports.value = () => 'plain';\n");
    expect(load(g, { GRINDER_CODE_CACHE: "0" })).to.deep.equal({ status: "off", value: "plain" });
    expect(caches()).to.have.length(2);
    expect(existsSync(path.join(dir, "other.cjs"))).to.equal(true);
  });

  it("the grinder command loads its bundle through the cache (phases line)", () => {
    const run = (): Record<string, unknown> => {
      const r = spawnSync(process.execPath, [path.join(ROOT, "bin", "grinder.js"), "replay", path.join(ROOT, "fixtures", "btcusdt_bookticker_real"), "--no-baselines", "--json"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, GRINDER_PHASES: "1" } });
      expect(r.status, r.stderr).to.equal(0);
      const line = r.stderr.split("\n").find((l) => l.startsWith("grinder-phases "))!;
      return { ...(JSON.parse(line.slice(15)) as Record<string, unknown>), digest: (JSON.parse(r.stdout) as { digest: string }).digest };
    };
    const a = run();
    const b = run();
    expect(["used", "written", "rejected"]).to.include(a.code_cache);
    expect(b.code_cache).to.equal("used");
    expect(b.digest).to.equal(a.digest);
    const off = spawnSync(process.execPath, [path.join(ROOT, "bin", "grinder.js"), "replay", path.join(ROOT, "fixtures", "btcusdt_bookticker_real"), "--no-baselines", "--json"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, GRINDER_PHASES: "1", GRINDER_CODE_CACHE: "0" } });
    expect(off.stderr).to.include('"code_cache":"off"');
    expect((JSON.parse(off.stdout) as { digest: string }).digest).to.equal(a.digest);
  });
});
