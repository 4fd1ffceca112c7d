import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { configHash, loadConfigFile, parseConfig, type GrinderConfig, type ParseConfigOptions } from "../config";
import { ErrorCode, GrinderError } from "../contracts/errors";
import { fromZodError } from "../contracts/zod";
import { sortKeysDeep, writeFileAtomic } from "../data/fixture";
import { hashCanonical } from "../util/canonical";
import { SDK_VERSION } from "../version";
import { loadRegimeModel } from "../ml/model";
import type { CalibrationResult } from "./calibrate";

/** Version of the artifact layout below; bump (with an ADR) on any change to it. */
export const ARTIFACT_SCHEMA_VERSION = 2;
export const ARTIFACT_KIND = "grinder.calibration.artifact";

/**
 * A calibration artifact (ADR in docs/DECISIONS.md). Everything except `sha256` and
 * `provenance` is the hashed part: `sha256` = SHA-256 of its canonical JSON. `provenance`
 * (git commit) is outside so that re-running a spec at a later commit reproduces the same
 * artifact id; it carries its own hash so that it cannot be edited unnoticed either.
 */
export const ArtifactSchema = z
  .object({
    schema_version: z.literal(ARTIFACT_SCHEMA_VERSION),
    kind: z.literal(ARTIFACT_KIND),
    name: z.string(),
    version: z.number().int().positive(),
    /** The full resolved GRINDER config the engine runs. */
    parameters: z.record(z.unknown()),
    config_hash: z.string().regex(/^[0-9a-f]{64}$/),
    /** The tuned values (config path → value). */
    selected: z.record(z.unknown()),
    objective: z
      .object({ spec: z.record(z.unknown()), value: z.number(), metrics: z.record(z.unknown()) })
      .strict(),
    walk_forward: z.object({ folds: z.array(z.unknown()), summary: z.record(z.unknown()), gate: z.record(z.unknown()) }).strict(),
    search: z.object({ method: z.string(), points: z.number(), trials: z.number() }).strict(),
    /** Pareto front on all units (schema v2, ADR-067). */
    pareto: z.object({ objectives: z.array(z.string()), front: z.array(z.record(z.unknown())) }).strict(),
    /** PBO, DSR (with the true trial count), dominance, edge and fill-model robustness (ADR-061..064). */
    validity: z.record(z.unknown()),
    /** The selection next to buy-and-hold and the static grid (ADR-065). */
    baselines: z.record(z.unknown()),
    /** Commands that reproduce this artifact and the acceptance report. */
    reproduce: z.array(z.string()),
    spec: z.record(z.unknown()),
    spec_hash: z.string().regex(/^[0-9a-f]{64}$/),
    base_config: z.record(z.unknown()),
    datasets: z.array(z.record(z.unknown())),
    units: z.array(z.record(z.unknown())),
    fill_model: z.string(),
    /** The ML regime model the parameters classify with (ADR-112); absent for the heuristic. */
    regime_model: z.object({ artifact: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict().optional(),
    sdk_version: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    provenance: z
      .object({
        git_commit: z.string().nullable(),
        /** SHA-256 of canonical `{artifact: <sha256>, git_commit}`. */
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
      })
      .strict(),
  })
  .strict();
export type CalibrationArtifact = z.infer<typeof ArtifactSchema>;
type Hashed = Omit<CalibrationArtifact, "sha256" | "provenance">;

/** The exact bytes of an artifact file: sorted keys, 2-space indent, trailing newline. */
export function renderArtifact(a: CalibrationArtifact): string {
  return JSON.stringify(sortKeysDeep(a), null, 2) + "\n";
}

/** `<name>-v<version>-<hash12>.json` */
export function artifactFileName(a: Pick<CalibrationArtifact, "name" | "version" | "sha256">): string {
  return `${a.name}-v${a.version}-${a.sha256.slice(0, 12)}.json`;
}

function hashedPart(a: CalibrationArtifact): Hashed {
  const { sha256: _s, provenance: _p, ...rest } = a;
  return rest;
}

function provenanceHash(sha256: string, git_commit: string | null): string {
  return hashCanonical({ artifact: sha256, git_commit });
}

/** HEAD commit of the git work tree at `cwd`, or null (no git, not a repository). */
export function gitCommit(cwd: string): string | null {
  try {
    const out = execFileSync("git", ["rev-parse", "HEAD"], { cwd, stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
    return /^[0-9a-f]{40}$/.test(out) ? out : null;
  } catch {
    return null;
  }
}

/** The verified model file and hash of a config that classifies regimes with a model (ADR-112). */
function regimeModelOf(config: Record<string, unknown>): { artifact: string; sha256: string } | undefined {
  const c = (config.regime as { classifier?: { kind: string; artifact?: string } } | undefined)?.classifier;
  if (!c || c.kind !== "model" || !c.artifact) return undefined;
  return { artifact: c.artifact, sha256: loadRegimeModel(c.artifact).sha256 };
}

/**
 * Build the artifact of a calibration. Refuses (E_REFUSED, with the gate's reasons) when the
 * walk-forward gate failed: an artifact exists only for parameters that validated out of sample.
 */
export function buildArtifact(r: CalibrationResult, opts: { git_commit?: string | null } = {}): CalibrationArtifact {
  if (!r.gate.passed || r.final.objective === null)
    throw new GrinderError(ErrorCode.REFUSED, `export refused by the walk-forward gate: ${r.gate.reasons.join("; ")}`, { file: r.spec.file, field: "gate" });
  const spec = r.spec.spec;
  const hashed: Hashed = {
    schema_version: ARTIFACT_SCHEMA_VERSION,
    kind: ARTIFACT_KIND,
    name: spec.name,
    version: spec.version,
    parameters: r.config,
    config_hash: r.config_hash,
    selected: r.final.selected,
    objective: { spec: spec.objective as unknown as Record<string, unknown>, value: r.final.objective, metrics: r.final.metrics as unknown as Record<string, unknown> },
    walk_forward: { folds: r.folds, summary: r.summary as unknown as Record<string, unknown>, gate: r.gate as unknown as Record<string, unknown> },
    search: r.search,
    pareto: { objectives: r.pareto.objectives, front: r.pareto.front as unknown as Record<string, unknown>[] },
    validity: r.validity as unknown as Record<string, unknown>,
    baselines: r.baselines as unknown as Record<string, unknown>,
    reproduce: r.reproduce,
    spec: spec as unknown as Record<string, unknown>,
    spec_hash: r.spec.hash,
    base_config: r.spec.base,
    datasets: r.datasets.map((d) => ({
      fixture: d.fixture,
      version: d.version,
      content_sha256: d.content_sha256,
      rows: d.rows,
      symbols: d.symbols,
      first_ts: d.first_ts,
      last_ts: d.last_ts,
    })),
    units: r.units as unknown as Record<string, unknown>[],
    fill_model: r.fill_model,
    regime_model: regimeModelOf(r.config),
    sdk_version: SDK_VERSION,
  };
  // Round-trip through JSON so the object is exactly what a reader will parse (no undefined, no -0).
  const plain = JSON.parse(JSON.stringify(hashed)) as Hashed;
  const sha256 = hashCanonical(plain);
  const git = opts.git_commit === undefined ? null : opts.git_commit;
  return { ...plain, sha256, provenance: { git_commit: git, sha256: provenanceHash(sha256, git) } };
}

/**
 * Write an artifact atomically as `<dir>/<name>-v<version>-<hash12>.json`; returns the path.
 * When a valid artifact with the same `sha256` is already there it is kept as is (same hashed
 * content; only its provenance may name an older commit), so re-running a committed spec does
 * not touch the committed file.
 */
export async function writeArtifact(a: CalibrationArtifact, dir: string): Promise<string> {
  const file = path.join(dir, artifactFileName(a));
  if (existsSync(file)) {
    try {
      if (loadArtifact(file).sha256 === a.sha256) return file;
    } catch {
      // an invalid file under the name is replaced
    }
  }
  await writeFileAtomic(file, renderArtifact(a));
  return file;
}

/**
 * Check an artifact's bytes: canonical layout, schema, `sha256` over the hashed part, the
 * provenance hash, and the hash prefix in the file name when it has the standard form.
 * Any failure is E_HASH_MISMATCH (or E_PARSE / schema codes for a broken file).
 */
export function verifyArtifactBytes(buf: Buffer, file?: string): CalibrationArtifact {
  let raw: unknown;
  try {
    raw = JSON.parse(buf.toString("utf8"));
  } catch (e) {
    throw new GrinderError(ErrorCode.PARSE, `artifact is not valid JSON: ${(e as Error).message}`, { file });
  }
  const r = ArtifactSchema.safeParse(raw);
  if (!r.success) throw fromZodError(r.error, "artifact").at({ file });
  const a = raw as CalibrationArtifact;
  let sha: string;
  try {
    sha = hashCanonical(hashedPart(a));
  } catch (e) {
    throw e instanceof GrinderError ? e.at({ file }) : e;
  }
  if (sha !== a.sha256) throw new GrinderError(ErrorCode.HASH_MISMATCH, `artifact content hash ${sha.slice(0, 12)} ≠ recorded ${a.sha256.slice(0, 12)}`, { file, field: "sha256" });
  if (provenanceHash(a.sha256, a.provenance.git_commit) !== a.provenance.sha256)
    throw new GrinderError(ErrorCode.HASH_MISMATCH, "artifact provenance does not match its hash", { file, field: "provenance.sha256" });
  if (!Buffer.from(renderArtifact(a), "utf8").equals(buf))
    throw new GrinderError(ErrorCode.HASH_MISMATCH, "artifact bytes are not in canonical form (edited?)", { file });
  // The pinned parameters must be what `config_hash` names (ADR-087): a hand-made artifact whose
  // hashes were recomputed after editing `parameters` is still refused.
  let actual: string;
  try {
    actual = configHash(parseConfig(a.parameters, file));
  } catch (e) {
    if (!(e instanceof GrinderError)) throw e;
    throw new GrinderError(e.code, `artifact parameters: ${e.detail}`, { file, field: e.field ? `parameters.${e.field}` : "parameters" });
  }
  if (actual !== a.config_hash)
    throw new GrinderError(ErrorCode.HASH_MISMATCH, `config_hash ${a.config_hash.slice(0, 12)} is not the hash of the artifact's parameters (${actual.slice(0, 12)})`, { file, field: "config_hash" });
  if (file) {
    const base = path.basename(file);
    if (/-v\d+-[0-9a-f]{12}\.json$/.test(base) && base !== artifactFileName(a))
      throw new GrinderError(ErrorCode.HASH_MISMATCH, `file name does not match the artifact (expected ${artifactFileName(a)})`, { file });
  }
  return a;
}

/** Load and verify an artifact file; refuses any mismatch (E_HASH_MISMATCH). */
export function loadArtifact(file: string): CalibrationArtifact {
  if (!existsSync(file)) throw new GrinderError(ErrorCode.IO, "artifact file not found", { file });
  return verifyArtifactBytes(readFileSync(file), file);
}

/** The engine config pinned by an artifact (validated by the config schema). */
export function configFromArtifact(a: CalibrationArtifact | string): GrinderConfig {
  const art = typeof a === "string" ? loadArtifact(a) : a;
  return parseConfig(art.parameters, typeof a === "string" ? a : undefined);
}

/** True when a parsed JSON document looks like a calibration artifact (for `--config` loaders). */
export function isArtifactJson(x: unknown): boolean {
  return !!x && typeof x === "object" && (x as { kind?: unknown }).kind === ARTIFACT_KIND;
}

/**
 * A `--config` file that may be either a plain GRINDER config or a calibration artifact: an
 * artifact is verified (hash, canonical bytes) and its pinned parameters are returned; anything
 * else goes through `loadConfigFile` (old field names read as their ADR-160 names, noted in
 * `opts.warnings`).
 */
export function loadConfigOrArtifact(file: string, opts: ParseConfigOptions = {}): GrinderConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return loadConfigFile(file, opts); // its own E_IO / E_PARSE errors
  }
  return isArtifactJson(raw) ? configFromArtifact(file) : loadConfigFile(file, opts);
}

/** Kind of the calibration report file (pass or refusal), ADR-067. */
export const CALIBRATION_REPORT_KIND = "grinder.calibration.report";

/**
 * The calibration report: what a reviewer needs whether or not the gate passed — spec identity,
 * search, folds, walk-forward summary, gate, final selection, Pareto front, validity statistics,
 * baselines, reproduce commands and the artifact it produced (null when refused). Canonical,
 * deterministic content (no time, no machine paths), written atomically to
 * `<dir>/reports/<name>-v<version>.json`.
 */
export function calibrationReport(r: CalibrationResult): Record<string, unknown> {
  let artifact: string | null = null;
  if (r.gate.passed && r.final.objective !== null) {
    const a = buildArtifact(r);
    artifact = artifactFileName(a);
  }
  return JSON.parse(
    JSON.stringify({
      kind: CALIBRATION_REPORT_KIND,
      schema_version: 1,
      name: r.spec.spec.name,
      version: r.spec.spec.version,
      spec_hash: r.spec.hash,
      fill_model: r.fill_model,
      sdk_version: SDK_VERSION,
      search: r.search,
      units: r.units.map((u) => u.id),
      folds: r.folds,
      summary: r.summary,
      gate: r.gate,
      verdict: r.gate.passed ? "PASSED" : "REFUSED",
      final: r.final,
      pareto: r.pareto,
      validity: r.validity,
      baselines: r.baselines,
      reproduce: r.reproduce,
      artifact,
    }),
  ) as Record<string, unknown>;
}

/** Write `calibrationReport(r)` atomically; returns the path. */
export async function writeCalibrationReport(r: CalibrationResult, dir: string): Promise<string> {
  const file = path.join(dir, "reports", `${r.spec.spec.name}-v${r.spec.spec.version}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, JSON.stringify(sortKeysDeep(calibrationReport(r)), null, 2) + "\n");
  return file;
}

/** Read calibration reports of a folder (`<dir>/reports/*.json`), sorted by file name. */
export function loadCalibrationReports(dir: string): Array<{ file: string; report: Record<string, unknown> }> {
  const d = path.join(dir, "reports");
  if (!existsSync(d)) return [];
  return readdirSync(d)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => {
      const file = path.join(d, f);
      let report: Record<string, unknown>;
      try {
        report = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
      } catch (e) {
        throw new GrinderError(ErrorCode.PARSE, `calibration report is not valid JSON: ${(e as Error).message}`, { file });
      }
      if (report.kind !== CALIBRATION_REPORT_KIND) throw new GrinderError(ErrorCode.BAD_TYPE, `not a calibration report (kind ${String(report.kind)})`, { file, field: "kind" });
      return { file, report };
    });
}
