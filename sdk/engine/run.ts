import { ErrorCode, GrinderError } from "../contracts/errors";
import type { InstrumentSpec, Snapshot } from "../contracts/market";
import type { PortfolioSelector } from "../contracts/features";
import { defaultConfig, runConfigHash, type GrinderConfig } from "../config";
import { openFixture, streamFixture, type Fixture } from "../data/fixture";
import { streamFixtureEvents } from "../data/trades";
import { detachReadAhead, scanColumnar, storeTrades, type ColumnarStore, type ReadAheadHandle } from "../data/store";
import { isTrade, type Trade } from "../contracts/market";
import { TopKSelector } from "../portfolio/selector";
import { defaultStages } from "../strategies/adaptive-grid/default-stages";
import { ReplayEngine, replayStartTs, type ReplayResult, type ReplayWindow } from "./replay";
import type { StageFactory } from "../strategies/adaptive-grid/stages";
import type { RegimeRow } from "../strategies/adaptive-grid/regime-record";
import type { Strategy } from "../strategy/types";
import { NoTradeTally } from "../metrics/no-trade";
import { hasKlinesSidecar, loadKlinesSidecar, withKlines } from "./klines-sidecar";

export interface ReplayOptions {
  /** Fixture folder or an opened fixture. Omit when replaying `snapshots` + `instruments`. */
  fixture?: string | Fixture;
  /** Resolved config; default `defaultConfig()`. */
  config?: GrinderConfig;
  /**
   * Only trade inside [from_ts, to_ts] (data time, inclusive). Snapshots before `from_ts` still
   * warm the features up (all of them, or the last `warmup_ms` of them, ADR-258); snapshots
   * after `to_ts` are not read further.
   */
  window?: ReplayWindow;
  /**
   * Portfolio selector called at each re-selection tick. `"auto"` (default): a `TopKSelector`
   * on `config.portfolio` when the replay has more than one symbol, none for one symbol.
   * `null`: no selection (every symbol trades with budget/N).
   */
  selector?: PortfolioSelector | "auto" | null;
  /** Keep the full event log in the result (default `config.engine.keep_events`). */
  keepEvents?: boolean;
  /**
   * Replay an opened columnar store (ADR-076/ADR-125): its record batches are read straight
   * into one reused snapshot holder (no generator step, no object per row); instruments,
   * name and content hash come from its manifest. Exclusive with `fixture` and `snapshots`.
   */
  store?: ColumnarStore;
  /** This replay's share of a read-ahead shared with other replays of `store` (ADR-215; `SharedReadAhead`). */
  readAhead?: ReadAheadHandle;
  /** Replay a stream without a fixture (e.g. an importer's), with its instruments. */
  snapshots?: AsyncIterable<Snapshot> | Iterable<Snapshot>;
  instruments?: Iterable<InstrumentSpec>;
  /** Collect the bars / fills / cycles tables (default true; off = flat memory, e.g. calibration folds). */
  tables?: boolean;
  /** Name and content hash of a bare `snapshots` stream for the digest header (e.g. a columnar store's; ADR-076). */
  source?: { name: string; content_sha256: string };
  /** Pipeline stages of the Adaptive Smart Grid (default: the production ones). */
  stages?: StageFactory<GrinderConfig>;
  /**
   * Another strategy instead of the Adaptive Smart Grid (a fresh instance per run), e.g.
   * `new StaticGridStrategy()`. The venue, supervisor and recorder are the same.
   */
  strategy?: Strategy;
  /** Collect the adaptive grid's regime record (one row per policy tick per symbol) here. */
  regimeRows?: RegimeRow[];
  /**
   * Feed the fixture's trades sidecar to the venue (ADR-054). Default: when the fixture has
   * one. `false`: quotes only. A bare `snapshots` stream may bring its own `trades` stream
   * (`tradeStream`, time-ordered; merged with trades first at equal ts).
   */
  trades?: boolean;
  tradeStream?: Iterable<Trade>;
  /**
   * Content hash of `tradeStream` for the run header (ADR-259; e.g. a fixture's sidecar replayed
   * from memory), left out under a print-blind fill model as for a fixture's own sidecar.
   */
  tradesSha256?: string;
}

/**
 * Fill models that never read trade prints (ADR-145). A run under one of them still feeds a
 * fixture's trades sidecar to the venue (counted in `ReplayResult.trades`), but its run header
 * carries no `trades_sha256`: the prints cannot change its result, so its digest is the same as
 * on the fixture without a sidecar (`test/data/bundled-trades.test.ts`).
 */
export const PRINT_BLIND_FILL_MODELS: ReadonlySet<string> = new Set(["touch", "cross", "bar_cross"]);

const iso = (ts: number): string => new Date(ts).toISOString();

