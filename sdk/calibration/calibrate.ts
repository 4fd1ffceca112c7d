import * as path from "node:path";
import { configHash, parseConfig } from "../config";
import { ErrorCode, GrinderError } from "../contracts/errors";
import { SDK_VERSION } from "../version";
import { resolveDatasets } from "./datasets";
import type { EvalUnit, EvaluateFn, EvaluatorRef, SetMetrics } from "./evaluator";
import { buildFolds, buildUnits, type Fold, type ResolvedDataset } from "./folds";
import { haltonPoint } from "./halton";
import { TrialJournal } from "./journal";
import { InProcessRunner, PoolRunner } from "./pool";
import type { BullmqQueue, BullmqQueueOptions, QueueStats } from "./queue/bullmq";
import type { TrialQueue } from "./queue/types";
import { refine, TrialStore, type ConfigBridge, type PointEntry, type ProgressEvent, type Selection } from "./search";
import { buildAxes, cloneJson, enumerateGrid, getPath, gridSize, indexOfUnit, nearestIndex, type Axis, type ParamPoint } from "./space";
import type { ResolvedSpec } from "./spec";
import { applyGate, degradation, summarise, type FoldReport, type GateResult, type WalkForwardSummary } from "./walkforward";

/** The replay evaluator (sdk/engine `runReplay`), loaded by pool workers by module path. */
export const REPLAY_EVALUATOR: EvaluatorRef = {
  module: path.join(__dirname, "replay-evaluator.ts"),
  export: "evaluate",
  id: `replay@${SDK_VERSION}`,
};

/** GRINDER's config schema as the bridge: strict, defaulted, path-precise errors. */
export const GRINDER_CONFIG_BRIDGE: ConfigBridge = {
  parse: (raw) => cloneJson(parseConfig(raw)) as unknown as Record<string, unknown>,
  hash: (cfg) => configHash(cfg as never),
};

export interface CalibrateOptions {
  /** Worker threads (default 1). 0 = evaluate in the calling thread. */
  workers?: number;
  /** Evaluator: a module (required for workers ≥ 1) or an in-process function. Default: replay. */
  evaluator?: EvaluatorRef | { fn: EvaluateFn; id: string };
  /** Folder of trial journals; no journal when omitted. */
  journalDir?: string;
  /** Reuse finished trials of an earlier run of the same spec from the journal. */
  resume?: boolean;
  /** fsync each journal line (default true). */
  fsync?: boolean;
  /** Folder holding named fixtures (default `<project>/fixtures`). */
  fixturesRoot?: string;
  /** Config bridge (default: GRINDER's config schema). */
  bridge?: ConfigBridge;
  onProgress?: (e: ProgressEvent) => void;
  /**
   * Evaluate on a BullMQ queue (`redis://host:port`) instead of the local pool: trials go to
   * `grinder worker` processes on any hosts (docs/CALIBRATION.md, ADR-100). `workers` is then
   * ignored; `resume` also takes results already in Redis.
   */
  queue?: string | Omit<BullmqQueueOptions, "evaluator" | "datasets" | "reuse">;
  /** Called once the queue is open (e.g. to show its workers in progress lines). */
  onQueue?: (q: BullmqQueue) => void;
}

export interface FinalSelection {
  selected: ParamPoint;
  objective: number | null;
  reason?: string;
  metrics: SetMetrics;
}

/** Everything a calibration found; `gate.passed` decides whether it may be exported. */
export interface CalibrationResult {
  spec: ResolvedSpec;
  datasets: ResolvedDataset[];
  units: EvalUnit[];
  folds: FoldReport[];
  summary: WalkForwardSummary;
  gate: GateResult;
  /** Selection on all units: the exported parameters. */
  final: FinalSelection;
  /** Full resolved config of the final selection. */
  config: Record<string, unknown>;
  config_hash: string;
  fill_model: string;
  search: { method: string; points: number; trials: number };
  /** How this run got its trials (not part of any artifact: differs between a fresh and a resumed run). */
  run: { evaluated: number; resumed: number; workers: number; journal?: string; journal_truncated_lines: number; queue?: QueueStats };
}

