import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { importBarDataset } from "../../sdk/data/importers/bar-dataset";
import { openBarDataset, streamBarDataset } from "../../sdk/data/dataset";
import { replayBarDataset } from "../../sdk/engine/replay-bars";
import { parseColumns, parseInterval } from "../../sdk/cli/commands/import";
import { PROJECT_ROOT } from "../../sdk/cli/fixtures-path";
import { DATA_DIR, expectGrinderError, tmpDir } from "./helpers";

const BIN = path.join(PROJECT_ROOT, "bin", "grinder.js");
const BID = path.join(DATA_DIR, "fxcm-minute", "gbpusd-m1-bid-2012-02.csv");
const ASK = path.join(DATA_DIR, "fxcm-minute", "gbpusd-m1-ask-2012-02.csv");
const LTC = ["20180404", "20180405", "20180406"].map((d) => path.join(DATA_DIR, "coinbase-minute", "ltcusd", `${d}_ltcusd_minute_quote.csv`));
const GBP_RECIPE = path.join(PROJECT_ROOT, "datasets", "gbpusd_m1_2012_02");

function grinder(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: PROJECT_ROOT, encoding: "utf8", maxBuffer: 16 << 20 });
}

/** A generic OHLCV CSV with its own header names and ISO times. */
function ohlcv(dir: string, rows: string[]): string {
  const f = path.join(dir, "xyz-bars.csv");
  writeFileSync(f, ["Date,Open,High,Low,Close,Vol", ...rows].join("\n") + "\n");
  return f;
}
const ROWS = [
  "2024-01-02T00:00:00Z,100.00,100.50,99.75,100.25,10",
  "2024-01-02T00:05:00Z,100.25,100.75,100.00,100.50,12",
  "2024-01-02T00:10:00Z,100.50,101.00,100.25,100.75,9",
];

