import * as libm from "../util/libm";
/**
 * The calibration's only randomness (ADR-063): pure-rand's xoroshiro128+ seeded from the spec,
 * uniform doubles in [0, 1) by `uniformFloat64`, normals by Box–Muller. Draw order is fixed by
 * the optimiser's code, never by scheduling, so a seed gives the same sequence everywhere.
 */
interface PrGenerator {
  next(): number;
}
// Subpath exports resolved by Node at run time (the project compiles with node10 resolution,
// which does not read "exports" maps; see scripts/fixture-models/pure-rand.d.ts).
const gen = require("pure-rand/generator/xoroshiro128plus") as { xoroshiro128plus(seed: number): PrGenerator };
const dist = require("pure-rand/distribution/uniformFloat64") as { uniformFloat64(rng: PrGenerator): number };

export class SeededRandom {
  private readonly g: PrGenerator;
  private spare: number | null = null;

  constructor(seed: number) {
    this.g = gen.xoroshiro128plus(seed | 0);
    // xoroshiro128+ from a small integer seed starts in a low-entropy state: skip its first draws.
    for (let i = 0; i < 16; i++) this.g.next();
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return dist.uniformFloat64(this.g);
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.min(n - 1, Math.floor(this.uniform() * n));
  }

  /** Standard normal (Box–Muller, the second value of each pair kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = this.uniform();
    while (u <= 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * libm.log(u));
    this.spare = r * libm.sin(2 * Math.PI * v);
    return r * libm.cos(2 * Math.PI * v);
  }
}

/** A per-selection seed derived from the spec's seed and the selection's index (deterministic). */
export function deriveSeed(seed: number, k: number): number {
  // splitmix32-style integer mix, kept in 31 bits
  let x = (seed ^ Math.imul(k + 1, 0x9e3779b9)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) & 0x7fffffff;
}
