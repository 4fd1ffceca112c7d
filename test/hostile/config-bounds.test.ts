import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import { loadSpec, parseSpec } from "../../sdk/calibration/spec";
import { PROJECT_ROOT } from "../../sdk/cli/fixtures-path";
import { CONFIG_NUMBER_MAX, configHash, defaultConfig, parseConfig, safeParseConfig } from "../../sdk/config";
import { ErrorCode } from "../../sdk/contracts/errors";
import { tmpDir } from "../data/helpers";
import { errorOf } from "../support";

/** ADR-131: huge-but-finite config and spec values are refused at parse, naming the field. */

function numericPaths(o: unknown, at = ""): string[] {
  if (typeof o === "number") return [at];
  if (o === null || typeof o !== "object" || Array.isArray(o)) return [];
  return Object.keys(o).flatMap((k) => numericPaths((o as Record<string, unknown>)[k], at ? `${at}.${k}` : k));
}
function setPath(doc: Record<string, unknown>, p: string, v: unknown): Record<string, unknown> {
  const parts = p.split(".");
  let o = doc;
  for (const q of parts.slice(0, -1)) o = (o[q] ??= {}) as Record<string, unknown>;
  o[parts[parts.length - 1]] = v;
  return doc;
}

describe("hostile input: config and spec bounds (ADR-131)", function () {
  this.timeout(120_000);
  const t = tmpDir("grinder-bounds-");
  after(t.cleanup);

  it("the default config and its hash are unchanged by the bound (hash re-pinned for the ADR-160 names)", () => {
    expect(configHash(defaultConfig())).to.equal("b1396dfbebb191b978e4c735b25fb371b1f162dc04466980a6eef2b574a11158");
  });

  it("every numeric config field refuses 1e300 and -1e300 at parse with its dotted path and the file", () => {
    const paths = numericPaths(defaultConfig());
    expect(paths.length).to.be.greaterThan(50);
    for (const p of paths)
      for (const v of [1e300, -1e300, CONFIG_NUMBER_MAX * 10]) {
        const r = safeParseConfig(setPath({}, p, v), "cfg.json");
        expect(r.success, `${p} = ${v} accepted`).to.equal(false);
        if (!r.success) {
          expect(r.error.code).to.equal(ErrorCode.CONFIG);
          expect(r.error.file).to.equal("cfg.json");
          expect(r.error.field, `${p} = ${v}`).to.equal(p);
        }
      }
  });

  it("a value at the bound that a field schema accepts still parses", () => {
    expect(parseConfig({ risk: { window: { length_ms: 1e11 } } }).risk.window.length_ms).to.equal(1e11);
  });

  it("CLI: replay --config with policy.alpha 1e300 exits 2 naming the file and field, before any replay", () => {
    const f = path.join(t.dir, "huge.json");
    writeFileSync(f, JSON.stringify({ policy: { alpha: 1e300 } }));
    const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, "bin", "grinder.js"), "replay", "range_day_l1", "--config", f], { cwd: PROJECT_ROOT, encoding: "utf8", timeout: 120_000 });
    expect(r.status, r.stderr).to.equal(2);
    expect(r.stderr).to.contain("E_CONFIG").and.contain("policy.alpha").and.contain("huge.json");
    expect(r.stderr).to.not.contain("E_INVARIANT");
  });

  describe("calibration spec values name the spec file and parameters[i]", () => {
    const base = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "calibration", "specs", "halton-example.json"), "utf8")) as Record<string, unknown>;
    const specFile = path.join(PROJECT_ROOT, "calibration", "specs", "halton-example.json");
    const mutated = (i: number, patch: Record<string, unknown>): Record<string, unknown> => {
      const s = JSON.parse(JSON.stringify(base)) as { parameters: Array<Record<string, unknown>> };
      s.parameters[i] = { path: s.parameters[i].path, ...patch };
      return s as unknown as Record<string, unknown>;
    };

    it("the committed specs still parse", () => {
      for (const f of ["default.json", "halton-example.json"]) expect(loadSpec(path.join(PROJECT_ROOT, "calibration", "specs", f)).spec.parameters.length).to.be.greaterThan(0);
    });

    it("a max of 1e300 → E_CONFIG at parameters[i].max; a bad choice → parameters[i].choices[j]; a bad min → parameters[i].min", () => {
      const p0 = (base.parameters as Array<{ path: string }>)[0].path;
      const e1 = errorOf(() => parseSpec(mutated(0, { min: 0.5, max: 1e300, step: 0.1 }), specFile));
      expect([e1.code, e1.file, e1.field]).to.deep.equal([ErrorCode.CONFIG, specFile, "parameters[0].max"]);
      expect(e1.message).to.contain(p0);
      const e2 = errorOf(() => parseSpec(mutated(0, { choices: [1, -1e300] }), specFile));
      expect([e2.code, e2.field]).to.deep.equal([ErrorCode.CONFIG, "parameters[0].choices[1]"]);
      const e3 = errorOf(() => parseSpec(mutated(0, { min: -1e300, max: 1, step: 0.5 }), specFile));
      expect(e3.field).to.equal("parameters[0].min");
    });
  });
});
