/**
 * Unit convention (ADR-160): `_frac` = fraction, `_pct` = percent, one spelling `utilization`.
 * The spec's and the pre-ADR-160 names are read as documented aliases, mapped before validation
 * and hashing, each use noted once; old and new name together is E_CONFIG naming the old path.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { configHash, defaultConfig, loadConfigFile, parseConfig, CONFIG_KEY_ALIASES, resolveConfigAliases, type GrinderConfigInput } from "../../sdk/config";
import { parseSpec } from "../../sdk/calibration/spec";
import { withParams } from "../../sdk/calibration/evaluate-point";
import { StaticGridStrategy } from "../../sdk/strategies/static-grid/strategy";
import { GrinderError } from "../../sdk/contracts/errors";

const ROOT = path.resolve(__dirname, "..", "..");
const OLD = { policy: { step_min_pct: 0.002, x_min_pct: 0.004, x_cap_pct: 0.07, caps: { max_inventory_notional: { kind: "pct_equity", value: 0.4 } } }, risk: { dd_budget_pct: 0.04 } };
const NEW: GrinderConfigInput = { policy: { step_min_frac: 0.002, x_min_frac: 0.004, x_cap_frac: 0.07, caps: { max_inventory_notional: { kind: "frac_equity", value: 0.4 } } }, risk: { dd_budget_frac: 0.04 } };

function thrown(f: () => unknown): GrinderError {
  try {
    f();
  } catch (e) {
    if (e instanceof GrinderError) return e;
    throw e;
  }
  throw new Error("did not throw");
}

describe("config: unit-convention aliases (ADR-160)", () => {
  it("the spec's / old names resolve and hash exactly as the new names, one note each, input untouched", () => {
    const notes: string[] = [];
    const input = JSON.parse(JSON.stringify(OLD)) as typeof OLD;
    const cfg = parseConfig(input, "old.json", { warnings: notes });
    expect(cfg).to.deep.equal(parseConfig(NEW));
    expect(configHash(cfg)).to.equal(configHash(NEW));
    expect(configHash(OLD as never)).to.equal(configHash(NEW));
    expect(notes).to.have.length(5);
    expect(notes.join("\n")).to.contain("'policy.step_min_pct'").and.to.contain("'policy.step_min_frac'").and.to.contain("pct_equity");
    expect(input, "the caller's object is not rewritten").to.deep.equal(OLD);
    expect(Object.keys(cfg.policy)).to.not.include("step_min_pct");
  });

  it("no alias used: no note, the same object goes to validation", () => {
    const notes: string[] = [];
    const d = defaultConfig();
    expect(resolveConfigAliases(d, undefined, notes)).to.equal(d);
    parseConfig(NEW, undefined, { warnings: notes });
    expect(notes).to.deep.equal([]);
  });

  it("old and new name together is E_CONFIG naming the old path and the file", () => {
    for (const a of CONFIG_KEY_ALIASES) {
      const [sec, oldKey] = a.from.split(".");
      const newKey = a.to.split(".")[1];
      const e = thrown(() => parseConfig({ [sec]: { [oldKey]: 0.01, [newKey]: 0.01 } }, "both.json"));
      expect(e.code).to.equal("E_CONFIG");
      expect(e.field).to.equal(a.from);
      expect(e.file).to.equal("both.json");
    }
  });

  it("an old name with a bad value is refused under its new path", () => {
    const e = thrown(() => parseConfig({ risk: { dd_budget_pct: 5 } }));
    expect(e.field).to.equal("risk.dd_budget_frac");
  });

  it("loadConfigFile reads a file with old names and reports them", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "grinder-aliases-"));
    const f = path.join(dir, "old.json");
    writeFileSync(f, JSON.stringify(OLD));
    const notes: string[] = [];
    expect(configHash(loadConfigFile(f, { warnings: notes }))).to.equal(configHash(NEW));
    expect(notes).to.have.length(5);
  });

  it("withParams and calibration points take an old dotted path", () => {
    const a = withParams(defaultConfig(), { "policy.step_min_pct": 0.003 });
    expect(a.policy.step_min_frac).to.equal(0.003);
  });

  it("a calibration spec with the old names parses to the same spec and hash as with the new ones", () => {
    const spec = (o: { c: string; m: string; p: string; b: string }) => ({
      name: "alias-demo",
      version: 1,
      base: { risk: { [o.b]: 0.04 } },
      parameters: [{ path: o.p, choices: [0.001, 0.002] }],
      datasets: [{ fixture: "range_day_l1" }, { fixture: "trend_day_l1" }],
      objective: { name: "pnl_per_dd", constraints: { [o.c]: 0.9 }, pareto: ["net_pnl", o.m] },
      folds: { leave_one_fixture_out: true },
      search: { method: "grid" },
    });
    const old = parseSpec(spec({ c: "max_dd_utilisation", m: "dd_utilisation", p: "policy.step_min_pct", b: "dd_budget_pct" }), "old-spec.json");
    const now = parseSpec(spec({ c: "max_dd_utilization", m: "dd_utilization", p: "policy.step_min_frac", b: "dd_budget_frac" }));
    expect(old.hash).to.equal(now.hash);
    expect(old.spec).to.deep.equal(now.spec);
    expect(old.warnings).to.have.length(4);
    expect(now.warnings).to.deep.equal([]);
    expect(old.spec.objective.constraints.max_dd_utilization).to.equal(0.9);
    const both = spec({ c: "max_dd_utilisation", m: "dd_utilization", p: "policy.alpha", b: "dd_budget_frac" });
    (both.objective.constraints as Record<string, number>).max_dd_utilization = 0.9;
    const e = thrown(() => parseSpec(both, "both-spec.json"));
    expect([e.code, e.field, e.file]).to.deep.equal(["E_CONFIG", "objective.constraints.max_dd_utilisation", "both-spec.json"]);
  });

  it("StaticGridStrategy takes the old step_pct option; both given is E_CONFIG", () => {
    expect(() => new StaticGridStrategy({ step_pct: 0.003 })).to.not.throw();
    expect(thrown(() => new StaticGridStrategy({ step_pct: 0.003, step_frac: 0.003 })).field).to.equal("step_pct");
  });

  it("outputs use the new names only: no config key and no summary field but return_pct ends in _pct; one spelling", () => {
    const keys: string[] = [];
    const walk = (o: unknown, at: string): void => {
      if (o === null || typeof o !== "object") return;
      for (const [k, v] of Object.entries(o)) {
        keys.push(at + k);
        walk(v, `${at}${k}.`);
      }
    };
    walk(defaultConfig(), "");
    expect(keys.filter((k) => /_pct$|utilis/.test(k))).to.deep.equal([]);
    const expected = JSON.parse(readFileSync(path.join(ROOT, "fixtures", "range_day_l1", "expected.json"), "utf8")) as { summary: Record<string, number> };
    expect(Object.keys(expected.summary).filter((k) => /_pct$/.test(k))).to.deep.equal(["return_pct"]);
    expect(Object.keys(expected.summary).filter((k) => /utilis/.test(k))).to.deep.equal([]);
  });

  it("grinder replay --config with old names: a note per name on stderr, the run's config hash is the new names'; both given exits 2", function () {
    this.timeout(240_000);
    const dir = mkdtempSync(path.join(tmpdir(), "grinder-aliases-cli-"));
    const oldFile = path.join(dir, "old.json");
    writeFileSync(oldFile, JSON.stringify({ risk: { dd_budget_pct: 0.04 } }));
    const run = (cfg: string) =>
      spawnSync(process.execPath, [path.join(ROOT, "bin", "grinder.js"), "replay", "thin_book_l2", "--config", cfg, "--json", "--no-baselines"], {
        cwd: ROOT,
        encoding: "utf8",
        maxBuffer: 64 << 20,
      });
    const r = run(oldFile);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/warning: .*old\.json: deprecated name 'risk\.dd_budget_pct': read as 'risk\.dd_budget_frac'/);
    expect((JSON.parse(r.stdout) as { config_hash: string }).config_hash).to.equal(configHash({ risk: { dd_budget_frac: 0.04 } }));
    const bothFile = path.join(dir, "both.json");
    writeFileSync(bothFile, JSON.stringify({ risk: { dd_budget_pct: 0.04, dd_budget_frac: 0.04 } }));
    const b = run(bothFile);
    expect(b.status).to.equal(2);
    expect(b.stderr).to.contain("risk.dd_budget_pct");
  });
});