/**
 * Run a calibration (docs/CALIBRATION.md): evaluate the search's points on every evaluation
 * unit, select per walk-forward fold on its in-sample units, score the selection out of sample,
 * select on all units for export, and apply the gate. Deterministic: the result depends only on
 * the spec, the fixtures and the evaluator — not on `workers`, on scheduling, or on resuming.
 */
export async function runCalibration(rs: ResolvedSpec, opts: CalibrateOptions = {}): Promise<CalibrationResult> {
  const spec = rs.spec;
  const bridge = opts.bridge ?? GRINDER_CONFIG_BRIDGE;
  const axes = buildAxes(spec.parameters);
  if (spec.search.method === "grid" && gridSize(axes) > spec.search.budget)
    throw new GrinderError(ErrorCode.CONFIG, `grid has ${gridSize(axes)} points > search.budget ${spec.search.budget}`, { file: rs.file, field: "search.budget" });
  const baseResolved = withField(() => bridge.parse(rs.base), rs.file, "base");
  spec.parameters.forEach((p, i) => {
    if (getPath(baseResolved, p.path) === undefined)
      throw new GrinderError(ErrorCode.CONFIG, `parameter '${p.path}' is not a field of the config`, { file: rs.file, field: `parameters[${i}].path` });
  });

  const ev = opts.evaluator ?? REPLAY_EVALUATOR;
  const workers = opts.workers ?? 1;
  if (opts.queue !== undefined && "fn" in ev)
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "a queue needs an evaluator module (workers on other hosts cannot run an in-process function)", { field: "evaluator" });
  // Local backends start before the datasets are resolved (threads start up meanwhile); the
  // queue needs the datasets' content hashes, so it opens after.
  let local: TrialQueue | undefined;
  if (opts.queue !== undefined) local = undefined;
  else if ("fn" in ev) local = new InProcessRunner(ev.fn);
  else if (workers === 0) {
    const f = (require(ev.module) as Record<string, unknown>)[ev.export ?? "evaluate"];
    if (typeof f !== "function") throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `evaluator module ${ev.module} has no function '${ev.export ?? "evaluate"}'`);
    local = new InProcessRunner(f as EvaluateFn);
  } else local = new PoolRunner(ev, workers);

  // Datasets are resolved (content hashes checked) while the pool's threads start up.
  let datasets: ResolvedDataset[];
  let runner: TrialQueue;
  try {
    datasets = await resolveDatasets(spec.datasets, { root: opts.fixturesRoot, file: rs.file });
    if (local) runner = local;
    else {
      const q = typeof opts.queue === "string" ? { url: opts.queue } : opts.queue!;
      // Loaded only when a queue is used: local runs (and notebooks) never load bullmq/ioredis.
      const { BullmqQueue: Bq } = require("./queue/bullmq") as typeof import("./queue/bullmq");
      const bq = await Bq.open({ ...q, evaluator: ev as EvaluatorRef, datasets, reuse: opts.resume === true });
      opts.onQueue?.(bq);
      runner = bq;
    }
  } catch (e) {
    await local?.close();
    throw e;
  }
  const units = buildUnits(datasets, spec.folds.segments);
  const folds = buildFolds(datasets, spec.folds);
  const allUnits = units.map((u) => u.id);

  let journal: TrialJournal | undefined;
  try {
    journal = opts.journalDir
      ? TrialJournal.open(path.join(opts.journalDir, `${spec.name}-${rs.hash.slice(0, 12)}.jsonl`), rs.hash, ev.id, { resume: opts.resume, fsync: opts.fsync })
      : undefined;
  } catch (e) {
    await runner.close();
    throw e;
  }
  const budget = spec.search.budget;
  const store = new TrialStore({
    axes,
    units,
    fixtureDirs: new Map(datasets.map((d) => [d.fixture, d.dir])),
    base: rs.base,
    bridge,
    runner,
    journal,
    spec: rs.hash,
    evaluator: ev.id,
    objective: spec.objective,
    budget,
    onProgress: opts.onProgress,
  });
  try {
    // 1. Initial design, evaluated on every unit (point-major, so full-data scores appear early).
    const initial: PointEntry[] = [];
    const push = (idx: number[]): void => {
      const p = store.addPoint(idx);
      if (p && !initial.includes(p)) initial.push(p);
    };
    if (spec.search.method === "grid") for (const idx of enumerateGrid(axes)) push(idx);
    else {
      // The base config's own point first (nearest axis values), then Halton points 1..samples.
      push(axes.map((a) => baseIndex(a, getPath(baseResolved, a.path))));
      for (let n = 1; n <= spec.search.samples; n++) {
        const u = haltonPoint(n, axes.length);
        push(axes.map((a, i) => indexOfUnit(a, u[i])));
      }
    }
    await store.ensure(initial.map((p) => ({ p, units: allUnits })));

    // 2. Selections: each fold on its in-sample units, and the final one on all units.
    const sels: Selection[] = [...folds.map((f) => ({ id: f.id, train: f.train })), { id: "final", train: allUnits }];
    for (const s of sels) s.best = store.best_of(initial, s.train);
    if (spec.search.method === "halton" && spec.search.refine_rounds > 0) await refine(store, axes, sels, spec.search.refine_rounds);

    // 3. Out-of-sample scores of each fold's selection.
    await store.ensure(folds.map((f, i) => ({ p: sels[i].best!.p, units: f.test })));
    const reports = folds.map((f: Fold, i): FoldReport => {
      const p = sels[i].best!.p;
      const is = store.evaluate(p, f.train);
      const oos = store.evaluate(p, f.test);
      return {
        id: f.id,
        train: f.train,
        test: f.test,
        selected: p.point,
        in_sample: side(is),
        out_of_sample: side(oos),
        degradation: degradation(is.score.value, oos.score.value, spec.gate.degradation_floor),
      };
    });
    const summary = summarise(reports, axes);
    // The final selection (no out-of-sample side to leak into) takes the best of every point that
    // ended up evaluated on all units — e.g. one completed by other folds' refinements or OOS runs.
    const fin = store.best_of(store.evaluatedOn(allUnits), allUnits);
    const finEval = store.evaluate(fin.p, allUnits);
    const gate = applyGate(summary, spec.gate, finEval.score.value, finEval.score.reason);
    const final: FinalSelection = { selected: fin.p.point, objective: finEval.score.value, metrics: finEval.metrics };
    if (finEval.score.reason !== undefined) final.reason = finEval.score.reason;
    return {
      spec: rs,
      datasets,
      units,
      folds: reports,
      summary,
      gate,
      final,
      config: fin.p.config,
      config_hash: fin.p.config_hash,
      fill_model: store.fillModel ?? "unknown",
      search: { method: spec.search.method, points: store.points.length, trials: store.trials },
      run: {
        evaluated: store.trials - store.resumed,
        resumed: store.resumed,
        workers: runner.workers,
        journal: journal?.file,
        journal_truncated_lines: journal?.truncatedLines ?? 0,
        ...(runner.backend === "bullmq" ? { queue: (runner as BullmqQueue).stats() } : {}),
      },
    };
  } finally {
    journal?.close();
    await runner.close();
  }
}

function side(e: { score: { value: number | null; reason?: string }; metrics: SetMetrics }): FoldReport["in_sample"] {
  const out: FoldReport["in_sample"] = { objective: e.score.value, metrics: e.metrics };
  if (e.score.reason !== undefined) out.reason = e.score.reason;
  return out;
}

function baseIndex(a: Axis, v: unknown): number {
  const i = nearestIndex(a, v);
  return i >= 0 ? i : Math.floor((a.values.length - 1) / 2);
}

function withField<T>(f: () => T, file: string | undefined, prefix: string): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof GrinderError) throw new GrinderError(e.code, e.detail, { file, field: e.field ? `${prefix}.${e.field}` : prefix });
    throw e;
  }
}
