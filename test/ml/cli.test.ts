import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT, SMALL_SPEC } from "./helpers";

const BIN = path.join(ROOT, "bin", "grinder.js");
const grinder = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", cwd: ROOT });
const MODEL = `models/${readdirSync(path.join(ROOT, "models")).find((f) => /^regime-lr-v1-[0-9a-f]{12}\.json$/.test(f))}`;

describe("ML: CLI (issue 18)", function () {
  this.timeout(300_000);
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(os.tmpdir(), "grinder-ml-cli-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("'artifact verify' accepts the committed model and refuses a one-byte change", () => {
    const ok = grinder("artifact", "verify", MODEL);
    expect(ok.status, ok.stderr).to.equal(0);
    expect(ok.stdout).to.contain("regime model regime-lr v1");
    const txt = readFileSync(path.join(ROOT, MODEL), "utf8");
    const j = txt.indexOf('"weights"') + 40;
    const k = txt.slice(j).search(/[1-8]/) + j;
    const bad = path.join(dir, "tampered.json");
    writeFileSync(bad, txt.slice(0, k) + String(Number(txt[k]) + 1) + txt.slice(k + 1));
    const no = grinder("artifact", "verify", bad);
    expect(no.status).to.equal(1);
    expect(no.stderr).to.contain("E_HASH_MISMATCH");
  });

  it("'ml train' writes the model named by its hash; a second run gives the same file", () => {
    const spec = path.join(dir, "spec.json");
    writeFileSync(spec, JSON.stringify({ ...SMALL_SPEC, datasets: ["fixtures/trend_day_l1", "fixtures/vol_shock_l1", "fixtures/range_day_l1"], folds: 1 }));
    const out = path.join(dir, "models");
    const a = grinder("ml", "train", spec, "--out", out);
    expect(a.status, a.stderr).to.equal(0);
    const files = readdirSync(out);
    expect(files.length).to.equal(1);
    const bytes = readFileSync(path.join(out, files[0]), "utf8");
    const b = grinder("ml", "train", spec, "--out", out);
    expect(b.status, b.stderr).to.equal(0);
    expect(readdirSync(out)).to.deep.equal(files);
    expect(readFileSync(path.join(out, files[0]), "utf8")).to.equal(bytes);
    expect(a.stdout).to.match(/sha256 [0-9a-f]{64}/);
  });

  it("'ml train' refuses a bad spec with a typed error (exit 2)", () => {
    const spec = path.join(dir, "bad.json");
    writeFileSync(spec, JSON.stringify({ ...SMALL_SPEC, folds: 0 }));
    const r = grinder("ml", "train", spec);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.contain("E_");
    expect(r.stderr).to.contain("folds");
  });

  it("'ml fixtures verify' matches the committed model digest of a fixture", () => {
    const r = grinder("ml", "fixtures", "verify", "range_day_l1");
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.contain("range_day_l1: model digest");
  });
});
