import { ErrorCode, GrinderError } from "../contracts/errors";
import type { SymbolView } from "../contracts/features";
import { TOX_SEVERITIES, type ReasonCode } from "../contracts/trading";
import type { PortfolioGates } from "./config";
import { GATE_FUNDING, GATE_REGIME, GATE_SPREAD, GATE_STALE, GATE_THIN, GATE_TOXIC, GATE_WARMUP } from "./reasons";

/** A symbol refused by a hard gate, with every gate it failed (GATE_CODES order). */
export interface GateExclusion {
  symbol: string;
  reasons: ReasonCode[];
}

export interface GateOutcome {
  /** Views that passed every gate, lexical by symbol. */
  eligible: SymbolView[];
  /** Views that failed at least one gate, lexical by symbol. */
  excluded: GateExclusion[];
}

function bad(detail: string, field: string): GrinderError {
  return new GrinderError(ErrorCode.INVALID_ARGUMENT, detail, { field });
}

function finite(x: number, field: string): void {
  if (!Number.isFinite(x)) throw bad(`non-finite value ${x}`, field);
}

function finiteOrNull(x: number | null, field: string): void {
  if (x !== null) finite(x, field);
}

/**
 * Refuse views the selector cannot judge: duplicate symbols, features of another symbol,
 * features from after the selection time, non-finite numbers (a broken invariant upstream,
 * never silently scored).
 */
export function validateViews(ts: number, views: ReadonlyArray<SymbolView>): void {
  if (!Number.isInteger(ts) || ts < 0) throw bad(`selection time must be a non-negative integer ms, got ${ts}`, "ts");
  const seen = new Set<string>();
  for (const v of views) {
    const at = `views[${v.symbol}]`;
    if (seen.has(v.symbol)) throw bad(`duplicate symbol ${v.symbol}`, at);
    seen.add(v.symbol);
    const f = v.features;
    if (f.symbol !== v.symbol) throw bad(`features belong to ${f.symbol}`, `${at}.features.symbol`);
    if (f.ts > ts) throw bad(`features at ${f.ts} are after the selection time ${ts}`, `${at}.features.ts`);
    finite(f.spread_bps, `${at}.features.spread_bps`);
    finite(f.thin_l1_quote, `${at}.features.thin_l1_quote`);
    finiteOrNull(f.spread_bps_baseline, `${at}.features.spread_bps_baseline`);
    finiteOrNull(f.range_score, `${at}.features.range_score`);
    finiteOrNull(f.trend_strength, `${at}.features.trend_strength`);
    finiteOrNull(f.depth_topn_usd, `${at}.features.depth_topn_usd`);
    finiteOrNull(f.impact_bps, `${at}.features.impact_bps`);
    finite(v.tox.penalty, `${at}.tox.penalty`);
    if (v.tox.penalty < 0 || v.tox.penalty > 1) throw bad(`tox penalty ${v.tox.penalty} outside [0, 1]`, `${at}.tox.penalty`);
    if (v.funding_rate !== undefined && v.funding_rate !== null) finite(v.funding_rate, `${at}.funding_rate`);
  }
}

/** Fresh L2 = the feature engine produced L2 values and does not flag the book stale (17.4.2). */
export function hasFreshL2(v: SymbolView): boolean {
  return !v.features.l2_stale && v.features.depth_topn_usd !== null;
}

/** When a symbol was last seen stale / toxic at a selector call (data time), for the recovery memory. */
export interface RecentFlags {
  stale_ts: number | null;
  toxic_ts: number | null;
}

/** Stale right now: flagged by the feature engine, or no snapshot for more than `max_stale_ms`. */
export function isStaleNow(ts: number, v: SymbolView, g: PortfolioGates): boolean {
  return v.features.l1_stale || ts - v.features.ts > g.max_stale_ms;
}

/** Toxic right now: severity at or above the gate's. */
export function isToxicNow(v: SymbolView, g: PortfolioGates): boolean {
  return TOX_SEVERITIES.indexOf(v.tox.severity) >= TOX_SEVERITIES.indexOf(g.tox_severity);
}

/**
 * Hard gates of one symbol (spec 17.15.1): the failed gate codes, empty when it may be scored.
 * Staleness is measured at the selection time `ts` (a stopped feed never updates its own
 * `l1_age_ms`). The funding gate applies only when the view carries a funding rate. With
 * `recent`, GATE_STALE / GATE_TOXIC also hold until `stale_recovery_ms` / `tox_recovery_ms`
 * after the condition was last seen.
 */
export function gateSymbol(ts: number, v: SymbolView, g: PortfolioGates, recent?: RecentFlags): ReasonCode[] {
  const f = v.features;
  const out: ReasonCode[] = [];
  if (isStaleNow(ts, v, g) || (recent?.stale_ts != null && ts - recent.stale_ts < g.stale_recovery_ms)) out.push(GATE_STALE);
  if (isToxicNow(v, g) || (recent?.toxic_ts != null && ts - recent.toxic_ts < g.tox_recovery_ms)) out.push(GATE_TOXIC);
  const l2 = hasFreshL2(v);
  if (
    f.thin_l1_quote < g.min_thin_l1_quote ||
    (l2 && (f.depth_topn_usd as number) < g.min_depth_topn_usd) ||
    (l2 && f.impact_bps !== null && f.impact_bps > g.max_impact_bps)
  )
    out.push(GATE_THIN);
  const spread = f.spread_bps_baseline ?? f.spread_bps;
  if (spread > g.max_spread_bps) out.push(GATE_SPREAD);
  if (g.max_abs_funding_rate !== null && v.funding_rate !== undefined && v.funding_rate !== null && Math.abs(v.funding_rate) > g.max_abs_funding_rate)
    out.push(GATE_FUNDING);
  if (g.regimes.includes(v.regime)) out.push(GATE_REGIME);
  // Unscorable (null range/trend) symbols are excluded even when the warm gate is off.
  if ((g.require_warm && !f.warm) || f.range_score === null || f.trend_strength === null) out.push(GATE_WARMUP);
  return out;
}

function bySymbol(a: { symbol: string }, b: { symbol: string }): number {
  return a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0;
}

/**
 * Apply the hard gates to every view (spec 17.15.1). Output is lexical by symbol whatever the
 * input order. Throws `GrinderError` (E_INVALID_ARGUMENT) on views that cannot be judged.
 *
 * @example
 * const { eligible, excluded } = applyGates(ts, views, defaultPortfolioConfig().gates);
 */
export function applyGates(ts: number, views: ReadonlyArray<SymbolView>, g: PortfolioGates, recent?: ReadonlyMap<string, RecentFlags>): GateOutcome {
  validateViews(ts, views);
  const eligible: SymbolView[] = [];
  const excluded: GateExclusion[] = [];
  for (const v of views) {
    const reasons = gateSymbol(ts, v, g, recent?.get(v.symbol));
    if (reasons.length) excluded.push({ symbol: v.symbol, reasons });
    else eligible.push(v);
  }
  eligible.sort(bySymbol);
  excluded.sort(bySymbol);
  return { eligible, excluded };
}

export { bySymbol };
