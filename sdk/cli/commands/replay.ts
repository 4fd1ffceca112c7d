import type { Command } from "commander";
import { defaultConfig } from "../../config";
import { loadConfigOrArtifact } from "../../calibration/artifact";
import { runReplay } from "../../engine/run";
import type { ReplayResult } from "../../engine/replay";
import { resolveFixture } from "../fixtures-path";
import { replaySelectionSummary, summarizeSelections } from "../../portfolio/report";

/** The JSON form of a replay printed by `replay --json` and compared by `fixtures verify`. */
export function replayJson(r: ReplayResult): Record<string, unknown> {
  return {
    fixture: r.fixture,
    content_sha256: r.content_sha256,
    digest: r.digest,
    fill_model: r.fill_model,
    config_hash: r.config_hash,
    events_count: r.events_count,
    summary: r.summary,
    metrics: r.metrics,
    // Multi-symbol runs: the selection summary the text output prints (time selected, exclusion reasons per symbol).
    ...(r.selections ? { selection: summarizeSelections(r.selections, lastBarTs(r)) } : {}),
  };
}

function lastBarTs(r: ReplayResult): number | undefined {
  if (!r.bars || r.bars.numRows() === 0) return undefined;
  const ts = r.bars.array("ts") as ArrayLike<number>;
  let end = -Infinity;
  for (let i = 0; i < ts.length; i++) if (ts[i] > end) end = ts[i];
  return end;
}

function fmt(x: number, d = 2): string {
  return Number.isFinite(x) ? x.toFixed(d) : String(x);
}

export function registerReplay(program: Command): void {
  program
    .command("replay")
    .description("replay a fixture through features → regime → policy → execution → ledger; print the summary and digest")
    .argument("<fixture>", "fixture folder or name under fixtures/")
    .option("--config <file>", "JSON config (sections features, toxicity, regime, policy, execution, risk, portfolio, engine) or a calibration artifact (hash-verified)")
    .option("--json", "print a JSON object: digest, fill_model, config_hash, summary, metrics (+ selection summary of a multi-symbol run)")
    .option("--prom", "print the run's metrics in Prometheus text format")
    .option("--from <ts>", "trade only from this data time (ms)")
    .option("--to <ts>", "stop after this data time (ms)")
    .action(async (name: string, opts: { config?: string; json?: boolean; prom?: boolean; from?: string; to?: string }) => {
      const config = opts.config ? loadConfigOrArtifact(opts.config) : defaultConfig();
      const window = opts.from || opts.to ? { from_ts: opts.from ? Number(opts.from) : undefined, to_ts: opts.to ? Number(opts.to) : undefined } : undefined;
      const t0 = process.hrtime.bigint();
      const r = await runReplay({ fixture: resolveFixture(name), config, window });
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      if (opts.json) {
        process.stdout.write(JSON.stringify(replayJson(r), null, 2) + "\n");
        return;
      }
      if (opts.prom) {
        process.stdout.write(r.metrics_text);
        return;
      }
      const s = r.summary;
      const out = [
        `replay ${r.fixture}: ${s.snapshots} snapshots, ${s.ticks} policy ticks in ${secs.toFixed(1)} s (${Math.round(s.snapshots / secs)} snapshots/s)`,
        `  digest       ${r.digest}`,
        `  fill model   ${r.fill_model}   config ${r.config_hash.slice(0, 16)}   events ${r.events_count}`,
        `  equity       ${fmt(s.equity_start)} → ${fmt(s.equity_end)} (${fmt(s.return_pct, 3)} %)`,
        `  pnl          realised ${fmt(s.realized_pnl)}  unrealised ${fmt(s.unrealized_pnl)}  fees ${fmt(s.fees)}  turnover ${fmt(s.turnover)}`,
        `  cycles       ${s.cycles} (profit ${fmt(s.cycle_profit)} after fees)   fills ${s.fills}`,
        `  risk         max DD ${fmt(s.max_dd)} (utilization ${fmt(s.max_dd_utilization, 3)})  max inventory ${fmt(s.max_inventory_notional)}  guard ${s.guard_final}`,
        `  orders       placed ${s.intents_placed}  amended ${s.amends}  cancelled ${s.cancels}  refused ${s.intents_refused}`,
        `  regimes      ${s.regime_transitions} transitions   alerts ${s.alerts}`,
      ];
      process.stdout.write(out.join("\n") + "\n");
      process.stdout.write(replaySelectionSummary(r)); // portfolio (Top-K team): selection history summary, "" for one symbol
    });
}
