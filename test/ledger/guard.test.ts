import { expect } from "chai";
import { RiskConfigSchema } from "../../sdk/ledger/config";
import { DrawdownGuard } from "../../sdk/ledger/guard";

const H = 3_600_000;

describe("ledger: drawdown guard (spec 17.7.1, 17.14.3)", () => {
  it("budget = equity · pct, or absolute", () => {
    expect(new DrawdownGuard(RiskConfigSchema.parse({ equity: 10_000, dd_budget_frac: 0.05 })).budget).to.equal(500);
    expect(new DrawdownGuard(RiskConfigSchema.parse({ dd_budget_abs: 123 })).budget).to.equal(123);
  });

  it("NORMAL → DAMAGE_CONTROL → NORMAL (hysteresis) → EMERGENCY, latched until reset", () => {
    const g = new DrawdownGuard(RiskConfigSchema.parse({ equity: 1000, dd_budget_abs: 100 }));
    expect(g.update(0, 1000)).to.equal(null);
    expect(g.update(1, 950), "util 0.5 < 0.6").to.equal(null);
    expect(g.update(2, 940)!.to, "util 0.6").to.equal("DAMAGE_CONTROL");
    expect(g.update(3, 955), "0.45 > exit 0.4: stays").to.equal(null);
    expect(g.state).to.equal("DAMAGE_CONTROL");
    expect(g.update(4, 960)!.to, "0.4 → back").to.equal("NORMAL");
    const e = g.update(5, 900)!;
    expect(e.to).to.equal("EMERGENCY");
    expect(e.reason).to.equal("DD_BUDGET_BREACHED");
    expect(g.update(6, 2000), "latched even when equity recovers").to.equal(null);
    expect(g.state).to.equal("EMERGENCY");
    expect(g.reset(7, 2000)!.to).to.equal("NORMAL");
    expect(g.update(8, 1990), "high-water restarts at the reset equity").to.equal(null);
    expect(g.dd).to.equal(10);
  });

  it("daily window: the high-water mark restarts at each UTC day", () => {
    const g = new DrawdownGuard(RiskConfigSchema.parse({ equity: 1000, dd_budget_abs: 100 }));
    g.update(0, 1050);
    g.update(23 * H, 1010);
    expect(g.dd).to.equal(40);
    g.update(24 * H, 1010);
    expect(g.dd, "new day").to.equal(0);
    g.update(25 * H, 1000);
    expect(g.dd).to.equal(10);
  });

  it("session window: fixed windows of length_ms from anchor_ms", () => {
    const g = new DrawdownGuard(RiskConfigSchema.parse({ equity: 1000, dd_budget_abs: 100, window: { kind: "session", length_ms: 8 * H, anchor_ms: 2 * H } }));
    g.update(3 * H, 1050);
    g.update(9 * H, 1020);
    expect(g.dd).to.equal(30);
    g.update(10 * H, 1020);
    expect(g.dd, "session boundary at 10 h").to.equal(0);
  });

  it("rolling window: the peak is the highest equity in the trailing length_ms", () => {
    const g = new DrawdownGuard(RiskConfigSchema.parse({ equity: 1000, dd_budget_abs: 1000, window: { kind: "rolling", length_ms: 10 * 60_000, rolling_bucket_ms: 60_000 } }));
    g.update(0, 1000);
    g.update(60_000, 1100);
    g.update(120_000, 1050);
    expect(g.dd).to.equal(50);
    g.update(5 * 60_000, 1020);
    expect(g.dd).to.equal(80);
    // the 1100 bucket (1..2 min) leaves the window at 12 min
    g.update(11.5 * 60_000, 1020);
    expect(g.dd, "1100 still inside").to.equal(80);
    g.update(12.5 * 60_000, 1020);
    expect(g.dd, "peak now 1050").to.equal(30);
    g.update(16 * 60_000, 1020);
    expect(g.dd, "only the 1020 buckets remain").to.equal(0);
  });

  it("refuses an inconsistent config", () => {
    expect(() => RiskConfigSchema.parse({ damage_control_utilization: 0.5, damage_control_exit_utilization: 0.6 })).to.throw();
  });
});
