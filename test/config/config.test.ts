import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  GrinderConfigSchema,
  configHash,
  defaultConfig,
  loadConfigFile,
  parseConfig,
  safeParseConfig,
} from "../../sdk/config";
import { GrinderError } from "../../sdk/contracts/errors";
import { PolicyConfigSchema, parsePolicyConfig } from "../../sdk/policy/config";
import { FeatureConfigSchema } from "../../sdk/features/config";
import { canonicalJson } from "../../sdk/util/canonical";
import { zodToJsonSchema } from "zod-to-json-schema";

function refusal(x: unknown, file?: string): GrinderError {
  try {
    parseConfig(x, file);
  } catch (e) {
    expect(e, "parseConfig must throw GrinderError").to.be.instanceOf(GrinderError);
    return e as GrinderError;
  }
  throw new Error(`config ${JSON.stringify(x)} was accepted but should have been refused`);
}

describe("config (spec 17.19)", () => {
  it("{} resolves to the complete documented defaults of every section", () => {
    const cfg = parseConfig({});
    expect(Object.keys(cfg).sort()).to.deep.equal(["engine", "execution", "features", "policy", "portfolio", "regime", "risk", "toxicity"]);
    expect(cfg.policy, "policy section = PolicyConfigSchema defaults").to.deep.equal(PolicyConfigSchema.parse({}));
    expect(cfg.features, "features section = FeatureConfigSchema defaults").to.deep.equal(FeatureConfigSchema.parse({}));
    expect(cfg.policy.k_tail.RANGE).to.equal(2);
    expect(cfg.policy.shock_multiplier.RANGE, "spec 17.9.2: shock_multiplier(RANGE) = 1").to.equal(1);
    expect(cfg.policy.sizing.mode).to.equal("equal_notional");
    expect(defaultConfig()).to.deep.equal(cfg);
  });

  it("the resolved config is deeply frozen", () => {
    const cfg = defaultConfig();
    expect(Object.isFrozen(cfg)).to.equal(true);
    expect(Object.isFrozen(cfg.policy.k_tail), "nested objects are frozen too").to.equal(true);
    expect(Object.isFrozen(cfg.policy.caps.max_inventory_notional)).to.equal(true);
    expect(() => {
      (cfg.policy.k_tail as { RANGE: number }).RANGE = 9;
    }).to.throw(TypeError);
  });

  const unknown: Array<[unknown, string]> = [
    [{ bogus: 1 }, "bogus"],
    [{ policy: { bogus: 1 } }, "policy.bogus"],
    [{ policy: { k_tail: { RANGE: 2, SIDEWAYS: 3 } } }, "policy.k_tail.SIDEWAYS"],
    [{ policy: { caps: { max_inventory_notional: { kind: "quote", value: 1, extra: true } } } }, "policy.caps.max_inventory_notional.extra"],
    [{ features: { nope: 1 } }, "features.nope"],
  ];
  for (const [x, field] of unknown) {
    it(`refuses unknown field ${field} with its path`, () => {
      const e = refusal(x, "my.json");
      expect(e.code).to.equal("E_CONFIG");
      expect(e.field).to.equal(field);
      expect(e.file).to.equal("my.json");
      expect(e.message).to.contain(field).and.contain("my.json");
    });
  }

  const bad: Array<[unknown, string]> = [
    [{ policy: { k_tail: { RANGE: -1 } } }, "policy.k_tail.RANGE"],
    [{ policy: { alpha: "1" } }, "policy.alpha"],
    [{ policy: { step_min_frac: 1.5 } }, "policy.step_min_frac"],
    [{ policy: { levels_min: 2.5 } }, "policy.levels_min"],
    [{ policy: { sizing: { mode: "martingale" } } }, "policy.sizing.mode"],
    [{ policy: { shock_multiplier: { RANGE: 1.2 } } }, "policy.shock_multiplier.RANGE"],
    [{ policy: { shock_multiplier: { VOL_SHOCK: 1 } } }, "policy.shock_multiplier.VOL_SHOCK"],
    [{ policy: { shock_multiplier: { VOL_SHOCK: 3, THIN_BOOK: 2 } } }, "policy.shock_multiplier.THIN_BOOK"],
    [{ policy: { x_min_frac: 0.2, x_cap_frac: 0.1 } }, "policy.x_min_frac"],
    [{ policy: { levels_min: 30, levels_max: 10 } }, "policy.levels_min"],
    [{ policy: { caps: { max_inventory_notional: { kind: "percent", value: 1 } } } }, "policy.caps.max_inventory_notional.kind"],
    [{ policy: { caps: { widen_step_factor: 1 } } }, "policy.caps.widen_step_factor"],
    [{ policy: null }, "policy"],
  ];
  for (const [x, field] of bad) {
    it(`refuses a bad value at ${field} with its path`, () => {
      const e = refusal(x, "cfg.json");
      expect(e.code).to.equal("E_CONFIG");
      expect(e.field).to.equal(field);
      expect(e.file).to.equal("cfg.json");
    });
  }

  it("safeParseConfig returns {success:false, error} instead of throwing", () => {
    const r = safeParseConfig({ policy: { alpha: -1 } });
    expect(r.success).to.equal(false);
    if (!r.success) expect(r.error.field).to.equal("policy.alpha");
    const ok = safeParseConfig({ policy: { alpha: 0.5 } });
    expect(ok.success && ok.data.policy.alpha).to.equal(0.5);
  });

  it("parsePolicyConfig prefixes the section in the field path", () => {
    expect(() => parsePolicyConfig({ k_tail: { TOXIC: 0 } })).to.throw(GrinderError, /policy\.k_tail\.TOXIC/);
  });

  it("loadConfigFile: valid file, E_PARSE on broken JSON, E_IO on missing file, E_CONFIG with file on bad field", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "grinder-cfg-"));
    const good = path.join(dir, "good.json");
    writeFileSync(good, JSON.stringify({ policy: { alpha: 0.7 } }));
    expect(loadConfigFile(good).policy.alpha).to.equal(0.7);
    const broken = path.join(dir, "broken.json");
    writeFileSync(broken, "{ policy: ");
    expect(() => loadConfigFile(broken)).to.throw(GrinderError).with.property("code", "E_PARSE");
    expect(() => loadConfigFile(path.join(dir, "missing.json"))).to.throw(GrinderError).with.property("code", "E_IO");
    const wrong = path.join(dir, "wrong.json");
    writeFileSync(wrong, JSON.stringify({ policy: { levels_max: 0 } }));
    try {
      loadConfigFile(wrong);
      expect.fail("must refuse");
    } catch (e) {
      expect((e as GrinderError).code).to.equal("E_CONFIG");
      expect((e as GrinderError).file).to.equal(wrong);
      expect((e as GrinderError).field).to.equal("policy.levels_max");
    }
  });

  it("configHash is the SHA-256 of the resolved config: {} = defaults = JSON round trip; 64 hex", () => {
    const h = configHash({});
    expect(h).to.match(/^[0-9a-f]{64}$/);
    expect(configHash(defaultConfig())).to.equal(h);
    expect(configHash(JSON.parse(JSON.stringify(defaultConfig())))).to.equal(h);
    expect(configHash({ policy: { alpha: 1 } }), "an explicit default equals the implicit one").to.equal(h);
    // Key order of the input never matters (canonical JSON).
    expect(configHash({ policy: { x_cap_frac: 0.09, x_min_frac: 0.004 } })).to.equal(configHash({ policy: { x_min_frac: 0.004, x_cap_frac: 0.09 } }));
  });

  it("configHash changes when any single leaf field changes (every section)", () => {
    const base = JSON.parse(canonicalJson(defaultConfig())) as Record<string, unknown>;
    const schema = zodToJsonSchema(GrinderConfigSchema as unknown as Parameters<typeof zodToJsonSchema>[0], { $refStrategy: "none" }) as Record<string, unknown>;
    const h0 = configHash(base);
    const seen = new Set<string>([h0]);
    let leaves = 0;
    let tested = 0;
    const untested: string[] = [];
    const schemaAt = (p: string[]): Record<string, unknown> | undefined => {
      let s: Record<string, unknown> | undefined = schema;
      for (const k of p) s = (s?.properties as Record<string, Record<string, unknown>> | undefined)?.[k];
      return s;
    };
    const candidates = (v: unknown, p: string[]): unknown[] => {
      if (typeof v === "boolean") return [!v];
      if (typeof v === "number") return Number.isInteger(v) ? [v + 1, v - 1] : [v * 1.001, v * 0.999];
      if (typeof v === "string") return ((schemaAt(p)?.enum as unknown[]) ?? []).filter((x) => x !== v);
      if (v === null) return [1];
      return [];
    };
    const visit = (node: Record<string, unknown>, p: string[]): void => {
      for (const k of Object.keys(node)) {
        const v = node[k];
        if (v !== null && typeof v === "object" && !Array.isArray(v)) {
          visit(v as Record<string, unknown>, [...p, k]);
          continue;
        }
        leaves++;
        let done = false;
        for (const c of candidates(v, [...p, k])) {
          const copy = JSON.parse(JSON.stringify(base));
          let t = copy;
          for (const q of p) t = t[q];
          t[k] = c;
          if (!safeParseConfig(copy).success) continue;
          const h = configHash(copy);
          expect(seen.has(h), `hash must change (and be new) for ${[...p, k].join(".")}`).to.equal(false);
          seen.add(h);
          done = true;
          break;
        }
        if (done) tested++;
        else untested.push([...p, k].join("."));
      }
    };
    visit(base, []);
    expect(leaves).to.be.greaterThan(60);
    // Leaves whose only valid value is the default (e.g. shock_multiplier.RANGE = 1) cannot move.
    expect(tested / leaves, `untested: ${untested.join(", ")}`).to.be.greaterThan(0.9);
    expect(untested).to.include("policy.shock_multiplier.RANGE");
  });
});
