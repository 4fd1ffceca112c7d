import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { BUNDLED_FIXTURES_DIR, resolveFixtureDir } from "../data/fixture";
import { barRecipeNamed } from "../data/dataset";

/** Project root: the folder holding package.json above this file. */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
export const FIXTURES_DIR = BUNDLED_FIXTURES_DIR;

/** Fixture folders under `fixtures/`, sorted by name. */
export function listFixtureDirs(root = FIXTURES_DIR): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(root, d.name, "fixture.json")))
    .map((d) => path.join(root, d.name))
    .sort();
}

/** Accept a fixture folder path, its `fixture.json`, or a bare fixture name (the SDK's rule, `resolveFixtureDir`). */
export const resolveFixture = resolveFixtureDir;

/**
 * What `grinder replay <name>` reads: a bar dataset folder (one holding `dataset.json` and no
 * fixture or store manifest) or a bare name of one under `datasets/` stands for its recipe
 * `dataset.json`; anything else is returned as given (a fixture, a store, a recipe file).
 */
export function replaySourceArg(name: string): string {
  return barRecipeNamed(name, !existsSync(path.join(FIXTURES_DIR, name))) ?? name;
}
