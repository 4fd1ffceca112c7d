import { expect } from "chai";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { configHash, defaultConfig, parseConfig } from "../../sdk/config";
import { ErrorCode } from "../../sdk/contracts/errors";
import { runReplay } from "../../sdk/engine/run";
import type { RegimeClassifier, RegimeProposal } from "../../sdk/ml/model";
import { loadRegimeModel, REGIME_ML_TREND_UP } from "../../sdk/ml/model";
import { RegimeController } from "../../sdk/regime/controller";
import { openFixture, streamFixture } from "../../sdk/data/fixture";
import { FeatureEngine } from "../../sdk/features/engine";
import { runCalibration } from "../../sdk/calibration/calibrate";
import { parseSpec } from "../../sdk/calibration/spec";
import { buildArtifact, renderArtifact, verifyArtifactBytes } from "../../sdk/calibration/artifact";
import { errorOf } from "../support";
import { calm, tox } from "../regime/helpers";
import { FIXTURES, ROOT } from "./helpers";

const MODEL = readdirSync(path.join(ROOT, "models")).filter((f) => /^regime-lr-v1-[0-9a-f]{12}\.json$/.test(f));
const MODEL_REL = `models/${MODEL[0]}`;

/** A classifier that always proposes the same regime. */
function fixed(regime: RegimeProposal["regime"], keepVolRule = true): RegimeClassifier {
  return { id: "f".repeat(64), keepVolRule, propose: () => ({ regime, reason: REGIME_ML_TREND_UP }) };
}

