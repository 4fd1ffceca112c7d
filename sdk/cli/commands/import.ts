import type { Command } from "commander";
import { ErrorCode, GrinderError } from "../../contracts/errors";
import { IMPORT_FORMATS, importToFixture, type ImportFormat } from "../../data/importers";
import { FIXTURES_DIR } from "../fixtures-path";
import * as path from "node:path";

function positive(v: string | undefined, field: string): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isFinite(x) || x < 0 || (field !== "min-notional" && x === 0))
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `--${field} must be a ${field === "min-notional" ? "non-negative" : "positive"} number, got '${v}'`, { field });
  return x;
}

interface ImportCliOptions {
  out?: string;
  name?: string;
  symbol?: string;
  tick?: string;
  lot?: string;
  minNotional?: string;
  lenient?: boolean;
  depth?: string;
  gzip?: boolean;
  json?: boolean;
  trades?: string;
  force?: boolean;
  preset?: string;
  contractMultiplier?: string;
  inverse?: boolean;
}

export function registerImport(program: Command): void {
  program
    .command("import")
    .description(
      "import real market data into a fixture folder with provenance: " +
        "binance-bookticker-csv (bookTicker dump), binance-ws (websocket recording, L2 rebuilt), " +
        "binance-klines-csv (klines dump, written as klines.csv + klines.json into --out)",
    )
    .argument("<format>", IMPORT_FORMATS.join(" | "))
    .argument("<inputs...>", "source file (.gz accepted for CSV); binance-ws: several files of one recording, in order")
    .requiredOption("--out <dir>", "output folder, e.g. fixtures/<name> (a bare name goes under fixtures/)")
    .option("--name <name>", "fixture name (default: the output folder's name)")
    .option("--symbol <symbol>", "symbol (default: from the file name or the data)")
    .option("--tick <tick>", "tick size (default: inferred = smallest price increment seen)")
    .option("--lot <lot>", "lot size (default: inferred = smallest quantity increment seen)")
    .option("--min-notional <n>", "minimum notional (default 0)")
    .option("--lenient", "skip and count bad lines instead of failing on the first")
    .option("--depth <n>", "binance-ws: L2 levels per side on each snapshot (default 20)")
    .option("--gzip", "gzip the snapshots file (default: only above 4 MB)")
    .option("--json", "print the import report as JSON")
    .option("--force", "replace an existing output folder (or klines.csv); without it an existing output is refused")
    .option("--preset <venue>", "instrument preset by symbol: binance-coinm (BTCUSD_PERP 100 USD, ETHUSD_PERP 10 USD per contract, inverse, lot 1 contract)")
    .option("--contract-multiplier <m>", "contract multiplier (quote per contract when --inverse, base per contract otherwise)")
    .option("--inverse", "inverse contract: PnL and fees in the base coin")
    .option("--trades <csv>", "binance-bookticker-csv: a Binance trades / aggTrades CSV dump merged as the fixture's trades")
    .action(async (format: string, inputs: string[], o: ImportCliOptions) => {
      const [input, ...more] = inputs;
      if (more.length && format !== "binance-ws")
        throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `${format} takes one input file, got ${inputs.length}`, { field: "input" });
      if (o.trades !== undefined && format !== "binance-bookticker-csv")
        throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "--trades is for binance-bookticker-csv (binance-ws keeps the recording's own trades)", { field: "trades" });
      if ((o.preset !== undefined || o.contractMultiplier !== undefined || o.inverse) && format === "binance-klines-csv")
        throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "--preset / --contract-multiplier / --inverse describe the instrument of a snapshot import, not a klines sidecar", { field: "preset" });
      if (!(IMPORT_FORMATS as readonly string[]).includes(format))
        throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `unknown format '${format}' (one of ${IMPORT_FORMATS.join(", ")})`, { field: "format" });
      const out = o.out!.includes("/") || o.out!.includes(path.sep) ? o.out! : path.join(FIXTURES_DIR, o.out!);
      const depth = o.depth === undefined ? undefined : Number(o.depth);
      if (depth !== undefined && !(Number.isInteger(depth) && depth > 0))
        throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `--depth must be a positive integer, got '${o.depth}'`, { field: "depth" });
      const r = await importToFixture(format as ImportFormat, input, {
        out,
        name: o.name,
        symbol: o.symbol,
        instrument: { tick_size: positive(o.tick, "tick"), lot_size: positive(o.lot, "lot"), min_notional: positive(o.minNotional, "min-notional") },
        lenient: o.lenient,
        depth,
        gzip: o.gzip,
        trades: o.trades,
        more,
        force: o.force,
        contract:
          o.preset !== undefined || o.contractMultiplier !== undefined || o.inverse
            ? { preset: o.preset, multiplier: positive(o.contractMultiplier, "contract-multiplier"), inverse: o.inverse ? true : undefined }
            : undefined,
      });
      if (o.json) {
        process.stdout.write(JSON.stringify({ format: r.format, written: r.written, report: r.report, manifest: r.manifest }, null, 2) + "\n");
        return;
      }
      const rep = r.report;
      const rej = rep.rejectedTotal ? `, rejected ${rep.rejectedTotal} ${JSON.stringify(rep.rejected)}` : "";
      process.stdout.write(`✔ ${format}: ${rep.lines} lines → ${rep.emitted} ${format === "binance-klines-csv" ? "klines" : "snapshots"}${rej}\n`);
      if (rep.instrument)
        process.stdout.write(`    instrument ${rep.instrument.symbol} tick=${rep.instrument.tick_size} lot=${rep.instrument.lot_size} min_notional=${rep.instrument.min_notional}${rep.instrument.contract_multiplier !== undefined ? ` multiplier=${rep.instrument.contract_multiplier}` : ""}${rep.instrument.inverse ? " inverse" : ""}${rep.instrument_inferred ? " (inferred)" : ""}\n`);
      const counts = Object.entries(rep.counts).filter(([, v]) => v !== 0);
      if (counts.length) process.stdout.write(`    counts ${counts.map(([k, v]) => `${k}=${v}`).join(" ")}\n`);
      for (const f of r.written) process.stdout.write(`    wrote ${path.relative(process.cwd(), f) || f}\n`);
      if (r.manifest) process.stdout.write(`    content sha256 ${r.manifest.content_sha256}\n`);
      if (r.manifest?.trades) process.stdout.write(`    trades ${r.manifest.trades.rows} (sha256 ${r.manifest.trades.content_sha256})\n`);
    });
}
