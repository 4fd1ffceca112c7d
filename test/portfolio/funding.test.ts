import { expect } from "chai";
import type { Selection } from "../../sdk/contracts/features";
import type { InstrumentSpec, Snapshot } from "../../sdk/contracts/market";
import { runReplay } from "../../sdk/engine/run";
import { GATE_FUNDING, summarizeSelections } from "../../sdk/portfolio";

/** Four similar choppy symbols for 2 h at 2 s; FUND carries an extreme funding rate, AAA/BBB a normal one, CCC none. */
function market(): { instruments: InstrumentSpec[]; snapshots: Snapshot[] } {
  const syms = ["AAA", "BBB", "CCC", "FUND"];
  const instruments = syms.map((symbol) => ({ symbol, tick_size: 0.01, lot_size: 0.001, min_notional: 5 }));
  const snapshots: Snapshot[] = [];
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5; // LCG, test data only
  const x = syms.map(() => 0);
  for (let i = 0; i < 3600; i++) {
    const ts = 1_704_067_200_000 + i * 2000;
    syms.forEach((symbol, k) => {
      x[k] = 0.98 * x[k] + rnd() * 0.002; // mean-reverting log deviation
      const mid = Math.round(100 * Math.exp(x[k]) * 100) / 100;
      const s: Snapshot = { ts, symbol, bid_price: +(mid - 0.01).toFixed(2), ask_price: +(mid + 0.01).toFixed(2), bid_qty: 500, ask_qty: 500 };
      if (symbol === "FUND") s.funding_rate = 0.01;
      else if (symbol !== "CCC") s.funding_rate = 0.0001;
      snapshots.push(s);
    });
  }
  return { instruments, snapshots };
}

describe("portfolio: funding gate through runReplay (synthetic stream)", () => {
  it("a symbol with an extreme funding rate is never selected (GATE_FUNDING); absent rates skip the gate", async function () {
    this.timeout(120_000);
    const { instruments, snapshots } = market();
    const r = await runReplay({ instruments, snapshots });
    const sels = r.selections as Selection[];
    expect(sels.length).to.be.greaterThan(0);
    const by = Object.fromEntries(summarizeSelections(sels, snapshots[snapshots.length - 1].ts).map((x) => [x.symbol, x]));
    expect(by.FUND.selected_ms).to.equal(0);
    expect(by.FUND.reasons.map((x) => x.reason)).to.include(GATE_FUNDING);
    expect(sels[sels.length - 1].selected, "the three others hold the seats; CCC has no funding field").to.deep.equal(["AAA", "BBB", "CCC"]);
  });
});
