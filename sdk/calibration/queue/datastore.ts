import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { ErrorCode, GrinderError } from "../../contracts/errors";
import { openFixture } from "../../data/fixture";
import { isColumnarStore, openColumnarStore } from "../../data/store";
import { resolveDatasets } from "../datasets";
import { barRecipeOf } from "../../data/dataset";

/** What a job names of its dataset: the fixture's name (a hint) and its content hash (the identity). */
export interface DatasetRef {
  fixture: string;
  content_sha256: string;
}

/**
 * A worker's datasets, found by content hash (ADR-102) under the given folders: each folder is
 * a fixture (or a columnar store, ADR-259, or a bar dataset recipe's folder, ADR-266) itself or holds them one level below (a project's `fixtures/`, or a shared store
 * laid out as `<store>/<name>/` on a network file system). A dataset is verified (its
 * snapshots re-hashed against the manifest, `resolveDatasets`) the first time a job needs it;
 * a missing dataset or a mismatch is a refusal, never a guess.
 */
export class DatasetStore {
  private index: Map<string, string> | undefined;
  private readonly verified = new Map<string, Promise<string>>();

  constructor(readonly roots: readonly string[]) {
    if (!roots.length) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, "a worker needs at least one dataset folder", { field: "data" });
  }

  /** Bar dataset recipes under the roots (ADR-266): they claim no content hash, so they are hashed (streamed) when a job's hash is found nowhere else. */
  private recipes: string[] = [];
  private readonly recipeHash = new Map<string, string>();

  private scan(): Map<string, string> {
    const idx = new Map<string, string>();
    const recipes: string[] = [];
    const add = (dir: string): void => {
      const recipe = barRecipeOf(dir);
      if (recipe !== null) {
        recipes.push(recipe);
        return;
      }
      const store = isColumnarStore(dir);
      if (!store && !existsSync(path.join(dir, "fixture.json"))) return;
      try {
        // a columnar store is a dataset too (ADR-259): the same content hash as the fixture it holds
        const sha = store ? openColumnarStore(dir).manifest.content_sha256 : openFixture(dir).manifest.content_sha256;
        if (!idx.has(sha)) idx.set(sha, dir);
      } catch {
        /* not a readable fixture: not a candidate (a job that needs it reports it missing) */
      }
    };
    for (const r of this.roots) {
      const root = path.resolve(r);
      if (!existsSync(root)) throw new GrinderError(ErrorCode.IO, "dataset folder not found", { file: root });
      add(root);
      for (const e of readdirSync(root, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)))
        if (e.isDirectory()) add(path.join(root, e.name));
    }
    this.recipes = recipes;
    return idx;
  }

  /** The recipe whose stream hashes to `sha` (each recipe hashed once; a recipe that cannot be read is no candidate). */
  private async recipeWith(sha: string): Promise<string | undefined> {
    for (const r of this.recipes) {
      let h = this.recipeHash.get(r);
      if (h === undefined) {
        try {
          [{ content_sha256: h }] = await resolveDatasets([{ fixture: r }]);
        } catch {
          continue;
        }
        this.recipeHash.set(r, h);
      }
      if (h === sha) return r;
    }
    return undefined;
  }

  /** The verified folder of a dataset (rescans once when the hash is unknown: a store may grow). */
  locate(ref: DatasetRef): Promise<string> {
    let p = this.verified.get(ref.content_sha256);
    if (!p) {
      p = this.verify(ref);
      this.verified.set(ref.content_sha256, p);
      p.catch(() => this.verified.delete(ref.content_sha256));
    }
    return p;
  }

  private async verify(ref: DatasetRef): Promise<string> {
    if (!this.index) this.index = this.scan();
    let dir = this.index.get(ref.content_sha256);
    if (!dir) dir = await this.recipeWith(ref.content_sha256);
    if (!dir) {
      this.index = this.scan();
      dir = this.index.get(ref.content_sha256) ?? (await this.recipeWith(ref.content_sha256));
    }
    if (!dir)
      throw new GrinderError(
        ErrorCode.IO,
        `no dataset with content hash ${ref.content_sha256.slice(0, 12)} ('${ref.fixture}') under ${this.roots.map((r) => path.resolve(r)).join(", ")}`,
        { field: "data" },
      );
    const [d] = await resolveDatasets([{ fixture: dir }]);
    if (d.content_sha256 !== ref.content_sha256)
      throw new GrinderError(ErrorCode.HASH_MISMATCH, `dataset '${ref.fixture}' at ${dir} has content hash ${d.content_sha256.slice(0, 12)} ≠ job's ${ref.content_sha256.slice(0, 12)}`, {
        file: dir,
      });
    return d.dir;
  }
}
