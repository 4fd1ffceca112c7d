import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { ErrorCode, GrinderError } from "../contracts/errors";
import { openFixture, readLines, type Fixture } from "../data/fixture";
import { canonicalJson } from "../util/canonical";
import { columnarContentHash, columnarTradesHash, isColumnarStore, openColumnarStore, type ColumnarStore } from "../data/store";
import type { ResolvedDataset } from "./folds";
import type { DatasetSpec } from "./spec";
import { barRecipeNamed, openBarDataset, streamBarDataset, type OpenedBarDataset } from "../data/dataset";
import { snapshotLine } from "../data/line-bytes";

/** Default fixture folder: `<project>/fixtures`. */
export const DEFAULT_FIXTURES_ROOT = path.resolve(__dirname, "..", "..", "fixtures");

/** Fixture name under `root`, else a folder path (relative to `cwd`). */
export function resolveFixtureDir(name: string, root = DEFAULT_FIXTURES_ROOT, cwd = process.cwd()): string {
  const named = path.join(root, name);
  if (existsSync(path.join(named, "fixture.json")) || isColumnarStore(named)) return named;
  return path.resolve(cwd, name);
}

/**
 * A columnar store as a calibration dataset (ADR-259): its content hash and its prints' hash
 * recomputed from the partitions (as `grinder store verify`; a mismatch is E_HASH_MISMATCH), its
 * first and last data time from the partition ranges that scan checked (ADR-262): one read of the rows. A store has no dataset version of its own: it is
 * recorded as the version of the fixture `store export` writes from it, 1.
 */
function resolveStore(dir: string, d: DatasetSpec, i: number, file: string | undefined): ResolvedDataset {
  let store: ColumnarStore;
  try {
    store = openColumnarStore(dir);
  } catch (e) {
    if (e instanceof GrinderError) throw new GrinderError(e.code, `dataset '${d.fixture}': ${e.detail}`, { file: e.file ?? file, field: `datasets[${i}].fixture` });
    throw e;
  }
  const m = store.manifest;
  const known = new Set(store.instruments.map((x) => x.symbol));
  (d.symbols ?? []).forEach((sym, j) => {
    if (!known.has(sym)) throw new GrinderError(ErrorCode.UNKNOWN_SYMBOL, `dataset '${d.fixture}': symbol '${sym}' is not in the store`, { file, field: `datasets[${i}].symbols[${j}]` });
  });
  const sha = columnarContentHash(store);
  if (sha !== m.content_sha256)
    throw new GrinderError(ErrorCode.HASH_MISMATCH, `store '${m.name}' rows hash ${sha.slice(0, 12)} ≠ manifest ${m.content_sha256.slice(0, 12)}`, { file: path.join(store.dir, "store.json") });
  const th = columnarTradesHash(store);
  if (th !== null && th !== m.trades!.content_sha256)
    throw new GrinderError(ErrorCode.HASH_MISMATCH, `store '${m.name}' trades hash ${th.slice(0, 12)} ≠ manifest ${m.trades!.content_sha256.slice(0, 12)}`, { file: path.join(store.dir, "store.json"), field: "trades.content_sha256" });
  // the time span from the partition ranges, which the hash scan above has checked against every partition it read (ADR-262)
  let first = NaN;
  let last = NaN;
  for (const p of m.partitions) {
    if (!(p.first_ts >= first)) first = p.first_ts;
    if (!(p.last_ts <= last)) last = p.last_ts;
  }
  if (first !== first) throw new GrinderError(ErrorCode.CONFIG, `store '${m.name}' has no snapshots`, { file: path.join(store.dir, "store.json") });
  return {
    fixture: m.name, version: 1, content_sha256: m.content_sha256, rows: m.rows, symbols: d.symbols ? [...d.symbols].sort() : [...known].sort(),
    symbols_restricted: d.symbols !== undefined, first_ts: first, last_ts: last, dir: store.dir,
  };
}

/**
 * A bar dataset recipe as a calibration dataset (ADR-266): opened (every source's SHA-256 checked,
 * as `grinder replay` does), streamed once through the intrabar path model for its content hash —
 * the SHA-256 of the canonical lines of the snapshots it yields, what a fixture's `content_sha256`
 * is of the same stream — its row count and time span. It replays all its symbols; a `symbols`
 * subset is refused. `dir` is the recipe file.
 */
async function resolveBarDataset(recipe: string, d: DatasetSpec, i: number, file: string | undefined): Promise<ResolvedDataset> {
  let ds: OpenedBarDataset;
  try {
    ds = await openBarDataset(recipe);
  } catch (e) {
    if (e instanceof GrinderError) throw new GrinderError(e.code, `dataset '${d.fixture}': ${e.detail}`, { file: e.file ?? file, line: e.line, field: e.field ?? `datasets[${i}].fixture` });
    throw e;
  }
  if (d.symbols !== undefined)
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `dataset '${d.fixture}': a bar dataset replays all its symbols (symbols restricts fixtures and stores)`, { file, field: `datasets[${i}].symbols` });
  const h = createHash("sha256");
  let rows = 0;
  let first = NaN;
  let last = NaN;
  for await (const s of streamBarDataset(ds)) {
    h.update(snapshotLine(s));
    if (rows++ === 0) first = s.ts;
    last = s.ts;
  }
  if (rows === 0) throw new GrinderError(ErrorCode.CONFIG, `bar dataset '${ds.spec.name}' has no bars`, { file: ds.file });
  return {
    fixture: ds.spec.name, version: 1, content_sha256: h.digest("hex"), rows, symbols: ds.instruments.map((x) => x.symbol).sort(),
    symbols_restricted: false, first_ts: first, last_ts: last, dir: ds.file,
  };
}

