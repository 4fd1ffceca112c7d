import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { ErrorCode, GrinderError } from "../contracts/errors";
import type { Features } from "../contracts/features";
import { fromZodError } from "../contracts/zod";
import type { ReasonCode, Regime } from "../contracts/trading";
import { sortKeysDeep, writeFileAtomic } from "../data/fixture";
import { hashCanonical } from "../util/canonical";
import { ML_FEATURES, ML_FEATURE_SET_VERSION, RegimeFeatureExtractor } from "./features";
import { LabelDefSchema, ML_CLASSES } from "./labels";
import * as libm from "../util/libm";

/** Version of the regime-model artifact layout; bump (with an ADR) on any change to it. */
export const REGIME_MODEL_SCHEMA_VERSION = 1;
export const REGIME_MODEL_KIND = "grinder.ml.regime_model";

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * A trained regime classifier (spec 17.16.3, ADR-110). Everything but `sha256` is hashed:
 * `sha256` = SHA-256 of the canonical JSON of the rest. The file's bytes are the sorted-key,
 * 2-space-indented JSON with a trailing newline; any other byte sequence is refused.
 */
export const RegimeModelSchema = z
  .object({
    schema_version: z.literal(REGIME_MODEL_SCHEMA_VERSION),
    kind: z.literal(REGIME_MODEL_KIND),
    name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/),
    version: z.number().int().positive(),
    classes: z.array(z.string()).length(ML_CLASSES.length),
    features: z.object({ version: z.number().int().positive(), names: z.array(z.string()).min(1) }).strict(),
    label: LabelDefSchema,
    library: z.object({ name: z.string(), version: z.string(), matrix: z.string() }).strict(),
    trainer: z.object({ num_steps: z.number().int().positive(), learning_rate: z.number().positive(), seed: z.number().int() }).strict(),
    /** Per-feature standardisation fitted on the training rows: x' = (x − mean) / std. */
    standardize: z.object({ mean: z.array(z.number()), std: z.array(z.number().positive()) }).strict(),
    /**
     * One-vs-rest logistic weights, one row per class, `features + 1` columns (last = intercept).
     * The library fits P(NOT class | x) = sigmoid(w·x) (its one-vs-all target is 0 for the class),
     * so the class score is 1 − sigmoid(w·x); scores are normalised to sum to 1.
     */
    weights: z.array(z.array(z.number())).length(ML_CLASSES.length),
    /**
     * Class frequencies of the training rows. Scores are divided by them before normalising
     * (prior correction): probabilities as if the classes were equally frequent, so a rare
     * class (VOL_SHOCK, TREND) is not drowned by RANGE's base rate (ADR-111).
     */
    priors: z.array(z.number().positive()).length(ML_CLASSES.length),
    training: z.record(z.unknown()),
    metrics: z.record(z.unknown()),
    sdk_version: z.string(),
    sha256: hex64,
  })
  .strict();
export type RegimeModel = z.infer<typeof RegimeModelSchema>;
export type RegimeModelHashed = Omit<RegimeModel, "sha256">;

/** The exact bytes of a model file. */
export function renderRegimeModel(m: RegimeModel): string {
  return JSON.stringify(sortKeysDeep(m), null, 2) + "\n";
}

/** `<name>-v<version>-<hash12>.json` */
export function regimeModelFileName(m: Pick<RegimeModel, "name" | "version" | "sha256">): string {
  return `${m.name}-v${m.version}-${m.sha256.slice(0, 12)}.json`;
}

/** Seal a model: round-trip through JSON (what a reader parses) and add its SHA-256. */
export function sealRegimeModel(h: RegimeModelHashed): RegimeModel {
  const plain = JSON.parse(JSON.stringify(h)) as RegimeModelHashed;
  return { ...plain, sha256: hashCanonical(plain) };
}

/**
 * Check a model file's bytes: JSON, schema, `sha256` over the hashed part, canonical layout, the
 * hash prefix of a standard file name, and the feature list against this SDK's. A mismatch is
 * E_HASH_MISMATCH; a model for another feature set is E_CONFIG.
 */
