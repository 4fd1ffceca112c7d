import { expect } from "chai";
import * as fc from "fast-check";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import {
  buildArtifact,
  configFromArtifact,
  loadArtifact,
  loadCalibrationReports,
  loadConfigOrArtifact,
  verifyArtifactBytes,
  writeArtifact,
  writeCalibrationReport,
} from "../../sdk/calibration/artifact";
import { runCalibration } from "../../sdk/calibration/calibrate";
import { loadSpec, parseSpec } from "../../sdk/calibration/spec";
import { configHash } from "../../sdk/config";
import { GrinderError } from "../../sdk/contracts/errors";
import { runReplay } from "../../sdk/engine";
import { smallSpec, tinyFixture, tmp } from "./helpers";
import * as synth from "./synthetic-evaluator";

const ROOT = path.resolve(__dirname, "..", "..");

function rejects(buf: Buffer): boolean {
  try {
    verifyArtifactBytes(buf);
    return false;
  } catch (e) {
    return e instanceof GrinderError;
  }
}

describe("calibration: artifacts", () => {
  let file: string;
  let bytes: Buffer;
  before(async () => {
    const root = tmp("fx");
    await tinyFixture(root, "fx_a");
    await tinyFixture(root, "fx_b", 30, 1_700_100_000_000);
    const spec = smallSpec({ parameters: [{ path: "policy.alpha", choices: [0.4, 0.6] }], folds: { segments: 2, time: { mode: "anchored", train: 1 } } });
    const r = await runCalibration(parseSpec(spec), { workers: 0, evaluator: { fn: synth.evaluate, id: "s" }, fixturesRoot: root });
    file = await writeArtifact(buildArtifact(r, { git_commit: "a".repeat(40) }), tmp("art"));
    bytes = readFileSync(file);
  });

  it("the untouched artifact verifies, by bytes and by file", () => {
    expect(rejects(bytes)).to.equal(false);
    expect(loadArtifact(file).provenance.git_commit).to.equal("a".repeat(40));
  });

  it("flipping the low bit of ANY byte makes verification fail (every position)", () => {
    const bad: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const b = Buffer.from(bytes);
      b[i] ^= 0x01;
      if (!rejects(b)) bad.push(i);
    }
    expect(bad, `positions accepted after tampering (of ${bytes.length})`).to.deep.equal([]);
  });

  it("replacing any byte by any other value makes verification and load fail (property)", () => {
    const out = path.join(tmp("tamper"), path.basename(file));
    fc.assert(
      fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 0, max: 255 }), (i, v) => {
        fc.pre(bytes[i] !== v);
        const b = Buffer.from(bytes);
        b[i] = v;
        writeFileSync(out, b);
        expect(() => loadArtifact(out), `byte ${i} → ${v}`).to.throw(GrinderError);
        expect(rejects(b)).to.equal(true);
      }),
      { numRuns: 300 },
    );
  });

  it("re-writing an artifact with the same hash keeps the existing file (provenance untouched)", async () => {
    const a = loadArtifact(file);
    const again = { ...a, provenance: { git_commit: "b".repeat(40), sha256: a.provenance.sha256 } };
    expect(await writeArtifact(again, path.dirname(file))).to.equal(file);
    expect(readFileSync(file).equals(bytes), "file unchanged").to.equal(true);
  });

  it("a mismatch is E_HASH_MISMATCH; a renamed hash prefix is refused", () => {
    const text = bytes.toString("utf8").replace('"version": 1,', '"version": 2,');
    expect(() => verifyArtifactBytes(Buffer.from(text))).to.throw(/E_HASH_MISMATCH/);
    const renamed = path.join(path.dirname(file), "t-v1-000000000000.json");
    writeFileSync(renamed, bytes);
    expect(() => loadArtifact(renamed)).to.throw(/file name/);
  });
});

describe("calibration: the committed default calibration (report, and artifact when the gate passes)", () => {
  const dir = path.join(ROOT, "calibration", "artifacts");
  const files = readdirSync(dir).filter((f) => /^default-v1-[0-9a-f]{12}\.json$/.test(f));
  const reportFile = path.join(dir, "reports", "default-v1.json");

  it("the report states the verdict; an artifact exists exactly when it passed, verifies, and is what the engine runs", async () => {
    const [{ report }] = loadCalibrationReports(dir).filter((x) => x.file === reportFile);
    const gate = report.gate as { passed: boolean; reasons: string[] };
    expect(report.verdict).to.equal(gate.passed ? "PASSED" : "REFUSED");
    if (!gate.passed) {
      expect(gate.reasons.length, "a refusal gives its reasons").to.be.above(0);
      expect(files, "no default artifact when the gate refuses").to.deep.equal([]);
      expect(report.artifact).to.equal(null);
      return;
    }
    expect(files, "one committed default artifact").to.have.length(1);
    expect(report.artifact).to.equal(files[0]);
    const f = path.join(dir, files[0]);
    const a = loadArtifact(f);
    const cfg = configFromArtifact(a);
    expect(configHash(cfg), "config_hash pins the parameters").to.equal(a.config_hash);
    expect(configHash(loadConfigOrArtifact(f))).to.equal(a.config_hash);
    for (const [p, v] of Object.entries(a.selected)) {
      const got = p.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], cfg);
      expect(got, p).to.equal(v);
    }
    const ds = a.datasets[0] as { fixture: string; first_ts: number };
    const r = await runReplay({ fixture: path.join(ROOT, "fixtures", ds.fixture), config: cfg, window: { from_ts: ds.first_ts, to_ts: ds.first_ts + 3_600_000 } });
    expect(r.config_hash).to.equal(a.config_hash);
    expect(r.fill_model).to.equal(a.fill_model);
  });

  it("re-running the default spec reproduces the committed calibration report byte for byte (and the artifact when it passes) @slow", async function () {
    this.timeout(900_000);
    const r = await runCalibration(loadSpec(path.join(ROOT, "calibration", "specs", "default.json")), { workers: 2 });
    const out = tmp("default");
    const again = await writeCalibrationReport(r, out);
    expect(readFileSync(again, "utf8"), "engine behaviour or the default spec changed: re-run `grinder calibrate calibration/specs/default.json` and commit the new report").to.equal(
      readFileSync(reportFile, "utf8"),
    );
    if (r.gate.passed) expect([`default-v1-${buildArtifact(r, { git_commit: null }).sha256.slice(0, 12)}.json`]).to.deep.equal(files);
    else expect(() => buildArtifact(r)).to.throw(/E_REFUSED/);
  });
});
