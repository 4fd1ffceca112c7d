import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { replayBarDataset } from "../../sdk/engine/replay-bars";
import { expectedOfBarReplay } from "../../sdk/engine/bar-expected";
import { runReplay } from "../../sdk/engine/run";
import { parseWindowArgs } from "../../sdk/cli/commands/replay";
import { NoTradeTally } from "../../sdk/metrics/no-trade";
import { errorOf } from "../support";
import { GrinderError } from "../../sdk/contracts/errors";
import { tmpDir } from "./helpers";
import { replayBarBaselines, staticGridConfig } from "../../sdk/analysis/baselines";
import { defaultConfig } from "../../sdk/config";

const ROOT = path.resolve(__dirname, "..", "..");
const BIN = path.join(ROOT, "bin", "grinder.js");
const GBP = path.join(ROOT, "datasets", "gbpusd_m1_2012_02", "dataset.json");
const CB = path.join(ROOT, "datasets", "coinbase_3sym_m1_2018_04", "dataset.json");
/** The GrinderError a promise rejects with. */
async function rejection(p: Promise<unknown>): Promise<GrinderError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(GrinderError);
    return e as GrinderError;
  }
  throw new Error("expected a GrinderError");
}
const expected = (f: string) => JSON.parse(readFileSync(path.join(path.dirname(f), "expected.json"), "utf8"));

