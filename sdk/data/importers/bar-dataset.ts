import { promises as fsp } from "node:fs";
import * as path from "node:path";
import { ErrorCode, GrinderError } from "../../contracts/errors";
import { fromZodError } from "../../contracts/zod";
import { importLeanMinute, importOhlcvCsv, importQuoteBarPair, leanFileInfo, type BarImport, type OhlcvCsvOptions } from "../bars";
import { BarDatasetSchema, type BarDataset } from "../dataset";
import { writeFileAtomic } from "../fixture";
import { sha256File, StepTracker, type ImportReport } from "./common";
import { presetOverrides, withContractTerms, type ContractImportOptions } from "./presets";

/** Bar formats `grinder import` turns into a dataset recipe (ADR-123). */
export const BAR_IMPORT_FORMATS = ["ohlcv-csv", "quote-bar-pair", "lean-minute"] as const;
export type BarImportFormat = (typeof BAR_IMPORT_FORMATS)[number];

export interface BarDatasetImportOptions {
  /** Output folder; the recipe is `<out>/dataset.json`. */
  out: string;
  /** Dataset name (default: the output folder's base name). */
  name?: string;
  description?: string;
  /** Symbol (default: from a Lean file name; required for ohlcv-csv and quote-bar-pair). */
  symbol?: string;
  /** Bar length in ms (lean-minute: 60 000, the only value it accepts). */
  interval_ms?: number;
  /** Column mapping (ohlcv-csv, quote-bar-pair): field → header name or 0-based index. */
  columns?: OhlcvCsvOptions["columns"];
  /** tick (default: inferred from the prices), lot (required unless a preset gives it), min_notional (default 0). */
  instrument?: { tick_size?: number; lot_size?: number; min_notional?: number };
  contract?: ContractImportOptions;
  /** Replace an existing dataset.json (default false: refused). */
  force?: boolean;
}

export interface BarDatasetImportResult {
  format: BarImportFormat;
  recipe: string;
  dataset: BarDataset;
  report: ImportReport;
  bars: number;
  tick_inferred: boolean;
  /** Per symbol, in symbol order (one entry unless Lean files of several symbols were imported, ADR-249): bars, report (with its instrument), tick inferred. `report` / `tick_inferred` above are the first's. */
  symbols: Array<{ symbol: string; bars: number; report: ImportReport; tick_inferred: boolean }>;
}

const NAME = /^[a-z0-9_\-.]+$/i;

function barImport(format: BarImportFormat, files: string[], symbol: string, interval: number, columns: BarDatasetImportOptions["columns"], steps: StepTracker): BarImport {
  if (format === "quote-bar-pair") return importQuoteBarPair(files[0], files[1], { symbol, interval_ms: interval, columns, steps });
  if (format === "lean-minute") return importLeanMinute(files, { symbol, steps });
  return importOhlcvCsv(files[0], { symbol, interval_ms: interval, columns, steps });
}

/**
 * Read bar files once, strictly (the first bad line is a `GrinderError` naming file, line and
 * field: a recipe replays strictly, so an import does too), and write a bar dataset recipe
 * (ADR-072/123): the files relative to the recipe's folder with their SHA-256, the format, the
 * interval, the column mapping and the instrument (tick inferred from the prices unless given;
 * contract terms from a preset). The recipe is validated by the dataset schema before it is
 * written atomically; an existing `dataset.json` is refused without `force`.
 */
