import { ErrorCode, GrinderError } from "../contracts/errors";
import { isTrade, type InstrumentSpec, type Snapshot, type Trade } from "../contracts/market";
import type { MarketEvent } from "../contracts/events";
import { defaultConfig, parseConfig, runConfigHash, type GrinderConfig } from "../config";
import { openFixture, streamFixture, type Fixture } from "../data/fixture";
import { streamFixtureEvents } from "../data/trades";
import { columnarSnapshots, storeTrades, type ColumnarStore } from "../data/store";
import { NoTradeTally, type NoTradeReport } from "../metrics/no-trade";
import { TopKSelector } from "../portfolio/selector";
import type { FillModelKind } from "../sim/config";
import type { OrderRequest } from "../sim/types";
import { AdaptiveGridStrategy } from "../strategies/adaptive-grid/strategy";
import { defaultStages } from "../strategies/adaptive-grid/default-stages";
import { ScriptedOrdersStrategy, type ScriptedFill, type ScriptedRequest, type TimedRequest } from "../strategies/scripted/strategy";
import type { RiskTransition, Strategy, StrategyContext, StrategyReport, StrategyStats } from "../strategy/types";
import { hasKlinesSidecar, loadKlinesSidecar, withKlines } from "./klines-sidecar";
import { ReplayEngine, replayStartTs, type ReplayWindow } from "./replay";
import { PRINT_BLIND_FILL_MODELS } from "./run";
import { LADDER } from "./sensitivity";

/**
 * Same-orders comparison of the fill-model ladder (spec 17.13.2, ADR-196). The closed-loop
 * sensitivity (`fillModelSensitivity`) replays the strategy under each rung, so every rung trades
 * a different set of orders (the strategy reacts to its own fills). Here one **reference** run
 * (the Adaptive Smart Grid under one rung) records its order requests — PLACE / CANCEL / AMEND,
 * each with the market event it was sent on — and every rung then replays exactly those requests
 * through the same engine loop and venue (`ScriptedOrdersStrategy`, which ignores its reports).
 * The rows differ only by what the fill model believes fills.
 *
 * An order the reference filled completely never got a cancel. In the other rungs it is cancelled
 * at its reference completion time + `filledLifetimeMs` (default: the median PLACE→CANCEL
 * lifetime of the orders the reference cancelled unfilled — as long as an unfilled order of the
 * strategy usually lives; ADR-196), so a stricter rung gets a fair, bounded chance at it, neither
 * cut off at the optimistic rung's fill instant nor kept resting to the end of the data.
 */
export interface SameOrdersOptions {
  /** Fixture folder or opened fixture; or an opened columnar store (its trade prints too, ADR-255); or `snapshots` + `instruments` (+ `tradeStream`). */
  fixture?: string | Fixture;
  store?: ColumnarStore;
  /** A re-iterable stream (array): it is replayed once per rung. */
  snapshots?: Iterable<Snapshot>;
  instruments?: Iterable<InstrumentSpec>;
  /** Time-ordered prints next to `snapshots` (merged before snapshots at equal ts, as `runReplay`). */
  tradeStream?: Iterable<Trade>;
  /** Feed the fixture's trades sidecar (default true when it has one). */
  trades?: boolean;
  /** Base config (default `defaultConfig()`); its `execution.fill_model` is replaced per run. */
  config?: GrinderConfig;
  window?: ReplayWindow;
  /** Rung of the reference run (default: the base config's `execution.fill_model.kind`). */
  reference?: FillModelKind;
  /** Rungs to replay the recorded orders under (default the whole ladder). */
  kinds?: readonly FillModelKind[];
  /**
   * How long an order the reference filled completely stays live after that fill, in the other
   * rungs: ms, `"end"` (to the end of the data), or default = the median lifetime of the
   * reference's cancelled unfilled orders (`"end"` when it cancelled none).
   */
  filledLifetimeMs?: number | "end";
  /** Put the ids of the orders with any fill into each row (`filled_order_ids`; tests, notebooks). */
  orderIds?: boolean;
}

