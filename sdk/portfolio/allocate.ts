import Decimal from "decimal.js";
import { ErrorCode, GrinderError } from "../contracts/errors";

/** What the allocator needs of a selected symbol. */
export interface AllocationInput {
  symbol: string;
  /** Normalised liquidity score, [0, 1]. */
  liquidity_score: number;
  /** Toxicity penalty, [0, 1]. */
  tox_penalty: number;
}

export type AllocatorKind = "equal" | "weighted";

/** Weight of a symbol under an allocator (spec 17.7.2): 1, or liquidity·(1 − tox_penalty). */
export function allocationWeight(x: AllocationInput, kind: AllocatorKind): number {
  return kind === "equal" ? 1 : Math.max(0, x.liquidity_score) * Math.max(0, 1 - x.tox_penalty);
}

/**
 * Split the portfolio DD budget over the selected symbols (spec 17.7.2), in decimal arithmetic.
 *
 * - `equal`: dd_i = dd_portfolio / K; `weighted`: dd_i = dd_portfolio · w_i / Σw with
 *   w_i = liquidity_score_i · (1 − tox_penalty_i) (falls back to equal when Σw = 0).
 * - Each share is rounded DOWN to `quantum` (quote). The remainder goes whole to ONE symbol:
 *   the one with the largest weight, ties to the lexically first symbol (ADR-009). So
 *   Σ budgets = dd_portfolio exactly whenever dd_portfolio is a multiple of
 *   the quantum (any budget with at most 8 decimals at the default 1e-8); otherwise it equals
 *   dd_portfolio rounded down to the quantum: sub-quantum dust is never allocated and the
 *   budgets never exceed the portfolio budget.
 *
 * Returns budgets keyed in lexical symbol order. Throws E_INVALID_ARGUMENT on a negative or
 * non-finite budget or duplicate symbols.
 *
 * @example
 * allocateBudgets([{ symbol: "A", liquidity_score: 1, tox_penalty: 0 }, { symbol: "B", liquidity_score: 2, tox_penalty: 0.5 }], 1000, "weighted");
 */
export function allocateBudgets(
  selected: ReadonlyArray<AllocationInput>,
  ddPortfolio: number,
  kind: AllocatorKind,
  quantum = 1e-8,
): Record<string, number> {
  if (!Number.isFinite(ddPortfolio) || ddPortfolio < 0)
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `portfolio DD budget must be finite and >= 0, got ${ddPortfolio}`, { field: "ddBudgetPortfolio" });
  if (!(quantum > 0) || !Number.isFinite(quantum))
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `budget quantum must be > 0, got ${quantum}`, { field: "budget_quantum" });
  const xs = [...selected].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  for (let i = 1; i < xs.length; i++)
    if (xs[i].symbol === xs[i - 1].symbol)
      throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `duplicate symbol ${xs[i].symbol}`, { field: "selected" });
  const out: Record<string, number> = {};
  if (!xs.length) return out;

  const q = new Decimal(quantum);
  const total = new Decimal(ddPortfolio).div(q).floor().mul(q);
  let weights = xs.map((x) => new Decimal(allocationWeight(x, kind)));
  let sumW = weights.reduce((a, b) => a.add(b), new Decimal(0));
  if (sumW.isZero()) {
    weights = xs.map(() => new Decimal(1));
    sumW = new Decimal(xs.length);
  }
  const shares = weights.map((w) => total.mul(w).div(sumW).div(q).floor().mul(q));
  const given = shares.reduce((a, b) => a.add(b), new Decimal(0));
  let heir = 0;
  for (let i = 1; i < xs.length; i++) if (weights[i].gt(weights[heir])) heir = i;
  shares[heir] = shares[heir].add(total.sub(given));
  for (let i = 0; i < xs.length; i++) out[xs[i].symbol] = shares[i].toNumber();
  return out;
}
