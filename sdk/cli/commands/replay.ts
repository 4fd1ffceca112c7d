import { getPriority } from "node:os";
import { peakRssKb } from "../../util/peak-rss";
import type { Command } from "commander";
import { defaultConfig } from "../../config";
import { loadConfigOrArtifact } from "../../calibration/artifact";
import { runReplay } from "../../engine/run";
import type { ReplayResult, ReplayWindow } from "../../engine/replay";
import { replaySourceArg, resolveFixture } from "../fixtures-path";
import { parseDuration } from "./import";
import { replaySelectionSummary, summarizeSelections } from "../../portfolio/report";
import { fillModelSensitivity, formatSensitivity, parseFillModelList } from "../../engine/sensitivity";
import { ErrorCode, GrinderError } from "../../contracts/errors";
import { parseTime } from "../../data/bars";
import { isBarDatasetFile, openBarDataset } from "../../data/dataset";
import { barFillModelSensitivity, replayBarDataset } from "../../engine/replay-bars";
import { isColumnarStore, openColumnarStore } from "../../data/store";
import { baselineRows, replayBarBaselines, replayBaselines, type BaselineRow } from "../../analysis/baselines";
import { startStaticGrid, type StaticGridRun } from "../baseline-worker";

/**
 * Where a `grinder replay` run's wall time goes (ADR-190): with `GRINDER_PHASES=1` the command
 * writes one line `grinder-phases {json}` to stderr, the milliseconds since the process started
 * (node start-up, loading the CLI, parsing arguments) at which each phase ended, and the
 * process's peak RSS (`max_rss_mb`, all threads) and CPU time (`cpu_s`, user + system, all
 * threads) at the end, whether the static-grid baseline ran on its own thread
 * (`baseline_thread`) and read the store through the adaptive run's read-ahead
 * (`shared_read_ahead`, ADR-215), the nice values that thread and the main thread read back
 * (`baseline_nice`, `main_nice`, ADR-239), the node flags it runs with (`node_flags`, ADR-223) and what the
 * CLI bundle's V8 code cache did (`code_cache`: used / written / rejected / off, ADR-224). Timing
 * only: nothing else about the run changes.
 */
class Phases {
  private readonly marks: Record<string, number | boolean> = {};
  constructor(readonly on: boolean) {}
  mark(name: string): void {
    if (this.on) this.marks[name] = Math.round(performance.now() * 10) / 10;
  }
  /** A field of the line that is not a time: a flag or a value. */
  set(name: string, v: number | boolean): void {
    if (this.on) this.marks[name] = v;
  }
  write(): void {
    if (!this.on) return;
    const u = process.resourceUsage();
    process.stderr.write(`grinder-phases ${JSON.stringify({ ...this.marks, max_rss_mb: Math.round(peakRssKb() / 102.4) / 10, cpu_s: Math.round((u.userCPUTime + u.systemCPUTime) / 1e3) / 1e3, node_flags: process.execArgv.join(" "), code_cache: codeCacheStatus() })}\n`);
  }
}

/** What bin/grinder.js's code cache did when it loaded this bundle ("off" when loaded otherwise). */
function codeCacheStatus(): string {
  const st = (globalThis as Record<symbol, { status?: string } | undefined>)[Symbol.for("grinder.codeCache")];
  return st?.status ?? "off";
}

/** The baselines table of `grinder replay` (ADR-132): adaptive grid, static grid, buy-and-hold, uplift. */
export function formatBaselines(rows: BaselineRow[]): string[] {
  const out = ["  baselines    strategy         net PnL     return %   max DD     fills   uplift of adaptive"];
  for (const b of rows)
    out.push(
      `               ${b.strategy.padEnd(15)} ${fmt(b.net_pnl).padStart(10)}  ${fmt(b.return_pct, 3).padStart(9)}  ${(b.max_dd === null ? "—" : fmt(b.max_dd)).padStart(8)}  ${(b.fills === null ? "—" : String(b.fills)).padStart(6)}   ${b.strategy === "adaptive grid" ? "" : fmt(b.uplift)}`,
    );
  return out;
}

/**
 * `--from` / `--to` (ADR-074): integer epoch milliseconds or an ISO-8601 time
 * (`2024-08-08T23:58:00Z`, `2012-02-20`, no zone = UTC). Anything else, and `--from` after
 * `--to`, is `E_INVALID_ARGUMENT` (exit 2), never a silent NaN window.
 */