export interface SameOrdersRow {
  fill_model: string;
  digest: string;
  /** PLACE requests replayed (the reference's: equal on every row). */
  orders_placed: number;
  /** Orders with at least one fill. */
  orders_filled: number;
  /** Orders filled completely (a fill leaving 0). */
  orders_completed: number;
  /** Fill reports (partial fills count once each). */
  fills: number;
  /** Σ filled qty (base units, all symbols). */
  filled_qty: number;
  /** Σ filled qty / Σ placed qty. */
  fill_ratio: number;
  /** Median data time from an order's PLACE to its first fill, ms (null without fills). */
  median_time_to_fill_ms: number | null;
  /** Prints the venue saw. */
  trades: number;
  counters?: Record<string, number>;
  filled_order_ids?: string[];
}

export interface SameOrdersResult {
  reference: {
    fill_model: string;
    /** Digest of the reference run = the closed-loop run of the same config under that rung. */
    digest: string;
    requests: number;
    orders_placed: number;
    orders_filled: number;
    orders_completed: number;
    cancels: number;
    amends: number;
    /** The lifetime applied after a reference fill (ms; null = to the end of the data). */
    filled_lifetime_ms: number | null;
    /** Cancels the comparison added (one per order the reference filled completely, when a lifetime applies). */
    added_cancels: number;
    filled_order_ids?: string[];
    /**
     * Why the reference did not trade (ADR-073's reasons counted over its plans): present when it
     * made no fill, or for the symbols it never filled; absent when every symbol traded. With no
     * fill in the reference there are often no orders to compare, and this says why.
     */
    no_trade?: NoTradeReport;
  };
  rows: SameOrdersRow[];
}

type Ev = Snapshot | Trade;

/** The market events of a replay in feed order, as `runReplay` feeds them. */
async function* marketEvents(fx: Fixture | null, opts: SameOrdersOptions, useTrades: boolean): AsyncGenerator<Ev> {
  const toTs = opts.window?.to_ts ?? Infinity;
  if (opts.store !== undefined) {
    // the store's snapshots and its prints, prints first at equal ts
    // a bounded warm-up (ADR-258): the partitions before it are not read (the engines skip what is left before it)
    const fromTs = replayStartTs(opts.window);
    yield* mergeByTs(columnarSnapshots(opts.store, { fromTs }), useTrades ? storeTrades(opts.store, { fromTs }) : null, toTs);
    return;
  }
  if (fx) {
    for await (const e of useTrades ? streamFixtureEvents(fx) : streamFixture(fx)) {
      if (e.ts > toTs) return;
      yield e;
    }
    return;
  }
  yield* mergeByTs(opts.snapshots!, opts.tradeStream && opts.trades !== false ? opts.tradeStream : null, toTs);
}

/** Snapshots and time-ordered prints as one stream up to `toTs`: prints first at equal ts (as `runReplay` merges them). */
function* mergeByTs(snapshots: Iterable<Snapshot>, trades: Iterable<Trade> | null, toTs: number): Generator<Ev> {
  const tr = trades ? trades[Symbol.iterator]() : null;
  let t = tr ? tr.next() : null;
  for (const s of snapshots) {
    if (s.ts > toTs) break;
    while (t && !t.done && t.value.ts <= s.ts) {
      if (t.value.ts <= toTs) yield t.value;
      t = tr!.next();
    }
    yield s;
  }
  while (t && !t.done) {
    if (t.value.ts <= toTs) yield t.value;
    t = tr!.next();
  }
}

