import { ErrorCode, GrinderError } from "../contracts/errors";
import { hashCanonical } from "../util/canonical";
import { aggregate, type EvalUnit, type TrialMetrics, type SetMetrics } from "./evaluator";
import type { TrialJournal } from "./journal";
import { compareScores, score, type Score } from "./objective";
import type { TrialQueue } from "./queue/types";
import { applyPoint, pointOf, type Axis, type ParamPoint } from "./space";
import type { ObjectiveSpec } from "./spec";

/** Turns a raw (partial) config into the full resolved config the engine runs. */
export interface ConfigBridge {
  /** Validate and fill defaults; throws a path-precise GrinderError on a bad config. */
  parse(raw: unknown): Record<string, unknown>;
  /** Config id (SHA-256 of canonical JSON of the resolved config). */
  hash(cfg: Record<string, unknown>): string;
}

/** A registered parameter point. `index` is its rank in proposal order (stable for a spec). */
export interface PointEntry {
  index: number;
  idx: number[];
  point: ParamPoint;
  /** canonical hash of `point`. */
  key: string;
  config: Record<string, unknown>;
  /** Config id of `config` (part of trial keys: a changed default never reuses a journalled result). */
  config_hash: string;
}

export interface ProgressEvent {
  /** Trials finished (evaluated or taken from the journal). */
  done: number;
  /** Trials proposed so far (grows during refinement). */
  total: number;
  /** Of `done`, trials taken from the journal. */
  resumed: number;
  /** Best full-data objective among points evaluated on every unit, or null. */
  best: number | null;
}

export interface StoreOptions {
  axes: Axis[];
  units: EvalUnit[];
  fixtureDirs: ReadonlyMap<string, string>;
  base: Record<string, unknown>;
  bridge: ConfigBridge;
  runner: TrialQueue;
  journal?: TrialJournal;
  spec: string;
  evaluator: string;
  objective: ObjectiveSpec;
  budget: number;
  onProgress?: (e: ProgressEvent) => void;
}

/**
 * All trials of a calibration: parameter points × evaluation units. Points and trials get
 * indices in proposal order — which depends only on the spec and on earlier results, never on
 * scheduling — so trial ids are stable and the pool may finish tasks in any order.
 */
export class TrialStore {
  readonly points: PointEntry[] = [];
  private readonly byKey = new Map<string, PointEntry>();
  private readonly metrics = new Map<string, TrialMetrics>();
  private readonly trialIds = new Map<string, string>();
  private readonly unitById: Map<string, EvalUnit>;
  private readonly allUnits: string[];
  private readonly unitsDone = new Map<number, number>();
  private nTrials = 0;
  private nDone = 0;
  private nResumed = 0;
  private best: number | null = null;
  fillModel: string | undefined;

  constructor(private readonly o: StoreOptions) {
    this.unitById = new Map(o.units.map((u) => [u.id, u]));
    this.allUnits = o.units.map((u) => u.id);
  }

  get trials(): number {
    return this.nTrials;
  }
  get resumed(): number {
    return this.nResumed;
  }

  /** Register a point (or return the known one); null when the point budget is spent. */
  addPoint(idx: readonly number[]): PointEntry | null {
    const point = pointOf(this.o.axes, idx);
    const key = hashCanonical(point);
    const known = this.byKey.get(key);
    if (known) return known;
    if (this.points.length >= this.o.budget) return null;
    let config: Record<string, unknown>;
    try {
      config = this.o.bridge.parse(applyPoint(this.o.base, point));
    } catch (e) {
      if (e instanceof GrinderError) throw new GrinderError(e.code, `config for parameter point ${JSON.stringify(point)}: ${e.detail}`, { field: e.field });
      throw e;
    }
    const p: PointEntry = { index: this.points.length, idx: idx.slice(), point, key, config, config_hash: this.o.bridge.hash(config) };
    this.points.push(p);
    this.byKey.set(key, p);
    return p;
  }

  private trialKey(p: PointEntry, unit: string): string {
    return hashCanonical({ config: p.config_hash, point: p.point, unit });
  }

  /**
   * Make sure every (point, unit) pair is evaluated: reuse this run's results, then the
   * journal, then run the rest on the pool. Indices are assigned in request order.
   */
  async ensure(reqs: ReadonlyArray<{ p: PointEntry; units: readonly string[] }>): Promise<void> {
    const todo: Array<{ p: PointEntry; unit: string; key: string; id: string }> = [];
    for (const { p, units } of reqs)
      for (const unit of units) {
        const key = this.trialKey(p, unit);
        if (this.trialIds.has(key)) continue;
        const id = `${String(this.nTrials++).padStart(6, "0")}-${key.slice(0, 12)}`;
        this.trialIds.set(key, id);
        const rec = this.o.journal?.get(key);
        if (rec) {
          if (rec.id !== id)
            throw new GrinderError(ErrorCode.REFUSED, `journal trial ${rec.id} does not match this run's id ${id}; rerun without --resume`, {
              file: this.o.journal?.file,
            });
          this.finish(p, unit, key, rec.metrics, true);
        } else todo.push({ p, unit, key, id });
      }
    this.emit();
    // The batch goes to the trial queue (local pool or BullMQ, sdk/calibration/queue): any
    // worker may finish any trial first; results are journalled as they arrive and kept by key,
    // and the queue rejects with the first failure in trial order.
    await this.o.runner.runBatch(
      todo.map((t) => {
        const unit = this.unitById.get(t.unit)!;
        return { id: t.id, key: t.key, task: { config: t.p.config, fixture_dir: this.o.fixtureDirs.get(unit.fixture)!, unit } };
      }),
      (i, m) => {
        const t = todo[i];
        this.o.journal?.append({ spec: this.o.spec, evaluator: this.o.evaluator, id: t.id, key: t.key, point: t.p.point, unit: t.unit, metrics: m });
        this.finish(t.p, t.unit, t.key, m, false);
      },
    );
  }

