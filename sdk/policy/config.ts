import { z } from "zod";
import { fromZodError } from "../contracts/zod";
import { ErrorCode, GrinderError } from "../contracts/errors";

/**
 * Adaptive grid policy configuration (spec 17.19): policy parameters, never final grid
 * parameters: those are computed from the market at each bar (spec 17.8–17.11).
 *
 * The documented defaults live in ONE place: the `.describe()` texts and `.default()` values
 * below. `scripts/export-config-schema.ts` renders them to `docs/config.schema.json` and
 * `docs/CONFIG.md`. All ratios are fractions (0.001 = 0.1 %), never percent (ADR-001).
 */

const frac = (d: number, what: string) => z.number().finite().positive().lt(1).default(d).describe(what);
const posNum = (d: number, what: string) => z.number().finite().positive().default(d).describe(what);

/**
 * A value per regime that has grid geometry. TOXIC only shapes reduce-only unloading orders;
 * PAUSED and EMERGENCY have no geometry (cancel all), so they carry no entry.
 */
export const GEOMETRY_REGIMES = ["RANGE", "TREND_UP", "TREND_DOWN", "VOL_SHOCK", "THIN_BOOK", "TOXIC"] as const;
export type GeometryRegime = (typeof GEOMETRY_REGIMES)[number];

function perRegime(
  name: string,
  what: string,
  d: Record<GeometryRegime, number>,
  item: () => z.ZodNumber,
): z.ZodDefault<z.ZodObject<Record<GeometryRegime, z.ZodDefault<z.ZodNumber>>, "strict">> {
  const shape = {} as Record<GeometryRegime, z.ZodDefault<z.ZodNumber>>;
  for (const r of GEOMETRY_REGIMES) shape[r] = item().default(d[r]).describe(`${name} in ${r}.`);
  return z.object(shape).strict().default({}).describe(what);
}

export const ShockMultiplierSchema = perRegime(
  "shock_multiplier",
  "Step multiplier shock_multiplier(regime) of spec 17.9.2 (RANGE = 1, VOL_SHOCK > 1, THIN_BOOK >= VOL_SHOCK)",
  { RANGE: 1, TREND_UP: 1.25, TREND_DOWN: 1.25, VOL_SHOCK: 2, THIN_BOOK: 2.5, TOXIC: 2.5 },
  () => z.number().finite().min(1),
);

export const HorizonMinutesSchema = perRegime(
  "H (minutes)",
  "Stress horizon H in minutes (spec 17.8.1); n = H / TF bars",
  { RANGE: 60, TREND_UP: 120, TREND_DOWN: 120, VOL_SHOCK: 30, THIN_BOOK: 60, TOXIC: 30 },
  () => z.number().finite().positive(),
);

export const KTailSchema = perRegime(
  "k_tail",
  "Tail multiplier k_tail (spec 17.8.2): X_base = k_tail · sigma_H",
  { RANGE: 2, TREND_UP: 2.5, TREND_DOWN: 2.5, VOL_SHOCK: 3, THIN_BOOK: 3, TOXIC: 3 },
  () => z.number().finite().positive(),
);

export const TrendConfigSchema = z
  .object({
    penalty: z
      .number()
      .finite()
      .min(1)
      .default(1.25)
      .describe("TREND: X_stress multiplier trend_penalty (spec 17.8.2), applied before the clamp."),
    against_width_factor: z
      .number()
      .finite()
      .min(1)
      .default(1.25)
      .describe(
        "TREND: width multiplier on the side AGAINST the trend (the side the price moves toward: up in TREND_UP, whose orders fade the trend) (spec 17.8.3).",
      ),
    with_width_factor: z
      .number()
      .finite()
      .positive()
      .max(1)
      .default(0.8)
      .describe("TREND: width multiplier on the side WITH the trend (buys below in TREND_UP) (spec 17.8.3)."),
    against_adds_factor: z
      .number()
      .finite()
      .min(0)
      .max(1)
      .default(0.5)
      .describe(
        "TREND: fraction of the DD budget the against side may use for new risk (spec 17.6.3 'restrict adds'); 0 = that side only reduces inventory.",
      ),
  })
  .strict()
  .default({})
  .describe("Trend adjustments (spec 17.6.3, 17.8.2, 17.8.3).");

export const L2PenaltyConfigSchema = z
  .object({
    impact_ref_bps: posNum(10, "Impact (bps, features.impact_bps) above which the L2 penalty grows."),
    impact_weight: z
      .number()
      .finite()
      .min(0)
      .default(0.5)
      .describe("Penalty added per multiple of impact_ref_bps above it: + impact_weight · max(0, impact/ref − 1)."),
    depth_ref_quote: posNum(50_000, "Top-N depth (quote, features.depth_topn_usd) below which the L2 penalty grows."),
    depth_weight: z
      .number()
      .finite()
      .min(0)
      .default(0.5)
      .describe("Penalty added for thin depth: + depth_weight · max(0, ref/depth − 1)."),
    max: z.number().finite().min(1).default(2).describe("Upper clamp of l2_penalty (the lower bound is 1, spec 17.8.1)."),
  })
  .strict()
  .default({})
  .describe("l2_penalty >= 1 from L2 impact and depth (spec 17.8.1); exactly 1 when L2 features are absent.");