export function parseWindowArgs(from?: string, to?: string, warmup?: string): ReplayWindow | undefined {
  const one = (v: string | undefined, field: string): number | undefined => {
    if (v === undefined) return undefined;
    const t = v.trim();
    let ms: number;
    if (/^\d+$/.test(t)) ms = Number(t);
    else if (/^\d{4}-\d{2}-\d{2}/.test(t)) {
      try {
        ms = parseTime(t, field);
      } catch (e) {
        throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `--${field} '${v}' is not a time: ${(e as GrinderError).detail ?? String(e)}`, { field });
      }
    } else throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `--${field} '${v}' is not a time (epoch ms or ISO-8601, e.g. 2024-08-08T23:58:00Z)`, { field });
    if (!Number.isSafeInteger(ms) || ms < 0) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `--${field} '${v}' is out of range`, { field });
    return ms;
  };
  const from_ts = one(from, "from");
  const to_ts = one(to, "to");
  if (from_ts !== undefined && to_ts !== undefined && from_ts > to_ts)
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `inverted window: --from ${from} is after --to ${to}`, { field: "from" });
  if (warmup === undefined) return from_ts === undefined && to_ts === undefined ? undefined : { from_ts, to_ts };
  // --warmup (ADR-258): a duration before --from; the data before it is not replayed
  const ms = parseDuration(warmup, "warmup", { zero: true });
  if (from_ts === undefined) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "--warmup bounds the warm-up before --from: give --from too", { field: "warmup" });
  return { from_ts, to_ts, warmup_ms: ms };
}

