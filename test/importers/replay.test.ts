import { expect } from "chai";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { FIXTURES_DIR } from "../../sdk/cli/fixtures-path";
import { configHash, defaultConfig, parseConfig } from "../../sdk/config";
import { importBookTickerCsv } from "../../sdk/data/importers";
import { runReplay } from "../../sdk/engine";
import { BTC_CSV, HAVE_DATA } from "./helpers";

const FX = path.join(FIXTURES_DIR, "btcusdt_bookticker_real");

describe("replay of the imported real BTCUSDT bookTicker fixture", () => {
  it("runs end to end with the default config; the digest is stable across two runs and equals the committed expected.json", async () => {
    const a = await runReplay({ fixture: FX });
    const b = await runReplay({ fixture: FX });
    expect(a.digest).to.equal(b.digest);
    expect(a.summary.snapshots).to.equal(66089);
    const exp = JSON.parse(readFileSync(path.join(FX, "expected.json"), "utf8")) as { digest: string; config_hash: string };
    expect(exp.config_hash, "the default config changed: re-run `grinder fixtures verify --update` (ADR needed)").to.equal(configHash(defaultConfig()));
    expect(a.digest).to.equal(exp.digest);
  });

  it("trades on the real quotes with 5-second bars (the 6-minute capture is too short to warm 1-minute features); digest stable", async () => {
    const config = parseConfig({ features: { bar_interval_ms: 5000 } });
    const a = await runReplay({ fixture: FX, config });
    const b = await runReplay({ fixture: FX, config });
    expect(a.digest).to.equal(b.digest);
    expect(a.summary.ticks).to.be.greaterThan(60);
    expect(a.summary.fills, "the grid fills on real quotes").to.be.greaterThan(0);
  });

  (HAVE_DATA ? it : it.skip)("streaming straight from the CSV (no conversion) replays the same as the fixture", async () => {
    const spec = JSON.parse(readFileSync(path.join(FX, "fixture.json"), "utf8")).symbols[0];
    const viaFixture = await runReplay({ fixture: FX });
    const direct = await runReplay({ snapshots: importBookTickerCsv(BTC_CSV), instruments: [spec] });
    expect(direct.events_count).to.equal(viaFixture.events_count);
    expect(direct.summary).to.deep.equal(viaFixture.summary);
  });

  it("the fixture records where it came from", () => {
    expect(existsSync(path.join(FX, "fixture.json"))).to.equal(true);
    const m = JSON.parse(readFileSync(path.join(FX, "fixture.json"), "utf8"));
    expect(m.provenance).to.include({
      source_file: "BTCUSDT-bookTicker-2024-08-08.csv",
      source_sha256: "745ba08df6b641051d37d91e6b1b33c34be244685e61bbfcd74e89265333a8f5",
      emitted: 66089,
      rejected_total: 0,
      instrument_inferred: false,
    });
    expect(m.symbols).to.deep.equal([{ symbol: "BTCUSDT", tick_size: 0.1, lot_size: 0.001, min_notional: 0 }]);
  });
});
