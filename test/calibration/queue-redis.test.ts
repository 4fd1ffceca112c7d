/**
 * The BullMQ backend end to end on a Redis server of the test's own (loopback, free port, temp
 * dir, no persistence; stopped in `after`). Workers are real `grinder worker` processes.
 * Skips with a message only when `redis-server` is not installed (scripts/setup.sh installs it).
 */
import { expect } from "chai";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { buildArtifact, loadArtifact, renderArtifact } from "../../sdk/calibration/artifact";
import { REPLAY_EVALUATOR, runCalibration, type CalibrationResult } from "../../sdk/calibration/calibrate";
import type { EvaluatorRef } from "../../sdk/calibration/evaluator";
import { TrialWorker } from "../../sdk/calibration/queue/trial-worker";
import { parseSpec } from "../../sdk/calibration/spec";
import { GrinderError } from "../../sdk/contracts/errors";
import { SYNTH, smallSpec, tinyFixture, tmp } from "./helpers";
import { redisAvailable, startRedis, type TestRedis } from "./redis";

const BIN = path.resolve(__dirname, "..", "..", "bin", "grinder.js");
/** The id `grinder worker --evaluator <SYNTH>` gives the synthetic evaluator (see parseEvaluator). */
const EV: EvaluatorRef = { module: SYNTH, id: "module:synthetic-evaluator.ts#evaluate" };
const TRIALS = 96; // smallSpec: 5 × 3 grid points × 2 fixtures × 3 segments = 90, + the static-grid baseline on each of the 6 units (ADR-065)

interface Proc {
  p: ChildProcess;
  err: string;
  exit: Promise<number | null>;
}

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l.length) : [];
}

const render = (r: CalibrationResult): string => renderArtifact(buildArtifact(r, { git_commit: null }));

