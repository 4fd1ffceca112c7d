import { ErrorCode, GrinderError } from "../contracts/errors";

/**
 * Documented input aliases of the unit convention (ADR-160): a field holding a fraction
 * (0.01 = 1 %) ends in `_frac`, a percent ends in `_pct`, and `utilization` is spelled the
 * spec's way. The spec's names and the names used before ADR-160 are still accepted in config
 * files and calibration specs: each is mapped to its new name BEFORE validation and hashing
 * (so an aliased input and the same input written with the new names resolve, and hash, the
 * same), and each use adds a one-line deprecation note to the caller's `warnings` list. Old and
 * new name given together is an `E_CONFIG` naming the old path. Outputs use the new names only.
 */

/** A renamed config key: `from` (spec / old name) → `to`, as dotted paths from the config root. */
export interface KeyAlias {
  readonly from: string;
  readonly to: string;
}

/** A renamed enum value at a dotted path of the config. */
export interface ValueAlias {
  readonly path: string;
  readonly from: string;
  readonly to: string;
}

/** Renamed config keys (spec 17.19 names on the left). */
export const CONFIG_KEY_ALIASES: readonly KeyAlias[] = Object.freeze([
  { from: "policy.step_min_pct", to: "policy.step_min_frac" },
  { from: "policy.x_min_pct", to: "policy.x_min_frac" },
  { from: "policy.x_cap_pct", to: "policy.x_cap_frac" },
  { from: "risk.dd_budget_pct", to: "risk.dd_budget_frac" },
]);

/** Renamed config enum values. */
export const CONFIG_VALUE_ALIASES: readonly ValueAlias[] = Object.freeze([
  { path: "policy.caps.max_inventory_notional.kind", from: "pct_equity", to: "frac_equity" },
]);

/** Renamed calibration-spec keys (paths from the spec root). */
export const SPEC_KEY_ALIASES: readonly KeyAlias[] = Object.freeze([
  { from: "objective.constraints.max_dd_utilisation", to: "objective.constraints.max_dd_utilization" },
]);

/** Renamed trial-metric names (calibration spec `objective.pareto` entries). */
export const METRIC_ALIASES: Readonly<Record<string, string>> = Object.freeze({ dd_utilisation: "dd_utilization" });

function deprecation(from: string, to: string, where: string): string {
  return `deprecated name ${where}'${from}': read as '${to}' (ADR-160)`;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === "object" && !Array.isArray(x);
}

/**
 * Rename `alias.from` to `alias.to` inside `root` (copy on write: the input is never mutated,
 * and returned as is when it holds no alias). `prefix` names the field in errors and notes.
 */
function renameKey(root: unknown, alias: KeyAlias, prefix: string, file: string | undefined, warnings: string[] | undefined): unknown {
  const fromParts = alias.from.split(".");
  const toParts = alias.to.split(".");
  const oldKey = fromParts[fromParts.length - 1];
  const newKey = toParts[toParts.length - 1];
  const parentPath = fromParts.slice(0, -1);
  // Find the parent object; stop when the alias is absent.
  const chain: Record<string, unknown>[] = [];
  let node: unknown = root;
  for (const part of parentPath) {
    if (!isRecord(node)) return root;
    chain.push(node);
    node = node[part];
  }
  if (!isRecord(node) || !Object.prototype.hasOwnProperty.call(node, oldKey)) return root;
  if (Object.prototype.hasOwnProperty.call(node, newKey))
    throw new GrinderError(ErrorCode.CONFIG, `both '${prefix}${alias.from}' (deprecated alias) and '${prefix}${alias.to}' are given; keep '${prefix}${alias.to}'`, {
      file,
      field: prefix + alias.from,
    });
  const renamed: Record<string, unknown> = {};
  for (const k of Object.keys(node)) renamed[k === oldKey ? newKey : k] = node[k];
  warnings?.push(deprecation(prefix + alias.from, prefix + alias.to, ""));
  // Rebuild the chain above it.
  let child: unknown = renamed;
  for (let i = chain.length - 1; i >= 0; i--) child = { ...chain[i], [parentPath[i]]: child };
  return child;
}