  private finish(p: PointEntry, unit: string, key: string, m: TrialMetrics, resumed: boolean): void {
    if (this.fillModel === undefined) this.fillModel = m.fill_model;
    else if (this.fillModel !== m.fill_model)
      throw new GrinderError(ErrorCode.INVARIANT, `runs disagree on the fill model: '${this.fillModel}' vs '${m.fill_model}'`);
    this.metrics.set(key, m);
    this.nDone++;
    if (resumed) this.nResumed++;
    const n = (this.unitsDone.get(p.index) ?? 0) + 1;
    this.unitsDone.set(p.index, n);
    if (n === this.allUnits.length) {
      const v = this.evaluate(p, this.allUnits).score.value;
      if (compareScores(v, this.best) < 0) this.best = v;
    }
    if (!resumed) this.emit();
  }

  private emit(): void {
    this.o.onProgress?.({ done: this.nDone, total: this.nTrials, resumed: this.nResumed, best: this.best });
  }

  /** Aggregate metrics and score of a point on a set of units (all must be evaluated). */
  evaluate(p: PointEntry, units: readonly string[]): { score: Score; metrics: SetMetrics } {
    const runs = units.map((u) => {
      const m = this.metrics.get(this.trialKey(p, u));
      if (!m) throw new GrinderError(ErrorCode.INVARIANT, `trial (${p.index}, ${u}) not evaluated`);
      return m;
    });
    const metrics = aggregate(runs);
    return { score: score(metrics, this.o.objective), metrics };
  }

  /** The per-bucket PnL series of a point on `units` (concatenated in the given order), or null when a run has none. */
  series(p: PointEntry, units: readonly string[]): number[] | null {
    const out: number[] = [];
    for (const u of units) {
      const m = this.metrics.get(this.trialKey(p, u));
      if (!m || !m.pnl_series) return null;
      for (const v of m.pnl_series) out.push(v);
    }
    return out;
  }

  /** Points evaluated on every unit of `units`, in point order. */
  evaluatedOn(units: readonly string[]): PointEntry[] {
    return this.points.filter((p) => units.every((u) => this.metrics.has(this.trialKey(p, u))));
  }

  /** Best point of `cands` on `units`: highest score, ties to the lowest point index. */
  best_of(cands: readonly PointEntry[], units: readonly string[]): { p: PointEntry; score: Score } {
    let best: { p: PointEntry; score: Score } | undefined;
    for (const p of cands) {
      const s = this.evaluate(p, units).score;
      if (!best) best = { p, score: s };
      else {
        const c = compareScores(s.value, best.score.value);
        if (c < 0 || (c === 0 && p.index < best.p.index)) best = { p, score: s };
      }
    }
    if (!best) throw new GrinderError(ErrorCode.INVARIANT, "no candidate points");
    return best;
  }
}

/** A selection problem: pick the best point on `train` units (a fold's in-sample, or all data). */
export interface Selection {
  id: string;
  train: string[];
  best?: { p: PointEntry; score: Score };
}

/**
 * Deterministic coordinate (pattern) search on the index lattice, run in lock-step for all
 * selections so each round is one parallel batch. From the selection's best point x with step
 * h_i (initially max(1, ⌊n_i/4⌋) indices), a round evaluates x ± h_i·e_i for every axis i; the
 * best strictly improving neighbour (ties to the lowest point index) becomes x, otherwise every
 * h_i is halved (⌊h/2⌋). A selection stops when all h_i are 0 or after `rounds` rounds; the search
 * stops adding points when the budget is spent.
 */
export async function refine(store: TrialStore, axes: readonly Axis[], sels: Selection[], rounds: number): Promise<void> {
  const state = sels.map((s) => ({ s, h: axes.map((a) => (a.values.length > 1 ? Math.max(1, Math.floor(a.values.length / 4)) : 0)), done: false }));
  for (let r = 0; r < rounds; r++) {
    const active = state.filter((x) => !x.done);
    if (!active.length) return;
    const props: Array<{ st: (typeof state)[number]; cands: PointEntry[] }> = [];
    const reqs: Array<{ p: PointEntry; units: readonly string[] }> = [];
    for (const st of active) {
      const x = st.s.best!.p;
      const cands: PointEntry[] = [];
      axes.forEach((a, i) => {
        if (!st.h[i]) return;
        for (const dir of [-1, 1]) {
          const j = Math.min(a.values.length - 1, Math.max(0, x.idx[i] + dir * st.h[i]));
          if (j === x.idx[i]) continue;
          const idx = x.idx.slice();
          idx[i] = j;
          const p = store.addPoint(idx);
          if (p && !cands.includes(p)) {
            cands.push(p);
            reqs.push({ p, units: st.s.train });
          }
        }
      });
      props.push({ st, cands });
    }
    await store.ensure(reqs);
    for (const { st, cands } of props) {
      const cur = st.s.best!;
      const nb = cands.length ? store.best_of(cands, st.s.train) : undefined;
      const c = nb ? compareScores(nb.score.value, cur.score.value) : 1;
      if (nb && c < 0) st.s.best = nb;
      else {
        st.h = st.h.map((h) => Math.floor(h / 2));
        if (st.h.every((h) => h === 0)) st.done = true;
      }
    }
  }
}