/** Wraps the reference strategy: records every request it sends with the event it was sent on, and its fills. */
class RecordingStrategy implements Strategy {
  readonly script: ScriptedRequest[] = [];
  readonly fills: ScriptedFill[] = [];
  constructor(
    private readonly inner: Strategy,
    private readonly at: () => number,
  ) {}
  get id(): string {
    return this.inner.id;
  }
  get regimeModel(): string | undefined {
    return this.inner.regimeModel;
  }
  start(ctx: StrategyContext): void {
    const script = this.script;
    const at = this.at;
    const send = ctx.send;
    this.inner.start({
      instruments: ctx.instruments, confirmations: ctx.confirmations, risk: ctx.risk, equity: () => ctx.equity(),
      send: (r: OrderRequest) => {
        script.push({ after: at(), req: { ...r } });
        send(r);
      },
      record: (r) => ctx.record(r), recordIntent: (i) => ctx.recordIntent(i), bar: (b) => ctx.bar(b), keepEvents: ctx.keepEvents, metrics: ctx.metrics,
    });
  }
  onMarket(ev: MarketEvent, trading: boolean): boolean {
    return this.inner.onMarket(ev, trading);
  }
  onReports(batch: ReadonlyArray<StrategyReport>): void {
    for (const r of batch) if (r.type === "FILL") this.fills.push({ ts: r.ts, order_id: r.order_id, symbol: r.symbol, side: r.side, price: r.price, qty: r.qty, remaining: r.remaining, fee: r.fee });
    this.inner.onReports(batch);
  }
  onRisk(tr: RiskTransition): void {
    this.inner.onRisk(tr);
  }
  finish(ts: number): StrategyStats {
    return this.inner.finish(ts);
  }
}

function withKind(base: GrinderConfig, kind: FillModelKind): GrinderConfig {
  const n = base.execution.fill_model.n;
  const fm = kind === "queue_prob" && n !== undefined ? { kind, n } : { kind };
  return parseConfig({ ...(base as unknown as Record<string, unknown>), execution: { ...base.execution, fill_model: fm } });
}

function median(xs: number[]): number | null {
  if (!xs.length) return null;
  xs.sort((a, b) => a - b);
  const m = xs.length >> 1;
  return xs.length % 2 ? xs[m] : (xs[m - 1] + xs[m]) / 2;
}

interface Setup {
  fx: Fixture | null;
  instruments: InstrumentSpec[];
  useTrades: boolean;
  base: GrinderConfig;
  engineFor(config: GrinderConfig, strategy: Strategy): ReplayEngine;
  /** Feed every event; `before(k, ts)` runs before event k. */
  feed(engine: ReplayEngine, before: (k: number, ts: number) => void): Promise<void>;
}

function setup(opts: SameOrdersOptions): Setup {
  const base = opts.config ?? defaultConfig();
  let fx: Fixture | null = null;
  if (opts.fixture !== undefined) fx = typeof opts.fixture === "string" ? openFixture(opts.fixture) : opts.fixture;
  const st = opts.store ?? null;
  if ([fx, st, opts.snapshots ?? null].filter((x) => x !== null).length > 1)
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "same-orders: give a fixture, a store or snapshots, not several", { field: "snapshots" });
  if (!fx && !st && opts.snapshots === undefined) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "same-orders needs a fixture, a store, or snapshots with their instruments", { field: "fixture" });
  if (opts.snapshots !== undefined && !(Symbol.iterator in (opts.snapshots as object)))
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "same-orders replays the stream once per rung: pass a fixture or an array of snapshots", { field: "snapshots" });
  const instruments = opts.instruments ? [...opts.instruments] : fx ? [...fx.instruments.values()] : st ? [...st.instruments] : [];
  if (!instruments.length) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "same-orders needs instruments", { field: "instruments" });
  const useTrades = opts.trades !== false && (fx !== null ? fx.manifest.trades !== undefined : st !== null && st.manifest.trades !== undefined);
  const tradesHash = fx ? fx.manifest.trades?.content_sha256 : st?.manifest.trades?.content_sha256;
  return {
    fx, instruments, useTrades, base,
    engineFor: (config, strategy) =>
      new ReplayEngine({
        config, configHash: runConfigHash(config), instruments, strategy, window: opts.window, keepEvents: false, tables: false,
        fixtureName: fx ? fx.manifest.name : (st?.manifest.name ?? ""), contentSha256: fx ? fx.manifest.content_sha256 : (st?.manifest.content_sha256 ?? ""),
        tradesSha256: useTrades && !PRINT_BLIND_FILL_MODELS.has(config.execution.fill_model.kind) ? tradesHash : undefined,
      }),
    feed: async (engine, before) => {
      let k = 0;
      for await (const e of marketEvents(fx, opts, useTrades)) {
        before(k, e.ts);
        if (isTrade(e)) engine.stepTrade(e);
        else engine.step(e);
        k++;
      }
    },
  };
}

