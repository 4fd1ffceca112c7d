/**
 * Replay every bar dataset recipe under datasets/ with the default config (adapted to the
 * data's interval, ADR-071) and compare with its expected.json; then the same with the
 * conservative bar fill rule `bar_cross@1` against expected.bar_cross.json (ADR-122).
 * `--update` rewrites them.
 *   npx tsx scripts/pin-bar-datasets.ts [--update]
 * The raw data stays in ../shared/data; the recipe pins each source file's SHA-256.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { expectedOfBarReplay } from "../sdk/engine/bar-expected";
import { replayBarDataset } from "../sdk/engine/replay-bars";
import { writeFileAtomic } from "../sdk/data/fixture";
import { canonicalJson } from "../sdk/util/canonical";
import { defaultConfig, parseConfig } from "../sdk/config";

/** The pinned runs of a dataset: the default config (touch@1) and the bar rule. */
const RUNS = [
  { file: "expected.json", config: defaultConfig() },
  { file: "expected.bar_cross.json", config: parseConfig({ execution: { fill_model: { kind: "bar_cross" } } }) },
];

async function main(): Promise<number> {
  const update = process.argv.includes("--update");
  const root = path.join(__dirname, "..", "datasets");
  let bad = 0;
  for (const d of readdirSync(root).sort()) {
    const recipe = path.join(root, d, "dataset.json");
    if (!existsSync(recipe)) continue;
    for (const run of RUNS) {
      const r = await replayBarDataset(recipe, { tables: false, config: run.config });
      const act = expectedOfBarReplay(r);
      const file = path.join(root, d, run.file);
      if (update) {
        await writeFileAtomic(file, JSON.stringify(act, null, 2) + "\n");
        console.log(`pinned ${d} ${act.fill_model}: ${act.digest} fills ${act.summary.fills}`);
        continue;
      }
      const exp = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : null;
      const same = exp !== null && canonicalJson(exp) === canonicalJson(act);
      console.log(`${same ? "✔" : "✘"} ${d} ${act.fill_model}: ${act.digest} fills ${act.summary.fills}`);
      if (!same) bad++;
    }
  }
  return bad ? 1 : 0;
}
main().then((c) => (process.exitCode = c));
