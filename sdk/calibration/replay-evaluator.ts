import type { GrinderConfig } from "../config";
import type { Snapshot, Trade } from "../contracts/market";
import { openFixture, streamFixture, type Fixture } from "../data/fixture";
import { columnarSnapshots, isColumnarStore, openColumnarStore, type ColumnarStore } from "../data/store";
import { runReplay } from "../engine/run";
import { streamFixtureTrades } from "../data/trades";
import { buyAndHoldPnl } from "../analysis/baselines";
import { replayStartTs, type ReplayResult, type ReplayWindow } from "../engine/replay";
import type { EvalTask, TrialMetrics } from "./evaluator";
import { isBarDatasetFile, openBarDataset, type OpenedBarDataset } from "../data/dataset";
import { replayBarDataset } from "../engine/replay-bars";

/** Bucket of the per-trial PnL series (ADR-061): one hour of data time. */
export const SERIES_MS = 3_600_000;

/**
 * The production evaluator: replay one evaluation unit with `runReplay` (sdk/engine) and map its
 * result to calibration metrics. Loaded by pool workers by module path (see REPLAY_EVALUATOR).
 *
 * - window: the unit's [from_ts, to_ts) becomes runReplay's inclusive [from_ts, to_ts − 1];
 *   snapshots before from_ts only warm the features up (no trading), so each unit starts flat.
 * - net_pnl = equity_end − equity_start (realised + unrealised, after fees);
 *   max_drawdown = summary.max_dd; dd_budget = risk.dd_budget_abs ?? risk.equity · risk.dd_budget_frac (spec 17.7.1).
 * - emergency_ms / damage_control_ms: data time between the guard's transitions into and out of
 *   that mode (from the run's transition list), the guard being NORMAL at from_ts.
 */
export async function evaluate(task: EvalTask): Promise<TrialMetrics> {
  const config = task.config as unknown as GrinderConfig;
  const { unit } = task;
  const to = unit.to_ts - 1;
  // a bounded warm-up (ADR-260) only when the unit has one: the window is otherwise the one it always was
  const window: ReplayWindow = unit.warmup_ms !== undefined ? { from_ts: unit.from_ts, to_ts: to, warmup_ms: unit.warmup_ms } : { from_ts: unit.from_ts, to_ts: to };
  // a columnar store (ADR-259): replayed as `grinder replay <store>` replays it, the same digest as its fixture's
  if (isColumnarStore(task.fixture_dir)) return metricsOf(await replayStoreUnit(openColumnarStore(task.fixture_dir), config, unit.symbols, window), config, unit);
  // a bar dataset recipe (ADR-266): replayed as `grinder replay <recipe>` replays it (path model, config adapted to its interval)
  if (isBarDatasetFile(task.fixture_dir)) {
    const r = await replayBarDataset(await openedBarDataset(task.fixture_dir), { config, window, keepEvents: false });
    return metricsOf(r, r.config_used, unit);
  }
  const fx = openFixture(task.fixture_dir);
  // A unit of all symbols sees the fixture's trades sidecar, as `grinder replay` does (ADR-259):
  // from the cache, its prints are cached beside its rows (the cache used to carry no prints, so a
  // unit under trade_through / queue_prob saw none, and under any model the run ended at the last
  // quote instead of the last print); a fixture too large to cache streams with its sidecar.
  const sidecar = fx.manifest.trades !== undefined && !unit.symbols;
  let cached = await cachedSnapshots(fx, unit.symbols);
  const prints = sidecar && cached !== null ? await cachedTrades(fx) : null;
  if (sidecar && prints === null) cached = null;
  let snapshots: AsyncIterable<Snapshot> | Iterable<Snapshot> | undefined = cached ?? undefined;
  let instruments = undefined;
  if (unit.symbols) {
    const keep = new Set(unit.symbols);
    instruments = [...fx.instruments.values()].filter((i) => keep.has(i.symbol));
    if (!snapshots)
      snapshots = (async function* () {
        for await (const s of streamFixture(fx)) if (keep.has(s.symbol)) yield s;
      })();
  }
  // With `fixture` given too, the digest header names the fixture exactly as a file replay does.
  const r = await runReplay({
    fixture: fx,
    snapshots,
    instruments,
    config,
    window,
    keepEvents: false,
    ...(prints !== null ? { tradeStream: prints, tradesSha256: fx.manifest.trades!.content_sha256 } : {}),
  });
  return metricsOf(r, config, unit);
}

