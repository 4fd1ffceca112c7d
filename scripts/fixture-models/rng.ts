import { createHash } from "node:crypto";
import { xoroshiro128plus, type RandomGenerator } from "pure-rand/generator/xoroshiro128plus";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";

/**
 * Seeded random source of the fixture generator (never used by the SDK). xoroshiro128+ from
 * pure-rand; the first outputs of a small seed are poorly mixed, so the generator is seeded
 * from a SHA-256 of a text seed and warmed up.
 */
export class Rng {
  private readonly g: RandomGenerator;
  private spare: number | null = null;

  /** `seedText` is hashed: `Rng.derive(seed, symbol)` gives independent streams per symbol. */
  constructor(seedText: string) {
    const h = createHash("sha256").update(seedText).digest();
    this.g = xoroshiro128plus(h.readInt32BE(0));
    for (let i = 0; i < 64; i++) this.g.next();
  }

  static derive(seed: number, stream: string): Rng {
    return new Rng(`${seed}:${stream}`);
  }

  /** Uniform in (0, 1): never exactly 0, so logs are finite. */
  uniform(): number {
    let u = uniformFloat64(this.g);
    while (u === 0) u = uniformFloat64(this.g);
    return u;
  }

  /** Standard normal (Box–Muller, the second value kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const a = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(a);
    return r * Math.cos(a);
  }

  /** Student-t with integer `df` > 2, scaled to unit variance (fat tails, same variance). */
  studentT(df: number): number {
    let chi2 = 0;
    for (let i = 0; i < df; i++) {
      const n = this.normal();
      chi2 += n * n;
    }
    return (this.normal() / Math.sqrt(chi2 / df)) * Math.sqrt((df - 2) / df);
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -Math.log(this.uniform()) * mean;
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.uniform() * (hi - lo + 1));
  }
}