/**
 * Map the spec's / old names of a raw config document to the current ones (ADR-160), before
 * validation. Returns the input itself when it uses no alias. `prefix` (e.g. `base.`) is put
 * in front of paths in errors and notes.
 */
export function resolveConfigAliases(x: unknown, file?: string, warnings?: string[], prefix = ""): unknown {
  let out = x;
  for (const a of CONFIG_KEY_ALIASES) out = renameKey(out, a, prefix, file, warnings);
  for (const a of CONFIG_VALUE_ALIASES) out = renameValueAt(out, a, prefix, warnings);
  return out;
}

/** Copy-on-write replacement of one enum value at a dotted path. */
function renameValueAt(root: unknown, alias: ValueAlias, prefix: string, warnings: string[] | undefined): unknown {
  const parts = alias.path.split(".");
  const rec = (node: unknown, i: number): unknown => {
    if (!isRecord(node)) return node;
    const k = parts[i];
    if (i === parts.length - 1) {
      if (node[k] !== alias.from) return node;
      warnings?.push(deprecation(alias.from, alias.to, `value of ${prefix}${alias.path}: `));
      return { ...node, [k]: alias.to };
    }
    if (!Object.prototype.hasOwnProperty.call(node, k)) return node;
    const c = rec(node[k], i + 1);
    return c === node[k] ? node : { ...node, [k]: c };
  };
  return rec(root, 0);
}

/** A config dotted path (calibration parameter, `withParams` point) under its current name. */
export function resolveConfigPathAlias(p: string, warnings?: string[], where = ""): string {
  for (const a of CONFIG_KEY_ALIASES) {
    if (p === a.from || p.startsWith(a.from + ".")) {
      warnings?.push(deprecation(p, a.to + p.slice(a.from.length), where));
      return a.to + p.slice(a.from.length);
    }
  }
  return p;
}

/**
 * Map the old names of a raw calibration spec (ADR-160): `objective.constraints.max_dd_utilisation`,
 * `dd_utilisation` in `objective.pareto`, old config paths in `parameters[i].path`, and the
 * inline `base` config's own aliases. Returns the input itself when it uses none.
 */
export function resolveSpecAliases(x: unknown, file?: string, warnings?: string[]): unknown {
  let out = x;
  for (const a of SPEC_KEY_ALIASES) out = renameKey(out, a, "", file, warnings);
  if (!isRecord(out)) return out;
  const o = out as Record<string, unknown>;
  let next: Record<string, unknown> = o;
  const objective = o.objective;
  if (isRecord(objective) && Array.isArray(objective.pareto) && objective.pareto.some((m) => typeof m === "string" && m in METRIC_ALIASES)) {
    const pareto = objective.pareto.map((m, i) => {
      if (typeof m === "string" && m in METRIC_ALIASES) {
        warnings?.push(deprecation(m, METRIC_ALIASES[m], `objective.pareto[${i}]: `));
        return METRIC_ALIASES[m];
      }
      return m;
    });
    next = { ...next, objective: { ...objective, pareto } };
  }
  if (Array.isArray(o.parameters)) {
    let changed = false;
    const params = o.parameters.map((p, i) => {
      if (!isRecord(p) || typeof p.path !== "string") return p;
      const np = resolveConfigPathAlias(p.path, warnings, `parameters[${i}].path: `);
      if (np === p.path) return p;
      changed = true;
      return { ...p, path: np };
    });
    if (changed) next = { ...next, parameters: params };
  }
  if (isRecord(o.base)) {
    const b = resolveConfigAliases(o.base, file, warnings, "base.");
    if (b !== o.base) next = { ...next, base: b };
  }
  return next;
}
