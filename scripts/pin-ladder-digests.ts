/**
 * Pin the replay digest of every bundled fixture under the maker fill ladder (ADR-056):
 * `fixtures/ladder-digests.json` = { fixture: { fill_model: { digest, fills, cycles } } } for the
 * default config with only `execution.fill_model` changed. touch@1 stays pinned in each
 * fixture's expected.json (`grinder fixtures verify`); this file adds the other rungs.
 *
 *   npx tsx scripts/pin-ladder-digests.ts          # check (exit 1 on a mismatch)
 *   npx tsx scripts/pin-ladder-digests.ts --update # rewrite the file atomically
 */
import { readFileSync, existsSync } from "node:fs";
import * as path from "node:path";
import { defaultConfig, parseConfig } from "../sdk/config";
import { runReplay } from "../sdk/engine";
import type { ReplayResult } from "../sdk/engine/replay";
import { FIXTURES_DIR } from "../sdk/cli/fixtures-path";
import { writeFileAtomic } from "../sdk/data/fixture";
import type { FillModelKind } from "../sdk/sim";

export const LADDER_FILE = path.join(FIXTURES_DIR, "ladder-digests.json");
export const PINNED_KINDS: FillModelKind[] = ["touch", "queue_prob"];

export type LadderDigests = Record<string, Record<string, { digest: string; fills: number; cycles: number }>>;

/** `onResult` sees every replay (e.g. a test checking the touch@1 run's summary against expected.json). */
export async function computeLadderDigests(fixtures: string[], onResult?: (fixture: string, r: ReplayResult) => void): Promise<LadderDigests> {
  const out: LadderDigests = {};
  const base = defaultConfig();
  for (const name of fixtures) {
    out[name] = {};
    for (const kind of PINNED_KINDS) {
      const config = parseConfig({ ...(base as unknown as Record<string, unknown>), execution: { ...base.execution, fill_model: { kind } } });
      const r = await runReplay({ fixture: path.join(FIXTURES_DIR, name), config });
      out[name][r.fill_model] = { digest: r.digest, fills: r.summary.fills, cycles: r.summary.cycles };
      onResult?.(name, r);
    }
  }
  return out;
}

export function bundledFixtures(): string[] {
  return ["impact_spike_l2", "multisymbol_topk_l1", "range_day_l1", "thin_book_l2", "trend_day_l1", "vol_shock_l1", "btcusdt_bookticker_real"].filter((f) => existsSync(path.join(FIXTURES_DIR, f, "fixture.json")));
}

if (require.main === module) {
  (async () => {
    const got = await computeLadderDigests(bundledFixtures());
    const text = JSON.stringify(got, null, 2) + "\n";
    if (process.argv.includes("--update")) {
      await writeFileAtomic(LADDER_FILE, text);
      process.stdout.write(`wrote ${LADDER_FILE}\n`);
      return;
    }
    const want = existsSync(LADDER_FILE) ? readFileSync(LADDER_FILE, "utf8") : "";
    if (want !== text) {
      process.stderr.write(`ladder digests differ from ${LADDER_FILE}:\n${text}`);
      process.exitCode = 1;
    } else process.stdout.write("ladder digests match\n");
  })();
}
