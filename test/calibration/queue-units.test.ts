import { expect } from "chai";
import fc from "fast-check";
import { appendFileSync, cpSync, readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { EvalTask, TrialMetrics } from "../../sdk/calibration/evaluator";
import { codeVersion } from "../../sdk/calibration/queue/code-version";
import { DatasetStore } from "../../sdk/calibration/queue/datastore";
import { parseRedisUrl } from "../../sdk/calibration/queue/redis-url";
import { laneBatch, type Trial } from "../../sdk/calibration/queue/types";
import { decodeFailure, encodeFailure, JOB_FORMAT, trialJobId, type TrialJobData } from "../../sdk/calibration/queue/wire";
import { resolveDatasets } from "../../sdk/calibration/datasets";
import { ErrorCode, GrinderError } from "../../sdk/contracts/errors";
import { errorOf } from "../support";
import { SYNTH, tinyFixture, tmp } from "./helpers";

const metrics = (v: number): TrialMetrics => ({
  net_pnl: v,
  fees: 0,
  max_drawdown: 0,
  dd_budget: 1,
  cycles: 0,
  duration_ms: 0,
  emergency_ms: 0,
  damage_control_ms: 0,
  fill_model: "touch@1",
});

const job = (over: Partial<TrialJobData> = {}): TrialJobData => ({
  format: JOB_FORMAT,
  code: "c".repeat(64),
  evaluator: "replay@0.1.0",
  trial: "000000-abc",
  config: { policy: { alpha: 1 }, execution: { fill_model: { kind: "touch" } } },
  dataset: { fixture: "fx", content_sha256: "a".repeat(64) },
  unit: { id: "fx#0", fixture: "fx", segment: 0, from_ts: 0, to_ts: 10 },
  ...over,
});

describe("calibration queue: trial identity, wire format, dataset store", () => {
  it("laneBatch returns results in trial order whatever the finishing order (fast-check)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: 5 }), { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 6 }), async (delays, lanes) => {
        const trials: Trial[] = delays.map((d, i) => ({ id: String(i), key: String(i), task: { config: { d, i }, fixture_dir: "", unit: {} } as unknown as EvalTask }));
        const seen: number[] = [];
        const out = await laneBatch(
          async (t) => {
            const { d, i } = t.config as { d: number; i: number };
            await new Promise((r) => setTimeout(r, d));
            return metrics(i);
          },
          trials,
          lanes,
          (i) => seen.push(i),
        );
        expect(out.map((m) => m.net_pnl)).to.deep.equal(delays.map((_, i) => i));
        expect([...seen].sort((a, b) => a - b)).to.deep.equal(delays.map((_, i) => i));
      }),
      { seed: 17, numRuns: 40 },
    );
  });

  it("laneBatch rejects with the first failure in trial order", async () => {
    const trials: Trial[] = [0, 1, 2, 3].map((i) => ({ id: String(i), key: String(i), task: { config: { i }, fixture_dir: "", unit: {} } as unknown as EvalTask }));
    const e = await laneBatch(
      async (t) => {
        const i = (t.config as { i: number }).i;
        await new Promise((r) => setTimeout(r, 10 - 3 * i));
        if (i >= 1) throw new Error(`fail ${i}`);
        return metrics(i);
      },
      trials,
      4,
    ).catch((x: Error) => x);
    expect((e as Error).message).to.equal("fail 1");
  });

  it("the job id is a hash of what the result depends on, and nothing else", () => {
    const a = trialJobId(job());
    expect(a).to.match(/^t[0-9a-f]{64}$/);
    expect(trialJobId(job({ trial: "999999-zzz" })), "trial id is not part of the identity").to.equal(a);
    expect(trialJobId(job({ code: "d".repeat(64) })), "code version").to.not.equal(a);
    expect(trialJobId(job({ evaluator: "other" })), "evaluator").to.not.equal(a);
    expect(trialJobId(job({ dataset: { fixture: "fx", content_sha256: "b".repeat(64) } })), "dataset hash").to.not.equal(a);
    expect(trialJobId(job({ dataset: { fixture: "renamed", content_sha256: "a".repeat(64) } })), "dataset name is a hint only").to.equal(a);
    expect(trialJobId(job({ config: { policy: { alpha: 1 }, execution: { fill_model: { kind: "cross" } } } })), "fill model").to.not.equal(a);
    expect(trialJobId(job({ config: { policy: { alpha: 1 }, execution: { fill_model: { kind: "touch" } }, seed: 7 } })), "seed").to.not.equal(a);
    expect(trialJobId(job({ unit: { id: "fx#1", fixture: "fx", segment: 1, from_ts: 10, to_ts: 20 } })), "unit").to.not.equal(a);
  });

  it("a GrinderError survives the failed-reason string with its code, field and the worker's name", () => {
    const e = decodeFailure(encodeFailure(new GrinderError(ErrorCode.HASH_MISMATCH, "bad data", { file: "/x", field: "data" }), "host:1"), "000001-abc");
    expect(e).to.be.instanceOf(GrinderError);
    expect((e as GrinderError).code).to.equal("E_HASH_MISMATCH");
    expect((e as GrinderError).field).to.equal("data");
    expect(e.message).to.contain("trial 000001-abc, worker host:1");
    expect(decodeFailure(encodeFailure(new Error("boom"), "h"), "t").message).to.match(/evaluator failed on trial t \(worker h\): boom/);
    expect(decodeFailure("job stalled more than allowable limit", "t").message).to.match(/trial t failed in the queue: job stalled/);
  });

  it("Redis URLs: host, port, db; anything else is a typed refusal", () => {
    expect(parseRedisUrl("redis://10.0.0.5:6380/2")).to.include({ host: "10.0.0.5", port: 6380, db: 2, tls: false, display: "redis://10.0.0.5:6380/2" });
    expect(parseRedisUrl("redis://u:secret@h").display, "no credentials in messages").to.equal("redis://h");
    expect(parseRedisUrl("redis://h").port).to.equal(6379);
    expect(errorOf(() => parseRedisUrl("http://h:1")).code).to.equal("E_INVALID_ARGUMENT");
    expect(errorOf(() => parseRedisUrl("not a url")).field).to.equal("queue");
    expect(errorOf(() => parseRedisUrl("redis://h/x")).message).to.match(/database 'x'/);
  });

  it("code version: stable in a process, differs by evaluator id and by evaluator module bytes", () => {
    const v = codeVersion({ module: SYNTH, id: "s" });
    expect(v).to.match(/^[0-9a-f]{64}$/);
    expect(codeVersion({ module: SYNTH, id: "s" })).to.equal(v);
    expect(codeVersion({ module: SYNTH, id: "t" })).to.not.equal(v);
    const dir = tmp("codever");
    const a = path.join(dir, "ev.ts");
    writeFileSync(a, "export const evaluate = () => 1;\n");
    const va = codeVersion({ module: a, id: "x" });
    appendFileSync(a, "// changed\n");
    expect(codeVersion({ module: a, id: "x" }), "changed evaluator code").to.not.equal(va);
  });

  describe("DatasetStore", () => {
    let root: string;
    let sha: string;
    before(async () => {
      root = tmp("store");
      await tinyFixture(root, "fx_a");
      sha = (await resolveDatasets([{ fixture: path.join(root, "fx_a") }]))[0].content_sha256;
    });

    it("finds a fixture by content hash in a folder of fixtures or as the folder itself", async () => {
      expect(await new DatasetStore([root]).locate({ fixture: "anything", content_sha256: sha })).to.equal(path.join(root, "fx_a"));
      expect(await new DatasetStore([path.join(root, "fx_a")]).locate({ fixture: "fx_a", content_sha256: sha })).to.equal(path.join(root, "fx_a"));
    });

    it("refuses an unknown hash (E_IO naming the folders) and a copy whose snapshots no longer match (E_HASH_MISMATCH)", async () => {
      const e1 = await new DatasetStore([root]).locate({ fixture: "fx_a", content_sha256: "f".repeat(64) }).catch((x) => x);
      expect(e1).to.be.instanceOf(GrinderError);
      expect(e1.code).to.equal("E_IO");
      expect(e1.message).to.contain(root);
      const bad = tmp("store-bad");
      cpSync(path.join(root, "fx_a"), path.join(bad, "fx_a"), { recursive: true });
      const snap = readdirSync(path.join(bad, "fx_a")).find((f) => f.startsWith("snapshots"))!;
      appendFileSync(path.join(bad, "fx_a", snap), JSON.stringify({ ts: 1_800_000_000_000, symbol: "AAAUSDT", bid_price: 1, bid_qty: 1, ask_price: 2, ask_qty: 1 }) + "\n");
      const e2 = await new DatasetStore([bad]).locate({ fixture: "fx_a", content_sha256: sha }).catch((x) => x);
      expect(e2).to.be.instanceOf(GrinderError);
      expect(e2.code).to.equal("E_HASH_MISMATCH");
    });
  });
});
