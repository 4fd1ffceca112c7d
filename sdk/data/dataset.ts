import { existsSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { ErrorCode, GrinderError } from "../contracts/errors";
import { InstrumentSpecSchema, type InstrumentSpec, type Snapshot } from "../contracts/market";
import { fromZodError } from "../contracts/zod";
import { barSnapshots, importLeanMinute, importOhlcvCsv, importQuoteBarPair, mergeSnapshotStreams, type BarImport } from "./bars";
import { sha256File } from "./importers/common";

/**
 * A bar dataset recipe (ADR-072): a small committed JSON file naming raw bar files (kept
 * outside the repository, e.g. `../shared/data/...`, relative to the recipe's folder), their
 * SHA-256, the format, the declared interval and the instruments. Opening it checks every
 * source hash (a mismatch is `E_HASH_MISMATCH`, a refusal); streaming it runs the importers
 * and the intrabar path model, and merges several symbols into one multi-symbol stream.
 */
export const BarSourceSchema = z
  .object({
    format: z.enum(["ohlcv-csv", "quote-bar-pair", "lean-minute"]),
    symbol: z.string().regex(/^[A-Za-z0-9_\-.]+$/),
    /** ohlcv-csv: one file; quote-bar-pair: [bid, ask]; lean-minute: day files in date order. */
    files: z.array(z.string().min(1)).min(1),
    /** SHA-256 of each file, same order. */
    sha256: z.array(z.string().regex(/^[0-9a-f]{64}$/)),
    columns: z.record(z.union([z.string(), z.number().int().nonnegative()])).optional(),
  })
  .strict();

export const BarDatasetSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9_\-.]+$/i),
    description: z.string().default(""),
    kind: z.literal("bars"),
    /** The data's own sampling interval (ms): the bar length. Config adaptation reads it (ADR-071). */
    interval_ms: z.number().int().positive(),
    sources: z.array(BarSourceSchema).min(1),
    instruments: z.array(InstrumentSpecSchema).min(1),
    path: z
      .object({
        sizes: z.enum(["bar", "fixed"]).default("fixed"),
        size_quote: z.number().positive().default(1_000_000),
        spread_ticks: z.number().int().positive().default(1),
      })
      .strict()
      .default({}),
  })
  .strict()
  .superRefine((d, ctx) => {
    const inst = new Set(d.instruments.map((i) => i.symbol));
    d.sources.forEach((s, i) => {
      if (!inst.has(s.symbol)) ctx.addIssue({ code: "custom", path: ["sources", i, "symbol"], message: `no instrument for symbol ${s.symbol}` });
      if (s.sha256.length !== s.files.length) ctx.addIssue({ code: "custom", path: ["sources", i, "sha256"], message: "one hash per file" });
      if (s.format === "quote-bar-pair" && s.files.length !== 2) ctx.addIssue({ code: "custom", path: ["sources", i, "files"], message: "quote-bar-pair takes [bid, ask]" });
      if (s.format === "ohlcv-csv" && s.files.length !== 1) ctx.addIssue({ code: "custom", path: ["sources", i, "files"], message: "ohlcv-csv takes one file" });
    });
    if (new Set(d.sources.map((s) => s.symbol)).size !== d.sources.length) ctx.addIssue({ code: "custom", path: ["sources"], message: "one source per symbol" });
  });
export type BarDataset = z.infer<typeof BarDatasetSchema>;

export interface OpenedBarDataset {
  file: string;
  dir: string;
  spec: BarDataset;
  instruments: InstrumentSpec[];
  /** Files resolved against the recipe folder, per source. */
  files: string[][];
}

/**
 * The recipe a path stands for (ADR-264/266): a recipe file itself, or a folder holding
 * `dataset.json` and neither a fixture's nor a store's manifest; null for anything else.
 */
export function barRecipeOf(p: string): string | null {
  if (isBarDatasetFile(p)) return p;
  const inner = path.join(p, "dataset.json");
  return existsSync(inner) && !existsSync(path.join(p, "fixture.json")) && !existsSync(path.join(p, "store.json")) && isBarDatasetFile(inner) ? inner : null;
}