/**
 * One unit of a store dataset. All its symbols: the store's own scan (its prints merged as a
 * fixture's sidecar is). A symbol subset: its rows as a stream with the store's name and content
 * hash, no prints — as the fixture path replays a subset (a fixture with `snapshots` given feeds
 * no sidecar), so a store and its fixture give the same digest either way.
 */
async function replayStoreUnit(store: ColumnarStore, config: GrinderConfig, symbols: readonly string[] | undefined, window: ReplayWindow): Promise<ReplayResult> {
  if (!symbols) return runReplay({ store, config, window, keepEvents: false });
  const keep = new Set(symbols);
  const fromTs = replayStartTs(window);
  const rows = (function* () {
    for (const s of columnarSnapshots(store, { reuse: true, fromTs })) if (keep.has(s.symbol)) yield s;
  })();
  return runReplay({
    snapshots: rows, instruments: store.instruments.filter((i) => keep.has(i.symbol)), config, window, keepEvents: false,
    source: { name: store.manifest.name, content_sha256: store.manifest.content_sha256 },
  });
}

function metricsOf(r: ReplayResult, config: GrinderConfig, unit: EvalTask["unit"]): TrialMetrics {
  const s = r.summary;
  const risk = config.risk;
  const dd_budget = risk.dd_budget_abs ?? risk.equity * risk.dd_budget_frac;
  const inMode = guardTime(r.transitions, unit.from_ts, unit.to_ts);
  return {
    net_pnl: s.equity_end - s.equity_start,
    fees: s.fees,
    max_drawdown: s.max_dd,
    dd_budget,
    cycles: s.cycles,
    duration_ms: unit.to_ts - unit.from_ts,
    emergency_ms: inMode.EMERGENCY,
    damage_control_ms: inMode.DAMAGE_CONTROL,
    fill_model: r.fill_model,
    digest: r.digest,
    fills: s.fills,
    turnover: s.turnover,
    pnl_series: pnlSeries(r.bars, s.equity_start, s.equity_end, unit.from_ts, unit.to_ts, SERIES_MS),
    series_ms: SERIES_MS,
    bh_pnl: buyAndHoldPnl(r.bars, s.equity_start, unit.from_ts),
  };
}

/**
 * Mark-to-market PnL per bucket of [from_ts, to_ts): bucket k ends at from_ts + (k+1)·bucket
 * (the last at to_ts); its PnL is the equity of the last policy tick before its end (carried
 * forward; `equity_start` before the first tick) minus the previous bucket's, the last bucket
 * ending at `equity_end` — so the series sums to equity_end − equity_start exactly up to float
 * rounding.
 */
export function pnlSeries(bars: ReplayResult["bars"], equityStart: number, equityEnd: number, from_ts: number, to_ts: number, bucket: number): number[] {
  const k = Math.max(1, Math.ceil((to_ts - from_ts) / bucket));
  const ends = new Array<number>(k).fill(equityStart);
  const n = bars.numRows();
  const ts = n ? (bars.array("ts") as ArrayLike<number>) : [];
  const eq = n ? (bars.array("equity") as ArrayLike<number>) : [];
  let cur = equityStart;
  let i = 0;
  for (let b = 0; b < k; b++) {
    const end = b === k - 1 ? to_ts : from_ts + (b + 1) * bucket;
    while (i < n && ts[i] < end) {
      if (ts[i] >= from_ts) cur = eq[i];
      i++;
    }
    ends[b] = b === k - 1 ? equityEnd : cur;
  }
  const out = new Array<number>(k);
  let prev = equityStart;
  for (let b = 0; b < k; b++) {
    out[b] = ends[b] - prev;
    prev = ends[b];
  }
  return out;
}