describe("ML regime classifier in the controller and the replay (issue 18)", function () {
  this.timeout(300_000);

  it("exactly one committed model, which verifies", () => {
    expect(MODEL.length).to.equal(1);
    expect(loadRegimeModel(path.join(ROOT, MODEL_REL)).kind).to.equal("grinder.ml.regime_model");
  });

  it("the default config has no classifier: its hash is the one in the heuristic's expected.json", () => {
    const exp = JSON.parse(readFileSync(path.join(FIXTURES, "range_day_l1", "expected.json"), "utf8")) as { config_hash: string };
    expect(defaultConfig().regime.classifier).to.equal(undefined);
    expect(configHash(defaultConfig())).to.equal(exp.config_hash);
  });

  it("safety regimes keep their precedence over the model's proposal; the dwell applies to proposals", () => {
    const rc = new RegimeController("TESTUSDT", {}, fixed("TREND_UP"));
    let d = rc.update(calm({ bars: 100 }), tox());
    expect(d.regime).to.equal("TREND_UP"); // escalation from RANGE: at once
    expect(d.reasons).to.include(REGIME_ML_TREND_UP);
    d = rc.update(calm({ bars: 101, thin_l1_quote: 10 }), tox());
    expect(d.regime).to.equal("THIN_BOOK");
    d = rc.update(calm({ bars: 102 }), tox("HIGH"));
    expect(d.regime).to.equal("TOXIC");
    // a RANGE proposal after a trend is a de-escalation: held for min_dwell_bars
    const r2 = new RegimeController("TESTUSDT", { min_dwell_bars: 5 }, { id: "x", keepVolRule: true, propose: (_f, cur) => ({ regime: cur === "RANGE" ? "TREND_UP" : "RANGE", reason: "R" }) });
    expect(r2.update(calm({ bars: 10 }), tox()).regime).to.equal("TREND_UP");
    for (let b = 11; b < 15; b++) expect(r2.update(calm({ bars: b }), tox()).regime).to.equal("TREND_UP");
    expect(r2.update(calm({ bars: 15 }), tox()).regime).to.equal("RANGE");
    // null proposal (warm-up): the rules decide
    const r3 = new RegimeController("TESTUSDT", {}, { id: "x", keepVolRule: true, propose: () => null });
    expect(r3.update(calm({ bars: 10, trend_strength: -3 }), tox()).regime).to.equal("TREND_DOWN");
    // rule-based trend is ignored while the model proposes
    const r4 = new RegimeController("TESTUSDT", {}, fixed("RANGE"));
    expect(r4.update(calm({ bars: 10, trend_strength: 3 }), tox()).regime).to.equal("RANGE");
  });

  it("the model replay of range_day_l1 equals its committed expected.model.json; the model hash is in the header", async () => {
    const exp = JSON.parse(readFileSync(path.join(FIXTURES, "range_day_l1", "expected.model.json"), "utf8")) as { digest: string; config_hash: string; regime_model: { file: string; sha256: string } };
    expect(exp.regime_model.file).to.equal(MODEL_REL);
    const cfg = parseConfig({ regime: { classifier: { kind: "model", artifact: MODEL_REL } }, engine: { keep_events: true } });
    const r = await runReplay({ fixture: path.join(FIXTURES, "range_day_l1"), config: cfg });
    expect((r.events![0] as { regime_model?: string }).regime_model).to.equal(exp.regime_model.sha256);
    const plain = await runReplay({ fixture: path.join(FIXTURES, "range_day_l1"), config: parseConfig({ regime: { classifier: { kind: "model", artifact: MODEL_REL } } }) });
    expect(plain.digest).to.equal(exp.digest);
    expect(plain.config_hash).to.equal(exp.config_hash);
    const heur = JSON.parse(readFileSync(path.join(FIXTURES, "range_day_l1", "expected.json"), "utf8")) as { digest: string };
    expect(plain.digest).to.not.equal(heur.digest);
    // the same model under another path (an absolute one in a temp folder): the header pins the
    // model by its sha256, so the digest and the run's config hash are the same (ADR-220)
    const tmp = mkdtempSync(path.join(os.tmpdir(), "grinder-model-path-"));
    try {
      copyFileSync(path.join(ROOT, MODEL_REL), path.join(tmp, MODEL[0]));
      const moved = parseConfig({ regime: { classifier: { kind: "model", artifact: path.join(tmp, MODEL[0]) } } });
      const r2 = await runReplay({ fixture: path.join(FIXTURES, "range_day_l1"), config: moved, window: { to_ts: 1704074400000 } });
      const r1 = await runReplay({ fixture: path.join(FIXTURES, "range_day_l1"), config: parseConfig({ regime: { classifier: { kind: "model", artifact: MODEL_REL } } }), window: { to_ts: 1704074400000 } });
      expect(r2.digest).to.equal(r1.digest);
      expect(r2.config_hash).to.equal(plain.config_hash);
      expect(configHash(moved), "the full config hash still names the path").to.not.equal(configHash(parseConfig({ regime: { classifier: { kind: "model", artifact: MODEL_REL } } })));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("every fixture's model replay equals its committed expected.model.json @slow", async () => {
    for (const name of readdirSync(FIXTURES).filter((f) => existsSync(path.join(FIXTURES, f, "fixture.json"))).sort()) {
      const file = path.join(FIXTURES, name, "expected.model.json");
      expect(existsSync(file), `${name}/expected.model.json`).to.equal(true);
      const exp = JSON.parse(readFileSync(file, "utf8")) as { digest: string; regime_model: { file: string } };
      const r = await runReplay({ fixture: path.join(FIXTURES, name), config: parseConfig({ regime: { classifier: { kind: "model", artifact: exp.regime_model.file } } }) });
      expect(r.digest, name).to.equal(exp.digest);
    }
  });

  it("a model controller gives the same regimes after reset() as fresh (classifier history reset too)", async () => {
    const fx = openFixture(path.join(FIXTURES, "trend_day_l1"));
    const inst = [...fx.instruments.values()][0];
    const rc = new RegimeController(inst.symbol, { classifier: { kind: "model", artifact: MODEL_REL } });
    const run = async (): Promise<string[]> => {
      const fe = new FeatureEngine(inst);
      const out: string[] = [];
      let n = 0;
      for await (const s of streamFixture(fx)) {
        if (++n > 6 * 3600) break;
        if (fe.update(s)) out.push(rc.update(fe.features, tox()).regime);
      }
      return out;
    };
    const a = await run();
    rc.reset();
    const b = await run();
    expect(b).to.deep.equal(a);
    expect(a.filter((r) => r !== "RANGE").length).to.be.greaterThan(0);
  });

  it("a tampered model, a wrong pinned sha256 and a missing file are refused", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "grinder-ml-tamper-"));
    try {
      const good = path.join(dir, "m.json");
      copyFileSync(path.join(ROOT, MODEL_REL), good);
      expect(new RegimeController("X", { classifier: { kind: "model", artifact: good } }).classifierId).to.match(/^[0-9a-f]{64}$/);
      const txt = readFileSync(good, "utf8");
      const i = txt.indexOf('"priors"') + 20;
      const j = txt.slice(i).search(/[1-8]/) + i;
      writeFileSync(good, txt.slice(0, j) + String(Number(txt[j]) + 1) + txt.slice(j + 1));
      expect(errorOf(() => new RegimeController("X", { classifier: { kind: "model", artifact: good } })).code).to.equal(ErrorCode.HASH_MISMATCH);
      expect(errorOf(() => new RegimeController("X", { classifier: { kind: "model", artifact: MODEL_REL, sha256: "0".repeat(64) } })).code).to.equal(ErrorCode.HASH_MISMATCH);
      expect(errorOf(() => new RegimeController("X", { classifier: { kind: "model", artifact: path.join(dir, "none.json") } })).code).to.equal(ErrorCode.IO);
      expect(errorOf(() => parseConfig({ regime: { classifier: { kind: "model", artifact: "x", trend_exit_prob: 0.9, trend_enter_prob: 0.5 } } })).code).to.equal(ErrorCode.CONFIG);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("calibration tunes the classifier's decision thresholds like any config parameter", async () => {
    const rs = parseSpec({
      name: "ml-thresholds-test",
      version: 1,
      base: { regime: { classifier: { kind: "model", artifact: MODEL_REL, sha256: loadRegimeModel(MODEL_REL).sha256 } } },
      parameters: [{ path: "regime.classifier.trend_enter_prob", choices: [0.3, 0.6] }],
      datasets: [{ fixture: "trend_day_l1" }],
      objective: { name: "net_pnl" },
      folds: { segments: 2, time: { mode: "rolling", train: 1, test: 1 } },
      search: { method: "grid", budget: 10 },
      gate: { max_infeasible_folds: 1, min_oos_objective: -1e9, max_pbo: null, min_dsr: null, refuse_edge: false, robust_fill_model: null }, // the machinery, not a validated setting
    });
    const r = await runCalibration(rs, { workers: 0 });
    expect(r.search.trials).to.be.greaterThan(1);
    const cls = (r.config.regime as { classifier: { trend_enter_prob: number; sha256: string } }).classifier;
    expect([0.3, 0.6]).to.include(cls.trend_enter_prob);
    expect(cls.sha256).to.equal(loadRegimeModel(MODEL_REL).sha256);
    // the calibration artifact names the model and its hash
    const art = buildArtifact(r);
    expect(art.regime_model).to.deep.equal({ artifact: MODEL_REL, sha256: loadRegimeModel(MODEL_REL).sha256 });
    expect(verifyArtifactBytes(Buffer.from(renderArtifact(art))).sha256).to.equal(art.sha256);
  });
});
