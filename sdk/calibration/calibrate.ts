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
import { applyPoint, buildAxes, cloneJson, enumerateGrid, getPath, gridSize, indexOfUnit, nearestIndex, type Axis, type ParamPoint } from "./space";
import type { ResolvedSpec } from "./spec";
import { applyGate, degradation, summarise, type FoldReport, type GateResult, type RobustnessReport, type ValidityInputs, type WalkForwardSummary } from "./walkforward";
import * as aq from "arquero";
import { STATIC_GRID_OVERRIDES } from "../analysis/baselines";
import { hashCanonical } from "../util/canonical";
import { CmaEs } from "./cmaes";
import { Nsga2 } from "./nsga2";
import type { Optimiser } from "./optimiser";
import { dominanceCheck, edgeFlags, orientedVector, paretoFront, type ParetoMetric } from "./pareto";
import { deriveSeed } from "./rng";
import { scoredColumns } from "./objective";
import { deflatedSharpe, pboCscv, sharpeRatio, variance } from "./stats";

/** The replay evaluator (sdk/engine `runReplay`), loaded by pool workers by module path. */
export const REPLAY_EVALUATOR: EvaluatorRef = {
  module: path.join(__dirname, "replay-evaluator.ts"),
  export: "evaluate",
  // "+series": trials carry the hourly PnL series (ADR-061); older journals are refused on --resume.
  id: `replay@${SDK_VERSION}+series`,
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
  /** Non-dominated points on all units on `objective.pareto` (point order). */
  pareto: { objectives: ParetoMetric[]; front: ParetoMember[] };
  /** Overfitting statistics, dominance and edge checks, fill-model robustness (the gate's inputs). */
  validity: ValidityInputs;
  /** The selection next to buy-and-hold and the static grid on all units. */
  baselines: CalibrationBaselines;
  /** Every scored point per selection ("all" = all units, else a fold's in-sample units). */
  points: PointRow[];
  /** `points` as an arquero table (notebooks). */
  table: aq.ColumnTable;
  /** Commands that reproduce the artifact and the report. */
  reproduce: string[];
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
  const units = buildUnits(datasets, spec.folds.segments, spec.folds.warmup_ms);
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
  let extraEvaluated = 0;
  let extraResumed = 0;
  const storeFor = (base: Record<string, unknown>, ax: Axis[], b: number, main = false): TrialStore =>
    new TrialStore({
      axes: ax,
      units,
      fixtureDirs: new Map(datasets.map((d) => [d.fixture, d.dir])),
      base,
      bridge,
      runner,
      journal,
      spec: rs.hash,
      evaluator: ev.id,
      objective: spec.objective,
      budget: b,
      onProgress: main ? opts.onProgress : undefined,
    });
  const store = storeFor(rs.base, axes, budget, true);
  try {
    // Selections: each fold on its in-sample units, and the final one on all units.
    const sels: Selection[] = [...folds.map((f) => ({ id: f.id, train: f.train })), { id: "final", train: allUnits }];
    const startIdx = axes.map((a) => baseIndex(a, getPath(baseResolved, a.path)));
    const m = spec.search.method;
    if (m === "grid" || m === "halton") {
      // 1. Initial design, evaluated on every unit (point-major, so full-data scores appear early).
      const initial: PointEntry[] = [];
      const push = (idx: number[]): void => {
        const p = store.addPoint(idx);
        if (p && !initial.includes(p)) initial.push(p);
      };
      if (spec.search.method === "grid") for (const idx of enumerateGrid(axes)) push(idx);
      else {
        // The base config's own point first (nearest axis values), then Halton points 1..samples.
        push(startIdx);
        for (let n = 1; n <= spec.search.samples; n++) {
          const u = haltonPoint(n, axes.length);
          push(axes.map((a, i) => indexOfUnit(a, u[i])));
        }
      }
      await store.ensure(initial.map((p) => ({ p, units: allUnits })));
      for (const s of sels) s.best = store.best_of(initial, s.train);
      if (spec.search.method === "halton" && spec.search.refine_rounds > 0) await refine(store, axes, sels, spec.search.refine_rounds);
    } else {
      // Seeded optimisers, one per selection on its own in-sample units, in lock-step batches.
      await runOptimisers(store, axes, sels, spec.search, startIdx, spec.objective.pareto);
    }

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
    const onAll = store.evaluatedOn(allUnits);
    const fin = store.best_of(onAll, allUnits);
    const finEval = store.evaluate(fin.p, allUnits);
    const final: FinalSelection = { selected: fin.p.point, objective: finEval.score.value, metrics: finEval.metrics };
    if (finEval.score.reason !== undefined) final.reason = finEval.score.reason;

    // 4. Research validity (ADR-060..064): Pareto front, dominance, edge, PBO, DSR, fill-model robustness, baselines.
    const objs = spec.objective.pareto;
    const evals = onAll.map((p) => ({ p, e: store.evaluate(p, allUnits) }));
    const vectors = evals.map((x) => orientedVector(x.e.metrics, objs));
    const front = paretoFront(vectors).map((i): ParetoMember => ({ point: evals[i].p.point, objective: evals[i].e.score.value, metrics: evals[i].e.metrics }));
    const dominance = dominanceCheck({ point: fin.p.point, metrics: finEval.metrics }, evals.filter((x) => x.p !== fin.p).map((x) => ({ point: x.p.point, metrics: x.e.metrics })), objs);
    const edge = edgeFlags(fin.p.point, axes);
    const columns = onAll.map((p) => store.series(p, allUnits));
    const validity: ValidityInputs = { pbo: null, dsr: null, dominance, edge, robustness: null };
    if (columns.some((c) => c === null)) {
      validity.pbo_reason = "the evaluator reports no per-trial PnL series";
      validity.dsr_reason = validity.pbo_reason;
    } else {
      const cols = columns as number[][];
      validity.pbo = pboCscv(cols, spec.gate.pbo_blocks);
      if (!validity.pbo) validity.pbo_reason = cols.length < 2 ? "fewer than 2 evaluated points" : `fewer buckets (${cols[0].length}) than blocks (${spec.gate.pbo_blocks})`;
      const srs = cols.map((c) => sharpeRatio(c)).filter((x): x is number => x !== null);
      const mine = store.series(fin.p, allUnits)!;
      validity.dsr = deflatedSharpe(mine, store.points.length, variance(srs));
      if (!validity.dsr) validity.dsr_reason = "the selection's PnL series has no variance (no trading) or fewer than 3 buckets";
    }
    const baseKind = getPath(fin.p.config, "execution.fill_model.kind");
    const robustKind = spec.gate.robust_fill_model;
    if (robustKind !== null && robustKind !== baseKind) {
      const rstore = storeFor(applyPoint(rs.base, { "execution.fill_model.kind": robustKind }), axes, budget);
      const rp = rstore.addPoint(fin.p.idx)!;
      await rstore.ensure([{ p: rp, units: allUnits }]);
      const re = rstore.evaluate(rp, allUnits);
      extraEvaluated += rstore.trials - rstore.resumed;
      extraResumed += rstore.resumed;
      const rob: RobustnessReport = {
        fill_model: store.fillModel ?? "unknown",
        robust_fill_model: rstore.fillModel ?? robustKind,
        objective: finEval.score.value,
        robust_objective: re.score.value,
        degradation: degradation(finEval.score.value, re.score.value, spec.gate.degradation_floor),
        net_pnl: finEval.metrics.net_pnl,
        robust_net_pnl: re.metrics.net_pnl,
        fills: finEval.metrics.fills,
        robust_fills: re.metrics.fills,
      };
      if (re.score.reason !== undefined) rob.reason = re.score.reason;
      validity.robustness = rob;
    }
    const gate = applyGate(summary, spec.gate, finEval.score.value, finEval.score.reason, validity);
    const sstore = storeFor(applyPoint(rs.base, STATIC_GRID_OVERRIDES), [], 1);
    const sp = sstore.addPoint([])!;
    await sstore.ensure([{ p: sp, units: allUnits }]);
    const se = sstore.evaluate(sp, allUnits);
    extraEvaluated += sstore.trials - sstore.resumed;
    extraResumed += sstore.resumed;
    const baselines: CalibrationBaselines = {
      adaptive: { net_pnl: finEval.metrics.net_pnl, max_drawdown: finEval.metrics.max_drawdown, objective: finEval.score.value, fills: finEval.metrics.fills },
      static_grid: { net_pnl: se.metrics.net_pnl, max_drawdown: se.metrics.max_drawdown, objective: se.score.value, fills: se.metrics.fills },
      buy_and_hold: { net_pnl: finEval.metrics.bh_pnl },
      uplift_vs_static: finEval.metrics.net_pnl - se.metrics.net_pnl,
      uplift_vs_buy_and_hold: finEval.metrics.bh_pnl === null ? null : finEval.metrics.net_pnl - finEval.metrics.bh_pnl,
    };
    const rows = pointRows(store, axes, [...sels.slice(0, folds.length).map((s) => ({ id: s.id, units: s.train })), { id: "all", units: allUnits }], new Set(front.map((f) => hashCanonical(f.point))));
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
      pareto: { objectives: [...objs], front },
      validity,
      baselines,
      points: rows,
      table: aq.from(rows),
      reproduce: reproduceCommands(rs),
      run: {
        evaluated: store.trials - store.resumed + extraEvaluated,
        resumed: store.resumed + extraResumed,
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

/** A member of the Pareto front (on all units). */
export interface ParetoMember {
  point: ParamPoint;
  objective: number | null;
  metrics: SetMetrics;
}

/** The adaptive selection next to its baselines on all units (ADR-065). */
export interface CalibrationBaselines {
  adaptive: { net_pnl: number; max_drawdown: number; objective: number | null; fills: number };
  static_grid: { net_pnl: number; max_drawdown: number; objective: number | null; fills: number };
  buy_and_hold: { net_pnl: number | null };
  uplift_vs_static: number;
  uplift_vs_buy_and_hold: number | null;
}

/** One scored point on one selection's units (a fold's in-sample units, or "all"). */
export interface PointRow {
  fold: string;
  point_index: number;
  [param: string]: unknown;
}

function pointRows(store: TrialStore, axes: readonly Axis[], sets: ReadonlyArray<{ id: string; units: readonly string[] }>, front: ReadonlySet<string>): PointRow[] {
  const rows: PointRow[] = [];
  for (const set of sets)
    for (const p of store.evaluatedOn(set.units)) {
      const e = store.evaluate(p, set.units);
      const m = e.metrics;
      const row: PointRow = { fold: set.id, point_index: p.index };
      for (const a of axes) row[a.path] = p.point[a.path];
      Object.assign(row, scoredColumns(e.score, m), { pareto: set.id === "all" && front.has(p.key) });
      rows.push(row);
    }
  return rows;
}

const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** The commands that reproduce a calibration's artifact and the acceptance report. */
export function reproduceCommands(rs: ResolvedSpec): string[] {
  const f = rs.file ? path.relative(PROJECT_ROOT, path.resolve(rs.file)) : "<spec.json>";
  const spec = f.startsWith("..") ? path.basename(f) : f;
  return [`npx grinder calibrate ${spec} --workers 2`, `npx grinder artifact verify calibration/artifacts/${rs.spec.name}-v${rs.spec.version}-<hash12>.json`, "npx grinder report"];
}

/**
 * Lock-step ask/tell over one optimiser per selection (seed derived from the spec's seed and the
 * selection's index): each round asks every active optimiser for a batch, evaluates all batches
 * in one `ensure` call (trial order = selection order, then candidate order), and tells each its
 * results in the order asked. A selection's best is the best point it proposed, on its units.
 */
async function runOptimisers(
  store: TrialStore,
  axes: Axis[],
  sels: Selection[],
  search: Extract<ResolvedSpec["spec"]["search"], { method: "cmaes" | "nsga2" }>,
  start: number[],
  pareto: readonly ParetoMetric[],
): Promise<void> {
  const state = sels.map((s, k) => {
    const seed = deriveSeed(search.seed, k);
    const opt: Optimiser =
      search.method === "cmaes"
        ? new CmaEs(axes, { seed, start, population: search.population, sigma0: search.sigma0, generations: search.generations })
        : new Nsga2(axes, { seed, start, population: search.population, generations: search.generations + 1, crossover: search.crossover, mutation: search.mutation });
    return { s, opt, seen: [] as PointEntry[], stopped: false };
  });
  for (;;) {
    const round: Array<{ st: (typeof state)[number]; cands: PointEntry[] }> = [];
    const reqs: Array<{ p: PointEntry; units: readonly string[] }> = [];
    for (const st of state) {
      if (st.stopped || st.opt.done) continue;
      const batch = st.opt.ask();
      if (!batch.length) continue;
      const cands: PointEntry[] = [];
      for (const idx of batch) {
        const p = store.addPoint(idx);
        if (!p) break;
        cands.push(p);
      }
      if (cands.length < batch.length) {
        st.stopped = true; // point budget spent: this optimiser ends with what it has
        continue;
      }
      round.push({ st, cands });
      for (const p of cands) {
        reqs.push({ p, units: st.s.train });
        if (!st.seen.includes(p)) st.seen.push(p);
      }
    }
    if (!round.length) break;
    await store.ensure(reqs);
    for (const { st, cands } of round) {
      st.opt.tell(
        cands.map((p) => {
          const e = store.evaluate(p, st.s.train);
          return { score: e.score.value, objectives: orientedVector(e.metrics, pareto) };
        }),
      );
    }
  }
  for (const st of state) {
    if (!st.seen.length) {
      const p = store.addPoint(start);
      if (!p) throw new GrinderError(ErrorCode.CONFIG, "search.budget allows no point");
      await store.ensure([{ p, units: st.s.train }]);
      st.seen.push(p);
    }
    st.s.best = store.best_of(st.seen, st.s.train);
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
