import * as path from "node:path";
import type { Command } from "commander";
import { GrinderError } from "../../contracts/errors";
import { validateFixture, type FixtureSummary } from "../../data/fixture";
import { validateFixtureTrades, type TradesSummary } from "../../data/trades";
import { listFixtureDirs, resolveFixture } from "../fixtures-path";
import { printable } from "../printable";

function printSummary(s: FixtureSummary): void {
  const rej = s.report.rejectedTotal ? `, rejected ${s.report.rejectedTotal} ${JSON.stringify(s.report.rejected)}` : "";
  process.stdout.write(`✔ ${s.name}: ${s.rows} rows, ${s.symbols.length} symbol(s)${rej}, sha256 ${s.content_sha256.slice(0, 12)}\n`);
  for (const y of s.symbols) {
    const hours = ((y.last_ts - y.first_ts) / 3.6e6).toFixed(2);
    process.stdout.write(
      `    ${y.symbol.padEnd(10)} rows=${String(y.rows).padStart(7)} span=${hours}h L2=${y.l2_rows} ` +
        `mid=[${y.min_mid.toPrecision(6)}, ${y.max_mid.toPrecision(6)}] spread=${y.mean_spread_bps.toFixed(2)}bps maxgap=${y.max_gap_ms}ms\n`,
    );
  }
}

export function registerFixtures(program: Command): void {
  const fx = program.command("fixtures").description("inspect and check replay fixtures");
  fx.command("validate")
    .description("validate every row, count and content hash of fixtures; non-zero exit on the first broken one")
    .argument("[fixtures...]", "fixture folders or names (default: all under fixtures/)")
    .option("--lenient", "skip and count bad rows instead of failing")
    .option("--json", "print summaries as JSON")
    .action(async (names: string[], opts: { lenient?: boolean; json?: boolean }) => {
      const dirs = names.length ? names.map(resolveFixture) : listFixtureDirs();
      if (!dirs.length) throw new GrinderError("E_IO", "no fixtures found under fixtures/");
      const out: Array<FixtureSummary & { trades?: TradesSummary }> = [];
      let failed = 0;
      for (const d of dirs) {
        try {
          const s = await validateFixture(d, { lenient: opts.lenient });
          // Trades sidecar (ADR-050): every row, count and hash; counted per symbol.
          const t = await validateFixtureTrades(d, { lenient: opts.lenient });
          out.push(t ? { ...s, trades: t } : s);
          if (!opts.json) {
            printSummary(s);
            if (t) process.stdout.write(`    trades     rows=${String(t.rows).padStart(7)} buy=${t.buy} sell=${t.sell}${t.report.rejectedTotal ? ` rejected=${t.report.rejectedTotal}` : ""} sha256 ${t.content_sha256.slice(0, 12)}\n`);
          }
          // Lenient mode skips bad rows but not the file's identity: the row count and content
          // hash are still checked against the manifest (ADR-083).
          if (!s.hash_ok) {
            failed++;
            process.stderr.write(`✘ ${d}: E_HASH_MISMATCH: content SHA-256 / line count do not match the manifest (${path.join(d, "fixture.json")})\n`);
          }
        } catch (e) {
          if (!(e instanceof GrinderError)) throw e;
          failed++;
          process.stderr.write(`✘ ${d}: ${printable(e.message)}\n`);
        }
      }
      if (opts.json) process.stdout.write(JSON.stringify(out, null, 2) + "\n");
      // Every failure here is a refusal of input (bad row, hash, manifest): exit 2 like any GrinderError.
      if (failed) process.exitCode = 2;
    });
}
