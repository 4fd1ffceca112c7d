import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { ErrorCode, GrinderError } from "../contracts/errors";
import { openFixture, readLines, type Fixture } from "../data/fixture";
import { canonicalJson } from "../util/canonical";
import type { ResolvedDataset } from "./folds";
import type { DatasetSpec } from "./spec";

/** Default fixture folder: `<project>/fixtures`. */
export const DEFAULT_FIXTURES_ROOT = path.resolve(__dirname, "..", "..", "fixtures");

/** Fixture name under `root`, else a folder path (relative to `cwd`). */
export function resolveFixtureDir(name: string, root = DEFAULT_FIXTURES_ROOT, cwd = process.cwd()): string {
  const named = path.join(root, name);
  if (existsSync(path.join(named, "fixture.json"))) return named;
  return path.resolve(cwd, name);
}

/**
 * Resolve the spec's datasets: open each fixture, check the requested symbols exist, and read
 * its time span while recomputing the content SHA-256 — a fixture whose snapshots no longer
 * match its manifest is refused (E_HASH_MISMATCH), because the artifact pins that hash.
 * Result sorted by fixture name.
 */
export async function resolveDatasets(specs: readonly DatasetSpec[], opts: { root?: string; file?: string } = {}): Promise<ResolvedDataset[]> {
  const out: ResolvedDataset[] = [];
  for (let i = 0; i < specs.length; i++) {
    const d = specs[i];
    const dir = resolveFixtureDir(d.fixture, opts.root);
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