export function verifyRegimeModelBytes(buf: Buffer, file?: string): RegimeModel {
  let raw: unknown;
  try {
    raw = JSON.parse(buf.toString("utf8"));
  } catch (e) {
    throw new GrinderError(ErrorCode.PARSE, `regime model is not valid JSON: ${(e as Error).message}`, { file });
  }
  const r = RegimeModelSchema.safeParse(raw);
  if (!r.success) throw fromZodError(r.error, "regime model").at({ file });
  const m = raw as RegimeModel;
  const { sha256, ...rest } = m;
  const sha = hashCanonical(rest);
  if (sha !== sha256) throw new GrinderError(ErrorCode.HASH_MISMATCH, `regime model content hash ${sha.slice(0, 12)} ≠ recorded ${sha256.slice(0, 12)}`, { file, field: "sha256" });
  if (!Buffer.from(renderRegimeModel(m), "utf8").equals(buf))
    throw new GrinderError(ErrorCode.HASH_MISMATCH, "regime model bytes are not in canonical form (edited?)", { file });
  if (file) {
    const base = path.basename(file);
    if (/-v\d+-[0-9a-f]{12}\.json$/.test(base) && base !== regimeModelFileName(m))
      throw new GrinderError(ErrorCode.HASH_MISMATCH, `file name does not match the model (expected ${regimeModelFileName(m)})`, { file });
  }
  const names = ML_FEATURES as readonly string[];
  if (m.features.version !== ML_FEATURE_SET_VERSION || m.features.names.join(",") !== names.join(","))
    throw new GrinderError(ErrorCode.CONFIG, `regime model was trained on feature set v${m.features.version} (${m.features.names.length} features); this SDK computes v${ML_FEATURE_SET_VERSION}`, { file, field: "features" });
  if (m.classes.join(",") !== ML_CLASSES.join(","))
    throw new GrinderError(ErrorCode.CONFIG, `regime model classes ${m.classes.join(",")} ≠ ${ML_CLASSES.join(",")}`, { file, field: "classes" });
  const k = names.length;
  if (m.standardize.mean.length !== k || m.standardize.std.length !== k || m.weights.some((w) => w.length !== k + 1))
    throw new GrinderError(ErrorCode.CONFIG, `regime model weights do not fit ${k} features + intercept`, { file, field: "weights" });
  return m;
}

/** Load and verify a model file (E_IO when missing, E_HASH_MISMATCH on any changed byte). */
export function loadRegimeModel(file: string): RegimeModel {
  if (!existsSync(file)) throw new GrinderError(ErrorCode.IO, "regime model file not found", { file });
  return verifyRegimeModelBytes(readFileSync(file), file);
}

/** True when parsed JSON looks like a regime model (for `artifact verify`). */
export function isRegimeModelJson(x: unknown): boolean {
  return !!x && typeof x === "object" && (x as { kind?: unknown }).kind === REGIME_MODEL_KIND;
}

/** Write a model atomically as `<dir>/<name>-v<version>-<hash12>.json`; an identical file is kept. */
export async function writeRegimeModel(m: RegimeModel, dir: string): Promise<string> {
  const file = path.join(dir, regimeModelFileName(m));
  const bytes = renderRegimeModel(m);
  if (existsSync(file) && readFileSync(file, "utf8") === bytes) return file;
  await writeFileAtomic(file, bytes);
  return file;
}

/**
 * Prior-corrected class probabilities of one feature vector (standardised on the fly) into `out`.
 * Pure arithmetic in a fixed order: same inputs → same bits.
 */
export function scoreInto(m: Pick<RegimeModel, "standardize" | "weights" | "priors">, x: ArrayLike<number>, out: Float64Array): Float64Array {
  const mean = m.standardize.mean;
  const std = m.standardize.std;
  const k = mean.length;
  let sum = 0;
  for (let c = 0; c < m.weights.length; c++) {
    const w = m.weights[c];
    let z = w[k];
    for (let j = 0; j < k; j++) z += w[j] * ((x[j] - mean[j]) / std[j]);
    const s = (1 - 1 / (1 + libm.exp(-z))) / m.priors[c];
    out[c] = s;
    sum += s;
  }
  for (let c = 0; c < out.length; c++) out[c] = sum > 0 ? out[c] / sum : 1 / out.length;
  return out;
}

/** Index of the largest probability (first on ties). */
export function argmax(p: ArrayLike<number>): number {
  let b = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[b]) b = i;
  return b;
}

/** Reason codes of model proposals (in transitions and the digest of model runs). */
export const REGIME_ML_RANGE = "REGIME_ML_RANGE";
export const REGIME_ML_TREND_UP = "REGIME_ML_TREND_UP";
export const REGIME_ML_TREND_DOWN = "REGIME_ML_TREND_DOWN";
export const REGIME_ML_VOL_SHOCK = "REGIME_ML_VOL_SHOCK";

/** What a classifier proposes for the non-safety part of the regime (spec 17.16 + 17.6). */
export interface RegimeProposal {
  regime: "RANGE" | "TREND_UP" | "TREND_DOWN" | "VOL_SHOCK";
  reason: ReasonCode;
}

/**
 * A regime classifier the controller consults at each tick (`sdk/regime/controller.ts`). It
 * returns null while it cannot judge (warm-up): the controller then uses its own rules.
 */
