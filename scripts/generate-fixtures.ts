/**
 * Regenerate the required fixtures (spec 17.20.2) from their scenario definitions.
 *
 *   npx tsx scripts/generate-fixtures.ts [names...]      (all six when no name is given)
 *   npm run fixtures:generate -- [names...]
 *   --out <dir>   write under <dir> instead of fixtures/
 *   --no-trades   write the snapshots only (by default every fixture also gets a trades sidecar
 *                 consistent with its quotes and books, ADR-057 amended by ADR-145)
 *   --stats       print the stylised-facts table (fixtures/README.md) of the named scenarios, write nothing
 *
 * Deterministic: the same definitions give byte-identical files (seeded PRNG, canonical JSON
 * lines, gzip without a timestamp). Files other than fixture.json and snapshots.* in a
 * fixture folder (e.g. expected.json) are kept.
 */
import * as path from "node:path";
import { FixtureWriter } from "../sdk/data/fixture";
import { SCENARIOS, scenarioRecord, scenarioSnapshots, type ScenarioDef } from "./fixture-models/scenarios";
import { marketStats } from "./fixture-models/stats";
import { TradeWriter } from "../sdk/data/trades";
import { tradesForSnapshots } from "./fixture-models/trades";

/**
 * `opts.trades` (default true, ADR-145): also write a trades sidecar consistent with the quotes and
 * books (ADR-057), so that every rung of the fill ladder is exercised on the bundled fixtures. The
 * snapshots file and its content hash are the same with or without it.
 */
export async function generateFixture(def: ScenarioDef, outRoot: string, opts: { trades?: boolean } = {}): Promise<{ rows: number; file: string; content_sha256: string; trades?: number }> {
  const w = await FixtureWriter.create(path.join(outRoot, def.name), {
    name: def.name,
    version: 1,
    description: def.description,
    scenario: scenarioRecord(def),
    symbols: def.symbols.map((m) => m.instrument),
    gzip: def.gzip,
  });
  try {
    for (const s of scenarioSnapshots(def)) await w.write(s);
    if (opts.trades !== false) {
      const lots: Record<string, number> = {};
      const ticks: Record<string, number> = {};
      for (const m of def.symbols) {
        lots[m.instrument.symbol] = m.instrument.lot_size;
        ticks[m.instrument.symbol] = m.instrument.tick_size;
      }
      const tw = TradeWriter.create(w.stagingDir, Object.keys(lots), def.gzip);
      for (const t of tradesForSnapshots(scenarioSnapshots(def), def.seed, lots, ticks)) await tw.write(t);
      w.setTrades(await tw.close());
    }
  } catch (e) {
    await w.abort();
    throw e;
  }
  const m = await w.close();
  return { rows: m.rows, file: path.join(outRoot, def.name, m.snapshots), content_sha256: m.content_sha256, trades: m.trades?.rows };
}

async function main(argv: string[]): Promise<number> {
  let out = path.resolve(__dirname, "..", "fixtures");
  const names: string[] = [];
  let stats = false;
  let trades = true;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out") out = path.resolve(argv[++i]);
    else if (argv[i] === "--trades") trades = true;
    else if (argv[i] === "--no-trades") trades = false;
    else if (argv[i] === "--stats") stats = true;
    else names.push(argv[i]);
  }
  const todo = names.length ? names : Object.keys(SCENARIOS);
  for (const n of todo) {
    const def = SCENARIOS[n];
    if (!def) {
      process.stderr.write(`unknown fixture '${n}'; known: ${Object.keys(SCENARIOS).join(", ")}\n`);
      return 2;
    }
  }
  if (stats) {
    process.stdout.write("| fixture | symbol | rows | net % | excess kurtosis 1m | ACF \\|r\\| lag 1 / 10 | corr(vol, spread) | corr(vol, top depth) | mean / p99 spread bps | mean top notional | median range_score 60m |\n");
    process.stdout.write("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (const n of todo)
      for (const s of marketStats(scenarioSnapshots(SCENARIOS[n])))
        process.stdout.write(
          `| ${n} | ${s.symbol} | ${s.rows} | ${s.net_return_pct.toFixed(2)} | ${s.kurtosis_1m.toFixed(1)} | ${s.abs_acf_1.toFixed(2)} / ${s.abs_acf_10.toFixed(2)} | ` +
            `${s.corr_vol_spread.toFixed(2)} | ${s.corr_vol_depth.toFixed(2)} | ${s.mean_spread_bps.toFixed(2)} / ${s.p99_spread_bps.toFixed(1)} | ${Math.round(s.mean_top_notional)} | ${s.median_range_score_60m.toFixed(1)} |\n`,
        );
    return 0;
  }
  for (const n of todo) {
    const r = await generateFixture(SCENARIOS[n], out, { trades });
    process.stdout.write(`${n}: ${r.rows} rows${r.trades !== undefined ? ` + ${r.trades} trades` : ""} -> ${path.relative(process.cwd(), r.file)} sha256 ${r.content_sha256.slice(0, 12)}\n`);
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(String((e as Error).stack ?? e) + "\n");
      process.exitCode = 1;
    },
  );
}
