import type { Command } from "commander";
import { ErrorCode, GrinderError } from "../../contracts/errors";
import { IMPORT_FORMATS, importToFixture, type ImportFormat } from "../../data/importers";
import { BAR_IMPORT_FORMATS, importBarDataset, type BarImportFormat } from "../../data/importers/bar-dataset";
import { WS_CLOCKS, type WsClock } from "../../data/importers/binance-ws";
import { FIXTURES_DIR, PROJECT_ROOT } from "../fixtures-path";
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
  clock?: string;
  gzip?: boolean;
  json?: boolean;
  trades?: string;
  force?: boolean;
  preset?: string;
  contractMultiplier?: string;
  inverse?: boolean;
  interval?: string;
  columns?: string;
}

/**
 * A duration option: `60000`, `60s`, `1m`, `1h`, `1d` → ms (a safe integer, > 0 unless `zero`),
 * else E_INVALID_ARGUMENT naming `--<field>`.
 */
export function parseDuration(v: string, field: string, opts: { zero?: boolean } = {}): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(v.trim());
  const unit = m ? ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as Record<string, number>)[m[2] ?? "ms"] : 0;
  const ms = m ? Number(m[1]) * unit : NaN;
  if (!(Number.isSafeInteger(ms) && (ms > 0 || (opts.zero === true && ms === 0))))
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `--${field} must be a ${opts.zero ? "" : "positive "}duration (${opts.zero ? "0, " : ""}60000, 60s, 1m, 1h, 1d), got '${v}'`, { field });
  return ms;
}

/** `--interval` (`parseDuration`, positive). */
export function parseInterval(v: string): number {
  return parseDuration(v, "interval");
}

/** `--columns` text `a=X,b=Y` → { a: "X", b: "Y" } for keys among `fields`; anything else refused. */
export function parseFieldMap<F extends string>(v: string, fields: readonly F[]): Partial<Record<F, string>> {
  const out: Partial<Record<F, string>> = {};
  for (const part of v.split(",")) {
    const eq = part.indexOf("=");
    const k = eq < 0 ? "" : part.slice(0, eq).trim();
    const val = eq < 0 ? "" : part.slice(eq + 1).trim();
    if (!(fields as readonly string[]).includes(k) || val === "")
      throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `--columns takes field=column pairs (fields ${fields.join(", ")}), got '${part}'`, { field: "columns" });
    out[k as F] = val;
  }
  return out;
}

const BAR_FIELDS = ["time", "open", "high", "low", "close", "volume"] as const;

/** `time=Date,open=1,close=Close` → { time: "Date", open: 1, close: "Close" } (digits = a 0-based column index); unknown keys refused. */
export function parseColumns(v: string): Partial<Record<(typeof BAR_FIELDS)[number], string | number>> {
  const named = parseFieldMap(v, BAR_FIELDS);
  return Object.fromEntries(Object.entries(named).map(([k, val]) => [k, /^\d+$/.test(val as string) ? Number(val) : (val as string)]));
}

