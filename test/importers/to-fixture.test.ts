import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../sdk/cli/fixtures-path";
import { ErrorCode, GrinderError } from "../../sdk/contracts/errors";
import { openFixture, streamFixture, validateFixture } from "../../sdk/data";
import { importToFixture } from "../../sdk/data/importers";
import { BTC_CSV, drain, ETH_WS, HAVE_DATA, tmpDir } from "./helpers";

const sha = (f: string): string => createHash("sha256").update(readFileSync(f)).digest("hex");

(HAVE_DATA ? describe : describe.skip)("import to fixture (real files)", () => {
  it("CLI: grinder import binance-bookticker-csv writes a fixture that `fixtures validate` accepts, with provenance @slow", () => {
    const out = path.join(tmpDir("fx"), "btc_real");
    const stdout = execFileSync(process.execPath, [path.join(PROJECT_ROOT, "bin", "grinder.js"), "import", "binance-bookticker-csv", BTC_CSV, "--out", out], { encoding: "utf8" });
    expect(stdout).to.match(/66090 lines → 66089 snapshots/);
    expect(stdout).to.match(/tick=0\.1 lot=0\.001 .*\(inferred\)/);
    const m = openFixture(out).manifest;
    expect(m.rows).to.equal(66089);
    expect(m.symbols).to.deep.equal([{ symbol: "BTCUSDT", tick_size: 0.1, lot_size: 0.001, min_notional: 0 }]);
    expect(m.snapshots).to.equal("snapshots.jsonl.gz", "7.7 MB of JSON lines is above the 4 MB gzip threshold");
    expect(m.provenance).to.deep.include({
      importer: "binance-bookticker-csv",
      source_file: "BTCUSDT-bookTicker-2024-08-08.csv",
      source_sha256: sha(BTC_CSV),
      lines: 66090,
      emitted: 66089,
      rejected_total: 0,
      instrument_inferred: true,
      first_ts: 1723161256313,
      last_ts: 1723161600709,
    });
    const v = execFileSync(process.execPath, [path.join(PROJECT_ROOT, "bin", "grinder.js"), "fixtures", "validate", out], { encoding: "utf8" });
    expect(v).to.match(/66089 rows, 1 symbol/);
  });

  it("given --tick/--lot/--min-notional are used as is and recorded as not inferred; re-import is byte-identical", async () => {
    const dir = tmpDir("fx");
    const a = await importToFixture("binance-bookticker-csv", BTC_CSV, { out: path.join(dir, "a"), instrument: { tick_size: 0.1, lot_size: 0.001, min_notional: 5 } });
    const refused = await importToFixture("binance-bookticker-csv", BTC_CSV, { out: path.join(dir, "a") }).then(() => null, (e: unknown) => e);
    expect(refused, "an existing output is refused without force").to.be.instanceOf(GrinderError).and.to.include({ code: ErrorCode.REFUSED });
    const b = await importToFixture("binance-bookticker-csv", BTC_CSV, { out: path.join(dir, "a"), instrument: { tick_size: 0.1, lot_size: 0.001, min_notional: 5 }, force: true });
    expect(a.manifest!.symbols[0].min_notional).to.equal(5);
    expect(a.manifest!.provenance!.instrument_inferred).to.equal(false);
    expect(b.manifest!.content_sha256).to.equal(a.manifest!.content_sha256);
  });

  it("binance-ws → fixture with L2 books (depth 5), valid, stale flags and counts in provenance", async () => {
    const out = path.join(tmpDir("fx"), "eth_ws");
    const r = await importToFixture("binance-ws", ETH_WS, { out, depth: 5, gzip: false });
    const s = await validateFixture(out);
    expect(s.rows).to.equal(24077);
    expect(s.symbols[0].l2_rows).to.equal(24074);
    const prov = r.manifest!.provenance as { counts: Record<string, number>; source_sha256: string; ts_rule: string };
    expect(prov.counts).to.include({ gaps: 0, depth_applied: 3432, l2_check_matched: 3432 });
    expect(prov.source_sha256).to.equal(sha(ETH_WS));
    expect(prov.ts_rule).to.match(/exchange time/, "exchange clock by default (ADR-140)");
    const snaps = await drain(streamFixture(out));
    expect(snaps[snaps.length - 1].book!.bids.length).to.equal(5);
  });

  it("binance-klines-csv writes klines.csv + klines.json beside an existing fixture without touching it", async () => {
    const dir = tmpDir("fx");
    const out = path.join(dir, "btc");
    await importToFixture("binance-bookticker-csv", BTC_CSV, { out });
    const before = readFileSync(path.join(out, "fixture.json"), "utf8");
    const k = path.join(dir, "BTCUSDT-1m-x.csv");
    writeFileSync(k, "1723161240000,61800.25,61810.05,61795.05,61801.15,0,1723161299999,0,10,0,0,0\n");
    const r = await importToFixture("binance-klines-csv", k, { out });
    expect(r.report.emitted).to.equal(1);
    expect(existsSync(path.join(out, "klines.csv"))).to.equal(true);
    expect(JSON.parse(readFileSync(path.join(out, "klines.json"), "utf8"))).to.deep.include({ symbol: "BTCUSDT", file: "klines.csv" });
    expect(readFileSync(path.join(out, "fixture.json"), "utf8")).to.equal(before);
    await validateFixture(out);
    // Re-importing the snapshots (--force) keeps the sidecar (FixtureWriter keeps files that are not its own).
    await importToFixture("binance-bookticker-csv", BTC_CSV, { out, force: true });
    expect(existsSync(path.join(out, "klines.csv"))).to.equal(true);
  });

  it("CLI: a bad input exits 2 with file, line and field on stderr, and writes nothing; --lenient imports the rest and records the rejection @slow", () => {
    const dir = tmpDir("fx");
    const f = path.join(dir, "BTCUSDT-bookTicker-bad.csv");
    writeFileSync(f, "5123107839020,61800.20,2.507,61800.30,2.510,1723161256313,1723161256313\n5123107839021,61800.40,2.507,61800.30,2.510,1723161256313,1723161256313\n");
    let status = 0;
    let stderr = "";
    try {
      execFileSync(process.execPath, [path.join(PROJECT_ROOT, "bin", "grinder.js"), "import", "binance-bookticker-csv", f, "--out", path.join(dir, "x")], { encoding: "utf8", stdio: "pipe" });
    } catch (e) {
      status = (e as { status: number }).status;
      stderr = (e as { stderr: string }).stderr;
    }
    expect(status).to.equal(2);
    expect(stderr).to.contain("E_CROSSED_BOOK");
    expect(stderr).to.contain(`${f}:2`);
    expect(stderr).to.contain("field 'best_bid_price'");
    expect(existsSync(path.join(dir, "x"))).to.equal(false);
    // --lenient: the bad row is skipped and counted, the rest imported.
    const out = execFileSync(process.execPath, [path.join(PROJECT_ROOT, "bin", "grinder.js"), "import", "binance-bookticker-csv", f, "--out", path.join(dir, "x"), "--lenient", "--tick", "0.1", "--lot", "0.001", "--json"], { encoding: "utf8" });
    const r = JSON.parse(out) as { report: { emitted: number; rejected: Record<string, number> }; manifest: { rows: number; provenance: { rejected: Record<string, number>; rejected_examples: Array<{ line: number; field: string }> } } };
    expect(r.report.emitted).to.equal(1);
    expect(r.report.rejected).to.deep.equal({ E_CROSSED_BOOK: 1 });
    expect(r.manifest.rows).to.equal(1);
    expect(r.manifest.provenance.rejected).to.deep.equal({ E_CROSSED_BOOK: 1 });
    expect(r.manifest.provenance.rejected_examples[0]).to.include({ line: 2, field: "best_bid_price" });
  });
});