/**
 * Replay a fixed script of order requests under each rung (the second half of
 * `sameOrdersLadder`; also usable with a hand-written script): one row per rung.
 */
export async function replayScriptedOrders(opts: SameOrdersOptions & { script: ReadonlyArray<ScriptedRequest>; timed?: ReadonlyArray<TimedRequest> }): Promise<SameOrdersRow[]> {
  const S = setup(opts);
  const rows: SameOrdersRow[] = [];
  for (const kind of opts.kinds ?? LADDER) {
    const config = withKind(S.base, kind);
    const strat = new ScriptedOrdersStrategy(opts.script, opts.timed ?? []);
    const engine = S.engineFor(config, strat);
    await S.feed(engine, (k, ts) => strat.emit(k, ts));
    strat.emit(Infinity, -Infinity);
    const r = await engine.finish();
    rows.push(sameOrdersRow(r.fill_model, r.digest, r.trades, strat, r.fill_model_counters, opts.orderIds === true));
  }
  return rows;
}

/**
 * Record the reference run's orders, then replay them under every rung (ADR-196).
 *
 * @example
 * // the first two hours of range_day_l1 (2024-01-01T02:00Z), touch@1's orders under touch@1 and cross@1
 * const r = await sameOrdersLadder({ fixture: "fixtures/range_day_l1", window: { to_ts: 1704074400000 }, kinds: ["touch", "cross"] });
 * console.table(r.rows); // orders placed / with a fill / completed, fills, filled qty, fill ratio, median ttf
 */
export async function sameOrdersLadder(opts: SameOrdersOptions): Promise<SameOrdersResult> {
  const S = setup(opts);
  const { fx, instruments, base } = S;
  const lifetime = opts.filledLifetimeMs;
  if (lifetime !== undefined && lifetime !== "end" && !(Number.isFinite(lifetime) && lifetime >= 0))
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `filledLifetimeMs must be a non-negative number of ms or "end", got ${String(lifetime)}`, { field: "filledLifetimeMs" });

  // ---- the reference: the Adaptive Smart Grid as `runReplay` builds it, requests recorded ----
  const refKind = opts.reference ?? base.execution.fill_model.kind;
  const refConfig = withKind(base, refKind);
  let stages = defaultStages;
  if (refConfig.features.natr_source === "klines") {
    if (!fx || !hasKlinesSidecar(fx.dir))
      throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "features.natr_source is \"klines\" but the replay has no klines.csv sidecar", { field: "features.natr_source" });
    const kl = await loadKlinesSidecar(fx.dir);
    stages = withKlines(stages, kl.symbol, kl.klines);
  }
  let cur = -1;
  const tally = new NoTradeTally();
  const rec = new RecordingStrategy(
    new AdaptiveGridStrategy({ config: refConfig, stages, selector: instruments.length > 1 ? new TopKSelector(refConfig.portfolio) : null, onPlan: (p, selected) => tally.add(p, selected) }),
    () => cur,
  );
  const refEngine = S.engineFor(refConfig, rec);
  await S.feed(refEngine, (k) => {
    cur = k;
  });
  cur = Infinity; // requests sent at finish (none today) come after every event
  const ref = await refEngine.finish();
  const script = rec.script;

  // what the reference did with each order
  const placedAt = new Map<string, number>();
  const symbolOf = new Map<string, string>();
  const completedAt = new Map<string, number>();
  const filledRef = new Set<string>();
  const fillsBySymbol = new Map<string, number>();
  for (const f of rec.fills) {
    filledRef.add(f.order_id);
    fillsBySymbol.set(f.symbol, (fillsBySymbol.get(f.symbol) ?? 0) + 1);
    if (f.remaining === 0 && !completedAt.has(f.order_id)) completedAt.set(f.order_id, f.ts);
  }
  const lifetimes: number[] = [];
  let cancels = 0;
  let amends = 0;
  for (const { req } of script) {
    if (req.type === "PLACE") {
      placedAt.set(req.order_id, req.ts);
      symbolOf.set(req.order_id, req.symbol);
    } else if (req.type === "CANCEL") {
      cancels++;
      const p = placedAt.get(req.order_id);
      if (p !== undefined && !filledRef.has(req.order_id)) lifetimes.push(req.ts - p);
    } else amends++;
  }
  const med = median(lifetimes);
  const life = lifetime === "end" ? null : lifetime !== undefined ? lifetime : med === null ? null : Math.ceil(med);
  const timed: TimedRequest[] = [];
  if (life !== null)
    for (const [id, tf] of completedAt) timed.push({ at: tf + life, req: { type: "CANCEL", ts: tf + life, symbol: symbolOf.get(id)!, order_id: id } });

  const noTrade = tally.report(fillsBySymbol, instruments.map((i) => i.symbol));
  const rows = await replayScriptedOrders({ ...opts, script, timed });
  return {
    reference: {
      fill_model: ref.fill_model, digest: ref.digest, requests: script.length, orders_placed: placedAt.size, orders_filled: filledRef.size,
      orders_completed: completedAt.size, cancels, amends, filled_lifetime_ms: life, added_cancels: timed.length,
      ...(opts.orderIds ? { filled_order_ids: [...filledRef].sort() } : {}),
      ...(noTrade.symbols.length ? { no_trade: noTrade } : {}),
    },
    rows,
  };
}