/** The JSON form of a replay printed by `replay --json` and compared by `fixtures verify`. */
export function replayJson(r: ReplayResult): Record<string, unknown> {
  return {
    fixture: r.fixture || (r as { dataset?: string }).dataset || "",
    content_sha256: r.content_sha256,
    digest: r.digest,
    fill_model: r.fill_model,
    config_hash: r.config_hash,
    events_count: r.events_count,
    summary: r.summary,
    metrics: r.metrics,
    ...(r.no_trade && r.no_trade.symbols.length ? { no_trade: r.no_trade.symbols } : {}),
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
    .argument("<fixture>", "fixture folder or name under fixtures/, a columnar store folder, or a bar dataset (its recipe datasets/<name>/dataset.json, its folder or its name)")
    .option("--config <file>", "JSON config (sections features, toxicity, regime, policy, execution, risk, portfolio, engine) or a calibration artifact (hash-verified)")
    .option("--json", "print a JSON object: digest, fill_model, config_hash, summary, metrics (+ selection summary of a multi-symbol run)")
    .option("--prom", "print the run's metrics in Prometheus text format")
    .option("--from <ts>", "trade only from this data time (epoch ms or ISO-8601)")
    .option("--to <ts>", "stop after this data time (epoch ms or ISO-8601)")
    .option("--warmup <duration>", "warm the features up on this much data before --from only (e.g. 6h, 1d; default: all of it); earlier data is not replayed, and a store does not read it")
    .option("--fill-models <list>", "sensitivity table: replay under each fill model, e.g. touch,cross,trade_through,queue_prob (ADR-055); on a bar dataset e.g. touch,cross,bar_cross (ADR-122)")
    .option("--same-orders [reference]", "same-orders comparison (ADR-196): record the orders of the run under the reference rung (default: the config's fill model), replay exactly them under each rung of --fill-models (default: the ladder)")
    .option("--no-baselines", "skip the static-grid replay and buy-and-hold baselines (about halves the run time)")
    .action(async (arg: string, opts: { config?: string; json?: boolean; prom?: boolean; from?: string; to?: string; warmup?: string; fillModels?: string; sameOrders?: string | boolean; baselines?: boolean }) => {
      const phases = new Phases(process.env.GRINDER_PHASES === "1");
      phases.mark("action_start");
      // a bar dataset's folder, or its bare name under datasets/, stands for its recipe
      const name = replaySourceArg(arg);
      const notes: string[] = [];
      const config = opts.config ? loadConfigOrArtifact(opts.config, { warnings: notes }) : defaultConfig();
      for (const n of notes) process.stderr.write(`warning: ${opts.config}: ${n}\n`);
      const window = parseWindowArgs(opts.from, opts.to, opts.warmup);
      if (opts.sameOrders !== undefined) {
        // Same-orders comparison (ADR-196): one reference run's requests replayed under each rung.
        if (isBarDatasetFile(name)) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "--same-orders replays a fixture or a columnar store (not a bar dataset)", { field: "same-orders" });
        const { sameOrdersLadder, formatSameOrders } = await import("../../engine/same-orders");
        const reference = typeof opts.sameOrders === "string" ? parseFillModelList(opts.sameOrders, "same-orders") : [config.execution.fill_model.kind];
        if (reference.length !== 1) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "--same-orders takes one reference rung", { field: "same-orders" });
        const kinds = opts.fillModels !== undefined ? parseFillModelList(opts.fillModels) : undefined;
        const src = isColumnarStore(name) ? { store: openColumnarStore(name) } : { fixture: resolveFixture(name) };
        const res = await sameOrdersLadder({ ...src, config, window, reference: reference[0], kinds });
        if (opts.json) process.stdout.write(JSON.stringify({ fixture: name, ...res }, null, 2) + "\n");
        else process.stdout.write(`same-orders fill-model comparison ${name}\n` + formatSameOrders(res));
        return;
      }
      if (opts.fillModels !== undefined) {
        // Fill-model sensitivity (spec 17.13.2): same data and config, one row per rung.
        const kinds = parseFillModelList(opts.fillModels);
        const rows = isBarDatasetFile(name)
          ? await barFillModelSensitivity(name, { config, window, kinds })
          : isColumnarStore(name)
            ? await fillModelSensitivity({ store: openColumnarStore(name), config, window, kinds })
            : await fillModelSensitivity({ fixture: resolveFixture(name), config, window, kinds });
        if (opts.json) process.stdout.write(JSON.stringify({ fixture: name, rows }, null, 2) + "\n");
        else process.stdout.write(`fill-model sensitivity ${name}\n` + formatSensitivity(rows));
        return;
      }
      phases.mark("config_loaded");
      const t0 = process.hrtime.bigint();
      // a bar dataset recipe: sources hash-checked, intrabar path model, config adapted to its interval (ADR-071/072)
      // a columnar store (ADR-076): partition hashes checked on read, same digest as its JSONL fixture
      const bars = isBarDatasetFile(name);
      const store = !bars && isColumnarStore(name) ? openColumnarStore(name) : null;
      // a bar dataset's recipe opened (sources hash-checked) once, for its run and its static-grid baseline
      const barSet = bars ? await openBarDataset(name) : null;
      phases.mark("source_opened");
      // Baselines on the same data, config and window (ADR-132). The static grid replays on a second
      // thread while the adaptive run replays (ADR-190); without the CLI bundle, and for a bar
      // dataset (through its path model, ADR-265), after it.
      const wantBaselines = opts.baselines !== false && !opts.prom && !bars;
      // With a store, both replays read it through one read-ahead: each partition read and hash-checked once (ADR-215).
      const staticRun: StaticGridRun | null = wantBaselines ? startStaticGrid(store ? { store: store.dir, config, window } : { fixture: resolveFixture(name), config, window }, store ?? undefined) : null;
      phases.set("baseline_thread", staticRun !== null);
      phases.set("shared_read_ahead", staticRun?.readAhead !== undefined);
      let r: ReplayResult;
      try {
        r = barSet
          ? await replayBarDataset(barSet, { config, window })
          : store
            ? await runReplay({ store, config, window, readAhead: staticRun?.readAhead })
            : await runReplay({ fixture: resolveFixture(name), config, window });
      } catch (e) {
        staticRun?.cancel();
        throw e;
      }
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      phases.mark("replay_done");
      if (opts.prom) {
        process.stdout.write(r.metrics_text);
        return;
      }
      let baselines: BaselineRow[] | undefined;
      if (opts.baselines !== false) {
        if (barSet) baselines = await replayBarBaselines(r, barSet, { config, window });
        else if (staticRun) baselines = baselineRows(r, await staticRun.result, window?.from_ts);
        else if (store) baselines = await replayBaselines(r, { store, config, window });
        else baselines = await replayBaselines(r, { fixture: resolveFixture(name), config, window });
      }
      phases.mark("baselines_done");
      // the nice value the baseline thread reported, and this (main) thread's own (ADR-239)
      if (staticRun !== null) {
        const n = staticRun.nice();
        if (n !== null) phases.set("baseline_nice", n);
        phases.set("main_nice", getPriority(0));
      }
      if (opts.json) {
        const j = replayJson(r);
        if (baselines) j.baselines = baselines;
        process.stdout.write(JSON.stringify(j, null, 2) + "\n");
        phases.mark("output_written");
        phases.write();
        return;
      }
      const s = r.summary;
      const out = [
        `replay ${r.fixture || (r as { dataset?: string }).dataset || ""}: ${s.snapshots} snapshots, ${s.ticks} policy ticks in ${secs.toFixed(1)} s (${Math.round(s.snapshots / secs)} snapshots/s)`,
        `  digest       ${r.digest}`,
        `  fill model   ${r.fill_model}   config ${r.config_hash.slice(0, 16)}   events ${r.events_count}`,
        `  equity       ${fmt(s.equity_start)} → ${fmt(s.equity_end)} (${fmt(s.return_pct, 3)} %)`,
        `  pnl          realised ${fmt(s.realized_pnl)}  unrealised ${fmt(s.unrealized_pnl)}  fees ${fmt(s.fees)}  turnover ${fmt(s.turnover)}`,
        `  cycles       ${s.cycles} (profit ${fmt(s.cycle_profit)} after fees)   fills ${s.fills}`,
        `  risk         max DD ${fmt(s.max_dd)} (utilization ${fmt(s.max_dd_utilization, 3)})  max inventory ${fmt(s.max_inventory_notional)}  guard ${s.guard_final}`,
        `  orders       placed ${s.intents_placed}  amended ${s.amends}  cancelled ${s.cancels}  refused ${s.intents_refused}`,
        `  regimes      ${s.regime_transitions} transitions   alerts ${s.alerts}`,
      ];
      if (r.no_trade && r.no_trade.symbols.length) out.push(`  no trades    ${r.no_trade.lines.join("\n               ")}`);
      if (baselines) out.push(...formatBaselines(baselines));
      process.stdout.write(out.join("\n") + "\n");
      process.stdout.write(replaySelectionSummary(r)); // portfolio (Top-K team): selection history summary, "" for one symbol
      phases.mark("output_written");
      phases.write();
    });
}
