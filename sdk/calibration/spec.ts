import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { ErrorCode, GrinderError } from "../contracts/errors";
import { fromZodError } from "../contracts/zod";
import { hashCanonical } from "../util/canonical";
import { PARETO_METRICS, type ParetoMetric } from "./pareto";
import { defaultConfig, safeParseConfig } from "../config";
import { resolveConfigAliases, resolveSpecAliases } from "../config/aliases";
import { applyPoint, cloneJson } from "./space";

/**
 * Calibration search spec (`calibration/specs/*.json`): what to tune, on which data, scored how,
 * validated how, searched how. Everything here is hashed into the spec hash that keys the trial
 * journal and goes into the artifact, so the spec alone (plus the fixtures it names, pinned by
 * their content SHA-256) determines the artifact. Formulas: `docs/CALIBRATION.md`.
 */

const ConfigPath = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$/, "a dotted config path like 'policy.alpha'");
const Scalar = z.union([z.number().finite(), z.string(), z.boolean()]);

/** A numeric range sampled on `min + i*step`, or an explicit list of choices. */
export const ParameterSchema = z.union([
  z
    .object({
      path: ConfigPath,
      min: z.number().finite(),
      max: z.number().finite(),
      step: z.number().finite().positive(),
    })
    .strict()
    .refine((p) => p.max >= p.min, { message: "max must be >= min", path: ["max"] }),
  z
    .object({
      path: ConfigPath,
      choices: z.array(Scalar).min(1),
    })
    .strict(),
]);
export type ParameterSpec = z.infer<typeof ParameterSchema>;