/** The project's bar dataset folder (`<project>/datasets`): where a bare dataset name is looked up. */
export const DATASETS_ROOT = path.resolve(__dirname, "..", "..", "datasets");

/**
 * The recipe a dataset argument names (ADR-264/266): an existing path's recipe (`barRecipeOf`),
 * else, for a bare name that `notFixture` says is no fixture, `<DATASETS_ROOT>/<name>`'s; null otherwise.
 */
export function barRecipeNamed(name: string, notFixture: boolean): string | null {
  if (existsSync(name)) return barRecipeOf(name);
  return notFixture && !name.includes("/") ? barRecipeOf(path.join(DATASETS_ROOT, name)) : null;
}

/** True when `file` is read as a bar dataset recipe: a JSON file other than a fixture's or a store's manifest (ADR-248). */
export function isBarDatasetFile(file: string): boolean {
  // any other JSON file given where a dataset goes is read as a recipe, so that what is wrong with
  // it (JSON, `kind`, a field) is said (ADR-248); a fixture's or a store's manifest names its folder
  if (!file.endsWith(".json") || path.basename(file) === "fixture.json" || path.basename(file) === "store.json") return false;
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Read and validate a recipe; with `verify` (default) check every source file's SHA-256. */
export async function openBarDataset(file: string, opts: { verify?: boolean } = {}): Promise<OpenedBarDataset> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new GrinderError(ErrorCode.IO, `cannot read bar dataset: ${(e as Error).message}`, { file });
  }
  const r = BarDatasetSchema.safeParse(raw);
  if (!r.success) throw fromZodError(r.error, "bar dataset").at({ file });
  const spec = r.data;
  const dir = path.dirname(path.resolve(file));
  const files = spec.sources.map((s) => s.files.map((f) => path.resolve(dir, f)));
  if (opts.verify !== false) {
    for (let i = 0; i < spec.sources.length; i++)
      for (let j = 0; j < files[i].length; j++) {
        if (!existsSync(files[i][j])) throw new GrinderError(ErrorCode.IO, "source file is missing", { file: files[i][j], field: `sources[${i}].files[${j}]` });
        const h = await sha256File(files[i][j]);
        if (h !== spec.sources[i].sha256[j])
          throw new GrinderError(ErrorCode.HASH_MISMATCH, `source SHA-256 ${h} differs from the recipe's ${spec.sources[i].sha256[j]}`, { file: files[i][j], field: `sources[${i}].sha256[${j}]` });
      }
  }
  const instruments = [...spec.instruments].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  return { file: path.resolve(file), dir, spec, instruments, files };
}

/** The bar imports of a dataset, one per source (strict: the first bad line is an error). */
export function datasetBarImports(ds: OpenedBarDataset): BarImport[] {
  return ds.spec.sources.map((s, i) => {
    const f = ds.files[i];
    if (s.format === "quote-bar-pair") return importQuoteBarPair(f[0], f[1], { symbol: s.symbol, interval_ms: ds.spec.interval_ms, columns: s.columns });
    if (s.format === "lean-minute") return importLeanMinute(f, { symbol: s.symbol });
    return importOhlcvCsv(f[0], { symbol: s.symbol, interval_ms: ds.spec.interval_ms, columns: s.columns });
  });
}

/**
 * The dataset as one time-ordered Snapshot stream (intrabar path model per bar; several symbols
 * merged by ts, ties by symbol). `counts` collects the path model's counters.
 */
export function streamBarDataset(ds: OpenedBarDataset, counts: Record<string, number> = {}): AsyncGenerator<Snapshot> {
  const bySym = new Map(ds.instruments.map((i) => [i.symbol, i]));
  const streams = datasetBarImports(ds).map((imp) => barSnapshots(imp, { instrument: bySym.get(imp.symbol)!, ...ds.spec.path }, counts));
  return streams.length === 1 ? streams[0] : mergeSnapshotStreams(streams);
}
