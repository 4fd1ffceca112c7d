import { readFileSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { defaultConfig, type GrinderConfig } from "../config";
import { ErrorCode, GrinderError } from "../contracts/errors";
import { fromZodError } from "../contracts/zod";
import { SDK_VERSION } from "../version";
import { buildDataset, type MlDataset, type MlSample } from "./dataset";
import { ML_FEATURES, ML_FEATURE_SET_VERSION } from "./features";
import { LabelDefSchema, ML_CLASSES, NO_LABEL, type LabelDef } from "./labels";
import { argmax, REGIME_MODEL_KIND, REGIME_MODEL_SCHEMA_VERSION, scoreInto, sealRegimeModel, type RegimeModel } from "./model";

/** The training library (mljs). Loaded at run time; inference never calls it (ADR-110). */
interface MlMatrix {
  readonly rows: number;
  readonly columns: number;
  to2DArray(): number[][];
}
interface MatrixCtor {
  new (data: number[][]): MlMatrix;
  columnVector(v: number[]): MlMatrix;
}
interface LogRegCtor {
  new (o: { numSteps: number; learningRate: number }): { train(X: MlMatrix, Y: MlMatrix): void; predict(X: MlMatrix): number[]; classifiers: Array<{ weights: MlMatrix }>; numberClasses: number };
}
function lib(): { LogisticRegression: LogRegCtor; Matrix: MatrixCtor; version: string; matrixVersion: string } {
  const LogisticRegression = require("ml-logistic-regression") as LogRegCtor;
  const m = require("ml-matrix") as { Matrix: MatrixCtor };
  const version = (require("ml-logistic-regression/package.json") as { version: string }).version;
  // ml-matrix's "exports" map hides its package.json: read it beside the resolved entry point.
  const matrixVersion = (JSON.parse(readFileSync(path.join(path.dirname(require.resolve("ml-matrix")), "package.json"), "utf8")) as { version: string }).version;
  return { LogisticRegression, Matrix: m.Matrix, version, matrixVersion };
}

/** Training spec (`grinder ml train <spec>`; ADR-110). */
export const TrainSpecSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/),
    version: z.number().int().positive(),
    /** Fixture folders, relative to the spec file's folder's project root (the working directory). */
    datasets: z.array(z.string().min(1)).min(1),
    label: LabelDefSchema.default({}),
    trainer: z
      .object({
        num_steps: z.number().int().positive().max(100_000).default(400),
        /** Step size per sample: the library sums gradients, so it is given learning_rate / n. */
        learning_rate: z.number().positive().default(2),
        /** Seed of the shuffled-label control (the fit itself is full-batch gradient descent, no RNG). */
        seed: z.number().int().default(18),
      })
      .strict()
      .default({}),
    /** Walk-forward: each dataset's time span cut into folds + 1 equal segments; fold j trains on segments < j, tests on j. */
    folds: z.number().int().min(1).max(10).default(3),
    /** Keep every `stride`-th tick for training (test rows are never thinned). */
    stride: z.number().int().min(1).default(1),
  })
  .strict();
export type TrainSpec = z.infer<typeof TrainSpecSchema>;
export type TrainSpecInput = z.input<typeof TrainSpecSchema>;

export function parseTrainSpec(raw: unknown, file?: string): TrainSpec {
  const r = TrainSpecSchema.safeParse(raw);
  if (!r.success) throw fromZodError(r.error, "ml train spec").at({ file });
  return r.data;
}

export function loadTrainSpec(file: string): TrainSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new GrinderError((e as NodeJS.ErrnoException).code === "ENOENT" ? ErrorCode.IO : ErrorCode.PARSE, `ml train spec: ${(e as Error).message}`, { file });
  }
  return parseTrainSpec(raw, file);
}

/** Classification quality against the forward labels. */
export interface ClassMetrics {
  n: number;
  /** Mean over the classes present in the truth of their recall. */
  balanced_accuracy: number;
  accuracy: number;
  /** confusion[truth][predicted], classes in ML_CLASSES order. */
  confusion: number[][];
}

export function classMetrics(truth: ArrayLike<number>, pred: ArrayLike<number>): ClassMetrics {
  const K = ML_CLASSES.length;
  const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  let ok = 0;
  for (let i = 0; i < truth.length; i++) {
    confusion[truth[i]][pred[i]]++;
    if (truth[i] === pred[i]) ok++;
  }
  let rec = 0;
  let present = 0;
  for (let c = 0; c < K; c++) {
    const row = confusion[c].reduce((a, b) => a + b, 0);
    if (row > 0) {
      present++;
      rec += confusion[c][c] / row;
    }
  }
  return { n: truth.length, balanced_accuracy: present ? rec / present : 0, accuracy: truth.length ? ok / truth.length : 0, confusion };
}

/** A fitted model before it is sealed: standardisation + weights. */
export interface FittedModel {
  standardize: { mean: number[]; std: number[] };
  weights: number[][];
  priors: number[];
}

/**
 * Fit one-vs-rest logistic regression (ml-logistic-regression, full-batch gradient descent from
 * zero weights: no RNG, a fixed sequence of float operations) on standardised features + an
 * intercept column. Every class must occur in `y` (E_REFUSED otherwise: the library numbers
 * classes by the count of distinct labels).
 */
