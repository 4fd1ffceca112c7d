import { ErrorCode, GrinderError } from "../contracts/errors";
import type { SymbolScore } from "./score";

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Top-K with hysteresis (spec 17.15.3; ADR-008). Candidates are ranked by
 * effective score = score + `margin` for incumbents, score for challengers; equal effective
 * scores put incumbents first, then symbol name. So a challenger takes a seat only when its
 * score beats the weakest incumbent's by MORE than `margin`, and a symbol hovering near the cut
 * does not flip in and out. With no incumbents this is plain Top-K by score, ties by name.
 * The result is lexical and does not depend on the order of `scores`.
 *
 * @example
 * const selected = selectTopK(scores, 3, new Set(previous.selected), 0.15);
 */
export function selectTopK(scores: ReadonlyArray<SymbolScore>, k: number, incumbents: ReadonlySet<string> = new Set(), margin = 0): string[] {
  if (!Number.isInteger(k) || k < 0) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `k must be a non-negative integer, got ${k}`, { field: "k" });
  if (!(margin >= 0)) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `margin must be >= 0, got ${margin}`, { field: "margin" });
  const ranked = scores.map((s) => ({ s, inc: incumbents.has(s.symbol), eff: s.score + (incumbents.has(s.symbol) ? margin : 0) }));
  ranked.sort((a, b) => b.eff - a.eff || Number(b.inc) - Number(a.inc) || byName(a.s.symbol, b.s.symbol));
  return ranked
    .slice(0, k)
    .map((r) => r.s.symbol)
    .sort(byName);
}
