import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { ErrorCode, GrinderError } from "../contracts/errors";
import * as os from "node:os";
import * as path from "node:path";
import { defaultConfig, parseConfig, type GrinderConfig } from "../config";
import { runReplay } from "../engine/run";
import { CLASS_TREND_DOWN, CLASS_TREND_UP } from "./labels";
import { REGIME_MODEL_KIND, REGIME_MODEL_SCHEMA_VERSION, sealRegimeModel, writeRegimeModel, type RegimeModel } from "./model";
import type { FittedModel, TrainResult, TrainSpec } from "./train";

/** Trading outcome of one replay window. */
export interface TradeOutcome {
  net_pnl: number;
  max_dd: number;
  cycles: number;
  fills: number;
  /** Policy ticks whose forward label is a trend. */
  trend_ticks: number;
  /** Of those, ticks holding inventory against the trend (long in TREND_DOWN, short in TREND_UP). */
  against_trend_ticks: number;
  /** against_trend_ticks / trend_ticks (0 when no trend tick). */
  against_trend_share: number;
  digest: string;
}

export interface JudgementRow {
  fold: number;
  fixture: string;
  fill_model: string;
  from_ts: number;
  to_ts: number;
  heuristic: TradeOutcome;
  model: TradeOutcome;
}

export interface Judgement {
  rows: JudgementRow[];
  /** Per fill model: sums over every fold and fixture. */
  totals: Array<{ fill_model: string; classifier: "heuristic" | "model"; net_pnl: number; max_dd_worst: number; max_dd_mean: number; cycles: number; against_trend_ticks: number; trend_ticks: number; against_trend_share: number }>;
}

/** The fold model as an artifact (same layout as the final model; `training.fold` says which). */
export function foldArtifact(base: RegimeModel, fm: FittedModel, fold: number): RegimeModel {
  const { sha256: _s, ...rest } = base;
  return sealRegimeModel({
    ...rest,
    schema_version: REGIME_MODEL_SCHEMA_VERSION,
    kind: REGIME_MODEL_KIND,
    name: `${base.name}-fold${fold}`,
    standardize: fm.standardize,
    weights: fm.weights,
    priors: fm.priors,
    training: { fold, of: base.sha256 },
    metrics: {},
  });
}

function outcome(r: Awaited<ReturnType<typeof runReplay>>, labels: Map<string, number>): TradeOutcome {
  let trend = 0;
  let against = 0;
  const ts = r.bars.array("ts") as ArrayLike<number>;
  const sym = r.bars.array("symbol") as ArrayLike<string>;
  const inv = r.bars.array("inventory") as ArrayLike<number>;
  for (let i = 0; i < ts.length; i++) {
    const l = labels.get(`${sym[i]}|${ts[i]}`);
    if (l === CLASS_TREND_UP || l === CLASS_TREND_DOWN) {
      trend++;
      if ((l === CLASS_TREND_UP && inv[i] < 0) || (l === CLASS_TREND_DOWN && inv[i] > 0)) against++;
    }
  }
  const s = r.summary;
  return {
    net_pnl: s.equity_end - s.equity_start, max_dd: s.max_dd, cycles: s.cycles, fills: s.fills,
    trend_ticks: trend, against_trend_ticks: against, against_trend_share: trend ? against / trend : 0, digest: r.digest,
  };
}

/**
 * Trading judgement out of sample (spec 17.16, issue 18): for every walk-forward fold, fixture
 * and fill model, replay the fold's TEST window (features warm up on the data before it, trading
 * starts at its first tick) once with the heuristic and once with the model fitted on that fold's
 * training rows, and compare net PnL, max drawdown and ticks loaded against a (forward-labelled)
 * trend. Fold models are written to a temporary folder and loaded like any model file.
 */
