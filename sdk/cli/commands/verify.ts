import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { ErrorCode, GrinderError } from "../../contracts/errors";
import { defaultConfig, loadConfigFile } from "../../config";
import { writeFileAtomic } from "../../data/fixture";
import { runReplay } from "../../engine/run";
import type { ReplaySummary } from "../../engine/replay";
import { listFixtureDirs, resolveFixture } from "../fixtures-path";
import { printable } from "../printable";

/** `fixtures/<name>/expected.json`: what a replay of the fixture with the default config must give. */
export interface ExpectedReplay {
  fixture: string;
  content_sha256: string;
  fill_model: string;
  config_hash: string;
  digest: string;
  events_count: number;
  summary: ReplaySummary;
}

/** Differences between an expected and an actual replay (empty = match). Numbers compare to 1e-9 relative. */
export function compareExpected(exp: ExpectedReplay, act: ExpectedReplay): string[] {
  const out: string[] = [];
  for (const k of ["content_sha256", "fill_model", "config_hash", "digest", "events_count"] as const)
    if (exp[k] !== act[k]) out.push(`${k}: expected ${exp[k]}, got ${act[k]}`);
  const keys = new Set([...Object.keys(exp.summary ?? {}), ...Object.keys(act.summary)]);
  for (const k of [...keys].sort()) {
    const a = (exp.summary as unknown as Record<string, unknown>)[k];
    const b = (act.summary as unknown as Record<string, unknown>)[k];
    const same = typeof a === "number" && typeof b === "number" ? Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a)) : a === b;
    if (!same) out.push(`summary.${k}: expected ${a}, got ${b}`);
  }
  return out;
}

/**
 * Parse and shape-check an `expected.json` (ADR-085): an object with the five identity strings /
 * counts and a `summary` object, or `E_PARSE` / `E_BAD_TYPE` / `E_MISSING_FIELD` naming the field.
 */
export function parseExpected(text: string, file: string): ExpectedReplay {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new GrinderError(ErrorCode.PARSE, `expected.json is not valid JSON: ${(e as Error).message}`, { file });
  }
  if (v === null || typeof v !== "object" || Array.isArray(v))
    throw new GrinderError(ErrorCode.BAD_TYPE, `expected.json must be an object, got ${v === null ? "null" : Array.isArray(v) ? "an array" : typeof v}`, { file });
  const o = v as Record<string, unknown>;
  for (const k of ["fixture", "content_sha256", "fill_model", "config_hash", "digest"]) {
    if (o[k] === undefined) throw new GrinderError(ErrorCode.MISSING_FIELD, "required field is missing", { file, field: k });
    if (typeof o[k] !== "string") throw new GrinderError(ErrorCode.BAD_TYPE, `expected a string, got ${o[k] === null ? "null" : typeof o[k]}`, { file, field: k });
  }
  if (o.events_count === undefined) throw new GrinderError(ErrorCode.MISSING_FIELD, "required field is missing", { file, field: "events_count" });
  if (typeof o.events_count !== "number") throw new GrinderError(ErrorCode.BAD_TYPE, "expected a number", { file, field: "events_count" });
  if (o.summary === undefined) throw new GrinderError(ErrorCode.MISSING_FIELD, "required field is missing", { file, field: "summary" });
  if (o.summary === null || typeof o.summary !== "object" || Array.isArray(o.summary))
    throw new GrinderError(ErrorCode.BAD_TYPE, "expected an object", { file, field: "summary" });
  return o as unknown as ExpectedReplay;
}

export function registerVerify(program: Command): void {
  const fx = program.commands.find((c) => c.name() === "fixtures") ?? program.command("fixtures");
  fx.command("verify")
    .description("replay fixtures and compare digest + headline metrics with fixtures/<name>/expected.json; non-zero exit on a mismatch")
    .argument("[fixtures...]", "fixture folders or names (default: all under fixtures/)")
    .option("--update", "rewrite expected.json (atomically) from this run")
    .option("--config <file>", "config to replay with (default: the default config)")
    .action(async (names: string[], opts: { update?: boolean; config?: string }) => {
      const dirs = names.length ? names.map(resolveFixture) : listFixtureDirs();
      if (!dirs.length) throw new GrinderError(ErrorCode.IO, "no fixtures found under fixtures/");
      const notes: string[] = [];
      const config = opts.config ? loadConfigFile(opts.config, { warnings: notes }) : defaultConfig();
      for (const n of notes) process.stderr.write(`warning: ${opts.config}: ${n}\n`);
      let failed = 0;
      let refused = 0;
      for (const d of dirs) {
        let r: Awaited<ReturnType<typeof runReplay>>;
        try {
          // The replay hashes the snapshot lines as it reads them and refuses a file that does
          // not match its manifest (ADR-083): a tampered fixture is never reported ✔.
          r = await runReplay({ fixture: d, config });
        } catch (e) {
          if (!(e instanceof GrinderError)) throw e;
          refused++;
          process.stderr.write(`✘ ${path.basename(d)}: ${printable(e.message)}\n`);
          continue;
        }
        const act: ExpectedReplay = {
          fixture: r.fixture, content_sha256: r.content_sha256, fill_model: r.fill_model, config_hash: r.config_hash,
          digest: r.digest, events_count: r.events_count, summary: r.summary,
        };
        const file = path.join(d, "expected.json");
        if (opts.update) {
          await writeFileAtomic(file, JSON.stringify(act, null, 2) + "\n");
          process.stdout.write(`✎ ${r.fixture}: ${r.digest.slice(0, 16)} written to ${path.relative(process.cwd(), file)}\n`);
          continue;
        }
        if (!existsSync(file)) {
          failed++;
          process.stderr.write(`✘ ${r.fixture}: no expected.json (run 'grinder fixtures verify --update')\n`);
          continue;
        }
        let exp: ExpectedReplay;
        try {
          exp = parseExpected(readFileSync(file, "utf8"), file);
        } catch (e) {
          if (!(e instanceof GrinderError)) throw e;
          refused++;
          process.stderr.write(`✘ ${r.fixture}: ${printable(e.message)}\n`);
          continue;
        }
        const diffs = compareExpected(exp, act);
        if (diffs.length) {
          failed++;
          process.stderr.write(`✘ ${r.fixture}: ${diffs.length} difference(s)\n${diffs.map((x) => `    ${x}`).join("\n")}\n`);
        } else {
          const s = r.summary;
          process.stdout.write(`✔ ${r.fixture}: digest ${r.digest.slice(0, 16)}  cycles ${s.cycles}  equity ${s.equity_end.toFixed(2)}  max DD util ${s.max_dd_utilization.toFixed(3)}\n`);
        }
      }
      // A refusal (bad input: tampered fixture, malformed expected.json) outranks a mismatch.
      if (refused) process.exitCode = 2;
      else if (failed) process.exitCode = 1;
    });
}