/**
 * Resolve the spec's datasets: open each fixture (or columnar store, ADR-259), check the requested
 * symbols exist, and read its time span while recomputing the content SHA-256 — a dataset whose
 * rows no longer match its manifest is refused (E_HASH_MISMATCH), because the artifact pins that hash.
 * Result sorted by fixture name.
 */
export async function resolveDatasets(specs: readonly DatasetSpec[], opts: { root?: string; file?: string } = {}): Promise<ResolvedDataset[]> {
  const out: ResolvedDataset[] = [];
  for (let i = 0; i < specs.length; i++) {
    const d = specs[i];
    const dir = resolveFixtureDir(d.fixture, opts.root);
    // a bar dataset (ADR-266): its recipe, its folder, or a bare name under datasets/
    const recipe = barRecipeNamed(existsSync(dir) ? dir : d.fixture, !existsSync(dir));
    if (recipe !== null) {
      out.push(await resolveBarDataset(recipe, d, i, opts.file));
      continue;
    }
    if (isColumnarStore(dir)) {
      out.push(resolveStore(dir, d, i, opts.file));
      continue;
    }
    let fx: Fixture;
    try {
      fx = openFixture(dir);
    } catch (e) {
      if (e instanceof GrinderError) throw new GrinderError(e.code, `dataset '${d.fixture}': ${e.detail}`, { file: e.file ?? opts.file, field: `datasets[${i}].fixture` });
      throw e;
    }
    const m = fx.manifest;
    const symbols = d.symbols ? [...d.symbols].sort() : [...fx.instruments.keys()];
    (d.symbols ?? []).forEach((s, j) => {
      if (!fx.instruments.has(s))
        throw new GrinderError(ErrorCode.UNKNOWN_SYMBOL, `dataset '${d.fixture}': symbol '${s}' is not in the fixture`, {
          file: opts.file,
          field: `datasets[${i}].symbols[${j}]`,
        });
    });
    // Fast path: fixtures are written as canonical lines (FixtureWriter), so the hash of the raw
    // lines is the manifest's content_sha256. Only when it differs are the lines re-serialised
    // canonically (the manifest's definition, sdk/data validateFixture) before refusing.
    const raw = createHash("sha256");
    let first: string | undefined;
    let last: string | undefined;
    for await (const line of readLines(fx.snapshotsPath)) {
      if (!line.trim()) continue;
      raw.update(line);
      raw.update("\n");
      if (first === undefined) first = line;
      last = line;
    }
    let sha = raw.digest("hex");
    if (sha !== m.content_sha256) sha = await canonicalContentHash(fx.snapshotsPath);
    if (sha !== m.content_sha256)
      throw new GrinderError(ErrorCode.HASH_MISMATCH, `fixture '${m.name}' snapshots hash ${sha.slice(0, 12)} ≠ manifest ${m.content_sha256.slice(0, 12)}`, {
        file: fx.snapshotsPath,
      });
    if (first === undefined || last === undefined) throw new GrinderError(ErrorCode.CONFIG, `fixture '${m.name}' has no snapshots`, { file: fx.snapshotsPath });
    const ts = (l: string): number => {
      const t = (JSON.parse(l) as { ts?: unknown }).ts;
      if (typeof t !== "number" || !Number.isInteger(t)) throw new GrinderError(ErrorCode.BAD_TYPE, "snapshot without integer ts", { file: fx.snapshotsPath, field: "ts" });
      return t;
    };
    out.push({
      fixture: m.name,
      version: m.version,
      content_sha256: m.content_sha256,
      rows: m.rows,
      symbols,
      symbols_restricted: d.symbols !== undefined,
      first_ts: ts(first),
      last_ts: ts(last),
      dir: fx.dir,
    });
  }
  out.sort((a, b) => (a.fixture < b.fixture ? -1 : a.fixture > b.fixture ? 1 : 0));
  for (let i = 1; i < out.length; i++)
    if (out[i].fixture === out[i - 1].fixture)
      throw new GrinderError(ErrorCode.CONFIG, `two datasets resolve to fixture '${out[i].fixture}'`, { file: opts.file, field: "datasets" });
  return out;
}

/** SHA-256 of the canonical JSON lines of a snapshots file (the manifest's content hash). */
async function canonicalContentHash(file: string): Promise<string> {
  const h = createHash("sha256");
  let n = 0;
  for await (const line of readLines(file)) {
    n++;
    if (!line.trim()) continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (e) {
      throw new GrinderError(ErrorCode.PARSE, `invalid JSON: ${(e as Error).message}`, { file, line: n });
    }
    h.update(canonicalJson(row));
    h.update("\n");
  }
  return h.digest("hex");
}