/**
 * A window that holds no snapshot of the data is a mistake, not a run that made no trades
 * (ADR-245): `E_INVALID_ARGUMENT` (field `window`) saying where the data lies relative to it.
 */
function refuseEmptyWindow(w: ReplayWindow, p: { snapshots: number; last_ts: number }, name: string): void {
  if (p.snapshots > 0 && p.last_ts >= (w.from_ts ?? -Infinity)) return;
  const win = `the window ${w.from_ts === undefined ? "…" : iso(w.from_ts)} – ${w.to_ts === undefined ? "…" : iso(w.to_ts)}`;
  // with a bounded warm-up (ADR-258) nothing before its start was read
  if (p.snapshots === 0 && w.warmup_ms !== undefined)
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `${win} holds no snapshot of ${name}: none at or after the warm-up's start ${iso(replayStartTs(w))}${w.to_ts === undefined ? "" : " up to the window's end"}`, { field: "window" });
  // nothing read: the data begins after the window's end (or is empty); else every snapshot read was before its start
  const where =
    p.snapshots === 0
      ? w.to_ts === undefined ? "it has no snapshot" : "its first snapshot is after the window's end"
      : `its last snapshot${w.to_ts === undefined ? "" : " up to the window's end"} is at ${iso(p.last_ts)}, before the window's start`;
  throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `${win} holds no snapshot of ${name}: ${where}`, { field: "window" });
}

/**
 * Replay a fixture (or a snapshot stream) through the whole pipeline and return the digest,
 * the headline summary, the metrics and the per-bar / fills / cycles tables.
 *
 * @example
 * const r = await runReplay({ fixture: "fixtures/range_day_l1" });
 * r.digest; r.summary.cycles; r.bars.objects().slice(0, 5);
 */
export function runReplay(opts: ReplayOptions & { digest: false }): Promise<ReplayResult<null>>;
export function runReplay(opts: ReplayOptions & { digest: true }): Promise<ReplayResult>;
export function runReplay(opts: ReplayOptions & { digest: boolean }): Promise<ReplayResult<string | null>>;
// the default last: `ReturnType<typeof runReplay>` is this one
export function runReplay(opts: ReplayOptions & { digest?: undefined }): Promise<ReplayResult>;
/**
 * `digest: false` (ADR-205): the event log is neither built nor hashed (the result's `digest`
 * is `null`; summary, tables, metrics and `events_count` are those of the digested run).
 */
