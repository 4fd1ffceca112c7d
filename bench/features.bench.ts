/**
 * Feature-stage benchmark: `FeatureEngine.update` throughput on in-memory snapshots (targets:
 * ≥ 2 M L1 snapshots/s; ≥ 250 k snapshots/s with a 15-level L2 book walked over the top 10,
 * i.e. a day of 1 s L2 snapshots in < 0.35 s of feature time),
 * and the same plus `assessToxicityInto` + `RegimeController.update` at each bar close.
 * Heap growth per update is reported (run through `bench/run.ts` for `--expose-gc`): the engine
 * itself allocates nothing per snapshot; what shows is V8 boxing doubles written into the
 * nullable (`number | null`) fields of the `Features` contract. Prints a table and writes
 * `bench/results/features.json`.
 */
import * as path from "node:path";
import { PROJECT_ROOT } from "../sdk/cli/fixtures-path";
import type { Snapshot, ToxAssessment } from "../sdk/contracts";
import { openFixture, streamFixture, writeFileAtomic } from "../sdk/data";
import { FeatureEngine } from "../sdk/features";
import { assessToxicityInto, defaultToxicityConfig, RegimeController } from "../sdk/regime";

const REPS = process.argv.includes("--quick") ? 2 : 5;
const gc = (globalThis as { gc?: () => void }).gc;

interface Row {
  fixture: string;
  path: string;
  snapshots: number;
  best_ns_per_update: number;
  updates_per_s: number;
  heap_bytes_per_update: number;
  target_updates_per_s: number;
  meets_target: boolean;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const tcfg = defaultToxicityConfig();
  for (const [name, target] of [["range_day_l1", 2e6], ["thin_book_l2", 2.5e5]] as const) {
    const fx = openFixture(path.join(PROJECT_ROOT, "fixtures", name));
    const snaps: Snapshot[] = [];
    for await (const s of streamFixture(fx)) snaps.push(s);
    const inst = [...fx.instruments.values()][0];
    for (const withRegime of [false, true]) {
      const fe = new FeatureEngine(inst, {});
      const rc = new RegimeController(inst.symbol, {});
      const tox: ToxAssessment = { severity: "LOW", action: "NORMAL", penalty: 0, reasons: [] };
      const run = (): void => {
        for (let i = 0; i < snaps.length; i++) {
          if (fe.update(snaps[i]) && withRegime) rc.update(fe.features, assessToxicityInto(fe.features, tcfg, tox));
        }
      };
      run(); // JIT warm-up
      let best = Infinity;
      let heap = Infinity;
      for (let k = 0; k < REPS; k++) {
        fe.reset();
        rc.reset();
        if (gc) gc();
        const h0 = process.memoryUsage().heapUsed;
        const t0 = process.hrtime.bigint();
        run();
        const ns = Number(process.hrtime.bigint() - t0);
        const h1 = process.memoryUsage().heapUsed;
        best = Math.min(best, ns / snaps.length);
        heap = Math.min(heap, (h1 - h0) / snaps.length);
      }
      const ups = 1e9 / best;
      rows.push({
        fixture: name,
        path: withRegime ? "features+tox+regime" : "features",
        snapshots: snaps.length,
        best_ns_per_update: Math.round(best),
        updates_per_s: Math.round(ups),
        heap_bytes_per_update: Math.round(heap),
        target_updates_per_s: target,
        meets_target: ups >= target,
      });
    }
  }
  console.table(rows);
  await writeFileAtomic(path.join(PROJECT_ROOT, "bench", "results", "features.json"), JSON.stringify({ reps: REPS, rows }, null, 2) + "\n");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
