import { expect } from "chai";
import fc from "fast-check";
import { shortDecimal, shortDecimalText } from "../../sdk/util/short-decimal";

/** The next double above / below a positive finite double. */
function nextUp(v: number, dir: 1 | -1): number {
  const b = new Float64Array([v]);
  const w = new BigUint64Array(b.buffer);
  w[0] += dir === 1 ? 1n : -1n;
  return b[0];
}

describe("canonical lines: shortDecimalText (String() of short decimals without the digit search)", () => {
  const decimal = fc.record({ k: fc.maxSafeNat(), digits: fc.integer({ min: 0, max: 17 }), d: fc.integer({ min: 0, max: 9 }), neg: fc.boolean() });
  it("is String(v) or null for decimals k / 10^d (up to 17 digits, 0..9 decimals) and their neighbouring doubles", () => {
    fc.assert(
      fc.property(decimal, ({ k, digits, d, neg }) => {
        const m = k % 10 ** digits;
        const v = ((neg ? -1 : 1) * m) / 10 ** d;
        for (const x of [v, v === 0 ? v : nextUp(Math.abs(v), 1) * Math.sign(v), Math.abs(v) > 5e-324 ? nextUp(Math.abs(v), -1) * Math.sign(v) : v]) {
          const t = shortDecimalText(x);
          if (t !== null) expect(t, `${x}`).to.equal(String(x));
        }
      }),
      { numRuns: 20_000 },
    );
  });

  it("is String(v) or null for arbitrary doubles", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const t = shortDecimalText(x);
        if (t !== null) expect(t).to.equal(String(x));
      }),
      { numRuns: 20_000 },
    );
  });

  it("takes the fast path for tick-grid prices and lot-grid sizes, and not for exponent forms or long values", () => {
    for (const [v, s] of [[1961.49, "1961.49"], [0.236, "0.236"], [0.000001, "0.000001"], [-2000.5, "-2000.5"], [0.1 + 0.2, null], [1e-7, null], [1951, null], [1e15 + 0.5, null], [0.01115177415743491, null]] as const)
      expect(shortDecimalText(v), String(v)).to.equal(s);
  });
  it("shortDecimal writes String(x) or nothing, on both sides of the int32 digit path (integers, decimals around 2^31 units)", () => {
    const buf = new Uint8Array(40);
    const check = (x: number): void => {
      const n = shortDecimal(x, buf, 3);
      if (n > 0) expect(Buffer.from(buf.subarray(3, 3 + n)).toString("latin1"), String(x)).to.equal(String(x));
    };
    fc.assert(
      fc.property(fc.integer({ min: -1e15 + 1, max: 1e15 - 1 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 2147483600, max: 2147483700 }), (k, d, m) => {
        check(k);
        check(k / 10 ** d);
        check(m / 10 ** d);
        check(-m / 10 ** d);
      }),
      { seed: 227, numRuns: 2000 },
    );
    for (const x of [2147483647, 2147483648, 214748364.7, 214748364.8, 0.2147483647, 9, 10, 99, 100, 1e14, 999999999999999]) check(x);
    expect(shortDecimal(2147483648, buf, 0)).to.equal(10);
    expect(shortDecimal(2.147483648, buf, 0), "m = 2^31: the float path").to.equal(11);
    expect(shortDecimal(2.147483647, buf, 0), "m = 2^31 - 1: the int32 path").to.equal(11);
  });
});