export const SizingConfigSchema = z
  .object({
    mode: z
      .enum(["equal_notional", "tapered"])
      .default("equal_notional")
      .describe("equal_notional = Option A (spec 17.11.3); tapered = Option B (spec 17.11.4)."),
    max_weight_ratio: z
      .number()
      .finite()
      .min(1)
      .default(2)
      .describe("Option B: max(w_i) / min(w_i) bound (spec 17.11.4). 1 = equal weights."),
    taper: z
      .enum(["increasing_outward", "decreasing_outward"])
      .default("increasing_outward")
      .describe(
        "Option B linear ramp direction: increasing_outward = small near the centre, larger further out (anti fast-loading); never exponential.",
      ),
  })
  .strict()
  .default({})
  .describe("Level sizing (spec 17.11).");

export const InventoryCapSchema = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("frac_equity"), value: z.number().finite().positive() }).strict(),
    z.object({ kind: z.literal("quote"), value: z.number().finite().positive() }).strict(),
  ])
  .default({ kind: "frac_equity", value: 0.5 })
  .describe(
    "max_inventory_notional per symbol (spec 17.7.3): {kind:'frac_equity', value: fraction of equity (old kind 'pct_equity' accepted as an alias)} or {kind:'quote', value: quote amount}.",
  );

export const CapsConfigSchema = z
  .object({
    max_inventory_notional: InventoryCapSchema,
    max_effective_leverage: posNum(
      2,
      "max_effective_leverage (spec 17.7.3): the symbol's inventory notional after a full ladder fill stays <= leverage · equity. Portfolio-wide aggregation belongs to the portfolio stage.",
    ),
    max_open_orders: z
      .number()
      .int()
      .min(0)
      .default(24)
      .describe(
        "max_open_orders per symbol (spec 17.7.3): bids + asks of one plan. Take-profit orders come on top; execution.max_open_orders_per_symbol (40) is the hard limit on all resting orders, so the default leaves 16 seats for take-profits.",
      ),
    widen_step_factor: z
      .number()
      .finite()
      .gt(1)
      .default(1.5)
      .describe("Caps resolution step 3 (widen step, ADR-014): the step is multiplied by this until the violation clears."),
  })
  .strict()
  .default({})
  .describe("Hard caps (spec 17.7.3, 17.11.5), resolved in the order reduce sizes → reduce levels → widen step → throttle/pause.");

export const SkewConfigSchema = z
  .object({
    range_inventory_steps: z
      .number()
      .finite()
      .min(0)
      .default(0.25)
      .describe(
        "RANGE: centre shift (in steps) per unit of inventory utilization inv_notional / cap (spec 17.6.3 'mild skew'); long → centre down.",
      ),
    trend_inventory_steps: z
      .number()
      .finite()
      .min(0)
      .default(0.5)
      .describe("TREND: centre shift (in steps) per unit of inventory utilization."),
    trend_shift_steps: z
      .number()
      .finite()
      .min(0)
      .default(0.25)
      .describe("TREND: centre shift (in steps) toward the trend direction (spec 17.6.3 'skew')."),
    max_steps: z
      .number()
      .finite()
      .min(0)
      .lt(1)
      .default(0.75)
      .describe("Bound on |centre shift| in steps; < 1 so level 1 stays on its side of the mid."),
  })
  .strict()
  .default({})
  .describe("Centre skew (spec 17.3 'Inventory & Skew', 17.6.3).");

export const ThrottleConfigSchema = z
  .object({
    thin_book_action: z
      .enum(["THROTTLE", "PAUSE"])
      .default("THROTTLE")
      .describe("THIN_BOOK without inventory: throttle (smaller grid) or pause (spec 17.6.3)."),
    levels_factor: z
      .number()
      .finite()
      .positive()
      .max(1)
      .default(0.5)
      .describe("THROTTLE: levels per side × this (at least 1)."),
    budget_factor: z
      .number()
      .finite()
      .positive()
      .max(1)
      .default(0.5)
      .describe("THROTTLE: DD budget used by sizing × this."),
  })
  .strict()
  .default({})
  .describe("THROTTLE mode (spec 17.6.3 THIN_BOOK, toxicity action THROTTLE).");