export async function importBarDataset(format: BarImportFormat, inputs: string[], opts: BarDatasetImportOptions): Promise<BarDatasetImportResult> {
  if (!(BAR_IMPORT_FORMATS as readonly string[]).includes(format))
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `unknown bar format '${format}' (one of ${BAR_IMPORT_FORMATS.join(", ")})`, { field: "format" });
  const want = format === "quote-bar-pair" ? 2 : format === "ohlcv-csv" ? 1 : undefined;
  if (want !== undefined && inputs.length !== want)
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `${format} takes ${want === 2 ? "two files (bid, ask)" : "one file"}, got ${inputs.length}`, { field: "input" });
  if (!inputs.length) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `${format} needs at least one file`, { field: "input" });
  const out = path.resolve(opts.out);
  const name = opts.name ?? path.basename(out);
  if (!NAME.test(name)) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `dataset name '${name}' must use only letters, digits, '_', '-' and '.' (pass --name)`, { field: "name" });
  const recipe = path.join(out, "dataset.json");
  // output checks first: an existing recipe costs nothing to refuse
  try {
    const st = await fsp.stat(out);
    if (!st.isDirectory()) throw new GrinderError(ErrorCode.IO, "output exists and is not a folder", { file: out });
    await fsp.stat(recipe);
    if (!opts.force) throw new GrinderError(ErrorCode.REFUSED, "output exists: pass --force to replace it", { file: recipe });
  } catch (e) {
    if (e instanceof GrinderError) throw e;
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new GrinderError(ErrorCode.IO, `cannot use the output folder: ${(e as Error).message}`, { file: out });
  }
  for (const f of inputs) {
    let st;
    try {
      st = await fsp.stat(f);
    } catch (e) {
      throw new GrinderError(ErrorCode.IO, `cannot read input: ${(e as Error).message}`, { file: f });
    }
    if (!st.isFile()) throw new GrinderError(ErrorCode.IO, "input is not a regular file", { file: f });
  }
  let interval = opts.interval_ms;
  // one group of files per symbol: Lean day files of several symbols (named in their file names)
  // give one source and one instrument each, unless --symbol names the one symbol (ADR-249)
  let groups: Array<{ symbol: string | undefined; files: string[] }> = [{ symbol: opts.symbol, files: inputs }];
  if (format === "lean-minute") {
    const bySymbol = new Map<string, string[]>();
    for (const f of inputs) {
      const sym = leanFileInfo(f).symbol;
      bySymbol.set(sym, [...(bySymbol.get(sym) ?? []), f]);
    }
    if (bySymbol.size > 1 && opts.symbol !== undefined)
      throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `the files are of ${bySymbol.size} symbols (${[...bySymbol.keys()].sort().join(", ")}): they cannot be one symbol '${opts.symbol}'; leave --symbol out for one instrument per symbol`, { field: "symbol" });
    if (opts.symbol === undefined) groups = [...bySymbol.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([symbol, files]) => ({ symbol, files }));
    if (interval !== undefined && interval !== 60_000)
      throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `lean-minute bars are one minute long: --interval must be 1m, got ${interval} ms`, { field: "interval" });
    interval = 60_000;
  }
  const per: BarDatasetImportResult["symbols"] = [];
  const sources: Array<Record<string, unknown>> = [];
  for (const g of groups) {
    const symbol = g.symbol;
    if (symbol === undefined) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `${format} needs --symbol`, { field: "symbol" });
    if (!/^[A-Za-z0-9_\-.]+$/.test(symbol)) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `symbol '${symbol}' must use only letters, digits, '_', '-' and '.'`, { field: "symbol" });
    if (!(interval !== undefined && Number.isInteger(interval) && interval > 0))
      throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `${format} needs --interval (the bar length, e.g. 1m, 60000)`, { field: "interval" });
    const given = presetOverrides(opts.contract, symbol, opts.instrument ?? {});
    if (given.lot_size === undefined) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "bar data carries no order quantities: pass --lot (or an instrument --preset)", { field: "lot" });
    const steps = new StepTracker();
    const imp = barImport(format, g.files, symbol, interval, opts.columns, steps);
    let bars = 0;
    let first: number | undefined;
    let last: number | undefined;
    for await (const b of imp) {
      bars++;
      first ??= b.open_time;
      last = b.open_time;
    }
    if (bars === 0) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "no bar was read: nothing to replay", { file: g.files[0] });
    const tick = given.tick_size ?? steps.step();
    if (tick === undefined) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "cannot infer the tick (every price is 0?): pass --tick", { file: g.files[0], field: "tick" });
    const inst = withContractTerms({ symbol, tick_size: tick, lot_size: given.lot_size, min_notional: given.min_notional ?? 0 }, opts.contract);
    const files = g.files.map((f) => path.relative(out, path.resolve(f)).split(path.sep).join("/"));
    const sha256: string[] = [];
    for (const f of g.files) sha256.push(await sha256File(f));
    const source: Record<string, unknown> = { format, symbol, files, sha256 };
    if (opts.columns && format !== "lean-minute") source.columns = opts.columns;
    sources.push(source);
    imp.report.instrument = inst;
    imp.report.instrument_inferred = given.tick_size === undefined;
    imp.report.first_ts = first;
    imp.report.last_ts = last;
    per.push({ symbol, bars, report: imp.report, tick_inferred: given.tick_size === undefined });
  }
  const bars = per.reduce((a, x) => a + x.bars, 0);
  const span = `${isoOf(Math.min(...per.map((x) => x.report.first_ts!)))} .. ${isoOf(Math.max(...per.map((x) => x.report.last_ts!)))}`;
  const what = per.length === 1 ? `${per[0].symbol} ${format} bars imported from ${inputs.map((f) => path.basename(f)).join(", ")}` : `${per.map((x) => x.symbol).join(", ")} ${format} bars imported from ${inputs.length} files`;
  const raw = {
    name,
    description: opts.description ?? `${what} (${bars} bars, ${span}).`,
    kind: "bars",
    interval_ms: interval,
    sources,
    instruments: per.map((x) => x.report.instrument!),
  };
  const parsed = BarDatasetSchema.safeParse(raw);
  if (!parsed.success) throw fromZodError(parsed.error, "bar dataset").at({ file: recipe });
  await writeFileAtomic(recipe, JSON.stringify(raw, null, 2) + "\n");
  return { format, recipe, dataset: parsed.data, report: per[0].report, bars, tick_inferred: per[0].tick_inferred, symbols: per };
}

function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}
