import { ErrorCode, GrinderError } from "../contracts/errors";

/** The first 32 primes: Halton bases, one per dimension, fixed so sequences never change. */
export const HALTON_BASES: readonly number[] = [
  2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131,
];

/**
 * Radical inverse of `n` in base `b` (van der Corput): the digits of n mirrored after the
 * radix point. Exact in float64 for the sizes used here (n < 2^31, b ≤ 131).
 */
export function radicalInverse(n: number, b: number): number {
  const inv = 1 / b;
  let f = inv;
  let r = 0;
  let k = n;
  while (k > 0) {
    r += (k % b) * f;
    k = Math.floor(k / b);
    f *= inv;
  }
  return r;
}

/**
 * The Halton point of index `n` (n ≥ 1; index 0 is the origin and is skipped by callers) in
 * `dims` dimensions: coordinate d is the radical inverse of n in the d-th prime. A deterministic
 * low-discrepancy sequence — no seed, no randomness (spec 17.20.1). Plain (unscrambled) Halton
 * is well spread for the few dimensions a grid calibration tunes; above ~8 dimensions the
 * high bases correlate for small n, which is why `dims` is capped at 32 and specs should stay small.
 */
export function haltonPoint(n: number, dims: number): number[] {
  if (dims > HALTON_BASES.length) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `Halton supports at most ${HALTON_BASES.length} dimensions`);
  if (!Number.isInteger(n) || n < 0) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `Halton index must be a non-negative integer, got ${n}`);
  const out = new Array<number>(dims);
  for (let d = 0; d < dims; d++) out[d] = radicalInverse(n, HALTON_BASES[d]);
  return out;
}
