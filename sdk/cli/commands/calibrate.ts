import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { foldAttribution, formatFoldAttribution } from "../../analysis/fold-attribution";
import * as path from "node:path";
import type { Command } from "commander";
import type * as CliProgress from "cli-progress";
import { buildArtifact, gitCommit, writeArtifact, writeCalibrationReport } from "../../calibration/artifact";
// the calibration runner (piscina pool, arquero tables) loads when the command runs, not at CLI start-up (ADR-126)
import type { CalibrationResult } from "../../calibration/calibrate";
type CalibrateModule = typeof import("../../calibration/calibrate");
import type { EvaluatorRef } from "../../calibration/evaluator";
import type { BullmqQueue } from "../../calibration/queue/bullmq";
import type { ProgressEvent } from "../../calibration/search";
import { loadSpec } from "../../calibration/spec";
import { ErrorCode, GrinderError } from "../../contracts/errors";
import { PROJECT_ROOT } from "../fixtures-path";

interface CalibrateOpts {
  workers: string;
  resume?: boolean;
  out?: string;
  evaluator?: string;
  progress: boolean;
  json?: boolean;
  queue?: string;
  queueName?: string;
}

const fmtScore = (v: number | null | undefined): string => (v === null || v === undefined ? "—" : v.toFixed(4));