/**
 * Data time spent in each guard mode over [from_ts, to_ts), from a run's transition list
 * (`kind: "guard"`, `ts`, `to`); the guard is NORMAL at from_ts, transitions are clamped to the
 * window and applied in time order.
 */
export function guardTime(
  transitions: ReadonlyArray<Record<string, unknown>>,
  from_ts: number,
  to_ts: number,
): { NORMAL: number; DAMAGE_CONTROL: number; EMERGENCY: number } {
  const out = { NORMAL: 0, DAMAGE_CONTROL: 0, EMERGENCY: 0 };
  type Mode = keyof typeof out;
  let mode: Mode = "NORMAL";
  let since = from_ts;
  const tr = transitions
    .filter((t) => t.kind === "guard")
    .map((t) => ({ ts: t.ts as number, to: t.to as Mode }))
    .sort((a, b) => a.ts - b.ts);
  for (const t of tr) {
    const ts = Math.min(Math.max(t.ts, from_ts), to_ts);
    out[mode] += ts - since;
    mode = t.to;
    since = ts;
  }
  out[mode] += to_ts - since;
  return out;
}

/** Fixtures up to this many rows are kept parsed in memory by each worker (about 150 B per L1 row). */
export const MAX_CACHED_ROWS = 1_000_000;
/** Parsed fixture rows and prints of this thread, by key; each entry holds the content hash it was parsed at. */
const cache = new Map<string, { content: string; rows: readonly unknown[] }>();

/** `load`'s rows, parsed once per thread for `key` at content hash `content`, each frozen (deep). */
async function cached<T>(key: string, content: string, load: AsyncIterable<T>): Promise<readonly T[]> {
  const hit = cache.get(key);
  if (hit && hit.content === content) return hit.rows as readonly T[];
  const rows: T[] = [];
  for await (const x of load) rows.push(deepFreeze(x));
  cache.set(key, { content, rows });
  return rows;
}

/**
 * The fixture's snapshots (restricted to `symbols`), parsed once per thread and frozen — a
 * calibration replays the same fixtures hundreds of times, and parsing is ~40 % of a replay.
 * Frozen rows make any mutation by the engine throw instead of leaking into the next trial.
 * Keyed by file, symbols and the manifest's content hash; null for fixtures over MAX_CACHED_ROWS.
 */
async function cachedSnapshots(fx: Fixture, symbols: readonly string[] | undefined): Promise<readonly Snapshot[] | null> {
  if (fx.manifest.rows > MAX_CACHED_ROWS) return null;
  const keep = symbols ? new Set(symbols) : null;
  const rows = (async function* () {
    for await (const s of streamFixture(fx)) if (!keep || keep.has(s.symbol)) yield s;
  })();
  return cached(`${fx.snapshotsPath}|${symbols ? symbols.join(",") : "*"}`, fx.manifest.content_sha256, rows);
}

/** The fixture's trade prints, cached like its rows (ADR-259); null over MAX_CACHED_ROWS prints. */
async function cachedTrades(fx: Fixture): Promise<readonly Trade[] | null> {
  const tr = fx.manifest.trades!;
  return tr.rows > MAX_CACHED_ROWS ? null : cached(`${fx.dir}|trades`, tr.content_sha256, streamFixtureTrades(fx));
}

/** Drop the parsed-fixture cache of this thread (rows and prints). */
/** Each recipe opened (its sources hash-checked) once per thread: the units of a calibration replay it many times. */
const barDatasets = new Map<string, Promise<OpenedBarDataset>>();
function openedBarDataset(recipe: string): Promise<OpenedBarDataset> {
  let p = barDatasets.get(recipe);
  if (p === undefined) {
    p = openBarDataset(recipe);
    barDatasets.set(recipe, p);
    p.catch(() => barDatasets.delete(recipe));
  }
  return p;
}

export function clearSnapshotCache(): void {
  barDatasets.clear();
  cache.clear();
}

function deepFreeze<T>(x: T): T {
  if (x && typeof x === "object" && !Object.isFrozen(x)) {
    for (const v of Object.values(x as object)) deepFreeze(v);
    Object.freeze(x);
  }
  return x;
}
