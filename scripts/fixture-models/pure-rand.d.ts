// Type declarations for the pure-rand subpath exports used by the fixture generator. The
// project resolves modules the node10 way (tslab compatibility), which does not read a
// package's "exports" map, so these subpaths are declared here; Node resolves them at run time.
declare module "pure-rand/generator/xoroshiro128plus" {
  export interface RandomGenerator {
    clone(): RandomGenerator;
    next(): number;
    getState(): readonly number[];
  }
  export function xoroshiro128plus(seed: number): RandomGenerator;
}
declare module "pure-rand/distribution/uniformFloat64" {
  import type { RandomGenerator } from "pure-rand/generator/xoroshiro128plus";
  export function uniformFloat64(rng: RandomGenerator): number;
}