/** Progress on stderr: a bar on a terminal, a line per ~10% otherwise (logs). */
function progressReporter(enabled: boolean, alive: () => string = () => ""): { update: (e: ProgressEvent) => void; stop: () => void } {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  if (process.stderr.isTTY) {
    const cliProgress = require("cli-progress") as typeof CliProgress; // loaded only for a terminal progress bar (ADR-126)
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: "calibrate [{bar}] {value}/{total} trials | resumed {resumed} | best {best}{alive} | ETA {eta_formatted}",
        etaBuffer: 50,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update: (e) => {
        if (!started) {
          bar.start(e.total, e.done, { best: fmtScore(e.best), resumed: e.resumed, alive: alive() });
          started = true;
        }
        bar.setTotal(e.total);
        bar.update(e.done, { best: fmtScore(e.best), resumed: e.resumed, alive: alive() });
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  let lastDecile = -1;
  return {
    update: (e) => {
      const d = e.total ? Math.floor((10 * e.done) / e.total) : 0;
      if (d !== lastDecile && e.done > 0) {
        lastDecile = d;
        process.stderr.write(`calibrate: ${e.done}/${e.total} trials (resumed ${e.resumed}), best ${fmtScore(e.best)}${alive()}\n`);
      }
    },
    stop: () => undefined,
  };
}

function printReport(r: CalibrationResult): void {
  const w = (s: string): boolean => process.stdout.write(s + "\n");
  w(`spec ${r.spec.spec.name} v${r.spec.spec.version} (${r.spec.hash.slice(0, 12)}): ${r.search.method}, ${r.search.points} points, ${r.search.trials} trials ` +
    `(${r.run.evaluated} evaluated, ${r.run.resumed} from journal), ${r.units.length} units, fill model ${r.fill_model}`);
  const q = r.run.queue;
  if (q)
    w(`queue ${q.url} '${q.name}' (code ${q.code.slice(0, 12)}): ${q.completed} results, ${q.from_redis} already in Redis, ` +
      `${q.stalled} re-queued after a worker stopped, ${q.resubmitted} resubmitted after a Redis restart`);
  w("fold            IS objective   OOS objective  degradation  selected");
  for (const f of r.folds) {
    const oos = f.out_of_sample.objective === null ? `— (${f.out_of_sample.reason})` : fmtScore(f.out_of_sample.objective);
    w(`${f.id.padEnd(16)}${fmtScore(f.in_sample.objective).padStart(12)}   ${oos.padStart(13)}  ${fmtScore(f.degradation).padStart(11)}  ${JSON.stringify(f.selected)}`);
  }
  const s = r.summary;
  w(`mean IS ${fmtScore(s.mean_in_sample)}, mean OOS ${fmtScore(s.mean_out_of_sample)}, mean degradation ${fmtScore(s.mean_degradation)}, infeasible folds ${s.infeasible_folds}/${s.folds}`);
  w(`stability: ${s.stability.map((p) => `${p.path} spread ${p.spread.toFixed(3)} [${p.values.join(", ")}]`).join("; ")}`);
  w(`final: ${JSON.stringify(r.final.selected)} objective ${fmtScore(r.final.objective)}${r.final.reason ? ` (${r.final.reason})` : ""}`);
  const v = r.validity;
  w(`pareto front on (${r.pareto.objectives.join(", ")}): ${r.pareto.front.length} of ${r.points.filter((p) => p.fold === "all").length} points; selection ${v.dominance.passed ? "not dominated" : `dominated by ${JSON.stringify(v.dominance.dominated_by[0])}`}`);
  w(`edge: ${v.edge.length ? v.edge.map((e) => `${e.path} = ${String(e.value)} (${e.side})`).join(", ") : "none"}`);
  w(`PBO (CSCV): ${v.pbo ? `${v.pbo.pbo.toFixed(3)} over ${v.pbo.splits} splits of ${v.pbo.blocks} blocks, ${v.pbo.strategies} points` : `n/a (${v.pbo_reason})`}`);
  w(`DSR: ${v.dsr ? `${v.dsr.dsr.toFixed(3)} (hourly Sharpe ${v.dsr.sharpe.toFixed(4)}, SR0 ${v.dsr.sr0.toFixed(4)}, ${v.dsr.trials} trials, ${v.dsr.observations} hours)` : `n/a (${v.dsr_reason})`}`);
  if (v.robustness) {
    const rb = v.robustness;
    w(`fill model ${rb.fill_model} → ${rb.robust_fill_model}: objective ${fmtScore(rb.objective)} → ${fmtScore(rb.robust_objective)}, net PnL ${rb.net_pnl.toFixed(2)} → ${rb.robust_net_pnl.toFixed(2)}, fills ${rb.fills} → ${rb.robust_fills}`);
  }
  const b = r.baselines;
  w(`baselines (net PnL, all units): adaptive ${b.adaptive.net_pnl.toFixed(2)}, static grid ${b.static_grid.net_pnl.toFixed(2)} (uplift ${b.uplift_vs_static.toFixed(2)}), buy-and-hold ${b.buy_and_hold.net_pnl === null ? "n/a" : b.buy_and_hold.net_pnl.toFixed(2)} (uplift ${b.uplift_vs_buy_and_hold === null ? "n/a" : b.uplift_vs_buy_and_hold.toFixed(2)})`);
  for (const c of r.gate.checks) w(`gate ${c.passed ? "✔" : "✘"} ${c.name}: ${c.value === null ? "n/a" : c.value} (limit ${c.limit})`);
  if (r.gate.passed) w("verdict: PASSED — the selection may be exported");
  else {
    w(`verdict: REFUSED — ${r.gate.reasons.length} reason(s):`);
    for (const x of r.gate.reasons) w(`  - ${x}`);
  }
}

/** `--evaluator <module>[#export]`: a module exporting an evaluate(task) function (default: the replay engine). */
export function parseEvaluator(arg: string | undefined): EvaluatorRef | undefined {
  if (!arg) return undefined;
  const [mod, exp] = arg.split("#");
  const file = path.resolve(mod);
  if (!existsSync(file)) throw new GrinderError(ErrorCode.IO, "evaluator module not found", { file });
  return { module: file, export: exp || "evaluate", id: `module:${path.basename(file)}#${exp || "evaluate"}` };
}

/** Upper bound of `--workers`: more threads than this only add memory. */
export const MAX_WORKERS = 64;

export function registerCalibrate(program: Command): void {
  program
    .command("calibrate")
    .description("run a calibration spec (search + walk-forward gate) and export a hash-pinned parameter artifact")
    .argument("<spec>", "calibration spec JSON (calibration/specs/*.json)")
    .option("--workers <n>", "worker threads evaluating trials (results identical for any N)", "1")
    .option("--resume", "skip trials already finished in this spec's journal")
    .option("--out <dir>", "artifact folder (journal in <dir>/.journal)", path.join(PROJECT_ROOT, "calibration", "artifacts"))
    .option("--evaluator <module>", "evaluator module[#export] instead of the replay engine (tests, custom models)")
    .option("--no-progress", "no progress output on stderr")
    .option("--json", "print the result summary as JSON")
    .option("--queue <url>", "coordinate over a BullMQ queue on Redis (redis://host:port) evaluated by `grinder worker` processes")
    .option("--queue-name <name>", "BullMQ queue name (default grinder-trials)")
    .option("--attribution", "also replay each fold's selection out of sample and print mark-to-market PnL by regime (ADR-133)")
    .action(async (specFile: string, opts: CalibrateOpts & { attribution?: boolean }) => {
      const workers = Number(opts.workers);
      // Bounded: each worker is a thread with its own heap (ADR-084).
      if (!Number.isInteger(workers) || workers < 0 || workers > MAX_WORKERS)
        throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `--workers must be an integer in [0, ${MAX_WORKERS}], got '${opts.workers}'`, { field: "workers" });
      const rs = loadSpec(specFile);
      for (const n of rs.warnings ?? []) process.stderr.write(`warning: ${specFile}: ${n}\n`);
      const out = path.resolve(opts.out ?? path.join(PROJECT_ROOT, "calibration", "artifacts"));
      const journalDir = path.join(out, ".journal");
      mkdirSync(journalDir, { recursive: true });
      // Journals are run state, never committed.
      if (!existsSync(path.join(journalDir, ".gitignore"))) writeFileSync(path.join(journalDir, ".gitignore"), "*\n");
      let queue: BullmqQueue | undefined;
      const alive = (): string => (queue ? ` | workers ${queue.stats().alive}${queue.stats().connected ? "" : " (Redis reconnecting)"}` : "");
      const progress = progressReporter(opts.progress, alive);
      let r: CalibrationResult;
      try {
        const { runCalibration } = require("../../calibration/calibrate") as CalibrateModule;
        r = await runCalibration(rs, {
          workers,
          resume: opts.resume,
          journalDir,
          evaluator: parseEvaluator(opts.evaluator),
          onProgress: progress.update,
          ...(opts.queue ? { queue: { url: opts.queue, name: opts.queueName }, onQueue: (q: BullmqQueue) => {
                queue = q;
                const st = q.stats();
                if (opts.progress && st.alive === 0) process.stderr.write(`calibrate: no worker on ${st.url} queue '${st.name}' yet: start one with grinder worker --queue ${st.url}\n`);
              } } : {}),
        });
      } finally {
        progress.stop();
      }
      // Per-fold attribution (ADR-133): not part of the artifact or the calibration report.
      const attribution = opts.attribution && r.units.length ? await foldAttribution(r) : undefined;
      if (opts.json)
        process.stdout.write(
          JSON.stringify({ folds: r.folds, summary: r.summary, gate: r.gate, final: r.final, search: r.search, pareto: r.pareto, validity: r.validity, baselines: r.baselines, run: r.run, ...(attribution ? { attribution } : {}) }, null, 2) + "\n",
        );
      else {
        printReport(r);
        if (attribution) process.stdout.write(formatFoldAttribution(attribution));
      }
      // The calibration report (pass or refusal) for the acceptance report: deterministic, atomic.
      const reportFile = await writeCalibrationReport(r, out);
      process.stdout.write(`calibration report ${path.relative(process.cwd(), reportFile) || reportFile}\n`);
      // Refuses (E_REFUSED, exit 2) with the gate's reasons when out-of-sample validation failed.
      const artifact = buildArtifact(r, { git_commit: gitCommit(PROJECT_ROOT) });
      const file = await writeArtifact(artifact, out);
      process.stdout.write(`artifact ${path.relative(process.cwd(), file) || file} sha256 ${artifact.sha256}\n`);
    });
}