export async function runReplay(opts: ReplayOptions & { digest?: boolean }): Promise<ReplayResult<string | null>> {
  const config = opts.config ?? defaultConfig();
  let fx: Fixture | null = null;
  if (opts.fixture !== undefined) fx = typeof opts.fixture === "string" ? openFixture(opts.fixture) : opts.fixture;
  const store = opts.store ?? null;
  if (store && (fx || opts.snapshots))
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "runReplay: give a store, a fixture or snapshots, not several", { field: "store" });
  const instruments = opts.instruments ? [...opts.instruments] : fx ? [...fx.instruments.values()] : store ? [...store.instruments] : null;
  if (!instruments || !instruments.length)
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "runReplay needs a fixture, or snapshots with their instruments", { field: "instruments" });
  const source: AsyncIterable<Snapshot> | Iterable<Snapshot> | null = opts.snapshots ?? (fx ? streamFixture(fx) : null);
  if (!source && !store) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "runReplay: no snapshots to replay", { field: "snapshots" });
  const useTrades = opts.snapshots === undefined && fx !== null && fx.manifest.trades !== undefined && opts.trades !== false;
  // a store's trade prints (ADR-255), merged as a fixture's sidecar is: trades first at equal ts
  const storeTradesOn = store !== null && store.manifest.trades !== undefined && opts.trades !== false && opts.tradeStream === undefined;
  // a bounded warm-up (ADR-258): the engine skips what comes before it; a store does not read those partitions
  const startTs = replayStartTs(opts.window);
  const tradeStream: Iterable<Trade> | undefined = storeTradesOn ? storeTrades(store!, { fromTs: startTs }) : opts.tradeStream;
  const sel = opts.selector === undefined ? "auto" : opts.selector;
  const selector = sel === "auto" ? (instruments.length > 1 ? new TopKSelector(config.portfolio) : null) : sel;
  // natr_source "klines" reads the fixture's klines.csv sidecar (ADR-077); without one it is refused, not a run that never warms up
  let stages = opts.stages ?? defaultStages;
  if (config.features.natr_source === "klines" && !opts.stages) {
    if (!fx || !hasKlinesSidecar(fx.dir))
      throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "features.natr_source is \"klines\" but the replay has no klines.csv sidecar (grinder import binance-klines-csv <file> --out <fixture>)", { field: "features.natr_source" });
    const k = await loadKlinesSidecar(fx.dir);
    stages = withKlines(stages, k.symbol, k.klines);
  }
  const tally = new NoTradeTally();
  const dataName = fx ? fx.manifest.name : (opts.source?.name ?? store?.manifest.name ?? "");
  const engine = new ReplayEngine<string | null>({
    digest: opts.digest,
    onPlan: (p, selected) => tally.add(p, selected),
    config,
    configHash: runConfigHash(config),
    instruments,
    stages,
    selector: opts.strategy ? null : selector,
    strategy: opts.strategy,
    regimeRows: opts.regimeRows,
    window: opts.window,
    keepEvents: opts.keepEvents ?? config.engine.keep_events,
    tables: opts.tables,
    fixtureName: dataName,
    contentSha256: fx ? fx.manifest.content_sha256 : (opts.source?.content_sha256 ?? store?.manifest.content_sha256 ?? ""),
    tradesSha256: PRINT_BLIND_FILL_MODELS.has(config.execution.fill_model.kind)
      ? undefined
      : useTrades && fx ? fx.manifest.trades!.content_sha256 : storeTradesOn ? store!.manifest.trades!.content_sha256 : opts.tradeStream !== undefined ? opts.tradesSha256 : undefined,
  });
  const toTs = opts.window?.to_ts ?? Infinity;
  // Why nothing traded (ADR-073): per-symbol fills from the fills table, or all zero when the run made none.
  const withNoTrade = (r: ReplayResult<string | null>): ReplayResult<string | null> => {
    if (opts.window) refuseEmptyWindow(opts.window, engine.progress, dataName || "the data");
    const fills = new Map<string, number>();
    if (r.summary.fills > 0) {
      const col = r.fills.numRows() ? (r.fills.array("symbol") as ArrayLike<string>) : [];
      for (let i = 0; i < col.length; i++) fills.set(col[i], (fills.get(col[i]) ?? 0) + 1);
    }
    if (r.summary.fills === 0 || fills.size > 0) r.no_trade = tally.report(fills, instruments.map((i) => i.symbol));
    return r;
  };
  if (useTrades) {
    // Snapshots and trades merged by time (trades first at equal ts, ADR-050).
    for await (const e of streamFixtureEvents(fx!)) {
      if (e.ts > toTs) break;
      if (isTrade(e)) engine.stepTrade(e);
      else engine.step(e);
    }
    return withNoTrade(await engine.finish());
  }
  // time-ordered prints fed before each snapshot (prints first at equal ts), none after the window
  const feed = tradeStream && opts.trades !== false ? tradeFeed(tradeStream, engine, toTs) : null;
  if (store) {
    // the store's rows in one scan through the read-ahead; its prints (ADR-255) or a given stream merged in
    if (feed === null)
      scanColumnar(store, (s) => {
        if (s.ts > toTs) return false;
        engine.step(s);
        return true;
      }, { readAhead: opts.readAhead, fromTs: startTs });
    else {
      scanColumnar(store, (s) => {
        if (s.ts > toTs) return false;
        feed(s.ts);
        engine.step(s);
        return true;
      }, { readAhead: opts.readAhead, fromTs: startTs });
      feed(toTs);
    }
    return withNoTrade(await engine.finish());
  }
  if (opts.readAhead) detachReadAhead(opts.readAhead); // not read through it: the other replays must not wait for this one
  const src = source!;
  if (feed !== null) {
    if (Symbol.iterator in (src as object)) {
      for (const s of src as Iterable<Snapshot>) {
        if (s.ts > toTs) break;
        feed(s.ts);
        engine.step(s);
      }
    } else {
      for await (const s of src as AsyncIterable<Snapshot>) {
        if (s.ts > toTs) break;
        feed(s.ts);
        engine.step(s);
      }
    }
    feed(toTs);
    return withNoTrade(await engine.finish());
  }
  if (Symbol.iterator in (src as object)) {
    for (const s of src as Iterable<Snapshot>) {
      if (s.ts > toTs) break;
      engine.step(s);
    }
  } else {
    for await (const s of src as AsyncIterable<Snapshot>) {
      if (s.ts > toTs) break;
      engine.step(s);
    }
  }
  return withNoTrade(await engine.finish());
}

/** Step `trades` into `engine` up to each given ts (inclusive), none after `toTs`. */
function tradeFeed(trades: Iterable<Trade>, engine: { stepTrade(t: Trade): void }, toTs: number): (ts: number) => void {
  const tr = trades[Symbol.iterator]();
  let t = tr.next();
  return (ts) => {
    while (!t.done && t.value.ts <= ts) {
      if (t.value.ts <= toTs) engine.stepTrade(t.value);
      t = tr.next();
    }
  };
}
