/**
 * Re-train the committed regime model from its spec, judge it on the walk-forward test windows
 * (touch@1 and cross@1 replays, about 1.5 min) and compare the report with the committed
 * `models/regime-lr-v1.report.json` byte for byte; `--update` rewrites it (atomically) and the
 * model must still be the committed one. Exit 1 on a difference (the judgement moves with the
 * engine; the test suite pins the model bytes, fold windows and metrics, not the judgement).
 *   npx tsx scripts/pin-ml-report.ts [--update]
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../sdk/data/fixture";
import { judgeTrading, renderMlReport } from "../sdk/ml/judge";
import { findRegimeModels, renderRegimeModel } from "../sdk/ml/model";
import { loadTrainSpec, trainRegimeModel } from "../sdk/ml/train";

async function main(): Promise<number> {
  const root = path.join(__dirname, "..");
  const spec = loadTrainSpec(path.join(root, "models", "specs", "regime-lr-v1.json"));
  const committed = findRegimeModels(path.join(root, "models"), "regime-lr-v1");
  if (committed.length !== 1) {
    console.error(`expected one committed regime-lr-v1 model, found ${committed.length}`);
    return 1;
  }
  const tr = await trainRegimeModel(spec, { root });
  if (renderRegimeModel(tr.model) !== readFileSync(committed[0], "utf8")) {
    console.error(`the spec no longer reproduces ${path.basename(committed[0])}: train a new model with grinder ml train`);
    return 1;
  }
  const text = renderMlReport(tr, committed[0], await judgeTrading(tr, spec, { root }));
  const file = path.join(root, "models", "regime-lr-v1.report.json");
  if (process.argv.includes("--update")) {
    await writeFileAtomic(file, text);
    console.log(`pinned ${path.relative(root, file)}`);
    return 0;
  }
  const same = existsSync(file) && readFileSync(file, "utf8") === text;
  console.log(same ? "ml report matches" : `ml report differs: ${path.relative(root, file)} (re-pin with --update and update STATE 17.16)`);
  return same ? 0 : 1;
}

main().then((c) => process.exit(c), (e) => { console.error(e); process.exit(2); });
