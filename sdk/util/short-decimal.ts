/**
 * Short decimals printed without `String()`'s shortest-round-trip digit search (ADR-156,
 * ADR-185): tick-grid prices and lot-grid sizes are the numbers the canonical lines of the
 * content hash and of the event log print most. One routine writes the bytes; the string form
 * is built from them.
 */
const POW10_9 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/**
 * `String(x)`'s text (`-0` as `0`) written into `out` at `at`, without a string, for the usual market values;
 * returns its length, or 0 when `x` is not such a value (the caller then uses `num`).
 * With the fewest fraction digits f ≤ 9 for which m = round(x·10^f) satisfies m / 10^f === x
 * and m < 10^15, the decimal m·10^-f is the double's shortest round-trip text: decimals of at
 * most 15 significant digits map to distinct doubles, so no shorter text reads back as `x`,
 * and for 1e-6 ≤ |x| < 1e21 that is what `String(x)` prints (no exponent). Tested against
 * `String(x)` on random decimals and random doubles.
 */
export function shortDecimal(x: number, out: Uint8Array, at: number): number {
  if (x === 0) {
    out[at] = 48;
    return 1;
  }
  let neg = false;
  if (x < 0) {
    neg = true;
    x = -x;
  }
  if (!(x >= 1e-6 && x < 1e15)) return 0;
  let f = 0;
  let m = 0;
  for (; f <= 9; f++) {
    m = Math.round(x * POW10_9[f]);
    if (m / POW10_9[f] === x) break;
  }
  if (f > 9 || m >= 1e15) return 0;
  // digits of m, right to left, with the point f digits from the right (leading "0." when m < 10^f)
  if (m < 2147483648) return shortInt32(m, f, neg, out, at);
  let p = at;
  if (neg) out[p++] = 45;
  let nd = 1;
  for (let q = m; q >= 10; q = Math.floor(q / 10)) nd++;
  const intDigits = nd > f ? nd - f : 0;
  const len = (neg ? 1 : 0) + (f === 0 ? nd : intDigits === 0 ? 2 + f : nd + 1);
  let e = at + len - 1;
  let q = m;
  for (let i = 0; i < f; i++) {
    const r = Math.floor(q / 10);
    out[e--] = 48 + (q - r * 10);
    q = r;
  }
  if (f > 0) {
    out[e--] = 46;
    if (intDigits === 0) out[e--] = 48;
  }
  for (let i = 0; i < intDigits; i++) {
    const r = Math.floor(q / 10);
    out[e--] = 48 + (q - r * 10);
    q = r;
  }
  return len;
}

/**
 * The digit writing of `shortDecimal` for m < 2^31: the same digits with int32 arithmetic
 * (`(q / 10) | 0` equals `Math.floor(q / 10)` for 0 <= q < 2^31, and compiles to a multiply
 * instead of a floating-point division).
 */
function shortInt32(m: number, f: number, neg: boolean, out: Uint8Array, at: number): number {
  let nd = 1;
  for (let q = m | 0; q >= 10; q = (q / 10) | 0) nd++;
  const intDigits = nd > f ? nd - f : 0;
  const len = (neg ? 1 : 0) + (f === 0 ? nd : intDigits === 0 ? 2 + f : nd + 1);
  if (neg) out[at] = 45;
  let e = at + len - 1;
  let q = m | 0;
  for (let i = 0; i < f; i++) {
    const r = (q / 10) | 0;
    out[e--] = 48 + (q - r * 10);
    q = r;
  }
  if (f > 0) {
    out[e--] = 46;
    if (intDigits === 0) out[e--] = 48;
  }
  for (let i = 0; i < intDigits; i++) {
    const r = (q / 10) | 0;
    out[e--] = 48 + (q - r * 10);
    q = r;
  }
  return len;
}

const TEXT = new Uint8Array(32);

/** `String(v)` for a short decimal (see `shortDecimal`), or null when `v` is not one (the caller then uses `String`). */
export function shortDecimalText(v: number): string | null {
  if (Number.isInteger(v)) return null; // `String` prints integers without a digit search
  const n = shortDecimal(v, TEXT, 0);
  if (n === 0) return null;
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(TEXT[i]);
  return s;
}
