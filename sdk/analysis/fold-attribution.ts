import type { CalibrationResult } from "../calibration/calibrate";
import { applyPoint, cloneJson } from "../calibration/space";
import { parseConfig } from "../config";
import { ErrorCode, GrinderError } from "../contracts/errors";
import type { Snapshot } from "../contracts/market";
import { openFixture, streamFixture } from "../data/fixture";
import { runReplay } from "../engine/run";
import { attributeByRegime, type RegimeAttributionRow } from "./attribution";

/**
 * Per-fold PnL attribution of a calibration (ADR-133): each walk-forward fold's selected
 * parameters replayed on its out-of-sample units, with mark-to-market PnL by regime (fees
 * included) next to completed-cycle profit (`attributeByRegime`, ADR-066). Computed from the
 * result after the search, never by the trials: no journal, artifact or report changes.
 * Deterministic (same replays as the trials' windows: `[from_ts, to_ts)` of each unit).
 */
export interface FoldAttributionRow extends RegimeAttributionRow {
  fold: string;
  unit: string;
}

export interface FoldAttribution {
  fold: string;
  /** Out-of-sample units replayed, in fold order. */
  units: string[];
  /** Net PnL of those replays (quote): the fold's out-of-sample net PnL. */
  net_pnl: number;
  /**
   * `net_pnl` − Σ `mtm_pnl`: what the tick-by-tick attribution does not credit to a regime
   * (the value change outside the policy ticks of each window). Reported, never hidden.
   */
  unattributed_pnl: number;
  rows: FoldAttributionRow[];
}

export async function foldAttribution(result: Pick<CalibrationResult, "spec" | "folds" | "units" | "datasets">): Promise<FoldAttribution[]> {
  const units = new Map(result.units.map((u) => [u.id, u]));
  const dirs = new Map(result.datasets.map((d) => [d.fixture, d.dir]));
  const out: FoldAttribution[] = [];
  for (const f of result.folds) {
    const config = parseConfig(applyPoint(cloneJson(result.spec.base), f.selected));
    const fa: FoldAttribution = { fold: f.id, units: [...f.test], net_pnl: 0, unattributed_pnl: 0, rows: [] };
    for (const id of f.test) {
      const u = units.get(id);
      const dir = u && dirs.get(u.fixture);
      if (!u || !dir) throw new GrinderError(ErrorCode.INVARIANT, `fold ${f.id}: unit '${id}' has no dataset`, { field: "folds" });
      const fx = openFixture(dir);
      let snapshots: AsyncIterable<Snapshot> | undefined;
      let instruments;
      if (u.symbols) {
        const keep = new Set(u.symbols);
        instruments = [...fx.instruments.values()].filter((i) => keep.has(i.symbol));
        snapshots = (async function* () {
          for await (const s of streamFixture(fx)) if (keep.has(s.symbol)) yield s;
        })();
      }
      const r = await runReplay({ fixture: fx, snapshots, instruments, config, window: { from_ts: u.from_ts, to_ts: u.to_ts - 1 }, keepEvents: false });
      fa.net_pnl += r.summary.equity_end - r.summary.equity_start;
      for (const row of attributeByRegime(r)) fa.rows.push({ fold: f.id, unit: id, ...row });
    }
    fa.unattributed_pnl = fa.net_pnl - fa.rows.reduce((x, r) => x + r.mtm_pnl, 0);
    out.push(fa);
  }
  return out;
}

/** Text table of `foldAttribution` (grinder calibrate --attribution). */
export function formatFoldAttribution(folds: FoldAttribution[]): string {
  const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : String(x));
  const out = ["per-fold out-of-sample PnL by regime (mark-to-market, fees included; cycle profit second):", "fold            symbol        regime        MtM PnL   cycle profit   ticks"];
  for (const f of folds) {
    const agg = new Map<string, { mtm: number; cyc: number; ticks: number }>();
    for (const r of f.rows) {
      const k = `${r.symbol}\u0000${r.regime}`;
      const a = agg.get(k) ?? { mtm: 0, cyc: 0, ticks: 0 };
      a.mtm += r.mtm_pnl;
      a.cyc += r.cycle_profit;
      a.ticks += r.ticks;
      agg.set(k, a);
    }
    for (const [k, a] of agg) {
      const [sym, reg] = k.split("\u0000");
      out.push(`${f.fold.padEnd(15)} ${sym.padEnd(13)} ${reg.padEnd(12)} ${f2(a.mtm).padStart(9)}  ${f2(a.cyc).padStart(12)}  ${String(a.ticks).padStart(6)}`);
    }
    out.push(`${f.fold.padEnd(15)} net ${f2(f.net_pnl)} (unattributed ${f2(f.unattributed_pnl)})`);
  }
  return out.join("\n") + "\n";
}
