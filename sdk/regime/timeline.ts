import type { ToxAssessment } from "../contracts/features";
import type { Regime, RegimeTransition, ToxAction, ToxSeverity } from "../contracts/trading";
import { openFixture, streamFixture, type LoadReport, newLoadReport } from "../data/fixture";
import { FeatureConfigSchema, type FeatureConfigInput } from "../features/config";
import { FeatureEngine } from "../features/engine";
import { RegimeConfigSchema, ToxicityConfigSchema, type RegimeConfigInput, type ToxicityConfigInput } from "./config";
import { RegimeController } from "./controller";
import { assessToxicityInto } from "./toxicity";

/** One policy tick (closed bar) of one symbol. */
export interface RegimeRow {
  symbol: string;
  /** Data time of the snapshot that closed the bar. */
  ts: number;
  bar: number;
  regime: Regime;
  changed: boolean;
  reasons: string;
  tox_severity: ToxSeverity;
  tox_action: ToxAction;
  tox_penalty: number;
  tox_reasons: string;
  mid: number;
  natr: number | null;
  vol_ratio: number | null;
  trend_strength: number | null;
  range_score: number | null;
  spread_bps: number;
  spread_bps_baseline: number | null;
  impact_bps: number | null;
  depth_topn_usd: number | null;
  /** depth_topn_usd / its slow baseline (regime controller). */
  depth_ratio: number | null;
  thin_l1_quote: number;
  l1_age_ms: number;
  l1_stale: boolean;
  l2_stale: boolean;
  warm: boolean;
}

export interface RegimeTimeline {
  fixture: string;
  /** Symbols, lexical order. */
  symbols: string[];
  /** One row per closed bar per symbol, in stream order. */
  rows: RegimeRow[];
  transitions: RegimeTransition[];
  /** Per symbol: bars per regime. */
  counts: Record<string, Partial<Record<Regime, number>>>;
  report: LoadReport;
}

/** Sections of the run config this function reads (a parsed `GrinderConfig` fits). */
export interface TimelineConfig {
  features?: FeatureConfigInput;
  toxicity?: ToxicityConfigInput;
  regime?: RegimeConfigInput;
}

/**
 * Stream a fixture through FeatureEngine → assessToxicity → RegimeController per symbol
 * (spec 17.5 → 17.14.1 → 17.6) and return one row per closed bar. For notebooks and tests:
 * the regime timeline of a fixture under a config. Time is global: at the first snapshot of a
 * new bar interval every symbol's due bars close (`FeatureEngine.advanceTime`), so a symbol
 * whose feed went silent still ticks, with growing `l1_age_ms`.
 *
 * @example
 * const tl = await regimeTimeline("fixtures/range_day_l1");
 * tl.counts; // { BTCUSDT: { RANGE: 1300, TREND_UP: 40, ... } }
 */
export async function regimeTimeline(fixtureDir: string, cfg: TimelineConfig = {}): Promise<RegimeTimeline> {
  const fx = openFixture(fixtureDir);
  const fcfg = FeatureConfigSchema.parse(cfg.features ?? {});
  const tcfg = ToxicityConfigSchema.parse(cfg.toxicity ?? {});
  const rcfg = RegimeConfigSchema.parse(cfg.regime ?? {});
  const symbols = [...fx.instruments.keys()];
  const engines = new Map<string, FeatureEngine>();
  const ctrls = new Map<string, RegimeController>();
  const toxs = new Map<string, ToxAssessment>();
  const counts: Record<string, Partial<Record<Regime, number>>> = {};
  for (const s of symbols) {
    engines.set(s, new FeatureEngine(fx.instruments.get(s)!, fcfg));
    ctrls.set(s, new RegimeController(s, rcfg));
    toxs.set(s, { severity: "LOW", action: "NORMAL", penalty: 0, reasons: [] });
    counts[s] = {};
  }
  const rows: RegimeRow[] = [];
  const report = newLoadReport(fx.snapshotsPath);
  const tick = (symbol: string): void => {
    const fe = engines.get(symbol)!;
    const f = fe.features;
    const tox = assessToxicityInto(f, tcfg, toxs.get(symbol)!);
    const rc = ctrls.get(symbol)!;
    const d = rc.update(f, tox);
    const cnt = counts[symbol];
    cnt[d.regime] = (cnt[d.regime] ?? 0) + 1;
    rows.push({
      symbol,
      ts: f.ts,
      bar: f.bars,
      regime: d.regime,
      changed: d.changed,
      reasons: d.reasons.join(","),
      tox_severity: tox.severity,
      tox_action: tox.action,
      tox_penalty: tox.penalty,
      tox_reasons: tox.reasons.join(","),
      mid: f.mid,
      natr: f.natr,
      vol_ratio: rc.diagnostics.vol_ratio,
      trend_strength: f.trend_strength,
      range_score: f.range_score,
      spread_bps: f.spread_bps,
      spread_bps_baseline: f.spread_bps_baseline,
      impact_bps: f.impact_bps,
      depth_topn_usd: f.depth_topn_usd,
      depth_ratio: rc.diagnostics.depth_ratio,
      thin_l1_quote: f.thin_l1_quote,
      l1_age_ms: f.l1_age_ms,
      l1_stale: f.l1_stale,
      l2_stale: f.l2_stale,
      warm: f.warm,
    });
  };
  // Global data clock: at the first snapshot of each new bar interval, every symbol closes
  // its due bars (a symbol that went silent ticks too, ageing into staleness), in lexical
  // order; then the snapshot is applied.
  const interval = fcfg.bar_interval_ms;
  let globalOpen = -1;
  for await (const snap of streamFixture(fx, { report })) {
    const open = snap.ts - (snap.ts % interval);
    if (open > globalOpen) {
      if (globalOpen >= 0) for (const s of symbols) if (engines.get(s)!.advanceTime(snap.ts)) tick(s);
      globalOpen = open;
    }
    if (engines.get(snap.symbol)!.update(snap)) tick(snap.symbol);
  }
  const transitions: RegimeTransition[] = [];
  for (const s of symbols) transitions.push(...ctrls.get(s)!.transitions);
  transitions.sort((a, b) => a.ts - b.ts || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  return { fixture: fx.manifest.name, symbols, rows, transitions, counts, report };
}