describe("grinder import: bar formats write a dataset recipe (ADR-123)", function () {
  this.timeout(300_000);

  it("parses --interval and --columns; bad values are typed errors naming the flag", () => {
    expect(parseInterval("1m")).to.equal(60_000);
    expect(parseInterval("60000")).to.equal(60_000);
    expect(parseInterval("5s")).to.equal(5000);
    expect(parseInterval("1h")).to.equal(3_600_000);
    expect(() => parseInterval("1.5m")).to.throw(/--interval/);
    expect(() => parseInterval("0")).to.throw(/--interval/);
    expect(parseColumns("time=Date,open=1,close=Close")).to.deep.equal({ time: "Date", open: 1, close: "Close" });
    expect(() => parseColumns("when=Date")).to.throw(/--columns/);
    expect(() => parseColumns("open")).to.throw(/--columns/);
  });

  it("quote-bar-pair on the real FXCM GBPUSD month: same instrument as the committed recipe, and the imported recipe replays to the committed digest", async () => {
    const dir = tmpDir("barimp-gbp");
    const out = path.join(dir, "gbpusd_m1_2012_02");
    const r = await importBarDataset("quote-bar-pair", [BID, ASK], { out, symbol: "GBPUSD", interval_ms: 60_000, instrument: { lot_size: 1 } });
    expect(r.bars).to.equal(30_117);
    expect(r.report.first_ts).to.equal(Date.UTC(2012, 1, 1));
    expect(r.report.last_ts).to.equal(Date.UTC(2012, 2, 1));
    expect(r.tick_inferred).to.equal(true);
    const committed = JSON.parse(readFileSync(path.join(GBP_RECIPE, "dataset.json"), "utf8"));
    expect(r.dataset.instruments).to.deep.equal(committed.instruments);
    expect(r.dataset.sources[0].sha256).to.deep.equal(committed.sources[0].sha256);
    const rep = await replayBarDataset(r.recipe, { tables: false });
    const pinned = JSON.parse(readFileSync(path.join(GBP_RECIPE, "expected.json"), "utf8"));
    expect(rep.digest).to.equal(pinned.digest);
    expect(rep.summary.fills).to.equal(pinned.summary.fills);
  });

  it("grinder replay takes a bar dataset as its recipe, its folder or its bare name: the committed digest each time; a fixture name still names the fixture; an unknown name exits 2", () => {
    const pinned = JSON.parse(readFileSync(path.join(GBP_RECIPE, "expected.json"), "utf8"));
    for (const arg of [path.join("datasets", "gbpusd_m1_2012_02", "dataset.json"), path.join("datasets", "gbpusd_m1_2012_02"), "gbpusd_m1_2012_02"]) {
      const r = grinder("replay", arg);
      expect(r.status, `${arg}: ${r.stderr}`).to.equal(0);
      expect(r.stdout, arg).to.include(`digest       ${pinned.digest}`);
    }
    const fx = grinder("replay", "range_day_l1", "--no-baselines");
    expect(fx.status).to.equal(0);
    expect(fx.stdout).to.match(/^replay range_day_l1: 86400 snapshots/);
    const bad = grinder("replay", "no_such_dataset");
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.match(/^grinder: E_IO: .*no_such_dataset/);
  });

  it("quote-bar-pair with the FXCM ask file given as the bid file: exit 2, E_CROSSED_BOOK naming file, line and field, nothing written (ADR-243)", () => {
    const out = path.join(tmpDir("barimp-swapped"), "gbp");
    const r = grinder("import", "quote-bar-pair", ASK, BID, "--out", out, "--symbol", "GBPUSD", "--interval", "1m", "--lot", "1000");
    expect(r.status, r.stderr).to.equal(2);
    expect(r.stderr).to.contain("E_CROSSED_BOOK").and.contain("look swapped").and.contain(`${ASK}:101, field 'open'`);
    expect(existsSync(out), "no recipe folder").to.equal(false);
  });

  it("lean-minute on day files of three symbols: one source and one instrument per symbol, as in the committed Coinbase recipe, which it reproduces (ADR-249)", async () => {
    const committedFile = path.join(PROJECT_ROOT, "datasets", "coinbase_3sym_m1_2018_04", "dataset.json");
    const committed = JSON.parse(readFileSync(committedFile, "utf8"));
    const files = (committed.sources as Array<{ files: string[] }>).flatMap((s) => s.files.map((f) => path.resolve(path.dirname(committedFile), f)));
    const dir = tmpDir("barimp-3sym");
    const out = path.join(dir, "coinbase_3sym_m1_2018_04");
    // symbols in any order (each symbol's days in date order): grouped by the symbol of each file name, sources in symbol order
    const interleaved = [files[5], files[0], files[3], files[6], files[1], files[4], files[7], files[2]];
    const r = await importBarDataset("lean-minute", interleaved, { out, instrument: { lot_size: 1e-8 } });
    expect(r.symbols.map((x) => [x.symbol, x.bars])).to.deep.equal([["BTCEUR", 4313], ["ETHUSD", 2876], ["LTCUSD", 4316]]);
    expect(r.bars).to.equal(4313 + 2876 + 4316);
    expect(r.dataset.instruments).to.deep.equal(committed.instruments);
    expect(r.dataset.sources.map((s) => [s.format, s.symbol, s.files.map((f) => path.basename(f)), s.sha256])).to.deep.equal(
      committed.sources.map((s: { format: string; symbol: string; files: string[]; sha256: string[] }) => [s.format, s.symbol, s.files.map((f) => path.basename(f)), s.sha256]),
    );
    // with the committed recipe's path settings (not an import option) it replays to the committed digest
    const recipe = JSON.parse(readFileSync(r.recipe, "utf8"));
    writeFileSync(r.recipe, JSON.stringify({ ...recipe, description: committed.description, path: committed.path }, null, 2) + "\n");
    const rep = await replayBarDataset(r.recipe, { tables: false });
    expect(rep.digest).to.equal(JSON.parse(readFileSync(path.join(path.dirname(committedFile), "expected.json"), "utf8")).digest);
    // --symbol cannot name files of several symbols
    await expectGrinderError(importBarDataset("lean-minute", files, { out: path.join(dir, "x"), symbol: "X", instrument: { lot_size: 1 } }), "E_INVALID_ARGUMENT", undefined, "symbol");
  });

  it("lean-minute on three real Coinbase LTCUSD day files: symbol from the file name, 4,316 bars, first and last bar times, tick inferred", async () => {
    const dir = tmpDir("barimp-ltc");
    const r = await importBarDataset("lean-minute", LTC, { out: path.join(dir, "ltc"), instrument: { lot_size: 1e-8 } });
    expect(r.dataset.sources[0].symbol).to.equal("LTCUSD");
    expect(r.bars).to.equal(4316);
    expect(r.report.first_ts).to.equal(Date.UTC(2018, 3, 4));
    expect(r.dataset.instruments[0].tick_size).to.equal(0.01);
    const ds = await openBarDataset(r.recipe);
    let n = 0;
    for await (const _ of streamBarDataset(ds)) n++;
    expect(n).to.equal(4 * 4316);
  });

  it("ohlcv-csv with a column mapping (any header, ISO times): recipe keeps the mapping and replays; a bad row names file, line and field", async () => {
    const dir = tmpDir("barimp-ohlcv");
    const csv = ohlcv(dir, ROWS);
    const out = path.join(dir, "xyz");
    const a = grinder("import", "ohlcv-csv", csv, "--out", out, "--symbol", "XYZ-1", "--interval", "5m", "--lot", "0.001", "--columns", "time=Date,open=Open,high=High,low=Low,close=Close,volume=Vol");
    expect(a.status, a.stderr).to.equal(0);
    expect(a.stdout).to.match(/3 bars of 300000 ms \(XYZ-1\)/);
    expect(a.stdout).to.match(/tick=0\.25 \(inferred\)/);
    const recipe = JSON.parse(readFileSync(path.join(out, "dataset.json"), "utf8"));
    expect(recipe.sources[0].columns).to.deep.equal({ time: "Date", open: "Open", high: "High", low: "Low", close: "Close", volume: "Vol" });
    expect(recipe.sources[0].files).to.deep.equal(["../xyz-bars.csv"]);
    const ds = await openBarDataset(path.join(out, "dataset.json"));
    let n = 0;
    for await (const _ of streamBarDataset(ds)) n++;
    expect(n).to.equal(12);
    // bad row (high < low) on line 3: strict, typed, nothing written
    const bad = ohlcv(tmpDir("barimp-bad"), [ROWS[0], "2024-01-02T00:05:00Z,100.25,99.00,100.00,100.50,12"]);
    const badOut = path.join(path.dirname(bad), "bad");
    const b = grinder("import", "ohlcv-csv", bad, "--out", badOut, "--symbol", "XYZ", "--interval", "5m", "--lot", "1", "--columns", "time=Date,open=Open,high=High,low=Low,close=Close");
    expect(b.status).to.equal(2);
    expect(b.stderr).to.contain(`${bad}:3, field 'high'`);
    expect(existsSync(path.join(badOut, "dataset.json"))).to.equal(false);
    // the same through the API: a GrinderError with line and field
    await expectGrinderError(importBarDataset("ohlcv-csv", [bad], { out: badOut, symbol: "XYZ", interval_ms: 300_000, instrument: { lot_size: 1 }, columns: { time: "Date", open: "Open", high: "High", low: "Low", close: "Close" } }), "E_BAD_NUMBER", 3, "high");
  });

  it("an existing dataset.json is refused without --force and replaced with it; writes leave no temp file; bad arguments are exit 2", () => {
    const dir = tmpDir("barimp-force");
    const csv = ohlcv(dir, ROWS);
    const out = path.join(dir, "xyz");
    const args = ["import", "ohlcv-csv", csv, "--out", out, "--symbol", "XYZ", "--interval", "5m", "--lot", "1", "--columns", "time=Date,open=Open,high=High,low=Low,close=Close"];
    expect(grinder(...args).status).to.equal(0);
    const first = readFileSync(path.join(out, "dataset.json"), "utf8");
    const again = grinder(...args);
    expect(again.status).to.equal(2);
    expect(again.stderr).to.match(/E_REFUSED.*--force/);
    const forced = grinder(...args, "--force", "--tick", "0.01");
    expect(forced.status, forced.stderr).to.equal(0);
    const second = JSON.parse(readFileSync(path.join(out, "dataset.json"), "utf8"));
    expect(second.instruments[0].tick_size).to.equal(0.01);
    expect(first).to.not.equal(JSON.stringify(second));
    expect(readdirSync(out)).to.deep.equal(["dataset.json"]);
    expect(grinder("import", "ohlcv-csv", csv, "--out", path.join(dir, "n1"), "--symbol", "XYZ", "--lot", "1").stderr).to.match(/--interval/);
    expect(grinder("import", "ohlcv-csv", csv, "--out", path.join(dir, "n2"), "--symbol", "XYZ", "--interval", "5m").stderr).to.match(/--lot/);
    expect(grinder("import", "quote-bar-pair", csv, "--out", path.join(dir, "n3"), "--symbol", "XYZ", "--interval", "5m", "--lot", "1").stderr).to.match(/two files/);
    expect(grinder("import", "lean-minute", csv, "--out", path.join(dir, "n4"), "--lot", "1").stderr).to.match(/Lean minute file name/);
    expect(grinder("import", "binance-bookticker-csv", csv, "--out", path.join(dir, "n5"), "--interval", "1m").stderr).to.match(/bar formats/);
  });
});
