import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";

/** Project root: the folder holding package.json above this file. */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
export const FIXTURES_DIR = path.join(PROJECT_ROOT, "fixtures");

/** Fixture folders under `fixtures/`, sorted by name. */
export function listFixtureDirs(root = FIXTURES_DIR): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(root, d.name, "fixture.json")))
    .map((d) => path.join(root, d.name))
    .sort();
}

/** Accept a fixture folder path, its `fixture.json`, or a bare fixture name. */
export function resolveFixture(arg: string): string {
  if (path.basename(arg) === "fixture.json" && existsSync(arg)) return path.dirname(arg);
  if (existsSync(path.join(arg, "fixture.json"))) return arg;
  const named = path.join(FIXTURES_DIR, arg);
  if (existsSync(path.join(named, "fixture.json"))) return named;
  return arg;
}
