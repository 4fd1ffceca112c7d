/**
 * sdk/util/libm.ts (ADR-180): deterministic transcendental functions. They agree with the engine's
 * `Math.*` to within 1 ulp, give the exact IEEE special values, and their bits on a seeded input
 * set are pinned (the same sha256 on every engine); the lint rule refuses `Math.exp`… and `**` in sdk/.
 */
import { expect } from "chai";
import { ESLint } from "eslint";
import fc from "fast-check";
import { createHash } from "node:crypto";
import path from "node:path";
import * as libm from "../../sdk/util/libm";

const ROOT = path.resolve(__dirname, "..", "..");
const RUNS = 3000;

const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);
/** Distance in units in the last place between two finite doubles of the same sign (0 when equal). */
function ulps(a: number, b: number): number {
  if (Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))) return 0;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Infinity;
  const ord = (x: number): bigint => {
    f64[0] = x;
    const v = i64[0];
    return v < 0n ? -(v & 0x7fffffffffffffffn) : v;
  };
  const d = ord(a) - ord(b);
  return Number(d < 0n ? -d : d);
}

const within1 = (name: string, got: number, want: number, ...args: number[]): true => {
  expect(ulps(got, want), `${name}(${args.join(", ")}) = ${got}, Math gives ${want}`).to.be.at.most(1);
  return true;
};

const dbl = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