describe("calibration queue: BullMQ on Redis", function () {
  this.timeout(180_000);
  let redis: TestRedis | undefined;
  let root: string;
  let reference: string;
  const procs: Proc[] = [];

  function spawnGrinder(args: string[], env: Record<string, string> = {}): Proc {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    const pr: Proc = { p, err: "", exit: new Promise((res) => p.on("exit", (c) => res(c))) };
    p.stderr!.on("data", (d: Buffer) => (pr.err += d.toString()));
    p.stdout!.on("data", () => undefined);
    procs.push(pr);
    return pr;
  }

  /** Start `n` worker processes and wait until each is connected to the queue. */
  async function workers(n: number, env: Record<string, string> = {}, extra: string[] = []): Promise<Proc[]> {
    const ws = Array.from({ length: n }, () => spawnGrinder(["worker", "--queue", redis!.url, "--data", root, "--evaluator", SYNTH, ...extra], env));
    const t0 = Date.now();
    while (!ws.every((w) => /: code [0-9a-f]{12}, evaluator/.test(w.err))) {
      if (Date.now() - t0 > 90_000) throw new Error(`workers did not start: ${ws.map((w) => w.err).join(" | ")}`);
      if (ws.some((w) => w.p.exitCode !== null)) throw new Error(`a worker exited: ${ws.map((w) => w.err).join(" | ")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return ws;
  }

  /** Stop workers gracefully and return how many trials each evaluated. */
  async function stop(ws: Proc[]): Promise<number[]> {
    for (const w of ws) w.p.kill("SIGTERM");
    await Promise.all(ws.map((w) => w.exit));
    return ws.map((w) => Number(/stopping after (\d+) trial/.exec(w.err)?.[1] ?? NaN));
  }

  before(async function () {
    if (!redisAvailable()) {
      console.log("      SKIPPED: redis-server is not installed (scripts/setup.sh installs it from Debian)");
      this.skip();
    }
    redis = await startRedis();
    root = tmp("queue");
    await tinyFixture(root, "fx_a");
    await tinyFixture(root, "fx_b", 30, 1_700_100_000_000);
    reference = render(await runCalibration(parseSpec(smallSpec()), { workers: 0, evaluator: EV, fixturesRoot: root }));
  });

  afterEach(async () => {
    for (const pr of procs.splice(0)) if (pr.p.exitCode === null && pr.p.signalCode === null) pr.p.kill("SIGKILL");
  });

  after(async () => {
    for (const pr of procs.splice(0)) if (pr.p.exitCode === null && pr.p.signalCode === null) pr.p.kill("SIGKILL");
    await redis?.stop();
  });

  it("byte-identical artifacts: local pool 1 and 2 threads, BullMQ with 1, 2 and 3 worker processes and 1 process of 2 threads", async () => {
    const got: Record<string, string> = {};
    for (const n of [1, 2]) got[`pool ${n}`] = render(await runCalibration(parseSpec(smallSpec()), { workers: n, evaluator: EV, fixturesRoot: root }));
    for (const n of [1, 2, 3]) {
      const ws = await workers(n, { SYNTH_DELAY_MS: "15" });
      const r = await runCalibration(parseSpec(smallSpec()), { queue: redis!.url, evaluator: EV, fixturesRoot: root });
      got[`bullmq ${n}`] = render(r);
      const counts = await stop(ws);
      expect(counts.reduce((a, b) => a + b, 0), `bullmq ${n}: every trial evaluated exactly once (${counts.join(", ")})`).to.equal(TRIALS);
      expect(r.run.queue!.completed).to.equal(TRIALS);
      expect(r.run.queue!.alive, "workers seen by the coordinator").to.equal(n);
    }
    // One process with two evaluator threads (BullMQ concurrency 2).
    const [wt] = await workers(1, { SYNTH_DELAY_MS: "15" }, ["--threads", "2"]);
    got["bullmq 1 process × 2 threads"] = render(await runCalibration(parseSpec(smallSpec()), { queue: redis!.url, evaluator: EV, fixturesRoot: root }));
    expect(await stop([wt])).to.deep.equal([TRIALS]);
    for (const [k, v] of Object.entries(got)) expect(v, k).to.equal(reference);
  });

  it("a worker killed mid-trial: its job is re-queued after the lock expires, same artifact, no trial lost", async () => {
    const ws = await workers(2, { SYNTH_DELAY_MS: "60" }, ["--lock-ms", "2000"]);
    let killed = false;
    const r = await runCalibration(parseSpec(smallSpec()), {
      queue: redis!.url,
      evaluator: EV,
      fixturesRoot: root,
      onProgress: (e) => {
        if (!killed && e.done >= 15) {
          killed = true;
          ws[0].p.kill("SIGKILL");
        }
      },
    });
    expect(killed).to.equal(true);
    expect(render(r), "artifact").to.equal(reference);
    expect(r.run.queue!.stalled, "the killed worker's trial was recovered as stalled").to.be.at.least(1);
    expect(r.run.queue!.completed).to.equal(TRIALS);
    await stop([ws[1]]);
  });

  it("the coordinator killed and resumed over Redis: same artifact, results left in Redis reused, no duplicate trial in the journal", async () => {
    const dir = tmp("coord");
    const specFile = path.join(dir, "spec.json");
    const spec = smallSpec({ datasets: [{ fixture: path.join(root, "fx_a") }, { fixture: path.join(root, "fx_b") }] });
    writeFileSync(specFile, JSON.stringify(spec));
    const out = path.join(dir, "out");
    const journal = path.join(out, ".journal", `t-${parseSpec(spec, specFile).hash.slice(0, 12)}.jsonl`);
    const ws = await workers(2, { SYNTH_DELAY_MS: "40" });
    const args = ["calibrate", specFile, "--queue", redis!.url, "--out", out, "--evaluator", SYNTH, "--no-progress"];
    const coord = spawnGrinder(args);
    const t0 = Date.now();
    while (lines(journal).length < 20) {
      if (Date.now() - t0 > 90_000) throw new Error(`journal did not fill: ${coord.err}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    coord.p.kill("SIGKILL");
    await coord.exit;
    const before = lines(journal).length;
    expect(before, "killed before the end").to.be.within(20, TRIALS - 1);
    // The workers go on with the queued trials; their results wait in Redis.
    await new Promise((r) => setTimeout(r, 1500));
    // With progress lines (not a terminal: one per tenth), which name the workers alive.
    const res = spawnSync(process.execPath, [BIN, ...args.filter((a) => a !== "--no-progress"), "--resume"], { encoding: "utf8" });
    expect(res.status, res.stderr).to.equal(0);
    expect(res.stderr, "progress: trials done, best so far, workers alive").to.match(/calibrate: 90\/90 trials \(resumed \d+\), best -?\d+\.\d{4} \| workers 2\n/);
    const m = /\((\d+) evaluated, (\d+) from journal\)/.exec(res.stdout);
    expect(m, res.stdout).to.not.equal(null);
    expect(Number(m![2]), "journalled trials reused").to.equal(before);
    expect(Number(m![1]) + Number(m![2])).to.equal(TRIALS);
    const fromRedis = Number(/(\d+) already in Redis/.exec(res.stdout)?.[1]);
    expect(fromRedis, `results finished while the coordinator was down come from Redis: ${res.stdout}`).to.be.at.least(1);
    const recs = lines(journal).map((l) => JSON.parse(l) as { key: string });
    expect(recs.length, "one journal line per trial").to.equal(TRIALS);
    expect(new Set(recs.map((x) => x.key)).size, "no duplicate trial").to.equal(TRIALS);
    const file = /artifact (\S+) sha256/.exec(res.stdout)![1];
    const ref = buildArtifact(await runCalibration(parseSpec(spec, specFile), { workers: 0, evaluator: EV }), { git_commit: null });
    expect(loadArtifact(path.resolve(file)).sha256, "same artifact as an uninterrupted run").to.equal(ref.sha256);
    const counts = await stop(ws);
    expect(counts.reduce((a, b) => a + b, 0), "no trial evaluated twice by the workers").to.equal(TRIALS);
  });

  it("a worker on different code refuses the job and stops; the coordinator fails with E_REFUSED", async () => {
    const w = await TrialWorker.start({ url: redis!.url, name: "refuse", evaluator: EV, data: [root], code: "0".repeat(64) });
    const e = await runCalibration(parseSpec(smallSpec()), { queue: { url: redis!.url, name: "refuse" }, evaluator: EV, fixturesRoot: root }).catch((x) => x);
    expect(e).to.be.instanceOf(GrinderError);
    expect(e.code).to.equal("E_REFUSED");
    expect(e.message).to.match(/worker code version 000000000000 ≠ coordinator's [0-9a-f]{12}/);
    const stopped = await w.stopped.then(() => null, (x) => x);
    expect(stopped?.code, "the worker stopped on the refusal").to.equal("E_REFUSED");
    expect(w.evaluated).to.equal(0);
  });

  it("a worker whose copy of a dataset does not match its content hash refuses the trial (E_HASH_MISMATCH)", async () => {
    const bad = tmp("queue-bad");
    cpSync(path.join(root, "fx_a"), path.join(bad, "fx_a"), { recursive: true });
    cpSync(path.join(root, "fx_b"), path.join(bad, "fx_b"), { recursive: true });
    const snap = readdirSync(path.join(bad, "fx_a")).find((f) => f.startsWith("snapshots"))!;
    writeFileSync(path.join(bad, "fx_a", snap), readFileSync(path.join(bad, "fx_a", snap), "utf8").replace('"bid_qty":1', '"bid_qty":2'));
    const w = await TrialWorker.start({ url: redis!.url, name: "tampered", evaluator: EV, data: [bad] });
    try {
      const e = await runCalibration(parseSpec(smallSpec()), { queue: { url: redis!.url, name: "tampered" }, evaluator: EV, fixturesRoot: root }).catch((x) => x);
      expect(e).to.be.instanceOf(GrinderError);
      expect(e.code).to.equal("E_HASH_MISMATCH");
      expect(e.message).to.match(/fixture 'fx_a' snapshots hash [0-9a-f]{12} ≠ manifest/);
      expect(e.message).to.match(/worker [^ ]+:\d+\)/);
    } finally {
      await w.close();
    }
  });

  it("a bar dataset (ADR-266): a worker finds the recipe under datasets/ by its content hash; the same points and gate as the local pool", async () => {
    const spec = {
      name: "gbp-queue", version: 1, description: "alpha on the GBPUSD month over the queue",
      parameters: [{ path: "policy.alpha", choices: [1.0, 1.6] }], datasets: [{ fixture: "gbpusd_m1_2012_02" }],
      objective: { name: "pnl_per_dd", dd_floor: 0.05 }, folds: { segments: 3, time: { mode: "rolling", train: 1, test: 1 } }, search: { method: "grid", budget: 10 },
    };
    const local = await runCalibration(parseSpec(spec), { workers: 1 });
    const w = await TrialWorker.start({ url: redis!.url, name: "bars", evaluator: REPLAY_EVALUATOR, data: [path.resolve(__dirname, "..", "..", "datasets")] });
    try {
      const q = await runCalibration(parseSpec(spec), { queue: { url: redis!.url, name: "bars" } });
      expect(q.run.queue!.completed, "trials went through the queue").to.be.greaterThan(0);
      expect(JSON.stringify(q.points)).to.equal(JSON.stringify(local.points));
      expect(JSON.stringify(q.gate)).to.equal(JSON.stringify(local.gate));
      expect(q.datasets[0].dir, "the coordinator's own copy").to.match(/datasets\/gbpusd_m1_2012_02\/dataset\.json$/);
    } finally {
      await w.close();
    }
  });

  it("a worker process with another evaluator refuses the job and exits 2, naming both", async () => {
    const [w] = await workers(1, {}, ["--evaluator", `${SYNTH}#evaluateOverfit`, "--queue-name", "ev"]);
    const e = await runCalibration(parseSpec(smallSpec()), { queue: { url: redis!.url, name: "ev" }, evaluator: EV, fixturesRoot: root }).catch((x) => x);
    expect(e.code).to.equal("E_REFUSED");
    expect(e.message).to.contain("worker evaluator 'module:synthetic-evaluator.ts#evaluateOverfit' ≠ job's 'module:synthetic-evaluator.ts#evaluate'");
    expect(await w.exit).to.equal(2);
    expect(w.err).to.match(/E_REFUSED/);
  });

  it("Redis restarted mid-run (no persistence): coordinator and worker reconnect, lost jobs are resubmitted, same artifact", async () => {
    process.env.SYNTH_DELAY_MS = "30"; // before the worker's thread starts (threads copy the environment)
    const w = await TrialWorker.start({ url: redis!.url, name: "restart", evaluator: EV, data: [root], lockMs: 2000 });
    let restarted: Promise<void> | undefined;
    try {
      const r = await runCalibration(parseSpec(smallSpec()), {
        queue: { url: redis!.url, name: "restart", sweepMs: 250 },
        workers: 0,
        evaluator: EV,
        fixturesRoot: root,
        onProgress: (e) => {
          if (!restarted && e.done >= 20) restarted = redis!.restart();
        },
      });
      await restarted;
      expect(render(r)).to.equal(reference);
      expect(r.run.queue!.resubmitted, "jobs lost with the restart were submitted again").to.be.at.least(1);
    } finally {
      delete process.env.SYNTH_DELAY_MS;
      await w.close();
    }
  });

  it("Redis unreachable: coordinator and worker fail with a clear E_IO naming the address", async () => {
    const e = await runCalibration(parseSpec(smallSpec()), { queue: { url: "redis://127.0.0.1:1", giveUpMs: 1500 }, evaluator: EV, fixturesRoot: root }).catch((x) => x);
    expect(e).to.be.instanceOf(GrinderError);
    expect(e.code).to.equal("E_IO");
    expect(e.message).to.match(/Redis at redis:\/\/127\.0\.0\.1:1 not reachable within 1\.5 s/);
    const w = await TrialWorker.start({ url: "redis://127.0.0.1:1", evaluator: EV, data: [root], giveUpMs: 1500 }).catch((x) => x);
    expect(w, "a worker too").to.be.instanceOf(GrinderError);
    expect(w.message).to.match(/E_IO: Redis at redis:\/\/127\.0\.0\.1:1 not reachable within 1\.5 s/);
  });
});
