import { expect } from "chai";
import { RunMetrics } from "../../sdk/metrics";
import { runReplay } from "../../sdk/engine/run";
import { parseConfig } from "../../sdk/config";
import { INST, market, scriptedStages } from "../engine/helpers";

describe("metrics: run registry and alerts (spec 17.18)", () => {
  it("publishes per-symbol and portfolio values; Prometheus text and JSON agree", async () => {
    const m = new RunMetrics();
    m.publish(
      [{ symbol: "X", cycles: 3, realized_pnl: 1.5, unrealized_pnl: -0.5, turnover: 300, fees: 0.03, avg_cycle_profit_bps: 12.5, max_inventory_notional: 100,
        adds_off_ms: 90_000, spread_bps: 2, impact_bps: null, placed: 10, fills: 4, cancels: 3, amends: 5, tox_severity: "HIGH" }],
      { dd_current: 5, dd_budget: 50, dd_utilization: 0.1, max_dd_utilization: 0.3, effective_leverage: 0.2, equity: 1001, time_in_regime_ms: { RANGE: 60_000, TOXIC: 30_000 }, alerts: { TOX_HIGH_SUSTAINED: 1 } },
    );
    const text = await m.text();
    expect(text).to.contain('grinder_cycles_completed_total{symbol="X"} 3');
    expect(text).to.contain('grinder_time_in_regime_seconds{regime="TOXIC"} 30');
    expect(text).to.contain('grinder_adds_off_seconds{symbol="X"} 90');
    expect(text).to.contain('grinder_fill_rate{symbol="X"} 0.4');
    expect(text).to.contain('grinder_cancel_replace_rate{symbol="X"} 0.8');
    expect(text).to.contain('grinder_tox_severity{symbol="X"} 2');
    expect(text, "no impact without L2").to.not.match(/grinder_impact_estimate_bps\{/);
    const json = await m.json();
    const names = json.map((x) => x.name);
    expect(names, "sorted").to.deep.equal([...names].sort());
    expect(json.find((x) => x.name === "grinder_dd_utilization_frac")!.values[0].value).to.equal(0.1);
    const other = new RunMetrics();
    expect((await other.json()).find((x) => x.name === "grinder_cycles_completed_total")!.values, "registries are per run").to.deep.equal([]);
  });

  it("the DD utilization alerts fire as events when the thresholds are crossed", async () => {
    const snaps = market(11, 3000, [INST], { drift: -1.5 });
    const r = await runReplay({ snapshots: snaps, instruments: [INST], stages: scriptedStages(), config: parseConfig({ risk: { dd_budget_abs: 2 } }), keepEvents: true });
    const kinds = r.alerts.map((a) => a.alert);
    expect(kinds).to.include("DD_UTILIZATION_WARNING");
    expect(kinds).to.include("DD_UTILIZATION_EMERGENCY");
    expect(r.events!.filter((e) => e.t === "alert").length, "alerts are in the event log").to.equal(r.alerts.length);
    const counted = r.metrics.find((m) => m.name === "grinder_alerts_total")!.values.reduce((s, v) => s + v.value, 0);
    expect(counted).to.equal(r.alerts.length);
    expect(r.summary.guard_final).to.equal("EMERGENCY");
  });
});
