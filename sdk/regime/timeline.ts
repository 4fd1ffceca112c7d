import type { ToxAssessment } from "../contracts/features";
import type { Regime, RegimeTransition, ToxSeverity } from "../contracts/trading";
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
  thin_l1_quote: number;
  l1_age_ms: number;
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
 * the regime timeline of a fixture under a config.
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
  for await (const snap of streamFixture(fx, { report })) {
    const fe = engines.get(snap.symbol)!;
    if (!fe.update(snap)) continue;
    const f = fe.features;
    const tox = assessToxicityInto(f, tcfg, toxs.get(snap.symbol)!);
    const rc = ctrls.get(snap.symbol)!;
    const d = rc.update(f, tox);
    const cnt = counts[snap.symbol];
    cnt[d.regime] = (cnt[d.regime] ?? 0) + 1;
    rows.push({
      symbol: snap.symbol,
      ts: f.ts,
      bar: f.bars,
      regime: d.regime,
      changed: d.changed,
      reasons: d.reasons.join(","),
      tox_severity: tox.severity,
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
      thin_l1_quote: f.thin_l1_quote,
      l1_age_ms: f.l1_age_ms,
      l2_stale: f.l2_stale,
      warm: f.warm,
    });
  }
  const transitions: RegimeTransition[] = [];
  for (const s of symbols) transitions.push(...ctrls.get(s)!.transitions);
  transitions.sort((a, b) => a.ts - b.ts || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  return { fixture: fx.manifest.name, symbols, rows, transitions, counts, report };
}