function sameOrdersRow(fillModel: string, digest: string, trades: number, s: ScriptedOrdersStrategy, counters: Record<string, number> | undefined, ids: boolean): SameOrdersRow {
  const placedTs = new Map<string, number>();
  let placedQty = 0;
  for (const p of s.placed) {
    placedTs.set(p.order_id, p.ts);
    placedQty += p.qty;
  }
  const first = new Map<string, number>();
  const completed = new Set<string>();
  let filledQty = 0;
  for (const f of s.fills) {
    filledQty += f.qty;
    if (!first.has(f.order_id)) first.set(f.order_id, f.ts);
    if (f.remaining === 0) completed.add(f.order_id);
  }
  const waits: number[] = [];
  for (const [id, ts] of first) waits.push(ts - placedTs.get(id)!);
  return {
    fill_model: fillModel, digest, orders_placed: s.placed.length, orders_filled: first.size, orders_completed: completed.size, fills: s.fills.length,
    filled_qty: Math.round(filledQty * 1e9) / 1e9, fill_ratio: placedQty > 0 ? filledQty / placedQty : 0, median_time_to_fill_ms: median(waits), trades,
    ...(counters ? { counters } : {}),
    ...(ids ? { filled_order_ids: [...first.keys()].sort() } : {}),
  };
}

/** The table as fixed-width text (CLI), in the format of `formatSensitivity`. */
export function formatSameOrders(res: SameOrdersResult): string {
  const R = res.reference;
  const head = ["fill model", "orders placed", "with a fill", "completed", "fills", "filled qty", "fill ratio", "median ttf s"];
  const body = res.rows.map((r) => [
    r.fill_model, String(r.orders_placed), String(r.orders_filled), String(r.orders_completed), String(r.fills), String(r.filled_qty),
    r.fill_ratio.toFixed(3), r.median_time_to_fill_ms === null ? "-" : (r.median_time_to_fill_ms / 1000).toFixed(1),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (c: string[]): string => c.map((x, i) => (i === 0 ? x.padEnd(w[i]) : x.padStart(w[i]))).join("  ");
  const notes = res.rows.filter((r) => r.counters && Object.values(r.counters).some((v) => v > 0)).map((r) => `  ${r.fill_model}: ${Object.entries(r.counters!).map(([k, v]) => `${k}=${v}`).join(" ")}`);
  const life = R.filled_lifetime_ms === null ? "to the end of the data" : `${(R.filled_lifetime_ms / 1000).toFixed(1)} s after their reference fill`;
  return (
    [
      `reference ${R.fill_model} (digest ${R.digest.slice(0, 12)}…): ${R.requests} requests, ${R.orders_placed} orders, ${R.orders_filled} with a fill, ${R.orders_completed} completed; orders it completed stay ${life} (${R.added_cancels} cancels added)`,
      line(head),
      ...body.map(line),
      ...(notes.length ? ["approximations:", ...notes] : []),
      ...(R.no_trade ? [`reference: no trades  ${R.no_trade.lines.join("\n                       ")}`] : []),
    ].join("\n") + "\n"
  );
}
