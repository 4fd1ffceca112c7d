import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { FixtureWriter } from "../../sdk/data/fixture";
import { buildArtifact, writeArtifact } from "../../sdk/calibration/artifact";
import { runCalibration } from "../../sdk/calibration/calibrate";
import { parseSpec } from "../../sdk/calibration/spec";
import * as synth from "./synthetic-evaluator";

/** A tiny valid fixture (`rows` snapshots one second apart) for dataset resolution. */
export async function tinyFixture(root: string, name: string, rows = 40, t0 = 1_700_000_000_000): Promise<string> {
  const dir = path.join(root, name);
  const w = await FixtureWriter.create(dir, {
    name,
    description: "calibration test fixture",
    scenario: { kind: "test" },
    symbols: [{ symbol: "AAAUSDT", tick_size: 0.01, lot_size: 0.001, min_notional: 5 }],
    gzip: false,
  });
  for (let i = 0; i < rows; i++) {
    const mid = 100 + Math.sin(i / 5);
    await w.write({ ts: t0 + i * 1000, symbol: "AAAUSDT", bid_price: Math.round((mid - 0.01) * 100) / 100, bid_qty: 1, ask_price: Math.round((mid + 0.01) * 100) / 100, ask_qty: 1 });
  }
  await w.close();
  return dir;
}

export function tmp(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `grinder-cal-${prefix}-`));
}

export const SYNTH = path.join(__dirname, "synthetic-evaluator.ts");

/**
 * Gate members that need what the synthetic evaluators do not model (PnL series for PBO/DSR)
 * or that the small grids here would trip (edge): switched off unless a test sets them.
 */
export const LENIENT_GATE = { max_pbo: null, min_dsr: null, refuse_edge: false, robust_fill_model: null };

/** A small two-parameter spec on fixtures fx_a/fx_b (see `tinyFixture`). */
export function smallSpec(over: Record<string, unknown> = {}): Record<string, unknown> {
  const { gate, ...rest } = over;
  return {
    name: "t",
    version: 1,
    parameters: [
      { path: "policy.alpha", min: 0.2, max: 1.0, step: 0.2 },
      { path: "policy.k_tail.RANGE", choices: [1.5, 2.5, 3.5] },
    ],
    datasets: [{ fixture: "fx_a" }, { fixture: "fx_b" }],
    objective: { name: "pnl_per_dd" },
    folds: { segments: 3, time: { mode: "rolling", train: 1 }, leave_one_fixture_out: true },
    search: { method: "grid" },
    ...rest,
    gate: { ...LENIENT_GATE, ...((gate as Record<string, unknown> | undefined) ?? {}) },
  };
}

let exampleArtifactFile: Promise<string> | undefined;

/**
 * A real, verifying calibration artifact built once per test process (a two-point synthetic
 * calibration on two tiny fixtures): tests of artifact tampering must not depend on a committed
 * artifact existing (the default calibration may be refused by its gate, ADR-062).
 */
export function exampleArtifact(): Promise<string> {
  exampleArtifactFile ??= (async () => {
    const root = tmp("example-fx");
    await tinyFixture(root, "fx_a");
    await tinyFixture(root, "fx_b", 30, 1_700_100_000_000);
    const spec = smallSpec({ parameters: [{ path: "policy.alpha", choices: [0.4, 0.6] }], folds: { segments: 2, time: { mode: "anchored", train: 1 } } });
    const r = await runCalibration(parseSpec(spec), { workers: 0, evaluator: { fn: synth.evaluate, id: "s" }, fixturesRoot: root });
    return writeArtifact(buildArtifact(r, { git_commit: "a".repeat(40) }), tmp("example-art"));
  })();
  return exampleArtifactFile;
}