export const ReduceOnlyConfigSchema = z
  .object({
    levels: z
      .number()
      .int()
      .min(1)
      .default(3)
      .describe("Reduce-only ladders split the inventory over at most this many levels, one step apart."),
  })
  .strict()
  .default({})
  .describe("Reduce-only unloading (spec 17.6.3, 17.14.2).");

export const DamageControlConfigSchema = z
  .object({
    tp_distance_factor: z
      .number()
      .finite()
      .positive()
      .default(1)
      .describe(
        "DAMAGE_CONTROL (spec 17.14.3): spacing of the policy's reduce-only ladder = step × this (> 1 widens the distance, < 1 accelerates unloading). Take-profits of filled grid orders follow execution.damage_control_tp_factor.",
      ),
  })
  .strict()
  .default({})
  .describe("Damage control behaviour (spec 17.14.3).");

export const PolicyConfigSchema = z
  .object({
    step_min_frac: frac(0.001, "step_min_frac (spec 17.9.1 `step_min_pct`, accepted as an alias): floor of the step, avoids a micro-grid. Fraction (0.001 = 0.1 %)."),
    alpha: posNum(1, "alpha (spec 17.9.2): step = max(step_min_frac, alpha · NATR · shock_multiplier)."),
    shock_multiplier: ShockMultiplierSchema,
    horizon_minutes: HorizonMinutesSchema,
    k_tail: KTailSchema,
    x_min_frac: frac(0.005, "X_min (spec 17.8.2): lower clamp of X_stress. Fraction (0.005 = 0.5 %); old name `x_min_pct` accepted as an alias."),
    x_cap_frac: frac(0.08, "X_cap (spec 17.8.2): upper clamp of X_stress. Fraction (0.08 = 8 %); old name `x_cap_pct` accepted as an alias."),
    trend: TrendConfigSchema,
    l2_penalty: L2PenaltyConfigSchema,
    levels_min: z.number().int().min(1).default(2).describe("levels_min per side (spec 17.10)."),
    levels_max: z.number().int().min(1).default(20).describe("levels_max per side (spec 17.10)."),
    sizing: SizingConfigSchema,
    caps: CapsConfigSchema,
    skew: SkewConfigSchema,
    throttle: ThrottleConfigSchema,
    reduce_only: ReduceOnlyConfigSchema,
    damage_control: DamageControlConfigSchema,
  })
  .strict()
  .superRefine((c, ctx) => {
    const sm = c.shock_multiplier;
    if (sm.RANGE !== 1)
      ctx.addIssue({ code: "custom", path: ["shock_multiplier", "RANGE"], message: "shock_multiplier(RANGE) must be 1 (spec 17.9.2)" });
    if (!(sm.VOL_SHOCK > 1))
      ctx.addIssue({ code: "custom", path: ["shock_multiplier", "VOL_SHOCK"], message: "shock_multiplier(VOL_SHOCK) must exceed 1 (spec 17.9.2)" });
    if (!(sm.THIN_BOOK >= sm.VOL_SHOCK))
      ctx.addIssue({
        code: "custom",
        path: ["shock_multiplier", "THIN_BOOK"],
        message: "shock_multiplier(THIN_BOOK) must be >= shock_multiplier(VOL_SHOCK) (spec 17.9.2)",
      });
    if (!(c.x_min_frac <= c.x_cap_frac))
      ctx.addIssue({ code: "custom", path: ["x_min_frac"], message: `x_min_frac (${c.x_min_frac}) must be <= x_cap_frac (${c.x_cap_frac})` });
    if (!(c.levels_min <= c.levels_max))
      ctx.addIssue({ code: "custom", path: ["levels_min"], message: `levels_min (${c.levels_min}) must be <= levels_max (${c.levels_max})` });
  })
  .describe("Adaptive grid policy (spec 17.8–17.11, 17.6.3, 17.7.3, 17.14.2–3).");

export type PolicyConfig = z.infer<typeof PolicyConfigSchema>;
/** Input shape: every field optional. */
export type PolicyConfigInput = z.input<typeof PolicyConfigSchema>;

/**
 * Parse a policy section; throws `GrinderError` (E_CONFIG) naming the field as `policy.<path>`.
 *
 * @example
 * const cfg = parsePolicyConfig({ alpha: 0.8, sizing: { mode: "tapered" } });
 */
export function parsePolicyConfig(x: unknown = {}, file?: string): PolicyConfig {
  const r = PolicyConfigSchema.safeParse(x);
  if (!r.success) {
    const e = fromZodError(r.error, "policy config");
    throw new GrinderError(ErrorCode.CONFIG, e.detail, { file, field: e.field === undefined ? "policy" : `policy.${e.field}` });
  }
  return r.data;
}

/** The documented policy defaults. */
export function defaultPolicyConfig(): PolicyConfig {
  return PolicyConfigSchema.parse({});
}
