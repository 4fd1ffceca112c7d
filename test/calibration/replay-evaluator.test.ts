import { expect } from "chai";
import * as path from "node:path";
import { resolveDatasets } from "../../sdk/calibration/datasets";
import { clearSnapshotCache, evaluate, guardTime } from "../../sdk/calibration/replay-evaluator";
import { runReplay } from "../../sdk/engine";
import { defaultConfig } from "../../sdk/config";

const FIXTURES = path.resolve(__dirname, "..", "..", "fixtures");

describe("calibration: replay evaluator (sdk/engine runReplay)", () => {
  it("guard time: NORMAL from the window start, transitions clamped to the window, in time order", () => {
    const tr = [
      { kind: "regime", ts: 150, to: "TREND_UP" },
      { kind: "guard", ts: 400, to: "EMERGENCY" },
      { kind: "guard", ts: 200, to: "DAMAGE_CONTROL" },
      { kind: "guard", ts: 50, to: "NORMAL" },
    ];
    expect(guardTime(tr, 100, 1000)).to.deep.equal({ NORMAL: 100, DAMAGE_CONTROL: 200, EMERGENCY: 600 });
    expect(guardTime([], 0, 10)).to.deep.equal({ NORMAL: 10, DAMAGE_CONTROL: 0, EMERGENCY: 0 });
  });

  it("replays a window of a symbol subset deterministically, with the metrics calibration needs", async () => {
    const [d] = await resolveDatasets([{ fixture: "multisymbol_topk_l1", symbols: ["CHOPBUSDT", "CHOPAUSDT"] }], { root: FIXTURES });
    expect(d.symbols, "sorted").to.deep.equal(["CHOPAUSDT", "CHOPBUSDT"]);
    const task = {
      config: JSON.parse(JSON.stringify(defaultConfig())),
      fixture_dir: d.dir,
      unit: { id: "m#0", fixture: d.fixture, segment: 0, from_ts: d.first_ts, to_ts: d.first_ts + 3_600_000, symbols: d.symbols },
    };
    const a = await evaluate(task);
    const b = await evaluate(task);
    expect(a.digest, "same unit, same digest").to.equal(b.digest);
    expect(a).to.deep.equal(b);
    expect(a.duration_ms).to.equal(3_600_000);
    const risk = defaultConfig().risk;
    expect(a.dd_budget, "risk.dd_budget_abs ?? risk.equity · dd_budget_frac").to.equal(risk.dd_budget_abs ?? risk.equity * risk.dd_budget_frac);
    expect(a.fill_model).to.match(/^touch/);
    expect(a.emergency_ms + a.damage_control_ms).to.be.at.most(a.duration_ms);
  });

  it("replays from the per-thread parsed cache give the same digest as a replay streamed from the file", async () => {
    const [d] = await resolveDatasets([{ fixture: "range_day_l1" }], { root: FIXTURES });
    const config = defaultConfig();
    const unit = { id: "r#1", fixture: d.fixture, segment: 1, from_ts: d.first_ts + 3_600_000, to_ts: d.first_ts + 5_400_000 };
    const file = await runReplay({ fixture: d.dir, config, window: { from_ts: unit.from_ts, to_ts: unit.to_ts - 1 } });
    clearSnapshotCache();
    const first = await evaluate({ config: JSON.parse(JSON.stringify(config)), fixture_dir: d.dir, unit });
    const cached = await evaluate({ config: JSON.parse(JSON.stringify(config)), fixture_dir: d.dir, unit });
    expect(first.digest, "cache filled on this call").to.equal(file.digest);
    expect(cached.digest, "served from the cache").to.equal(file.digest);
    expect(cached.cycles).to.equal(file.summary.cycles);
  });
});
