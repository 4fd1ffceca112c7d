import Decimal from "decimal.js";

/**
 * Exact decimal arithmetic on BigInt coefficients that rounds like decimal.js's default
 * context (precision 20 significant digits, ROUND_HALF_UP), for the mark record's portfolio
 * figures (ADR-207). Every operation computes the exact result and rounds it to 20 significant
 * digits, half away from zero — what decimal.js's `plus`, `minus`, `times` and `dividedBy` do
 * (each is correctly rounded) — so a chain of operations gives the same values as the same
 * chain in decimal.js, at a fraction of its cost in the replay loop. Zero carries no sign here:
 * callers fall back to decimal.js wherever the sign of a zero could matter.
 */
export interface ExactDecimal {
  /** Coefficient: the value is c · 10^e. */
  c: bigint;
  e: number;
}

const PRECISION = 20;
// BigInt constants by call, not literals: the SDK's syntax stays that of every TypeScript target the notebooks compile for
const N0 = BigInt(0);
const N1 = BigInt(1);
const N2 = BigInt(2);
const N10 = BigInt(10);
const POW10: bigint[] = [N1];
for (let i = 1; i <= 64; i++) POW10.push(POW10[i - 1] * N10);

function pow10(n: number): bigint {
  if (n < POW10.length) return POW10[n];
  let p = POW10[POW10.length - 1];
  for (let i = POW10.length - 1; i < n; i++) p *= N10;
  return p;
}

const ZERO: ExactDecimal = { c: N0, e: 0 };
export const EXACT_ZERO: ExactDecimal = ZERO;

function digitsOf(a: bigint): number {
  return a.toString().length;
}

/** `c · 10^e` rounded to 20 significant digits, half away from zero. */
function round(c: bigint, e: number): ExactDecimal {
  if (c === N0) return ZERO;
  const neg = c < N0;
  let a = neg ? -c : c;
  const d = digitsOf(a);
  if (d > PRECISION) {
    const drop = d - PRECISION;
    const p = pow10(drop);
    let q = a / p;
    if ((a - q * p) * N2 >= p) q += N1;
    a = q;
    e += drop;
  }
  return { c: neg ? -a : a, e };
}

const DECIMAL_TEXT = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/;

/** The exact value of a decimal text (`String` of a finite number, or a decimal.js `toString`); null when it is not one. */
export function exactOfText(s: string): ExactDecimal | null {
  const m = DECIMAL_TEXT.exec(s);
  if (m === null) return null;
  const frac = m[3] ?? "";
  const c = BigInt(m[2] + frac);
  const e = (m[4] !== undefined ? Number(m[4]) : 0) - frac.length;
  if (c === N0) return ZERO;
  return { c: m[1] === "-" ? -c : c, e };
}

/** The exact value of a decimal.js Decimal (finite; null otherwise). */
export function exactOfDecimal(x: Decimal): ExactDecimal | null {
  return x.isFinite() ? exactOfText(x.toString()) : null;
}

/** The exact value `new Decimal(v)` holds for a finite double: its shortest decimal text (null when not finite). */
export function exactOfNumber(v: number): ExactDecimal | null {
  return Number.isFinite(v) ? exactOfText(String(v)) : null;
}

export function exactAdd(x: ExactDecimal, y: ExactDecimal): ExactDecimal {
  if (y.c === N0) return round(x.c, x.e);
  if (x.c === N0) return round(y.c, y.e);
  const e = x.e < y.e ? x.e : y.e;
  return round(x.c * pow10(x.e - e) + y.c * pow10(y.e - e), e);
}

export function exactSub(x: ExactDecimal, y: ExactDecimal): ExactDecimal {
  return exactAdd(x, { c: -y.c, e: y.e });
}

export function exactMul(x: ExactDecimal, y: ExactDecimal): ExactDecimal {
  return round(x.c * y.c, x.e + y.e);
}

export function exactAbs(x: ExactDecimal): ExactDecimal {
  return x.c < N0 ? { c: -x.c, e: x.e } : x;
}

/** x / y correctly rounded to 20 significant digits, half away from zero (y ≠ 0). */
export function exactDiv(x: ExactDecimal, y: ExactDecimal): ExactDecimal {
  if (y.c === N0) throw new RangeError("exactDiv by zero");
  if (x.c === N0) return ZERO;
  const neg = x.c < N0 !== y.c < N0;
  const ax = x.c < N0 ? -x.c : x.c;
  const ay = y.c < N0 ? -y.c : y.c;
  // scale so the integer quotient has at least 20 digits
  const k = Math.max(0, PRECISION + digitsOf(ay) - digitsOf(ax) + 1);
  const n = ax * pow10(k);
  const q = n / ay;
  const r = n - q * ay;
  const d = digitsOf(q);
  const drop = d - PRECISION;
  let a: bigint;
  let e = x.e - y.e - k;
  if (drop > 0) {
    const p = pow10(drop);
    a = q / p;
    // remainder of n against p·ay: the dropped digits and the division's own remainder
    const rem = (q - a * p) * ay + r;
    if (rem * N2 >= p * ay) a += N1;
    e += drop;
  } else {
    a = q;
    if (r * N2 >= ay) a += N1;
  }
  // rounding up may carry to 10^20: the same value with 21 digits, still exact
  return { c: neg ? -a : a, e };
}

export function exactIsZero(x: ExactDecimal): boolean {
  return x.c === N0;
}

export function exactIsPositive(x: ExactDecimal): boolean {
  return x.c > N0;
}

/** The double nearest the exact value (what decimal.js's `toNumber` gives for a nonzero value). */
export function exactToNumber(x: ExactDecimal): number {
  return x.c === N0 ? 0 : Number(`${x.c}e${x.e}`);
}