export const DatasetSchema = z
  .object({
    /** Fixture name under `fixtures/` or a folder (relative to the project root): a JSONL fixture, a columnar store (ADR-259), or a bar dataset — its recipe, its folder or its name under `datasets/` (ADR-266). */
    fixture: z.string().min(1),
    /** Symbols to replay (default: all of the fixture's symbols). */
    symbols: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();
export type DatasetSpec = z.infer<typeof DatasetSchema>;

export const ConstraintsSchema = z
  .object({
    /** Minimum completed cycles on the evaluated set. */
    min_cycles: z.number().int().nonnegative().default(0),
    /** Minimum completed cycles per hour of replayed data on the evaluated set. */
    min_cycles_per_hour: z.number().nonnegative().default(0),
    /** Maximum of max drawdown / drawdown budget over the evaluated runs. */
    max_dd_utilization: z.number().positive().default(1),
    /** Maximum fraction of replayed time spent in EMERGENCY. */
    max_emergency_frac: z.number().min(0).max(1).default(1),
  })
  .strict();

export const ObjectiveSchema = z
  .object({
    name: z.enum(["pnl_per_dd", "net_pnl", "cycles", "sharpe"]),
    /** Floor of the drawdown denominator, as a fraction of the drawdown budget (pnl_per_dd). */
    dd_floor: z.number().positive().max(1).default(0.05),
    /** Penalty per unit fraction of time in EMERGENCY. */
    penalty_emergency: z.number().nonnegative().default(1),
    /** Penalty per unit fraction of time in DAMAGE_CONTROL. */
    penalty_damage_control: z.number().nonnegative().default(0.5),
    constraints: ConstraintsSchema.default({}),
    /**
     * Objectives of the Pareto front and of the dominance check (ADR-060): metric names, each
     * with a fixed sense (net_pnl, sharpe, sortino, cycles, fills: higher is better;
     * max_drawdown, dd_utilization, turnover, fees: lower is better).
     */
    pareto: z
      .array(z.enum(Object.keys(PARETO_METRICS) as [ParetoMetric, ...ParetoMetric[]]))
      .min(1)
      .default(["net_pnl", "max_drawdown"]),
  })
  .strict();
export type ObjectiveSpec = z.infer<typeof ObjectiveSchema>;

export const FoldsSchema = z
  .object({
    /** Each fixture's time span is cut into this many equal segments, each replayed on its own. */
    segments: z.number().int().min(1).max(64).default(1),
    /** Walk-forward time folds over the segments. */
    time: z
      .object({
        mode: z.enum(["rolling", "anchored"]),
        /** Training segments (rolling: window length; anchored: first fold's length). */
        train: z.number().int().min(1),
        /** Test segments following the training window. */
        test: z.number().int().min(1).default(1),
      })
      .strict()
      .optional(),
    /** One fold per fixture: train on all the others, test on it. */
    leave_one_fixture_out: z.boolean().default(false),
    /**
     * Warm-up of each unit before its window (ms, ADR-260): only this much data before the unit's
     * start is replayed (a store does not read the rest). Absent: all the data before it, as before.
     */
    warmup_ms: z.number().int().min(0).optional(),
  })
  .strict();
export type FoldsSpec = z.infer<typeof FoldsSchema>;

export const SearchSchema = z.discriminatedUnion("method", [
  z
    .object({
      method: z.literal("grid"),
      /** Maximum number of parameter points; a larger grid is refused. */
      budget: z.number().int().positive().default(10_000),
    })
    .strict(),
  z
    .object({
      method: z.literal("halton"),
      /** Number of Halton points (after the base config's own point). */
      samples: z.number().int().positive(),
      /** Rounds of coordinate search from each selection's best point (0 = none). */
      refine_rounds: z.number().int().nonnegative().default(8),
      /** Maximum number of distinct parameter points over the whole search. */
      budget: z.number().int().positive().default(1_000),
    })
    .strict(),
  z
    .object({
      method: z.literal("cmaes"),
      /** Seed of the pure-rand generator (xoroshiro128+); the only source of randomness. */
      seed: z.number().int().nonnegative(),
      /** Candidates per generation λ (default 4 + ⌊3 ln d⌋). */
      population: z.number().int().min(2).optional(),
      /** Generations per selection (fold or final). */
      generations: z.number().int().positive().default(10),
      /** Initial step size in unit-cube coordinates. */
      sigma0: z.number().positive().max(1).default(0.3),
      /** Maximum number of distinct parameter points over the whole search. */
      budget: z.number().int().positive().default(1_000),
    })
    .strict(),
  z
    .object({
      method: z.literal("nsga2"),
      /** Seed of the pure-rand generator (xoroshiro128+); the only source of randomness. */
      seed: z.number().int().nonnegative(),
      /** Population size (even). */
      population: z.number().int().min(4).default(16),
      /** Generations per selection (fold or final), after the initial population. */
      generations: z.number().int().positive().default(8),
      /** Per-axis mutation probability (default 1 / number of parameters). */
      mutation: z.number().min(0).max(1).optional(),
      /** Crossover probability per pair. */
      crossover: z.number().min(0).max(1).default(0.9),
      /** Maximum number of distinct parameter points over the whole search. */
      budget: z.number().int().positive().default(1_000),
    })
    .strict(),
]);
export type SearchSpec = z.infer<typeof SearchSchema>;

export const GateSchema = z
  .object({
    /**
     * Floor on the mean out-of-sample objective over folds. Default 0: a selection that loses
     * out of sample is refused unless the spec sets a lower floor (or null: no check), ADR-062.
     */
    min_oos_objective: z.number().finite().nullable().default(0),
    /** Limit on mean degradation (IS − OOS) / max(|IS|, degradation_floor) over folds. */
    max_degradation: z.number().finite().optional(),
    /** Denominator floor of the degradation ratio (objective units): keeps it finite when IS ≈ 0. */
    degradation_floor: z.number().positive().default(0.1),
    /** Folds whose OOS evaluation violates a constraint that are tolerated. */
    max_infeasible_folds: z.number().int().nonnegative().default(0),
    /** Limit on the normalised spread of any selected parameter across folds (0..1). */
    max_param_spread: z.number().min(0).max(1).optional(),
    /** Probability of backtest overfitting (CSCV) above which export is refused (null: report only). */
    max_pbo: z.number().min(0).max(1).nullable().default(0.5),
    /** Blocks S of CSCV (even). */
    pbo_blocks: z.number().int().min(2).max(32).refine((n) => n % 2 === 0, "an even number").default(16),
    /** Deflated Sharpe Ratio (with every evaluated point counted as a trial) below which export is refused (null: report only). */
    min_dsr: z.number().min(0).max(1).nullable().default(0.95),
    /** Refuse a final selection on the boundary of an ordered numeric axis (edge check). */
    refuse_edge: z.boolean().default(true),
    /** Refuse a final selection dominated by another evaluated point on `objective.pareto`. */
    refuse_dominated: z.boolean().default(true),
    /**
     * Fill-model robustness: re-evaluate the final selection on all units under this
     * `execution.fill_model.kind` (the most realistic rung available; null = skip).
     */
    robust_fill_model: z.string().min(1).nullable().default("cross"),
    /** Floor on the final objective under `robust_fill_model` (null: report only). Default 0: the edge must survive. */
    min_robust_objective: z.number().finite().nullable().default(0),
    /** Limit on (objective − robust objective) / max(|objective|, degradation_floor) (optional). */
    max_robust_degradation: z.number().finite().optional(),
  })
  .strict();
export type GateSpec = z.infer<typeof GateSchema>;

export const CalibrationSpecSchema = z
  .object({
    /** Artifact name, part of the file name. */
    name: z.string().regex(/^[a-z0-9_\-.]+$/i, "letters, digits, '_', '-', '.'"),
    /** Artifact version (integer, bumped by hand when the spec's intent changes). */
    version: z.number().int().positive(),
    description: z.string().default(""),
    /** Base config: an inline (partial) GRINDER config, or a JSON file relative to the spec. */
    base: z.union([z.record(z.unknown()), z.string()]).default({}),
    parameters: z.array(ParameterSchema).min(1),
    datasets: z.array(DatasetSchema).min(1),
    objective: ObjectiveSchema,
    folds: FoldsSchema.default({}),
    search: SearchSchema,
    gate: GateSchema.default({}),
  })
  .strict();
export type CalibrationSpec = z.infer<typeof CalibrationSpecSchema>;

/** A validated spec with its base config resolved to an object. */
export interface ResolvedSpec {
  spec: CalibrationSpec;
  /** Base config object (inline, or read from the `base` file). */
  base: Record<string, unknown>;
  /** SHA-256 of canonical `{spec, base}`: keys the journal and goes into the artifact. */
  hash: string;
  /** File the spec came from, when it came from one (never hashed: paths differ per machine). */
  file?: string;
  /** One deprecation note per old name the spec (or its base config) used (ADR-160; never hashed). */
  warnings?: string[];
}

/**
 * Validate a spec object; errors name the field (`parameters[1].step`) and file. Old names
 * (`objective.constraints.max_dd_utilisation`, `dd_utilisation` in `objective.pareto`, config
 * paths such as `policy.step_min_pct` in `parameters[i].path` and in `base`) are read as their
 * current names before validation and hashing, each with a note in `warnings` (ADR-160).
 */
export function parseSpec(input: unknown, file?: string): ResolvedSpec {
  const warnings: string[] = [];
  const raw = resolveSpecAliases(input, file, warnings);
  const r = CalibrationSpecSchema.safeParse(raw);
  if (!r.success) throw fromZodError(r.error, "calibration spec").at({ file });
  const spec = r.data;
  const seen = new Set<string>();
  spec.parameters.forEach((p, i) => {
    if (seen.has(p.path))
      throw new GrinderError(ErrorCode.CONFIG, `calibration spec: parameter '${p.path}' listed twice`, { file, field: `parameters[${i}].path` });
    seen.add(p.path);
  });
  const names = new Set<string>();
  spec.datasets.forEach((d, i) => {
    if (names.has(d.fixture))
      throw new GrinderError(ErrorCode.CONFIG, `calibration spec: dataset '${d.fixture}' listed twice`, { file, field: `datasets[${i}].fixture` });
    names.add(d.fixture);
  });
  const f = spec.folds;
  if (!f.time && !f.leave_one_fixture_out)
    throw new GrinderError(ErrorCode.CONFIG, "calibration spec: walk-forward needs time folds and/or leave_one_fixture_out", { file, field: "folds" });
  if (f.time && f.time.train + f.time.test > f.segments)
    throw new GrinderError(ErrorCode.CONFIG, `calibration spec: train + test (${f.time.train + f.time.test}) exceeds segments (${f.segments})`, {
      file,
      field: "folds.time.train",
    });
  if (f.leave_one_fixture_out && spec.datasets.length < 2)
    throw new GrinderError(ErrorCode.CONFIG, "calibration spec: leave_one_fixture_out needs at least 2 datasets", { file, field: "folds.leave_one_fixture_out" });
  let base: Record<string, unknown>;
  if (typeof spec.base === "string") {
    const bf = path.resolve(file ? path.dirname(file) : process.cwd(), spec.base);
    base = resolveConfigAliases(readJsonObject(bf, "base config"), bf, warnings, "base.") as Record<string, unknown>;
  } else base = spec.base;
  checkParameterValues(spec.parameters, base, file);
  return { spec, base, hash: hashCanonical({ spec, base }), file, warnings };
}

/**
 * Every end value of a parameter (`min`, `max`, each choice) must be a value its config field
 * accepts on the spec's base (ADR-131): a bad one is refused here, naming the spec file and
 * `parameters[i].min|max|choices[j]`, not later by a trial or as a non-finite number. Errors of
 * other fields (a cross-field rule the search may still satisfy) are left to the trials.
 */
function checkParameterValues(params: ParameterSpec[], base: Record<string, unknown>, file: string | undefined): void {
  const defaults = defaultConfig() as unknown as Record<string, unknown>;
  params.forEach((p, i) => {
    // A path that is not a config field is reported by the search as `parameters[i].path`.
    let node: unknown = defaults;
    for (const part of p.path.split(".")) node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined;
    if (node === undefined) return;
    const ends: Array<[unknown, string]> = "choices" in p ? p.choices.map((c, j) => [c, `choices[${j}]`] as [unknown, string]) : [[p.min, "min"], [p.max, "max"]];
    for (const [v, key] of ends) {
      let doc: Record<string, unknown>;
      try {
        doc = applyPoint(cloneJson(base), { [p.path]: v as never });
      } catch {
        return; // a path the base cannot take is reported by the trials' own resolution
      }
      const r = safeParseConfig(doc);
      if (!r.success && r.error.field === p.path)
        throw new GrinderError(ErrorCode.CONFIG, `calibration spec: ${key} ${JSON.stringify(v)} of '${p.path}' is not a valid value: ${r.error.detail}`, { file, field: `parameters[${i}].${key}` });
    }
  });
}

/** Read and validate a spec file. */
export function loadSpec(file: string): ResolvedSpec {
  return parseSpec(readJsonObject(file, "calibration spec"), file);
}

function readJsonObject(file: string, what: string): Record<string, unknown> {
  if (!existsSync(file)) throw new GrinderError(ErrorCode.IO, `${what} file not found`, { file });
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new GrinderError(ErrorCode.PARSE, `${what}: invalid JSON: ${(e as Error).message}`, { file });
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new GrinderError(ErrorCode.BAD_TYPE, `${what}: expected a JSON object`, { file });
  return raw as Record<string, unknown>;
}
