/**
 * The context every TSDoc `@example` of the SDK may use besides the public API (`./sdk` and
 * `./sdk/notebook` names are in scope): a few values an example would otherwise spend lines
 * building. docs/api/README.md lists them for readers. Built from `fixtures/range_day_l1`.
 */
import {
  assessToxicity,
  defaultPortfolioConfig,
  defaultToxicityConfig,
  FeatureEngine,
  openFixture,
  scoreSymbols,
  streamFixture,
  type InstrumentSpec,
  type PlanInput,
  type ReplayResult,
  runReplay,
  type Snapshot,
  type SymbolView,
} from "../../sdk";

export interface ExampleContext {
  /** The instrument (RANGEUSDT) of `fixtures/range_day_l1`. */
  instrument: InstrumentSpec;
  /** Same as `instrument`. */
  spec: InstrumentSpec;
  /** A FeatureEngine fed the fixture's first 20,000 snapshots. */
  fe: FeatureEngine;
  features: FeatureEngine["features"];
  tox: ReturnType<typeof assessToxicity>;
  /** The last snapshot fed to `fe`, and its time. */
  snap: Snapshot;
  ts: number;
  /** The fixture's first 2,000 snapshots. */
  snapshots: Snapshot[];
  /** A plan input of `snap` in RANGE: budget 100, equity 10,000, flat. */
  input: PlanInput;
  /** Four symbol views (AAA..DDD-USDT) sharing `features` / `tox`, in RANGE. */
  views: SymbolView[];
  scores: ReturnType<typeof scoreSymbols>;
  /** An empty previous selection. */
  previous: { selected: string[] };
  /** A replay of the first two hours of `fixtures/multisymbol_topk_l1` (Top-K selector). */
  result: ReplayResult;
}

let cached: ExampleContext | null = null;

export async function exampleContext(): Promise<ExampleContext> {
  if (cached) return cached;
  const fx = openFixture("fixtures/range_day_l1");
  const instrument = [...fx.instruments.values()][0];
  const fe = new FeatureEngine(instrument, {});
  const snapshots: Snapshot[] = [];
  let snap: Snapshot | null = null;
  let n = 0;
  for await (const s of streamFixture(fx)) {
    fe.update(s);
    snap = s;
    if (snapshots.length < 2000) snapshots.push(s);
    if (++n >= 20_000) break;
  }
  if (!snap) throw new Error("range_day_l1 has no snapshots");
  const features = fe.features;
  const tox = assessToxicity(features, defaultToxicityConfig());
  const input: PlanInput = { symbol: instrument.symbol, ts: snap.ts, instrument, features, regime: "RANGE", tox, dd_budget: 100, equity: 10_000, inventory_qty: 0, guard: "NORMAL" };
  const views: SymbolView[] = ["AAAUSDT", "BBBUSDT", "CCCUSDT", "DDDUSDT"].map((symbol) => ({ symbol, features: { ...features, symbol }, tox, regime: "RANGE" }));
  const multi = openFixture("fixtures/multisymbol_topk_l1");
  let from = 0;
  for await (const s of streamFixture(multi)) {
    from = s.ts;
    break;
  }
  const result = await runReplay({ fixture: multi, window: { from_ts: from, to_ts: from + 2 * 3600_000 } });
  cached = { instrument, spec: instrument, fe, features, tox, snap, ts: snap.ts, snapshots, input, views, scores: scoreSymbols(views, defaultPortfolioConfig()), previous: { selected: [] }, result };
  return cached;
}
