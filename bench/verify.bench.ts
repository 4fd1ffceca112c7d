/**
 * Cost of hashing fixture lines while they stream (ADR-083): `runReplay` on a fixture with the
 * check (the default) against the same replay fed by `streamFixture(..., { verify: false })`,
 * and the bare loader both ways. Runs are interleaved (A B A B ...) so machine load hits both
 * alike; the figure is the ratio of medians. Run alone with `npx tsx bench/verify.bench.ts`
 * (`--quick`: 3 rounds instead of 7). Writes `bench/results/verify.json`.
 */
import * as path from "node:path";
import { PROJECT_ROOT } from "../sdk/cli/fixtures-path";
import { openFixture, streamFixture, writeFileAtomic } from "../sdk/data/fixture";
import { runReplay } from "../sdk/engine/run";

const ROUNDS = process.argv.includes("--quick") ? 3 : 7;
const REPLAY_FX = path.join(PROJECT_ROOT, "fixtures", "range_day_l1");
const LOAD_FX = path.join(PROJECT_ROOT, "fixtures", "multisymbol_topk_l1");

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

async function load(verify: boolean): Promise<number> {
  const fx = openFixture(LOAD_FX);
  const t0 = process.hrtime.bigint();
  let n = 0;
  for await (const _ of streamFixture(fx, { verify })) n++;
  if (n !== fx.manifest.rows) throw new Error("row count");
  return ms(t0);
}

async function replay(verify: boolean): Promise<number> {
  const fx = openFixture(REPLAY_FX);
  const t0 = process.hrtime.bigint();
  await runReplay({ fixture: fx, snapshots: streamFixture(fx, { verify }), tables: false });
  return ms(t0);
}

async function main(): Promise<void> {
  const out: Record<string, { off_ms: number; on_ms: number; ratio: number }> = {};
  for (const [name, f] of [["load multisymbol_topk_l1 (600,840 rows)", load], ["replay range_day_l1 (86,400 rows)", replay]] as const) {
    await f(false); // warm-up
    const off: number[] = [];
    const on: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      off.push(await f(false));
      on.push(await f(true));
    }
    out[name] = { off_ms: Math.round(median(off)), on_ms: Math.round(median(on)), ratio: Number((median(on) / median(off)).toFixed(3)) };
    process.stdout.write(`${name.padEnd(42)} no check ${out[name].off_ms} ms  hashed+checked ${out[name].on_ms} ms  ratio ${out[name].ratio}\n`);
  }
  await writeFileAtomic(path.join(PROJECT_ROOT, "bench", "results", "verify.json"), JSON.stringify({ rounds: ROUNDS, results: out }, null, 2) + "\n");
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + "\n");
  process.exitCode = 1;
});
