import { expect } from "chai";
import type { Selection } from "../../sdk/contracts/features";
import { budgetTable, formatSelectionSummary, selectionHistoryTable, selectionSummaryTable, summarizeSelections } from "../../sdk/portfolio";

const sels: Selection[] = [
  { ts: 0, selected: ["A", "B"], budgets: { A: 50, B: 50 }, scores: { A: 2, B: 1, C: 0.5 }, excluded: [{ symbol: "C", reasons: ["BELOW_CUT"] }, { symbol: "D", reasons: ["GATE_THIN"] }], unloading: [] },
  { ts: 600, selected: ["A", "C"], budgets: { A: 60, C: 40 }, scores: { A: 2, B: 0.1, C: 1 }, excluded: [{ symbol: "B", reasons: ["BELOW_CUT", "SCORE_TREND"] }, { symbol: "D", reasons: ["GATE_THIN"] }], unloading: ["B"] },
];

describe("portfolio: selection history tables and summary", () => {
  it("history table: one row per record per symbol with status, budget, score, reasons", () => {
    const t = selectionHistoryTable(sels);
    expect(t.numRows()).to.equal(8);
    const rows = t.objects() as Array<Record<string, unknown>>;
    expect(rows[1]).to.deep.equal({ ts: 0, symbol: "B", status: "SELECTED", budget: 50, score: 1, reasons: "" });
    expect(rows[3]).to.deep.equal({ ts: 0, symbol: "D", status: "EXCLUDED", budget: 0, score: null, reasons: "GATE_THIN" });
    expect(rows[5]).to.deep.equal({ ts: 600, symbol: "B", status: "UNLOADING", budget: 0, score: 0.1, reasons: "BELOW_CUT+SCORE_TREND" });
  });
  it("budget table: ts and one column per symbol", () => {
    const t = budgetTable(sels);
    expect(t.columnNames()).to.deep.equal(["ts", "A", "B", "C", "D"]);
    expect(t.objects()).to.deep.equal([
      { ts: 0, A: 50, B: 50, C: 0, D: 0 },
      { ts: 600, A: 60, B: 0, C: 40, D: 0 },
    ]);
  });
  it("summary: time-weighted shares, entries/exits, mean budget, reasons by time", () => {
    const s = summarizeSelections(sels, 1000);
    const by = Object.fromEntries(s.map((r) => [r.symbol, r]));
    expect(by.A.selected_share).to.equal(1);
    expect(by.A.mean_budget).to.be.closeTo((50 * 600 + 60 * 400) / 1000, 1e-12);
    expect(by.B.selected_share).to.equal(0.6);
    expect(by.B.exits).to.equal(1);
    expect(by.C.entries).to.equal(1);
    expect(by.B.reasons).to.deep.equal([{ reason: "BELOW_CUT", ms: 400 }, { reason: "SCORE_TREND", ms: 400 }]);
    expect(by.D.reasons).to.deep.equal([{ reason: "GATE_THIN", ms: 1000 }]);
    expect(selectionSummaryTable(sels, 1000).numRows()).to.equal(4);
    const text = formatSelectionSummary(sels, 1000);
    expect(text).to.match(/D\s+selected\s+0\.0 %.*GATE_THIN 100%/);
    expect(formatSelectionSummary([])).to.contain("none recorded");
  });
});
