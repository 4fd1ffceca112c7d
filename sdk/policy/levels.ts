import type { GridLevel, Side } from "../contracts/trading";

/**
 * A grid level, made in one place so every level has one shape. `price` and `qty` start as
 * doubles (0.5, then assigned): were the first level's price or qty an integer, the shape would
 * get an integer field, and the first fractional value would change the shape under the optimised
 * planner and order manager (a deoptimisation of each). The values are the ones given.
 */
export function newLevel(side: Side, index: number, price: number, qty: number): GridLevel {
  const l: GridLevel = { side, index, price: 0.5, qty: 0.5 };
  l.price = price;
  l.qty = qty;
  return l;
}

/**
 * An empty array of doubles (elements kind PACKED_DOUBLE, like a ladder's prices and sizes): a
 * plain `[]` is an array of small integers, and the planner would see arrays of two kinds.
 */
export function emptyNumbers(): number[] {
  const a = [0.5];
  a.length = 0;
  return a;
}