export function fitLogistic(X: ReadonlyArray<ArrayLike<number>>, y: ReadonlyArray<number>, trainer: TrainSpec["trainer"], what = "training set"): FittedModel {
  const K = ML_CLASSES.length;
  const counts = new Array<number>(K).fill(0);
  for (const c of y) counts[c]++;
  const missing = counts.map((n, c) => (n === 0 ? ML_CLASSES[c] : null)).filter((x) => x !== null);
  if (missing.length) throw new GrinderError(ErrorCode.REFUSED, `${what} has no ${missing.join(", ")} label: the model needs every class`, { field: "label" });
  const m = ML_FEATURES.length;
  const n = X.length;
  const mean = new Array<number>(m).fill(0);
  const std = new Array<number>(m).fill(0);
  for (const x of X) for (let j = 0; j < m; j++) mean[j] += x[j];
  for (let j = 0; j < m; j++) mean[j] /= n;
  for (const x of X) for (let j = 0; j < m; j++) {
      const dv = x[j] - mean[j];
      std[j] += dv * dv;
    }
  for (let j = 0; j < m; j++) {
    const s = Math.sqrt(std[j] / n);
    std[j] = s > 1e-12 ? s : 1;
  }
  const rows = X.map((x) => {
    const r = new Array<number>(m + 1);
    for (let j = 0; j < m; j++) r[j] = (x[j] - mean[j]) / std[j];
    r[m] = 1;
    return r;
  });
  const { LogisticRegression, Matrix } = lib();
  const lr = new LogisticRegression({ numSteps: trainer.num_steps, learningRate: trainer.learning_rate / n });
  lr.train(new Matrix(rows), Matrix.columnVector(y.slice()));
  const weights = lr.classifiers.map((c) => c.weights.to2DArray()[0]);
  return { standardize: { mean, std }, weights, priors: counts.map((c) => c / n) };
}

/** Predicted class indices of samples under a fitted model (argmax of the normalised scores). */
export function predictClasses(m: FittedModel, X: ReadonlyArray<ArrayLike<number>>): number[] {
  const p = new Float64Array(ML_CLASSES.length);
  return X.map((x) => argmax(scoreInto(m, x, p)));
}

/** One walk-forward fold: time windows per dataset and the indices of its train / test samples. */
export interface WalkForwardFold {
  fold: number;
  windows: Array<{ fixture: string; train_to_ts: number; test_from_ts: number; test_to_ts: number }>;
  train: MlSample[];
  test: MlSample[];
}

function usable(s: MlSample): boolean {
  return s.ready && s.label !== NO_LABEL;
}

/**
 * Anchored walk-forward folds over each dataset's time span (folds + 1 equal segments): fold j
 * trains on segments 0..j−1 and tests on segment j. Training ticks whose forward label window
 * reaches into the test segment (the last `horizon_bars` ticks before it, per symbol) are purged.
 * Test samples are those the heuristic does not put in a safety regime (both classifiers give
 * the same safety regime there).
 */
export function walkForwardFolds(datasets: ReadonlyArray<MlDataset>, spec: Pick<TrainSpec, "folds" | "stride" | "label">): WalkForwardFold[] {
  const out: WalkForwardFold[] = [];
  const H = spec.label.horizon_bars;
  for (let j = 1; j <= spec.folds; j++) {
    const f: WalkForwardFold = { fold: j, windows: [], train: [], test: [] };
    for (const d of datasets) {
      const span = d.last_ts - d.first_ts;
      const seg = (k: number): number => d.first_ts + Math.floor((span * k) / (spec.folds + 1));
      const from = seg(j);
      const to = j === spec.folds ? d.last_ts : seg(j + 1) - 1;
      f.windows.push({ fixture: d.fixture, train_to_ts: from - 1, test_from_ts: from, test_to_ts: to });
      // first test tick per symbol, for the purge
      const firstTest = new Map<string, number>();
      for (const s of d.samples) if (s.ts >= from && !firstTest.has(s.symbol)) firstTest.set(s.symbol, s.tick);
      for (const s of d.samples) {
        if (!usable(s)) continue;
        if (s.ts < from) {
          const ft = firstTest.get(s.symbol);
          if (ft !== undefined && s.tick + H >= ft) continue;
          if (s.tick % spec.stride === 0) f.train.push(s);
        } else if (s.ts <= to && s.heuristic >= 0) f.test.push(s);
      }
    }
    out.push(f);
  }
  return out;
}

/** Seeded Fisher–Yates permutation of labels (pure-rand xoroshiro128+). */
export function shuffledLabels(y: ReadonlyArray<number>, seed: number): number[] {
  const { xoroshiro128plus } = require("pure-rand/generator/xoroshiro128plus") as { xoroshiro128plus(seed: number): { next(): number } };
  const g = xoroshiro128plus(seed);
  const out = y.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const r = (g.next() >>> 0) / 4294967296;
    const k = Math.floor(r * (i + 1));
    const t = out[i];
    out[i] = out[k];
    out[k] = t;
  }
  return out;
}