function grinder(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 16 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("replay on real bar data", function () {
  this.timeout(300_000);

  it("GBPUSD Feb 2012 (30,117 one-minute bid/ask bars) replays end to end and trades with the default config adapted only to the interval; digest = committed, twice", async () => {
    const a = await replayBarDataset(GBP, { tables: false });
    const b = await replayBarDataset(GBP, { tables: false });
    expect(a.digest).to.equal(b.digest);
    expect(a.summary.snapshots).to.equal(4 * 30_117);
    expect(a.summary.fills).to.be.greaterThan(0);
    expect(a.summary.cycles).to.be.greaterThan(0);
    expect(a.config_used.features.l1_stale_ms).to.equal(60_000);
    expect(expectedOfBarReplay(a)).to.deep.equal(expected(GBP));
  });

  it("Coinbase ETHUSD/LTCUSD/BTCEUR minute quote bars → one multi-symbol stream through the Top-K selector; digest = committed", async () => {
    const r = await replayBarDataset(CB);
    expect(expectedOfBarReplay(r)).to.deep.equal(expected(CB));
    expect(r.selections!.length).to.be.greaterThan(0);
    const traded = new Set(r.fills.array("symbol") as string[]);
    expect(traded.size).to.be.at.least(2);
    const seated = new Set(r.selections!.flatMap((s) => s.selected));
    expect([...seated].sort()).to.deep.equal(["BTCEUR", "ETHUSD", "LTCUSD"]);
  });
});

describe("baselines on bar data (ADR-265)", function () {
  this.timeout(300_000);

  it("GBPUSD: the static grid is the static config's replay of the same recipe (adapted to the interval), buy-and-hold the first and last mid of the bars; grinder replay prints the same rows, --no-baselines none", async () => {
    const adaptive = await replayBarDataset(GBP);
    const rows = await replayBarBaselines(adaptive, GBP);
    expect(rows.map((r) => r.strategy)).to.deep.equal(["adaptive grid", "static grid", "buy and hold"]);
    const stat = await replayBarDataset(GBP, { config: staticGridConfig(defaultConfig()), tables: false });
    expect(stat.config_used.features.l1_stale_ms, "static config adapted to the interval").to.equal(60_000);
    expect(stat.summary.fills).to.be.greaterThan(0);
    expect(rows[1].net_pnl).to.equal(stat.summary.equity_end - stat.summary.equity_start);
    expect(rows[1].fills).to.equal(stat.summary.fills);
    expect(rows[1].fills, "the static grid is a different run").to.not.equal(rows[0].fills);
    // buy-and-hold by hand: the run's equity in GBPUSD at the first bar mid, marked at the last
    const mid = adaptive.bars.array("mid") as ArrayLike<number>;
    const eq = adaptive.summary.equity_start;
    const bh = eq * (mid[mid.length - 1] / mid[0] - 1);
    expect(rows[2].net_pnl).to.be.closeTo(bh, 1e-9);
    expect(rows[2].net_pnl).to.be.greaterThan(0);
    const cli = grinder("replay", GBP);
    expect(cli.status, cli.stderr).to.equal(0);
    const line = cli.stdout.split("\n").find((l) => l.includes("static grid"))!;
    expect(line).to.include(rows[1].net_pnl.toFixed(2));
    expect(line).to.include(String(rows[1].fills));
    expect(grinder("replay", GBP, "--no-baselines").stdout).to.not.include("static grid");
  });
});

describe("why nothing traded", function () {
  this.timeout(120_000);

  it("the six-minute real BTCUSDT capture: 0 fills, every plan PAUSE/FEATURES_NOT_WARM, in the result and the CLI", async () => {
    const r = await runReplay({ fixture: path.join(ROOT, "fixtures", "btcusdt_bookticker_real") });
    expect(r.summary.fills).to.equal(0);
    expect(r.no_trade!.symbols).to.deep.equal([{ symbol: "BTCUSDT", fills: 0, plans: r.summary.ticks, reasons: [{ key: "PAUSE/FEATURES_NOT_WARM", count: r.summary.ticks }] }]);
    const cli = grinder("replay", "btcusdt_bookticker_real");
    expect(cli.status).to.equal(0);
    expect(cli.stdout).to.contain(`no trades    BTCUSDT: 0 fills in ${r.summary.ticks} plans — PAUSE/FEATURES_NOT_WARM ×${r.summary.ticks}`);
    const json = JSON.parse(grinder("replay", "btcusdt_bookticker_real", "--json").stdout);
    expect(json.no_trade[0].reasons[0]).to.deep.equal({ key: "PAUSE/FEATURES_NOT_WARM", count: r.summary.ticks });
  });

  it("a run that trades reports only the symbols that never did; the tally keys plans by mode/first reason", () => {
    const t = new NoTradeTally();
    const plan = (symbol: string, mode: string, reasons: string[], levels: number) =>
      ({ symbol, mode, reasons, bids: Array.from({ length: levels }, () => ({ price: 1, qty: 1 })), asks: [] }) as never;
    t.add(plan("A", "NORMAL", ["REGIME_RANGE"], 3), true);
    t.add(plan("B", "PAUSE", ["TOX_PAUSE", "X"], 0), true);
    t.add(plan("B", "PAUSE", ["TOX_PAUSE"], 0), true);
    t.add(plan("B", "NORMAL", ["REGIME_RANGE"], 2), false);
    t.add(plan("C", "NORMAL", ["REGIME_RANGE"], 2), true);
    const rep = t.report(new Map([["A", 4]]), ["C", "B", "A", "D"]);
    expect(rep.symbols.map((s) => s.symbol)).to.deep.equal(["B", "C", "D"]);
    expect(rep.lines).to.deep.equal([
      "B: 0 fills in 3 plans — PAUSE/TOX_PAUSE ×2, NOT_SELECTED ×1",
      "C: 0 fills in 1 plans — QUOTED ×1",
      "D: 0 fills in 0 plans (no policy tick: too few snapshots for one bar)",
    ]);
  });
});

describe("replay --from/--to and lenient imports that reject everything", function () {
  this.timeout(120_000);

  it("parses epoch ms and ISO-8601; refuses junk, impossible dates and inverted windows", () => {
    expect(parseWindowArgs("2024-08-08T23:58:00Z", "1723161600000")).to.deep.equal({ from_ts: 1723161480000, to_ts: 1723161600000 });
    expect(parseWindowArgs(undefined, "2024-08-09")).to.deep.equal({ from_ts: undefined, to_ts: 1723161600000 });
    expect(parseWindowArgs(undefined, undefined)).to.equal(undefined);
    for (const [f, t, field] of [["abc", undefined, "from"], [undefined, "12:00", "to"], ["2024-02-30", undefined, "from"], ["-5", undefined, "from"], ["2024-08-09", "2024-08-08T23:00:00Z", "from"]] as const) {
      const e = errorOf(() => parseWindowArgs(f, t));
      expect(e.code).to.equal("E_INVALID_ARGUMENT");
      expect(e.field).to.equal(field);
    }
  });

  it("CLI: an unparsable --from and an inverted window exit 2 with a typed error; a lenient import rejecting every row exits 2", () => {
    const a = grinder("replay", "btcusdt_bookticker_real", "--from", "2024-08-08T23:58:00Zx");
    expect(a.status).to.equal(2);
    expect(a.stderr).to.contain("E_INVALID_ARGUMENT");
    const b = grinder("replay", "btcusdt_bookticker_real", "--from", "2024-08-09T00:00:00Z", "--to", "2024-08-08T23:58:00Z");
    expect(b.status).to.equal(2);
    expect(b.stderr).to.contain("inverted window");
    const dir = tmpDir("lenient");
    const f = path.join(dir, "BTCUSDT-bookTicker-2024-08-08.csv");
    writeFileSync(f, "update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,transaction_time,event_time\nx,1,1,2,1,1,1\n1,abc,1,2,1,1,1\n");
    const c = grinder("import", "binance-bookticker-csv", f, "--out", path.join(dir, "out"), "--lenient", "--tick", "0.1", "--lot", "0.001");
    expect(c.status).to.equal(2);
    expect(c.stderr).to.contain("E_REFUSED");
    expect(c.stderr).to.contain("every data line was rejected");
  });

  it("replay of a JSON file: a recipe with a wrong kind says so (field 'kind'); a fixture's fixture.json replays its fixture (ADR-248)", () => {
    const dir = tmpDir("recipe-kind");
    const spec = JSON.parse(readFileSync(GBP, "utf8"));
    const f = path.join(dir, "dataset.json");
    writeFileSync(f, JSON.stringify({ ...spec, kind: "bar", sources: spec.sources.map((s: { files: string[] }) => ({ ...s, files: s.files.map((x) => path.resolve(path.dirname(GBP), x)) })) }));
    const r = grinder("replay", f);
    expect(r.status, r.stderr).to.equal(2);
    expect(r.stderr).to.contain("E_CONFIG").and.contain("field 'kind'");
    const fx = grinder("replay", path.join(ROOT, "fixtures", "btcusdt_bookticker_real", "fixture.json"), "--json", "--no-baselines");
    expect(fx.status, fx.stderr).to.equal(0);
    expect(JSON.parse(fx.stdout).digest).to.equal(expected(path.join(ROOT, "fixtures", "btcusdt_bookticker_real", "fixture.json")).digest);
  });

  it("a window that holds no snapshot is refused (ADR-245): after the data, before it, in a gap; CLI exit 2 on a fixture and a bar dataset; a window with one snapshot runs", async () => {
    // SDK: the fixture spans 2024-01-01T00:00:00Z .. 23:59:59Z (one snapshot a second)
    const after = await rejection(runReplay({ fixture: "fixtures/range_day_l1", window: { from_ts: Date.UTC(2030, 0, 1) }, tables: false }));
    expect(after.code).to.equal("E_INVALID_ARGUMENT");
    expect(after.field).to.equal("window");
    expect(after.message).to.contain("holds no snapshot of range_day_l1").and.contain("its last snapshot is at 2024-01-01T23:59:59.000Z, before the window's start");
    const before = await rejection(runReplay({ fixture: "fixtures/range_day_l1", window: { to_ts: Date.UTC(2020, 0, 1) }, tables: false }));
    expect(before.message).to.contain("its first snapshot is after the window's end");
    // between two snapshots (they are a second apart)
    const t = Date.UTC(2024, 0, 1, 5);
    const gap = await rejection(runReplay({ fixture: "fixtures/range_day_l1", window: { from_ts: t + 100, to_ts: t + 900 }, tables: false }));
    expect(gap.message).to.contain("up to the window's end is at 2024-01-01T05:00:00.000Z");
    const one = await runReplay({ fixture: "fixtures/range_day_l1", window: { from_ts: t, to_ts: t }, tables: false });
    expect(one.summary.fills).to.equal(0);
    // CLI: a fixture, a bar dataset (GBPUSD February 2012)
    for (const target of ["range_day_l1", GBP]) {
      const r = grinder("replay", target, "--from", "2031-01-01");
      expect(r.status, `${target}: ${r.stderr}`).to.equal(2);
      expect(r.stderr).to.contain("E_INVALID_ARGUMENT").and.contain("holds no snapshot");
    }
  });
});