export interface RegimeClassifier {
  /** SHA-256 of the model (digest header, calibration artifacts). */
  readonly id: string;
  /** Whether the controller keeps its rule-based VOL_SHOCK detection as a floor. */
  readonly keepVolRule: boolean;
  propose(f: Readonly<Features>, current: Regime): RegimeProposal | null;
  /** Forget all history (called by `RegimeController.reset`). */
  reset?(): void;
}

/** Decision thresholds (tunable by calibration like any config parameter). */
export interface ModelThresholds {
  trend_enter_prob: number;
  trend_exit_prob: number;
  vol_enter_prob: number;
  vol_exit_prob: number;
  keep_vol_rule: boolean;
}

/**
 * Inference of a regime model for ONE symbol: a `RegimeFeatureExtractor` (past-only state) →
 * class probabilities → a proposal with enter/exit hysteresis on the probabilities:
 * VOL_SHOCK when p(VOL_SHOCK) ≥ `vol_enter_prob` (held while ≥ `vol_exit_prob`), else TREND_UP
 * / TREND_DOWN when that direction's probability is the larger of the two and ≥
 * `trend_enter_prob` (held while ≥ `trend_exit_prob`), else RANGE. No allocation per call.
 */
export class ModelRegimeClassifier implements RegimeClassifier {
  readonly id: string;
  readonly keepVolRule: boolean;
  readonly probs = new Float64Array(ML_CLASSES.length);
  private readonly fx = new RegimeFeatureExtractor();
  private readonly pUp = new Proposal("TREND_UP", REGIME_ML_TREND_UP);
  private readonly pDown = new Proposal("TREND_DOWN", REGIME_ML_TREND_DOWN);
  private readonly pVol = new Proposal("VOL_SHOCK", REGIME_ML_VOL_SHOCK);
  private readonly pRange = new Proposal("RANGE", REGIME_ML_RANGE);

  constructor(
    readonly model: RegimeModel,
    readonly th: ModelThresholds,
  ) {
    this.id = model.sha256;
    this.keepVolRule = th.keep_vol_rule;
  }

  propose(f: Readonly<Features>, current: Regime): RegimeProposal | null {
    if (!this.fx.update(f)) return null;
    const p = scoreInto(this.model, this.fx.values, this.probs);
    const th = this.th;
    const vol = p[3];
    if (vol >= (current === "VOL_SHOCK" ? th.vol_exit_prob : th.vol_enter_prob)) return this.pVol;
    const up = p[1];
    const down = p[2];
    if (up >= down && up >= (current === "TREND_UP" ? th.trend_exit_prob : th.trend_enter_prob)) return this.pUp;
    if (down > up && down >= (current === "TREND_DOWN" ? th.trend_exit_prob : th.trend_enter_prob)) return this.pDown;
    return this.pRange;
  }

  reset(): void {
    this.fx.reset();
    this.probs.fill(0);
  }
}

class Proposal implements RegimeProposal {
  constructor(
    readonly regime: RegimeProposal["regime"],
    readonly reason: ReasonCode,
  ) {}
}

const cache = new Map<string, { bytes: Buffer; model: RegimeModel }>();

/**
 * Load a model for inference: verified on every call (a tampered file is refused even after an
 * earlier good load); parsing is cached per identical bytes. `expectSha256`, when given, must
 * equal the model's hash (E_HASH_MISMATCH otherwise).
 */
export function loadRegimeModelCached(file: string, expectSha256?: string): RegimeModel {
  const abs = path.resolve(file);
  if (!existsSync(abs)) throw new GrinderError(ErrorCode.IO, "regime model file not found", { file, field: "regime.classifier.artifact" });
  const bytes = readFileSync(abs);
  const hit = cache.get(abs);
  const model = hit && hit.bytes.equals(bytes) ? hit.model : verifyRegimeModelBytes(bytes, file);
  if (!hit || hit.model !== model) cache.set(abs, { bytes, model });
  if (expectSha256 !== undefined && expectSha256 !== model.sha256)
    throw new GrinderError(ErrorCode.HASH_MISMATCH, `regime model sha256 ${model.sha256.slice(0, 12)} ≠ configured ${expectSha256.slice(0, 12)}`, { file, field: "regime.classifier.sha256" });
  return model;
}

/** Model files (`<name>-v<version>-<hash12>.json`) in a folder, sorted; optionally of one name and version. */
export function findRegimeModels(dir: string, nameVersion?: string): string[] {
  if (!existsSync(dir)) return [];
  const re = /-v\d+-[0-9a-f]{12}\.json$/;
  return readdirSync(dir)
    .filter((f) => re.test(f) && (nameVersion === undefined || f.startsWith(`${nameVersion}-`)))
    .sort()
    .map((f) => path.join(dir, f));
}