export interface MlFoldReport {
  fold: number;
  windows: WalkForwardFold["windows"];
  train_n: number;
  test_n: number;
  model: ClassMetrics;
  heuristic: ClassMetrics;
  shuffled: ClassMetrics;
}

export interface TrainResult {
  model: RegimeModel;
  folds: MlFoldReport[];
  /** Fold models (fitted on each fold's training rows), for the trading judgement. */
  fold_models: FittedModel[];
  datasets: MlDataset[];
}

function pooled(rs: ClassMetrics[]): ClassMetrics {
  const truth: number[] = [];
  const pred: number[] = [];
  for (const r of rs) for (let t = 0; t < r.confusion.length; t++) for (let p = 0; p < r.confusion.length; p++) for (let i = 0; i < r.confusion[t][p]; i++) {
          truth.push(t);
          pred.push(p);
        }
  return classMetrics(truth, pred);
}

const round = (x: number): number => Math.round(x * 1e6) / 1e6;

/**
 * Train a regime model from a spec: datasets → walk-forward folds (model, heuristic and a
 * shuffled-label control scored on each held-out fold) → the final model fitted on every usable
 * tick → a sealed `grinder.ml.regime_model`. Deterministic: same spec and data → same bytes
 * (tested twice in-process and in a worker thread).
 */
export async function trainRegimeModel(spec: TrainSpec, opts: { config?: GrinderConfig; root?: string } = {}): Promise<TrainResult> {
  const config = opts.config ?? defaultConfig();
  const root = opts.root ?? process.cwd();
  const def: LabelDef = spec.label;
  const datasets: MlDataset[] = [];
  for (const d of spec.datasets) datasets.push(await buildDataset(path.resolve(root, d), def, config));
  const folds = walkForwardFolds(datasets, spec);
  const reports: MlFoldReport[] = [];
  const foldModels: FittedModel[] = [];
  for (const f of folds) {
    const Xtr = f.train.map((s) => s.x);
    const ytr = f.train.map((s) => s.label);
    const fm = fitLogistic(Xtr, ytr, spec.trainer, `fold ${f.fold} training set`);
    foldModels.push(fm);
    const sm = fitLogistic(Xtr, shuffledLabels(ytr, spec.trainer.seed + f.fold), spec.trainer, `fold ${f.fold} shuffled training set`);
    const Xte = f.test.map((s) => s.x);
    const truth = f.test.map((s) => s.label);
    reports.push({
      fold: f.fold, windows: f.windows, train_n: f.train.length, test_n: f.test.length,
      model: classMetrics(truth, predictClasses(fm, Xte)),
      heuristic: classMetrics(truth, f.test.map((s) => s.heuristic)),
      shuffled: classMetrics(truth, predictClasses(sm, Xte)),
    });
  }
  const all: MlSample[] = [];
  for (const d of datasets) for (const s of d.samples) if (usable(s) && s.tick % spec.stride === 0) all.push(s);
  const final = fitLogistic(all.map((s) => s.x), all.map((s) => s.label), spec.trainer, "full training set");
  const classCounts = Object.fromEntries(ML_CLASSES.map((c, i) => [c, all.filter((s) => s.label === i).length]));
  const L = lib();
  const sum = (k: "model" | "heuristic" | "shuffled"): Record<string, unknown> => {
    const p = pooled(reports.map((r) => r[k]));
    return { balanced_accuracy: round(p.balanced_accuracy), accuracy: round(p.accuracy), confusion: p.confusion, n: p.n, per_fold_balanced_accuracy: reports.map((r) => round(r[k].balanced_accuracy)) };
  };
  const model = sealRegimeModel({
    schema_version: REGIME_MODEL_SCHEMA_VERSION,
    kind: REGIME_MODEL_KIND,
    name: spec.name,
    version: spec.version,
    classes: [...ML_CLASSES],
    features: { version: ML_FEATURE_SET_VERSION, names: [...ML_FEATURES] },
    label: def,
    library: { name: "ml-logistic-regression", version: L.version, matrix: `ml-matrix@${L.matrixVersion}` },
    trainer: spec.trainer,
    standardize: final.standardize,
    weights: final.weights,
    priors: final.priors,
    training: {
      spec: spec as unknown as Record<string, unknown>,
      datasets: datasets.map((d) => ({ fixture: d.fixture, content_sha256: d.content_sha256, rows: d.rows, symbols: d.symbols, first_ts: d.first_ts, last_ts: d.last_ts, ticks: d.samples.length })),
      samples: all.length,
      class_counts: classCounts,
      folds: reports.map((r) => ({ fold: r.fold, windows: r.windows, train_n: r.train_n, test_n: r.test_n })),
    },
    metrics: {
      note: "held-out walk-forward folds, ticks outside the heuristic's safety regimes; shuffled = same model fitted on permuted training labels",
      model: sum("model"),
      heuristic: sum("heuristic"),
      shuffled: sum("shuffled"),
    },
    sdk_version: SDK_VERSION,
  });
  return { model, folds: reports, fold_models: foldModels, datasets };
}