export function registerImport(program: Command): void {
  program
    .command("import")
    .description(
      "import real market data into a fixture folder with provenance: " +
        "binance-bookticker-csv (bookTicker dump), binance-ws (websocket recording, L2 rebuilt), " +
        "binance-klines-csv (klines dump, written as klines.csv + klines.json into --out); " +
        "bar formats write a bar dataset recipe <out>/dataset.json (a bare name goes under datasets/): " +
        "ohlcv-csv (one file, --columns mapping, --interval), quote-bar-pair (bid file, ask file, --interval), lean-minute (Lean crypto minute day files)",
    )
    .argument("<format>", [...IMPORT_FORMATS, ...BAR_IMPORT_FORMATS].join(" | "))
    .argument("<inputs...>", "source file (.gz accepted for CSV); binance-ws: several files of one recording, in order; quote-bar-pair: bid then ask; lean-minute: day files in date order")
    .requiredOption("--out <dir>", "output folder, e.g. fixtures/<name> (a bare name goes under fixtures/)")
    .option("--name <name>", "fixture name (default: the output folder's name)")
    .option("--symbol <symbol>", "symbol (default: from the file name or the data)")
    .option("--tick <tick>", "tick size (default: inferred = smallest price increment seen)")
    .option("--lot <lot>", "lot size (default: inferred = smallest quantity increment seen)")
    .option("--min-notional <n>", "minimum notional (default 0)")
    .option("--lenient", "skip and count bad lines instead of failing on the first")
    .option("--depth <n>", "binance-ws: L2 levels per side on each snapshot (default 20)")
    .option("--clock <clock>", "binance-ws: exchange (default: the messages' exchange times, streams merged by them) or receive (receiver clock, line order)")
    .option("--gzip", "gzip the snapshots file (default: only above 4 MB)")
    .option("--json", "print the import report as JSON")
    .option("--force", "replace an existing output folder (or klines.csv); without it an existing output is refused")
    .option("--preset <venue>", "instrument preset by symbol: binance-coinm (BTCUSD_PERP 100 USD, ETHUSD_PERP 10 USD per contract, inverse, lot 1 contract)")
    .option("--contract-multiplier <m>", "contract multiplier (quote per contract when --inverse, base per contract otherwise)")
    .option("--inverse", "inverse contract: PnL and fees in the base coin")
    .option("--interval <d>", "bar formats: the bar length (60000, 60s, 1m, 1h, 1d; lean-minute: 1m)")
    .option("--columns <map>", "ohlcv-csv / quote-bar-pair: field=column pairs, column = header name or 0-based index (e.g. time=Date,open=Open,close=4)")
    .option("--trades <csv>", "binance-bookticker-csv: a Binance trades / aggTrades CSV dump merged as the fixture's trades")
    .action(async (format: string, inputs: string[], o: ImportCliOptions) => {
      if ((BAR_IMPORT_FORMATS as readonly string[]).includes(format)) return importBars(format as BarImportFormat, inputs, o);
      if (o.interval !== undefined || o.columns !== undefined)
        throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `--interval / --columns are for the bar formats (${BAR_IMPORT_FORMATS.join(", ")})`, { field: o.interval !== undefined ? "interval" : "columns" });
      const [input, ...more] = inputs;
      if (more.length && format !== "binance-ws")
        throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `${format} takes one input file, got ${inputs.length}`, { field: "input" });
      if (o.trades !== undefined && format !== "binance-bookticker-csv")
        throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "--trades is for binance-bookticker-csv (binance-ws keeps the recording's own trades)", { field: "trades" });
      if ((o.preset !== undefined || o.contractMultiplier !== undefined || o.inverse) && format === "binance-klines-csv")
        throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "--preset / --contract-multiplier / --inverse describe the instrument of a snapshot import, not a klines sidecar", { field: "preset" });
      if (!(IMPORT_FORMATS as readonly string[]).includes(format))
        throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `unknown format '${format}' (one of ${[...IMPORT_FORMATS, ...BAR_IMPORT_FORMATS].join(", ")})`, { field: "format" });
      const out = o.out!.includes("/") || o.out!.includes(path.sep) ? o.out! : path.join(FIXTURES_DIR, o.out!);
      const depth = o.depth === undefined ? undefined : Number(o.depth);
      if (depth !== undefined && !(Number.isInteger(depth) && depth > 0))
        throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `--depth must be a positive integer, got '${o.depth}'`, { field: "depth" });
      if (o.clock !== undefined && (format !== "binance-ws" || !(WS_CLOCKS as readonly string[]).includes(o.clock)))
        throw new GrinderError(ErrorCode.INVALID_ARGUMENT, format !== "binance-ws" ? "--clock is for binance-ws" : `--clock must be one of ${WS_CLOCKS.join(", ")}, got '${o.clock.slice(0, 40)}'`, { field: "clock" });
      const r = await importToFixture(format as ImportFormat, input, {
        out,
        clock: o.clock as WsClock | undefined,
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

/** Bar formats → a dataset recipe (ADR-123). Strict only: a recipe replays strictly. */
async function importBars(format: BarImportFormat, inputs: string[], o: ImportCliOptions): Promise<void> {
  if (o.lenient) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "--lenient does not apply to bar datasets: a recipe is replayed strictly, so its import is strict", { field: "lenient" });
  for (const [flag, v] of [["--trades", o.trades], ["--depth", o.depth], ["--gzip", o.gzip]] as const)
    if (v !== undefined) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `${flag} does not apply to the bar formats`, { field: flag.slice(2) });
  const out = o.out!.includes("/") || o.out!.includes(path.sep) ? o.out! : path.join(PROJECT_ROOT, "datasets", o.out!);
  const r = await importBarDataset(format, inputs, {
    out,
    name: o.name,
    symbol: o.symbol,
    interval_ms: o.interval === undefined ? undefined : parseInterval(o.interval),
    columns: o.columns === undefined ? undefined : parseColumns(o.columns),
    instrument: { tick_size: positive(o.tick, "tick"), lot_size: positive(o.lot, "lot"), min_notional: positive(o.minNotional, "min-notional") },
    contract:
      o.preset !== undefined || o.contractMultiplier !== undefined || o.inverse
        ? { preset: o.preset, multiplier: positive(o.contractMultiplier, "contract-multiplier"), inverse: o.inverse ? true : undefined }
        : undefined,
    force: o.force,
  });
  if (o.json) {
    process.stdout.write(JSON.stringify({ format: r.format, written: [r.recipe], bars: r.bars, report: r.report, ...(r.symbols.length > 1 ? { symbols: r.symbols } : {}), dataset: r.dataset }, null, 2) + "\n");
    return;
  }
  const lines = r.symbols.reduce((a, x) => a + x.report.lines, 0);
  process.stdout.write(`✔ ${format}: ${lines} lines → ${r.bars} bars of ${r.dataset.interval_ms} ms (${r.symbols.map((x) => x.symbol).join(", ")})\n`);
  for (const x of r.symbols) {
    const i = x.report.instrument!;
    process.stdout.write(`    instrument ${i.symbol} tick=${i.tick_size}${x.tick_inferred ? " (inferred)" : ""} lot=${i.lot_size} min_notional=${i.min_notional}${i.contract_multiplier !== undefined ? ` multiplier=${i.contract_multiplier}` : ""}${i.inverse ? " inverse" : ""}${r.symbols.length > 1 ? ` (${x.bars} bars)` : ""}\n`);
    const counts = Object.entries(x.report.counts).filter(([, v]) => v !== 0);
    if (counts.length) process.stdout.write(`    counts${r.symbols.length > 1 ? ` ${i.symbol}` : ""} ${counts.map(([k, v]) => `${k}=${v}`).join(" ")}\n`);
  }
  process.stdout.write(`    wrote ${path.relative(process.cwd(), r.recipe) || r.recipe}\n`);
  process.stdout.write(`    replay: grinder replay ${path.relative(process.cwd(), r.recipe) || r.recipe}; pin: npx tsx scripts/pin-bar-datasets.ts --update (datasets/ only)\n`);
}
