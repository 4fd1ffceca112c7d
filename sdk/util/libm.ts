/**
 * Deterministic transcendental functions (ADR-180).
 *
 * IEEE 754 fixes + − × ÷ and sqrt to the bit in every engine, but not `Math.exp`, `Math.log`,
 * `Math.pow`, `Math.sin`…: V8 versions differ in the last bit for a few percent of inputs, which
 * moved replay, dataset and model digests between Node and Deno (ADR-165). Everything in sdk/ that
 * feeds a replay result, a digest, a calibration artifact, an ML model or a report calls these
 * instead. They are the `@stdlib/math-base-special-*` ports of FreeBSD msun / fdlibm, written in
 * plain JS arithmetic (no native code, no engine intrinsics beyond sqrt/floor/abs), pinned to exact
 * versions in package.json. Results agree with `Math.*` to within 1 ulp (test/util/libm.test.ts).
 *
 * eslint.config.mjs refuses the Math functions and `**` elsewhere in sdk/.
 */
import stdlibCos from "@stdlib/math-base-special-cos";
import stdlibExp from "@stdlib/math-base-special-exp";
import stdlibExpm1 from "@stdlib/math-base-special-expm1";
import stdlibLn from "@stdlib/math-base-special-ln";
import stdlibLog1p from "@stdlib/math-base-special-log1p";
import stdlibPow from "@stdlib/math-base-special-pow";
import stdlibSin from "@stdlib/math-base-special-sin";

/** e^x (fdlibm e_exp.c). */
export function exp(x: number): number {
  return stdlibExp(x);
}

/** Natural logarithm (fdlibm e_log.c). */
export function log(x: number): number {
  return stdlibLn(x);
}

/** ln(1 + x), accurate near 0 (fdlibm s_log1p.c). */
export function log1p(x: number): number {
  return stdlibLog1p(x);
}

/** e^x − 1, accurate near 0 (fdlibm s_expm1.c). */
export function expm1(x: number): number {
  return stdlibExpm1(x);
}

/** x^y (fdlibm e_pow.c). */
export function pow(x: number, y: number): number {
  return stdlibPow(x, y);
}

/** sin(x) (msun k_sin.c / e_rem_pio2.c). */
export function sin(x: number): number {
  return stdlibSin(x);
}

/** cos(x) (msun k_cos.c / e_rem_pio2.c). */
export function cos(x: number): number {
  return stdlibCos(x);
}

/** ln 2 as the nearest double (a constant, identical to `Math.LN2`). */
export const LN2 = 0.6931471805599453;
