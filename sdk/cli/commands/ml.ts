import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { ErrorCode, GrinderError } from "../../contracts/errors";
import { parseConfig } from "../../config";
import { writeFileAtomic } from "../../data/fixture";
import { runReplay } from "../../engine/run";
import { judgeTrading, renderMlReport, type Judgement } from "../../ml/judge";
import { loadRegimeModel, writeRegimeModel } from "../../ml/model";
import { loadTrainSpec, trainRegimeModel, type MlFoldReport } from "../../ml/train";
import { compareExpected, type ExpectedReplay } from "./verify";
import { listFixtureDirs, PROJECT_ROOT, resolveFixture } from "../fixtures-path";

/** `fixtures/<name>/expected.model.json`: the replay of the fixture with the committed regime model (ADR-113). */
export interface ExpectedModelReplay extends ExpectedReplay {
  regime_model: { file: string; sha256: string };
}

/** The config of a model replay: defaults + `regime.classifier = {kind: "model", artifact}`. */
export function modelReplayConfig(file: string): ReturnType<typeof parseConfig> {
  return parseConfig({ regime: { classifier: { kind: "model", artifact: file } } });
}

const pct = (x: number): string => (x * 100).toFixed(1) + "%";

export function foldTable(folds: MlFoldReport[]): string {
  const lines = ["fold  train   test  model_bal_acc  heuristic_bal_acc  shuffled_bal_acc"];
  for (const f of folds)
    lines.push(`${String(f.fold).padStart(4)} ${String(f.train_n).padStart(6)} ${String(f.test_n).padStart(6)}  ${f.model.balanced_accuracy.toFixed(3).padStart(13)}  ${f.heuristic.balanced_accuracy.toFixed(3).padStart(17)}  ${f.shuffled.balanced_accuracy.toFixed(3).padStart(16)}`);
  return lines.join("\n");
}

export function judgementTable(j: Judgement): string {
  const lines = ["fill_model  classifier  net_pnl   max_dd_worst  max_dd_mean  cycles  against_trend"];
  for (const t of j.totals)
    lines.push(`${t.fill_model.padEnd(10)}  ${t.classifier.padEnd(10)}  ${t.net_pnl.toFixed(2).padStart(8)}  ${t.max_dd_worst.toFixed(2).padStart(12)}  ${t.max_dd_mean.toFixed(2).padStart(11)}  ${String(t.cycles).padStart(6)}  ${pct(t.against_trend_share)} (${t.against_trend_ticks}/${t.trend_ticks})`);
  return lines.join("\n");
}

export function registerMl(program: Command): void {
  const ml = program.command("ml").description("ML regime classifier: train, judge, model replays of the fixtures (spec 17.16)");
  ml.command("train")
    .description("train a regime model from a spec (walk-forward folds, shuffled-label control) and write the hash-pinned artifact")
    .argument("<spec>", "training spec JSON (e.g. models/specs/regime-lr-v1.json)")
    .option("--out <dir>", "output folder", path.join(PROJECT_ROOT, "models"))
    .option("--judge", "also replay every fold's test window with the fold model vs the heuristic (touch@1, cross@1)")
    .option("--report <file>", "write the fold metrics (and the judgement with --judge) as JSON")
    .action(async (specFile: string, opts: { out: string; judge?: boolean; report?: string }) => {
      const spec = loadTrainSpec(specFile);
      const tr = await trainRegimeModel(spec);
      const file = await writeRegimeModel(tr.model, opts.out);
      process.stdout.write(`✔ ${path.relative(process.cwd(), file)}: ${tr.model.name} v${tr.model.version} sha256 ${tr.model.sha256}\n${foldTable(tr.folds)}\n`);
      let judgement: Judgement | undefined;
      if (opts.judge) {
        judgement = await judgeTrading(tr, spec);
        process.stdout.write(judgementTable(judgement) + "\n");
      }
      if (opts.report) {
        await writeFileAtomic(opts.report, renderMlReport(tr, file, judgement));
      }
    });
  const fx = ml.command("fixtures").description("model replays of the bundled fixtures");
  fx.command("verify")
    .description("replay fixtures with the regime model and compare with fixtures/<name>/expected.model.json; non-zero exit on a mismatch")
    .argument("[fixtures...]", "fixture folders or names (default: all under fixtures/)")
    .option("--model <file>", "model file (default: the one named in each expected.model.json)")
    .option("--update", "rewrite expected.model.json (atomically) from this run (needs --model when none exists)")
    .action(async (names: string[], opts: { model?: string; update?: boolean }) => {
      const dirs = names.length ? names.map(resolveFixture) : listFixtureDirs();
      if (!dirs.length) throw new GrinderError(ErrorCode.IO, "no fixtures found under fixtures/");
      let failed = 0;
      for (const d of dirs) {
        const file = path.join(d, "expected.model.json");
        let exp: ExpectedModelReplay | null = null;
        if (existsSync(file)) {
          try {
            exp = JSON.parse(readFileSync(file, "utf8")) as ExpectedModelReplay;
          } catch (e) {
            throw new GrinderError(ErrorCode.PARSE, `expected.model.json is not valid JSON: ${(e as Error).message}`, { file });
          }
        }
        const modelFile = opts.model ?? exp?.regime_model.file;
        if (!modelFile) {
          failed++;
          process.stderr.write(`✘ ${path.basename(d)}: no expected.model.json and no --model\n`);
          continue;
        }
        const rel = path.isAbsolute(modelFile) ? path.relative(PROJECT_ROOT, modelFile) : modelFile;
        const m = loadRegimeModel(path.resolve(PROJECT_ROOT, rel));
        const prev = process.cwd();
        process.chdir(PROJECT_ROOT); // the artifact path in the config is relative to the project root
        let r;
        try {
          r = await runReplay({ fixture: d, config: modelReplayConfig(rel) });
        } finally {
          process.chdir(prev);
        }
        const act: ExpectedModelReplay = {
          fixture: r.fixture, content_sha256: r.content_sha256, fill_model: r.fill_model, config_hash: r.config_hash,
          digest: r.digest, events_count: r.events_count, summary: r.summary, regime_model: { file: rel, sha256: m.sha256 },
        };
        if (opts.update) {
          await writeFileAtomic(file, JSON.stringify(act, null, 2) + "\n");
          process.stdout.write(`✎ ${r.fixture}: ${r.digest.slice(0, 16)} (model ${m.sha256.slice(0, 12)}) written to ${path.relative(process.cwd(), file)}\n`);
          continue;
        }
        if (!exp) {
          failed++;
          process.stderr.write(`✘ ${r.fixture}: no expected.model.json (run 'grinder ml fixtures verify --update --model <file>')\n`);
          continue;
        }
        const diffs = compareExpected(exp, act);
        if (exp.regime_model.sha256 !== act.regime_model.sha256) diffs.unshift(`regime_model.sha256: expected ${exp.regime_model.sha256}, got ${act.regime_model.sha256}`);
        if (diffs.length) {
          failed++;
          process.stderr.write(`✘ ${r.fixture}: ${diffs.length} difference(s)\n${diffs.map((x) => `    ${x}`).join("\n")}\n`);
        } else {
          const s = r.summary;
          process.stdout.write(`✔ ${r.fixture}: model digest ${r.digest.slice(0, 16)}  cycles ${s.cycles}  equity ${s.equity_end.toFixed(2)}  max DD util ${s.max_dd_utilization.toFixed(3)}\n`);
        }
      }
      if (failed) process.exitCode = 1;
    });
}