describe("libm: deterministic exp/log/log1p/expm1/pow/sin/cos (ADR-180)", () => {
  it("agrees with Math to within 1 ulp on seeded inputs", () => {
    fc.assert(fc.property(dbl(-700, 700), (x) => within1("exp", libm.exp(x), Math.exp(x), x)), { seed: 180, numRuns: RUNS });
    fc.assert(fc.property(dbl(-700, 700), (x) => within1("expm1", libm.expm1(x), Math.expm1(x), x)), { seed: 181, numRuns: RUNS });
    fc.assert(fc.property(dbl(Number.MIN_VALUE, Number.MAX_VALUE), (x) => within1("log", libm.log(x), Math.log(x), x)), { seed: 182, numRuns: RUNS });
    fc.assert(fc.property(dbl(1e-300, 1e6), (x) => within1("log", libm.log(x), Math.log(x), x)), { seed: 183, numRuns: RUNS });
    fc.assert(fc.property(dbl(-0.999999, 1e12), (x) => within1("log1p", libm.log1p(x), Math.log1p(x), x)), { seed: 184, numRuns: RUNS });
    fc.assert(
      fc.property(dbl(1e-6, 1e6), dbl(-40, 40), (x, y) => within1("pow", libm.pow(x, y), Math.pow(x, y), x, y)),
      { seed: 185, numRuns: RUNS },
    );
    fc.assert(fc.property(dbl(-1e6, 1e6), fc.integer({ min: -60, max: 60 }), (x, n) => within1("pow", libm.pow(x, n), Math.pow(x, n), x, n)), { seed: 186, numRuns: RUNS });
    fc.assert(fc.property(dbl(-1e4, 1e4), (x) => within1("sin", libm.sin(x), Math.sin(x), x) && within1("cos", libm.cos(x), Math.cos(x), x)), { seed: 187, numRuns: RUNS });
  });

  it("gives the exact IEEE values and special cases", () => {
    const same = (got: number, want: number, what: string) => expect(Object.is(got, want), `${what} = ${got}, want ${want}`).to.equal(true);
    same(libm.exp(0), 1, "exp(0)");
    same(libm.exp(-Infinity), 0, "exp(-inf)");
    same(libm.exp(Infinity), Infinity, "exp(inf)");
    same(libm.exp(1000), Infinity, "exp(1000)");
    same(libm.log(1), 0, "log(1)");
    same(libm.log(0), -Infinity, "log(0)");
    expect(Number.isNaN(libm.log(-1)), "log(-1) is NaN").to.equal(true);
    same(libm.log(Math.E), 1, "log(e)");
    same(libm.log1p(0), 0, "log1p(0)");
    same(libm.log1p(-0), -0, "log1p(-0)");
    same(libm.log1p(-1), -Infinity, "log1p(-1)");
    same(libm.expm1(-0), -0, "expm1(-0)");
    same(libm.expm1(-Infinity), -1, "expm1(-inf)");
    same(libm.pow(2, 10), 1024, "pow(2, 10)");
    same(libm.pow(2, -3), 0.125, "pow(2, -3)");
    same(libm.pow(-2, 3), -8, "pow(-2, 3)");
    same(libm.pow(4, 0.5), 2, "pow(4, 0.5)");
    same(libm.pow(10, 15), 1e15, "pow(10, 15)");
    same(libm.pow(7, 0), 1, "pow(7, 0)");
    same(libm.pow(0, -1), Infinity, "pow(0, -1)");
    expect(Number.isNaN(libm.pow(-8, 1 / 3)), "pow(-8, 1/3) is NaN").to.equal(true);
    same(libm.sin(0), 0, "sin(0)");
    same(libm.sin(-0), -0, "sin(-0)");
    same(libm.cos(0), 1, "cos(0)");
    same(libm.LN2, Math.LN2, "LN2");
  });

  it("its bits on a seeded input set are pinned (engine-independent)", () => {
    // A pure-rand-free LCG so the inputs themselves use only exact integer arithmetic.
    let s = 12345;
    const next = () => {
      s = (s * 1103515245 + 12345) % 2147483648;
      return s / 2147483648;
    };
    const out = new Float64Array(6 * 500);
    for (let i = 0; i < 500; i++) {
      const u = next();
      const v = next();
      out[6 * i] = libm.exp(u * 80 - 40);
      out[6 * i + 1] = libm.log(u * 1e6 + 1e-9);
      out[6 * i + 2] = libm.log1p(u * 4 - 0.5);
      out[6 * i + 3] = libm.expm1(u * 2 - 1);
      out[6 * i + 4] = libm.pow(u * 100 + 1e-3, v * 20 - 10);
      out[6 * i + 5] = libm.sin(u * 20 - 10) + libm.cos(v * 20 - 10);
    }
    const digest = createHash("sha256").update(new Uint8Array(out.buffer)).digest("hex");
    expect(digest, "libm output bits moved: a different @stdlib version?").to.equal("489e9112e5d121318733199bde948cbac013477584a045e7c1d0f1c5b7646ed7");
  });

  it("lint refuses transcendental Math functions and ** in sdk/ (not in sdk/cli/), and sdk/ is clean", async function () {
    this.timeout(120_000);
    const eslint = new ESLint({ cwd: ROOT });
    const lint = async (file: string, code: string) => {
      const [r] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
      return r.messages.filter((m) => m.ruleId === "no-restricted-properties" || m.ruleId === "no-restricted-syntax").map((m) => m.message);
    };
    const bad = await lint("sdk/features/bad-example.ts", "export const f = (x: number, y: number) => Math.exp(x) + Math.log(y) + Math.pow(x, y) + x ** y + Math.tanh(x);\n");
    expect(bad).to.have.length(5);
    expect(bad.join("\n")).to.match(/Math\.exp differs in the last bit/).and.match(/`\*\*` is Math\.pow/).and.match(/Math\.tanh/);
    expect(await lint("sdk/features/ok-example.ts", 'import { exp } from "../util/libm";\nexport const f = (x: number) => exp(x) + Math.sqrt(x) * x;\n')).to.deep.equal([]);
    expect(await lint("sdk/cli/ok-example.ts", "export const f = (x: number) => Math.log10(x);\n"), "sdk/cli/ only prints").to.deep.equal([]);
    const results = await eslint.lintFiles(["sdk/**/*.ts"]);
    const found = results.flatMap((r) => r.messages.filter((m) => /ADR-180/.test(m.message)).map((m) => `${path.relative(ROOT, r.filePath)}:${m.line}: ${m.message}`));
    expect(found).to.deep.equal([]);
  });
});
