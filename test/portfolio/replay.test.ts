import { expect } from "chai";
import * as path from "node:path";
import type { Selection } from "../../sdk/contracts/features";
import { PROJECT_ROOT } from "../../sdk/cli/fixtures-path";
import { runReplay } from "../../sdk/engine/run";
import { defaultConfig } from "../../sdk/config";
import { GATE_SPREAD, GATE_THIN, portfolioMetricsTable, replaySelectionSummary, summarizeSelections, TopKSelector, type SelectionSummaryRow } from "../../sdk/portfolio";

const DIR = path.join(PROJECT_ROOT, "fixtures", "multisymbol_topk_l1");

const risk = defaultConfig().risk;
const ddBudget = risk.dd_budget_abs ?? risk.equity * risk.dd_budget_frac;

describe("portfolio: runReplay on multisymbol_topk_l1 (portfolio path) @slow", () => {
  let sels: Selection[] = [];
  let by: Record<string, SelectionSummaryRow> = {};
  let text = "";
  let metrics: Array<Record<string, unknown>> = [];
  before(async function () {
    this.timeout(180_000);
    const r = await runReplay({ fixture: DIR });
    expect(r.selections, "multi-symbol replays run a TopKSelector by default").to.be.an("array");
    sels = r.selections as Selection[];
    const ts = r.bars.array("ts") as ArrayLike<number>;
    let end = 0;
    for (let i = 0; i < ts.length; i++) end = Math.max(end, ts[i]);
    by = Object.fromEntries(summarizeSelections(sels, end).map((x) => [x.symbol, x]));
    text = replaySelectionSummary(r);
    metrics = portfolioMetricsTable(r.bars).objects() as Array<Record<string, unknown>>;
  });

  it("the choppy liquid symbols hold their seats most of the day", () => {
    for (const c of ["CHOPAUSDT", "CHOPBUSDT", "CHOPCUSDT"]) expect(by[c].selected_share, c).to.be.greaterThan(0.85);
  });
  it("thin and toxic are never selected, with GATE_THIN / GATE_SPREAD over the whole day", () => {
    expect(by.THINUSDT.selected_ms).to.equal(0);
    expect(by.TOXICUSDT.selected_ms).to.equal(0);
    expect(by.THINUSDT.reasons[0].reason).to.equal(GATE_THIN);
    expect(by.TOXICUSDT.reasons[0].reason).to.equal(GATE_SPREAD);
  });
  it("stale and trending are mostly excluded, with GATE_STALE / SCORE_TREND as the main reasons", () => {
    expect(by.STALEUSDT.selected_share).to.be.lessThan(0.15);
    expect(by.STALEUSDT.reasons[0].reason).to.equal("GATE_STALE");
    expect(by.TRENDUSDT.selected_share).to.be.lessThan(0.15);
    expect(by.TRENDUSDT.reasons.map((x) => x.reason)).to.include("SCORE_TREND");
  });
  it("K never exceeds 3 and every budget set sums to the portfolio budget", () => {
    for (const s of sels) {
      expect(s.selected.length).to.be.at.most(new TopKSelector().config.k);
      if (s.selected.length) expect(Math.round(Object.values(s.budgets).reduce((a, b) => a + b, 0) * 1e8)).to.equal(Math.round(ddBudget * 1e8));
    }
  });
  it("the CLI summary names every symbol", () => {
    for (const y of Object.keys(by)) expect(text).to.contain(y);
  });
  it("per-symbol metrics: gated symbols never trade; the portfolio row sums the symbols", () => {
    const m = Object.fromEntries(metrics.map((x) => [x.symbol as string, x]));
    expect(Object.keys(m)).to.have.length(8);
    for (const y of ["THINUSDT", "TOXICUSDT"]) {
      expect(m[y].selected_share, y).to.equal(0);
      expect(m[y].fees, `${y} never traded`).to.equal(0);
    }
    for (const y of ["CHOPAUSDT", "CHOPBUSDT", "CHOPCUSDT"]) expect(m[y].selected_share as number, y).to.be.greaterThan(0.85);
    const sum = metrics.filter((x) => x.symbol !== "*").reduce((a, x) => a + (x.realized_pnl as number), 0);
    expect(m["*"].realized_pnl as number).to.be.closeTo(sum, 1e-9);
  });
});
