import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { buildArtifact, loadArtifact } from "../../sdk/calibration/artifact";
import { runCalibration } from "../../sdk/calibration/calibrate";
import { TrialJournal } from "../../sdk/calibration/journal";
import { parseSpec } from "../../sdk/calibration/spec";
import { SYNTH, smallSpec, tinyFixture, tmp } from "./helpers";

const ROOT = path.resolve(__dirname, "..", "..");
const BIN = path.join(ROOT, "bin", "grinder.js");

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l.length) : [];
}

describe("calibration: journal, kill and resume", () => {
  let dir: string;
  let specFile: string;
  let spec: Record<string, unknown>;
  before(async () => {
    dir = tmp("resume");
    await tinyFixture(dir, "fx_a");
    await tinyFixture(dir, "fx_b", 30, 1_700_100_000_000);
    spec = smallSpec({ datasets: [{ fixture: path.join(dir, "fx_a") }, { fixture: path.join(dir, "fx_b") }] });
    specFile = path.join(dir, "spec.json");
    writeFileSync(specFile, JSON.stringify(spec, null, 2));
  });

  it("a killed CLI run resumes to the same artifact as an uninterrupted run, with no trial evaluated twice", async function () {
    this.timeout(120_000);
    const ref = buildArtifact(await runCalibration(parseSpec(spec, specFile), { workers: 0, evaluator: { module: SYNTH, id: "x" } }), { git_commit: null });
    const out = path.join(dir, "out");
    const journal = path.join(out, ".journal", `t-${parseSpec(spec, specFile).hash.slice(0, 12)}.jsonl`);
    const args = [BIN, "calibrate", specFile, "--workers", "2", "--out", out, "--evaluator", SYNTH, "--no-progress"];
    // First run: slow trials, killed once some are journalled.
    const child = spawn(process.execPath, args, { env: { ...process.env, SYNTH_DELAY_MS: "60" }, stdio: "ignore" });
    const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
    const t0 = process.hrtime.bigint();
    while (lines(journal).length < 20) {
      if (process.hrtime.bigint() - t0 > 60_000_000_000n) throw new Error("journal did not fill");
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGKILL");
    await exited;
    const before = lines(journal).length;
    expect(before, "killed before the end").to.be.within(20, 89);
    expect(readdirSync(out).filter((f) => f.endsWith(".json")), "no artifact from the killed run").to.deep.equal([]);
    // A torn last line, as a kill in the middle of a write would leave.
    appendFileSync(journal, '{"evaluator":"module:synth');

    const res = spawnSync(process.execPath, [...args, "--resume"], { encoding: "utf8" });
    expect(res.status, res.stderr).to.equal(0);
    const m = /\((\d+) evaluated, (\d+) from journal\)/.exec(res.stdout);
    expect(m, res.stdout).to.not.equal(null);
    expect(Number(m![2]), "finished trials are reused").to.equal(before);
    // 90 search trials + 6 static-grid baseline trials (one per unit)
    expect(Number(m![1]) + Number(m![2]), "every trial once").to.equal(96);
    const recs = lines(journal).map((l) => JSON.parse(l) as { key: string });
    expect(recs.length, "torn line dropped, no duplicates").to.equal(96);
    expect(new Set(recs.map((r) => r.key)).size).to.equal(96);
    const files = readdirSync(out).filter((f) => f.endsWith(".json"));
    expect(files).to.deep.equal([`t-v1-${ref.sha256.slice(0, 12)}.json`]);
    expect(loadArtifact(path.join(out, files[0])).sha256, "same artifact as the uninterrupted run").to.equal(ref.sha256);
  });

  it("journal: a torn last line is truncated on resume, a broken middle line is refused", () => {
    const f = path.join(tmp("journal"), "j.jsonl");
    const j = TrialJournal.open(f, "s", "e");
    const rec = (k: string) => ({ spec: "s", evaluator: "e", id: `000000-${k}`, key: k, point: {}, unit: "u#0", metrics: { net_pnl: 1 } as never });
    j.append(rec("a"));
    j.append(rec("b"));
    j.append(rec("a"));
    j.close();
    expect(lines(f).length, "duplicate key not written").to.equal(2);
    appendFileSync(f, '{"spec":"s","ev');
    const j2 = TrialJournal.open(f, "s", "e", { resume: true });
    expect(j2.size).to.equal(2);
    expect(j2.truncatedLines).to.equal(1);
    j2.append(rec("c"));
    j2.close();
    expect(lines(f).map((l) => (JSON.parse(l) as { key: string }).key)).to.deep.equal(["a", "b", "c"]);
    writeFileSync(f, readFileSync(f, "utf8").replace('"key":"b"', '"key":"b'));
    expect(() => TrialJournal.open(f, "s", "e", { resume: true })).to.throw(/E_PARSE/);
    expect(() => TrialJournal.open(path.join(path.dirname(f), "j2.jsonl"), "s", "e").close()).to.not.throw();
    writeFileSync(f, JSON.stringify(rec("z")) + "\n");
    expect(() => TrialJournal.open(f, "other-spec", "e", { resume: true }), "journal of another spec").to.throw(/E_REFUSED/);
  });
});