export async function judgeTrading(
  tr: TrainResult,
  spec: Pick<TrainSpec, "datasets" | "folds">,
  opts: { fillModels?: Array<"touch" | "cross">; config?: GrinderConfig; root?: string; folds?: number[]; fixtures?: string[] } = {},
): Promise<Judgement> {
  const base = opts.config ?? defaultConfig();
  const root = opts.root ?? process.cwd();
  const fills = opts.fillModels ?? ["touch", "cross"];
  const dir = mkdtempSync(path.join(os.tmpdir(), "grinder-ml-judge-"));
  const rows: JudgementRow[] = [];
  try {
    const labels = new Map<string, Map<string, number>>();
    for (const d of tr.datasets) {
      const m = new Map<string, number>();
      for (const s of d.samples) m.set(`${s.symbol}|${s.ts}`, s.label);
      labels.set(d.fixture, m);
    }
    for (let fi = 0; fi < tr.fold_models.length; fi++) {
      const fold = fi + 1;
      if (opts.folds && !opts.folds.includes(fold)) continue;
      const file = await writeRegimeModel(foldArtifact(tr.model, tr.fold_models[fi], fold), dir);
      const rep = tr.folds[fi];
      for (let di = 0; di < tr.datasets.length; di++) {
        const d = tr.datasets[di];
        if (opts.fixtures && !opts.fixtures.includes(d.fixture)) continue;
        const w = rep.windows[di];
        for (const kind of fills) {
          const plain = JSON.parse(JSON.stringify(base)) as Record<string, Record<string, unknown>>;
          plain.execution = { ...plain.execution, fill_model: { kind } };
          const hCfg = parseConfig({ ...plain, regime: { ...plain.regime, classifier: undefined } });
          const mCfg = parseConfig({ ...plain, regime: { ...plain.regime, classifier: { kind: "model", artifact: file } } });
          const window = { from_ts: w.test_from_ts, to_ts: w.test_to_ts };
          const fx = path.resolve(root, spec.datasets[di]);
          const h = await runReplay({ fixture: fx, config: hCfg, window });
          const m = await runReplay({ fixture: fx, config: mCfg, window });
          const lab = labels.get(d.fixture)!;
          rows.push({ fold, fixture: d.fixture, fill_model: `${kind}@1`, from_ts: w.test_from_ts, to_ts: w.test_to_ts, heuristic: outcome(h, lab), model: outcome(m, lab) });
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const totals: Judgement["totals"] = [];
  for (const fm of [...new Set(rows.map((r) => r.fill_model))]) {
    for (const c of ["heuristic", "model"] as const) {
      const rs = rows.filter((r) => r.fill_model === fm).map((r) => r[c]);
      const trend = rs.reduce((a, o) => a + o.trend_ticks, 0);
      const against = rs.reduce((a, o) => a + o.against_trend_ticks, 0);
      totals.push({
        fill_model: fm, classifier: c, net_pnl: rs.reduce((a, o) => a + o.net_pnl, 0), max_dd_worst: Math.max(0, ...rs.map((o) => o.max_dd)),
        max_dd_mean: rs.length ? rs.reduce((a, o) => a + o.max_dd, 0) / rs.length : 0, cycles: rs.reduce((a, o) => a + o.cycles, 0),
        against_trend_ticks: against, trend_ticks: trend, against_trend_share: trend ? against / trend : 0,
      });
    }
  }
  return { rows, totals };
}

/** What `grinder ml train --report` writes (fold metrics, and the judgement with `--judge`). */
export interface MlReport {
  model: { file: string; sha256: string };
  folds: unknown[];
  metrics: Record<string, unknown>;
  judgement?: Judgement;
}

/**
 * The text of `grinder ml train --report`: the model by its file name (it is named by its hash;
 * a path relative to wherever `--out` pointed would not resolve from the report, ADR-220), the
 * fold windows and metrics, and the judgement when one was run. `scripts/pin-ml-report.ts`
 * compares the committed `models/regime-lr-v1.report.json` with this, byte for byte.
 */
export function renderMlReport(tr: TrainResult, modelFile: string, judgement?: Judgement): string {
  const rep = { model: { file: path.basename(modelFile), sha256: tr.model.sha256 }, folds: tr.folds, metrics: tr.model.metrics, judgement };
  return JSON.stringify(rep, null, 2) + "\n";
}

/** Read an ML report; with `expectSha256`, refuse one written for another model (E_HASH_MISMATCH). */
export function loadMlReport(file: string, expectSha256?: string): MlReport {
  let r: MlReport;
  try {
    r = JSON.parse(readFileSync(file, "utf8")) as MlReport;
  } catch (e) {
    throw new GrinderError((e as NodeJS.ErrnoException).code === "ENOENT" ? ErrorCode.IO : ErrorCode.PARSE, `ml report: ${(e as Error).message}`, { file });
  }
  if (expectSha256 !== undefined && r.model?.sha256 !== expectSha256)
    throw new GrinderError(ErrorCode.HASH_MISMATCH, `ml report is for model ${String(r.model?.sha256).slice(0, 12)}, not ${expectSha256.slice(0, 12)}`, { file, field: "model.sha256" });
  return r;
}
