import { expect } from "chai";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { importToFixture } from "../../sdk/data/importers";
import { instrumentPreset, withContractTerms } from "../../sdk/data/importers/presets";
import { runReplay } from "../../sdk/engine/run";
import { StaticGridStrategy } from "../../sdk/strategies/static-grid";
import { PROJECT_ROOT } from "../../sdk/cli/fixtures-path";
import { expectGrinderError, tmpDir } from "./helpers";

const HEADER = "update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,transaction_time,event_time";

/** A synthetic COIN-M bookTicker dump: prices on the 0.1 grid, quantities in whole contracts. */
function coinmCsv(dir: string, n = 400): string {
  const f = path.join(dir, "BTCUSD_PERP-bookTicker-2024-08-08.csv");
  const rows = [HEADER];
  const t0 = 1_723_075_200_000;
  for (let i = 0; i < n; i++) {
    const mid = 60_000 + Math.round(150 * Math.sin(i / 15)) * 2;
    rows.push(`${i + 1},${(mid - 0.1).toFixed(1)},${3 + (i % 7)},${(mid + 0.1).toFixed(1)},${2 + (i % 5)},${t0 + i * 1000},${t0 + i * 1000 + 1}`);
  }
  writeFileSync(f, rows.join("\n") + "\n");
  return f;
}

describe("importers: Binance COIN-M instrument preset (ADR-121)", function () {
  this.timeout(60_000);

  it("preset table: BTCUSD_PERP 100 USD, ETHUSD_PERP 10 USD, inverse, lot 1 contract; unknown preset / symbol refused", () => {
    expect(instrumentPreset("binance-coinm", "BTCUSD_PERP")).to.deep.equal({ tick_size: 0.1, lot_size: 1, min_notional: 0, contract_multiplier: 100, inverse: true });
    expect(instrumentPreset("binance-coinm", "ethusd_perp").contract_multiplier).to.equal(10);
    expect(() => instrumentPreset("binance-coinm", "BTCUSDT")).to.throw(/no symbol 'BTCUSDT'/);
    expect(() => instrumentPreset("bybit", "BTCUSD")).to.throw(/unknown instrument preset/);
    const spec = { symbol: "X", tick_size: 1, lot_size: 1, min_notional: 0 };
    expect(withContractTerms(spec, { multiplier: 5 })).to.deep.equal({ ...spec, contract_multiplier: 5 });
    expect(withContractTerms(spec, { multiplier: 1, inverse: false })).to.deep.equal(spec);
    expect(withContractTerms(spec, undefined)).to.equal(spec);
  });

  it("a COIN-M bookTicker import with --preset writes the contract terms (not lot = 1 BTC) and replays in contracts", async () => {
    const dir = tmpDir("coinm");
    const csv = coinmCsv(dir);
    const out = path.join(dir, "btcusd_perp");
    const r = await importToFixture("binance-bookticker-csv", csv, { out, contract: { preset: "binance-coinm" } });
    expect(r.report.emitted).to.equal(400);
    const fx = JSON.parse(readFileSync(path.join(out, "fixture.json"), "utf8"));
    const inst = (fx.symbols ?? fx.instruments)[0];
    expect(inst).to.deep.include({ symbol: "BTCUSD_PERP", tick_size: 0.1, lot_size: 1, contract_multiplier: 100, inverse: true });
    // without the preset the same file is read as a spot-like instrument (the old behaviour)
    const plain = await importToFixture("binance-bookticker-csv", csv, { out: path.join(dir, "plain") });
    expect(plain.report.instrument!.contract_multiplier).to.equal(undefined);
    expect(plain.report.instrument!.inverse).to.equal(undefined);
    // replay from the imported fixture: orders in whole contracts of 100 USD, inventory in USD
    const rep = await runReplay({ fixture: out, strategy: new StaticGridStrategy({ levels: 2, step_frac: 0.001, notional: 500, tick_interval_ms: 10_000 }), keepEvents: true });
    const places = rep.events!.flatMap((e) => (e.t === "intent" && e.type === "PLACE" && e.accepted ? [e] : []));
    expect(places.length).to.be.greaterThan(0);
    for (const p of places) expect(p.qty).to.equal(5);
    expect(rep.summary.fills).to.be.greaterThan(0);
  });

  it("CLI: --preset binance-coinm prints the terms; an existing output is refused without --force; a bad multiplier is exit 2", () => {
    const dir = tmpDir("coinm-cli");
    const csv = coinmCsv(dir, 50);
    const out = path.join(dir, "fx");
    const run = (...args: string[]) => spawnSync(process.execPath, [path.join(PROJECT_ROOT, "bin", "grinder.js"), "import", "binance-bookticker-csv", csv, "--out", out, ...args], { encoding: "utf8" });
    const a = run("--preset", "binance-coinm");
    expect(a.status, a.stderr).to.equal(0);
    expect(a.stdout).to.match(/instrument BTCUSD_PERP tick=0\.1 lot=1 min_notional=0 multiplier=100 inverse/);
    const b = run("--preset", "binance-coinm");
    expect(b.status).to.equal(2);
    expect(b.stderr).to.match(/--force/);
    const c = run("--contract-multiplier", "-3", "--force");
    expect(c.status).to.equal(2);
    expect(c.stderr).to.match(/contract-multiplier/);
  });

  it("unknown symbol under a preset is a typed error naming the field", async () => {
    const dir = tmpDir("coinm-bad");
    const csv = coinmCsv(dir, 10);
    await expectGrinderError(importToFixture("binance-bookticker-csv", csv, { out: path.join(dir, "x"), symbol: "LTCUSD_PERP", contract: { preset: "binance-coinm" } }), "E_INVALID_ARGUMENT", undefined, "symbol");
  });
});
