import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { getPriority } from "node:os";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { openFixture, streamFixture } from "../../sdk/data/fixture";
import { writeColumnarStore } from "../../sdk/data/store";
import { tmpDir } from "./helpers";

const ROOT = path.resolve(__dirname, "..", "..");
const run = (env: Record<string, string>, ...a: string[]) =>
  spawnSync(process.execPath, [path.join(ROOT, "bin", "grinder.js"), ...a], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env }, timeout: 300_000 });

/** ADR-190: `grinder replay` of a store with the static-grid baseline on a worker thread; phase timings. */
describe("grinder replay <store>: baseline thread, phases, refusal (ADR-190)", function () {
  this.timeout(300_000);
  let dir = "";
  before(async () => {
    const fx = openFixture(path.join(ROOT, "fixtures", "range_day_l1"));
    dir = path.join(tmpDir("store-replay-cli"), "range");
    await writeColumnarStore(dir, streamFixture(fx), { name: "range", instruments: fx.instruments.values(), part_rows: 20_000, force: true });
  });

  it("the baseline thread gives the same stdout (digest, baselines) as the in-process baseline; GRINDER_PHASES=1 adds one phases line on stderr, in order", () => {
    const plain = run({ GRINDER_BASELINE_THREAD: "0" }, "replay", dir, "--json");
    expect(plain.status, plain.stderr).to.equal(0);
    const timed = run({ GRINDER_PHASES: "1", GRINDER_BASELINE_THREAD: "1" }, "replay", dir, "--json");
    expect(timed.status, timed.stderr).to.equal(0);
    expect(timed.stdout).to.equal(plain.stdout);
    // ADR-215: the thread with its own read-ahead (each partition read and hash-checked twice) prints the same bytes
    // (and ADR-239: the baseline thread at the command's own priority)
    const own = run({ GRINDER_PHASES: "1", GRINDER_BASELINE_THREAD: "1", GRINDER_SHARED_READ_AHEAD: "0", GRINDER_BASELINE_NICE: "0" }, "replay", dir, "--json");
    expect(own.status, own.stderr).to.equal(0);
    expect(own.stdout).to.equal(plain.stdout);
    expect(own.stderr).to.contain('"shared_read_ahead":false');
    expect(plain.stderr).to.not.match(/grinder-phases/);
    const line = timed.stderr.split("\n").find((l) => l.startsWith("grinder-phases "));
    const ph = JSON.parse(line!.slice("grinder-phases ".length)) as Record<string, number>;
    expect(ph.baseline_thread).to.equal(true);
    expect(ph.shared_read_ahead).to.equal(true);
    expect(ph.cpu_s).to.be.greaterThan(0);
    const order = ["action_start", "config_loaded", "source_opened", "replay_done", "baselines_done", "output_written"];
    expect(Object.keys(ph).sort()).to.deep.equal([...order, "baseline_thread", "shared_read_ahead", "baseline_nice", "main_nice", "max_rss_mb", "cpu_s", "node_flags", "code_cache"].sort());
    // ADR-239: the baseline thread reports a nice value 10 above the main thread's (capped at 19); the main thread keeps its own
    expect(ph.baseline_nice).to.equal(Math.min(19, ph.main_nice + 10));
    expect(ph.main_nice).to.equal(getPriority(0));
    const ownPh = JSON.parse(own.stderr.split("\n").find((l) => l.startsWith("grinder-phases "))!.slice("grinder-phases ".length)) as Record<string, number>;
    expect(ownPh.baseline_nice, "GRINDER_BASELINE_NICE=0").to.equal(ownPh.main_nice);
    expect(["used", "written", "rejected"], "bin/grinder.js loads its bundle through the code cache (ADR-224)").to.include(ph.code_cache as unknown as string);
    for (let i = 1; i < order.length; i++) expect(ph[order[i]]).to.be.at.least(ph[order[i - 1]]);
    const j = JSON.parse(plain.stdout) as { digest: string; baselines: Array<{ strategy: string; fills: number | null }> };
    expect(j.baselines.map((b) => b.strategy)).to.deep.equal(["adaptive grid", "static grid", "buy and hold"]);
    expect(j.baselines[1].fills, "the static grid trades, so the thread has something to get wrong").to.be.greaterThan(0);
    expect(j.digest).to.equal(JSON.parse(readFileSync(path.join(ROOT, "fixtures", "range_day_l1", "expected.json"), "utf8")).digest);
  });

  it("a tampered partition: exit 2, E_HASH_MISMATCH naming the file, nothing on stdout (baselines on a thread with a shared or its own read-ahead, in-process, and off)", () => {
    const m = JSON.parse(readFileSync(path.join(dir, "store.json"), "utf8")) as { partitions: Array<{ file: string }> };
    const file = path.join(dir, m.partitions[m.partitions.length - 1].file);
    const bytes = readFileSync(file);
    bytes[bytes.length >> 1] ^= 1;
    writeFileSync(file, bytes);
    const layouts = [[{ GRINDER_BASELINE_THREAD: "1" }, []], [{ GRINDER_BASELINE_THREAD: "1", GRINDER_SHARED_READ_AHEAD: "0" }, []], [{ GRINDER_BASELINE_THREAD: "0" }, []], [{}, ["--no-baselines"]]] as const;
    for (const [env, extra] of layouts) {
      const r = run(env, "replay", dir, "--json", ...extra);
      expect(r.status, r.stderr).to.equal(2);
      expect(r.stdout).to.equal("");
      expect(r.stderr).to.contain("E_HASH_MISMATCH").and.contain(file);
    }
  });
});
