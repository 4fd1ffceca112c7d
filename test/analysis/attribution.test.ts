import { expect } from "chai";
import * as path from "node:path";
import { attributeByRegime, attributionByRegimeTotal, buyAndHoldPnl, replayBaselines, staticGridConfig } from "../../sdk/analysis";
import { defaultConfig } from "../../sdk/config";
import { runReplay } from "../../sdk/engine";

const FIXTURES = path.resolve(__dirname, "..", "..", "fixtures");

describe("analysis: mark-to-market attribution by regime and baselines", function () {
  this.timeout(300_000);

  it("vol_shock_l1: regimes' mark-to-market PnL sums to the equity change up to the last tick; it differs from cycle profit", async () => {
    const r = await runReplay({ fixture: path.join(FIXTURES, "vol_shock_l1") });
    const rows = attributeByRegime(r);
    expect(rows.length).to.be.above(1);
    const eq = Array.from(r.bars.array("equity") as ArrayLike<number>);
    const mtm = rows.reduce((a, x) => a + x.mtm_pnl, 0);
    expect(mtm, "Σ regimes = equity at the last tick − equity at start").to.be.closeTo(eq[eq.length - 1] - r.summary.equity_start, 1e-6 * Math.max(1, r.summary.equity_start));
    const fees = rows.reduce((a, x) => a + x.fees, 0);
    const lastTs = (r.bars.array("ts") as ArrayLike<number>)[r.bars.numRows() - 1];
    const feesToLast = (r.fills.objects() as Array<{ ts: number; fee: number }>).filter((f) => f.ts <= lastTs).reduce((a, f) => a + f.fee, 0);
    expect(fees, "fees attributed").to.be.closeTo(feesToLast, 1e-9);
    const cyc = rows.reduce((a, x) => a + x.cycle_profit, 0);
    expect(cyc).to.be.closeTo(r.summary.cycle_profit, 1e-6);
    const total = attributionByRegimeTotal(rows);
    expect(total.map((t) => t.regime)).to.deep.equal(rows.map((x) => x.regime));
    // Cycle profit is always the profitable half: some regime's mark-to-market is below its cycle profit.
    expect(rows.some((x) => x.mtm_pnl < x.cycle_profit)).to.equal(true);
  });

  it("baselines: buy-and-hold from the bars' mids, static grid replayed with adaptation off; uplift = adaptive − baseline", async () => {
    const dir = path.join(FIXTURES, "trend_day_l1");
    const r = await runReplay({ fixture: dir });
    const mids = Array.from(r.bars.array("mid") as ArrayLike<number>);
    const bh = buyAndHoldPnl(r.bars, r.summary.equity_start);
    expect(bh).to.be.closeTo(r.summary.equity_start * (mids[mids.length - 1] / mids[0] - 1), 1e-6);
    const rows = await replayBaselines(r, { fixture: dir, config: defaultConfig() });
    expect(rows.map((x) => x.strategy)).to.deep.equal(["adaptive grid", "static grid", "buy and hold"]);
    const a = r.summary.equity_end - r.summary.equity_start;
    expect(rows[0].net_pnl).to.equal(a);
    expect(rows[1].uplift).to.be.closeTo(a - rows[1].net_pnl, 1e-9);
    expect(rows[2].uplift).to.be.closeTo(a - bh, 1e-9);
    const st = staticGridConfig(defaultConfig());
    expect(st.policy.x_min_frac).to.equal(st.policy.x_cap_frac);
    expect(st.regime.trend_enter_th).to.equal(1e9);
    const sr = await runReplay({ fixture: dir, config: st });
    expect(rows[1].net_pnl).to.equal(sr.summary.equity_end - sr.summary.equity_start);
    expect(sr.digest, "the static grid is a different strategy").to.not.equal(r.digest);
  });
});
