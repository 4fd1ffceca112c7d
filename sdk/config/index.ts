import { readFileSync } from "node:fs";
import { z } from "zod";
import { ErrorCode, GrinderError, SafeResult } from "../contracts/errors";
import { fromZodError } from "../contracts/zod";
import { hashCanonical } from "../util/canonical";
import { resolveConfigAliases } from "./aliases";
// --- section schemas: one import line per owning stage (spec 17.19) ---
import { FeatureConfigSchema } from "../features/config"; // features team
import { ToxicityConfigSchema, RegimeConfigSchema } from "../regime/config"; // features team
import { PolicyConfigSchema } from "../policy/config"; // policy team
import { ExecutionConfigSchema } from "../execution/config"; // engine team
import { RiskConfigSchema } from "../ledger/config"; // engine team
import { EngineConfigSchema } from "./engine"; // engine team (schema kept here: config must not import the engine, ADR-045)
import { PortfolioConfigSchema } from "../portfolio/config"; // Top-K team

/**
 * The whole GRINDER configuration (spec 17.19): one strict section per pipeline stage, each
 * owned by its stage folder (`sdk/<stage>/config.ts`). Every field is defaulted, so `{}` is the
 * complete documented default config; unknown fields anywhere are refused.
 */
export const GrinderConfigSchema = z
  .object({
    features: FeatureConfigSchema.default({}),
    toxicity: ToxicityConfigSchema.default({}),
    regime: RegimeConfigSchema.default({}),
    policy: PolicyConfigSchema.default({}),
    execution: ExecutionConfigSchema.default({}),
    risk: RiskConfigSchema.default({}),
    portfolio: PortfolioConfigSchema.default({}),
    engine: EngineConfigSchema.default({}),
  })
  .strict()
  .describe("GRINDER configuration (spec 17.19).");

/** The fully resolved config (every default filled in). Deeply frozen when returned by `parseConfig`. */
export type GrinderConfig = z.infer<typeof GrinderConfigSchema>;
/** What a config file may contain: every field optional. */
export type GrinderConfigInput = z.input<typeof GrinderConfigSchema>;

/** Freeze an object graph in place (configs are immutable once resolved). */
export function deepFreeze<T>(x: T): T {
  if (x !== null && typeof x === "object" && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const k of Object.keys(x as object)) deepFreeze((x as Record<string, unknown>)[k]);
  }
  return x;
}

/** Options of `parseConfig` / `loadConfigFile`. */
export interface ParseConfigOptions {
  /** Receives one deprecation note per spec / old field name used (ADR-160); silent when absent. */
  warnings?: string[];
}

/**
 * Validate and resolve a config. Throws `GrinderError` with code `E_CONFIG`, the dotted path
 * of the first offending field (e.g. `policy.k_tail.RANGE`) and the file when given. The result
 * is deeply frozen. The spec's and the pre-ADR-160 names (`policy.step_min_pct`,
 * `risk.dd_budget_pct`, …; `CONFIG_KEY_ALIASES`) are read as their `_frac` names, with a note
 * in `opts.warnings`; old and new name together is `E_CONFIG` naming the old one.
 *
 * @example
 * const cfg = parseConfig({ policy: { alpha: 0.8 } });
 * cfg.policy.k_tail.RANGE; // 2 (default)
 * const notes: string[] = [];
 * parseConfig({ policy: { step_min_pct: 0.002 } }, undefined, { warnings: notes }).policy.step_min_frac; // 0.002
 * notes.length; // 1
 */
export function parseConfig(input: unknown, file?: string, opts: ParseConfigOptions = {}): GrinderConfig {
  const x = resolveConfigAliases(input, file, opts.warnings);
  // Magnitudes first, on the input: a huge value is named even where a cross-field rule would fire.
  checkMagnitudes(x, "", file, 0);
  const r = GrinderConfigSchema.safeParse(x);
  if (!r.success) {
    const e = fromZodError(r.error, "config");
    throw new GrinderError(ErrorCode.CONFIG, e.detail, { file, field: e.field });
  }
  checkMagnitudes(r.data, "", file, 0);
  return deepFreeze(r.data);
}

/**
 * Largest magnitude any numeric config field may take (ADR-131). No meaningful GRINDER value
 * comes near it (the largest defaults are millisecond windows of a day, 8.64e7); a value
 * above it can only overflow later (`E_INVARIANT: non-finite number` naming no field), so it
 * is refused here, at parse, with its dotted path. Field schemas keep their own tighter rules.
 */
export const CONFIG_NUMBER_MAX = 1e12;

function checkMagnitudes(v: unknown, at: string, file: string | undefined, depth: number): void {
  if (typeof v === "number") {
    if (!(Math.abs(v) <= CONFIG_NUMBER_MAX))
      throw new GrinderError(ErrorCode.CONFIG, `${v} is beyond the largest meaningful config value (|v| <= ${CONFIG_NUMBER_MAX})`, { file, field: at });
    return;
  }
  // Deeper than any config section: the schema refuses such a document (no deep recursion here).
  if (v === null || typeof v !== "object" || depth > 16) return;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) checkMagnitudes(v[i], `${at}[${i}]`, file, depth + 1);
    return;
  }
  for (const k of Object.keys(v)) checkMagnitudes((v as Record<string, unknown>)[k], at ? `${at}.${k}` : k, file, depth + 1);
}

/** `parseConfig` without throwing: `{success, data | error}` like zod. */
export function safeParseConfig(x: unknown, file?: string, opts: ParseConfigOptions = {}): SafeResult<GrinderConfig> {
  try {
    return { success: true, data: parseConfig(x, file, opts) };
  } catch (e) {
    if (e instanceof GrinderError) return { success: false, error: e };
    throw e;
  }
}

/** Read a JSON config file and resolve it. E_IO when unreadable, E_PARSE when not JSON, E_CONFIG when invalid. */
export function loadConfigFile(path: string, opts: ParseConfigOptions = {}): GrinderConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new GrinderError(ErrorCode.IO, `cannot read config: ${(e as Error).message}`, { file: path });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new GrinderError(ErrorCode.PARSE, `config is not valid JSON: ${(e as Error).message}`, { file: path });
  }
  return parseConfig(raw, path, opts);
}

/** The complete documented default config (deeply frozen). */
export function defaultConfig(): GrinderConfig {
  return parseConfig({});
}

/**
 * Config id: SHA-256 (hex) of the canonical JSON of the FULLY RESOLVED config. The input is
 * resolved first, so `{}` and `defaultConfig()` hash the same; any field change changes it.
 */
export function configHash(cfg: GrinderConfig | GrinderConfigInput): string {
  return hashCanonical(parseConfig(cfg));
}

/**
 * The config hash a run's header carries (`config_hash`): `configHash` without a model
 * classifier's `artifact` path. The header pins the model by its SHA-256 (`regime_model`), so
 * where the model file lies (a relative or absolute path, a temp folder) does not change a run's
 * digest (ADR-220). A config without a model classifier gives `configHash`'s value.
 */
export function runConfigHash(cfg: GrinderConfig | GrinderConfigInput): string {
  const p = parseConfig(cfg);
  const c = p.regime.classifier;
  if (c === undefined || c.kind !== "model") return hashCanonical(p);
  const { artifact: _path, ...pinned } = c;
  return hashCanonical({ ...p, regime: { ...p.regime, classifier: pinned } });
}

export { CONFIG_KEY_ALIASES, CONFIG_VALUE_ALIASES, resolveConfigAliases, resolveConfigPathAlias } from "./aliases";
