import type { Regime, RegimeTransition } from "../contracts/trading";
import type { GrinderConfigInput } from "../config";
import { parseConfig } from "../config";
import { newLoadReport, openFixture, streamFixture, type LoadReport } from "../data/fixture";
import type { RegimeRow } from "../strategies/adaptive-grid/regime-record";
import { runReplay } from "./run";

export type { RegimeRow };

export interface RegimeTimeline {
  fixture: string;
  /** Symbols, lexical order. */
  symbols: string[];
  /** One row per policy tick per symbol, in the order the engine ran them. */
  rows: RegimeRow[];
  transitions: RegimeTransition[];
  /** Per symbol: policy ticks per regime. */
  counts: Record<string, Partial<Record<Regime, number>>>;
  report: LoadReport;
  /** Digest of the replay the record comes from (equals `runReplay` under the same config). */
  digest: string;
}

/** Sections of the run config (a parsed `GrinderConfig` or any input of one fits). */
export type TimelineConfig = GrinderConfigInput;

/**
 * The regime record of a fixture AS THE ENGINE TRADES IT (ADR-046): a full `runReplay` of the
 * fixture under `cfg` (default selection, latency, fill model: the same run `fixtures verify`
 * hashes), returning the adaptive grid's regime record — one row per policy tick per symbol with
 * the features, toxicity and regime the plan was made from. Multi-symbol runs tick on the global
 * bar clock, so a silent feed still ticks, with growing `l1_age_ms`.
 *
 * @example
 * const tl = await regimeTimeline("fixtures/range_day_l1");
 * tl.counts; // { BTCUSDT: { RANGE: 1300, TREND_UP: 40, ... } }
 */
export async function regimeTimeline(fixtureDir: string, cfg: TimelineConfig = {}): Promise<RegimeTimeline> {
  const fx = openFixture(fixtureDir);
  const config = parseConfig(cfg);
  const report = newLoadReport(fx.snapshotsPath);
  const rows: RegimeRow[] = [];
  const r = await runReplay({ fixture: fx, snapshots: streamFixture(fx, { report }), config, regimeRows: rows, tables: false });
  const symbols = [...fx.instruments.keys()].sort();
  const counts: Record<string, Partial<Record<Regime, number>>> = Object.fromEntries(symbols.map((s) => [s, {}]));
  for (const row of rows) counts[row.symbol][row.regime] = (counts[row.symbol][row.regime] ?? 0) + 1;
  const transitions = r.transitions.filter((t) => t.kind === "regime").map(({ kind: _k, ...t }) => t as unknown as RegimeTransition);
  return { fixture: fx.manifest.name, symbols, rows, transitions, counts, report, digest: r.digest };
}
