import { expect } from "chai";
import * as aq from "arquero";
import { REGIMES } from "../../sdk/contracts/trading";
import type { GridPlan, Selection } from "../../sdk";
import {
  PLOTLY_MIME,
  REGIME_COLORS,
  arqueroToDanfo,
  danfoToArquero,
  asTable,
  isTimeColumn,
  isoUtc,
  tableText,
  decimate,
  drawdownOf,
  equityFigure,
  figureBundle,
  figureHtml,
  gridLadderFigure,
  heatmapFigure,
  pivotHeatmap,
  plotlyLibrarySource,
  priceGridFigure,
  regimeBands,
  regimeSegments,
  regimeTimelineFigure,
  resetPlotlyInclusion,
  rowsToTable,
  sizeScheduleFigure,
  spreadDepthFigure,
  tableColumns,
  tableHtml,
  topKFigure,
  walkForwardFigure,
  type PlotlyFigure,
} from "../../sdk/notebook";

const plan: GridPlan = {
  symbol: "TESTUSDT",
  ts: 1_700_000_000_000,
  regime: "RANGE",
  mode: "NORMAL",
  center_price: 100,
  step_frac: 0.002,
  x_stress_frac: 0.01,
  width_up_frac: 0.01,
  width_down_frac: 0.01,
  levels_up: 2,
  levels_down: 2,
  bids: [
    { side: "BUY", index: 1, price: 99.8, qty: 0.5 },
    { side: "BUY", index: 2, price: 99.6, qty: 0.5 },
  ],
  asks: [
    { side: "SELL", index: 1, price: 100.2, qty: 0.4 },
    { side: "SELL", index: 2, price: 100.4, qty: 0.4 },
  ],
  size_schedule: { buy: [0.5, 0.5], sell: [0.4, 0.4] },
  adds_allowed: true,
  reduce_only: false,
  dd_budget: 50,
  worst_case_loss: 40,
  reasons: [],
};

function labelled(fig: PlotlyFigure): void {
  expect(fig.layout.title.text, "every figure has a title").to.be.a("string").and.not.equal("");
  const x = fig.layout.xaxis as { title?: { text: string } } | undefined;
  const y = fig.layout.yaxis as { title?: { text: string } } | undefined;
  expect(x?.title?.text, "x axis labelled").to.be.a("string").and.not.equal("");
  expect(y?.title?.text, "y axis labelled").to.be.a("string").and.not.equal("");
  expect(() => JSON.parse(JSON.stringify(fig)), "figure is plain JSON").not.to.throw();
}

describe("notebook helpers: figures", () => {
  const times = Array.from({ length: 1000 }, (_, i) => 1_700_000_000_000 + i * 1000);
  const mid = times.map((_, i) => 100 + Math.sin(i / 50) + (i === 777 ? 5 : 0));

  it("decimate keeps the count bounded and the extremes", () => {
    const d = decimate(times, mid, 100);
    expect(d.x.length).to.be.at.most(100);
    expect(Math.max(...d.y), "spike kept").to.equal(Math.max(...mid));
    expect(Math.min(...d.y)).to.equal(Math.min(...mid));
    for (let i = 1; i < d.x.length; i++) expect(d.x[i], "time order kept").to.be.greaterThan(d.x[i - 1]);
  });

  it("regimeSegments compresses runs and closes the last one", () => {
    const segs = regimeSegments([0, 1, 2, 3, 4], ["RANGE", "RANGE", "VOL_SHOCK", "VOL_SHOCK", "RANGE"], { endTs: 5, symbol: "A" });
    expect(segs).to.deep.equal([
      { start: 0, end: 2, regime: "RANGE", symbol: "A" },
      { start: 2, end: 4, regime: "VOL_SHOCK", symbol: "A" },
      { start: 4, end: 5, regime: "RANGE", symbol: "A" },
    ]);
    const bands = regimeBands(segs);
    expect(bands).to.have.length(3);
    expect(bands[1].fillcolor, "band colour from the regime colour map").to.equal("rgba(255,127,14,0.14)");
  });

  it("one distinct colour per regime", () => {
    const colors = REGIMES.map((r) => REGIME_COLORS[r]);
    expect(new Set(colors).size).to.equal(REGIMES.length);
    const tl = regimeTimelineFigure(regimeSegments([0, 1, 2], ["RANGE", "TOXIC", "TOXIC"], { endTs: 3 }));
    expect(tl.data.map((t) => (t.marker as { color: string }).color)).to.deep.equal([REGIME_COLORS.RANGE, REGIME_COLORS.TOXIC]);
  });

  it("every builder returns a titled, labelled, plain-JSON figure", () => {
    const fills = [{ order_id: "T:1", symbol: "T", side: "BUY" as const, kind: "GRID" as const, price: 99.8, qty: 0.5, ts: times[10], fee: 0.01, liquidity: "MAKER" as const }];
    const sel: Selection = { ts: times[0], selected: ["A", "B"], budgets: { A: 60, B: 40 }, scores: { A: 1, B: 0.5, C: 0.1 }, excluded: [{ symbol: "C", reasons: ["BELOW_CUT"] }] } as Selection;
    const figs = [
      priceGridFigure({ symbol: "T", ts: times, mid, plans: [plan, { ...plan, ts: times[500] }], fills, regimes: regimeSegments(times, times.map(() => "RANGE" as const)) }),
      equityFigure({ ts: times, equity: mid, drawdown: drawdownOf(mid), inventory: mid.map(() => 1) }),
      spreadDepthFigure({ symbol: "T", ts: times, spread_bps: mid, depth_quote: mid.map((v, i) => (i % 2 ? null : v)) }),
      sizeScheduleFigure(plan),
      gridLadderFigure(plan),
      heatmapFigure({ title: "objective", x: [1, 2], y: [3, 4], z: [[1, 2], [3, null]], xLabel: "alpha", yLabel: "k_tail", zLabel: "score" }),
      walkForwardFigure({ units: ["a#0", "a#1", "b#0"], folds: [{ id: "t1", train: ["a#0"], test: ["a#1"], in_sample: 1, out_of_sample: 0.5 }, { id: "lofo-b", train: ["a#0", "a#1"], test: ["b#0"], in_sample: 0.8, out_of_sample: null }] }),
      topKFigure([sel]),
    ];
    figs.forEach(labelled);
    const levels = figs[0].data.find((t) => t.name === "buy levels");
    expect(levels?.x, "two plans × two buy levels × (start, end, gap)").to.have.length(12);
    const wf = figs[6].data[0] as unknown as { z: Array<Array<number | null>> };
    expect(wf.z, "train = 1, test = 2, unused = null").to.deep.equal([[1, 2, null], [1, 1, 2]]);
    const top = figs[7].data[0] as unknown as { y: string[]; z: Array<Array<number | null>> };
    expect(top.y).to.deep.equal(["A", "B", "C"]);
    expect(top.z).to.deep.equal([[60], [40], [null]]);
  });

  it("drawdownOf is equity minus its running peak", () => {
    expect(drawdownOf([1, 3, 2, 5, 4])).to.deep.equal([0, 0, -1, 0, -1]);
  });

  it("pivotHeatmap keeps the best value per cell", () => {
    const p = pivotHeatmap(
      [
        { a: 2, k: 1, v: 1 },
        { a: 1, k: 1, v: 3 },
        { a: 1, k: 1, v: 5 },
        { a: 2, k: 2, v: -1 },
      ],
      (r) => r.a,
      (r) => r.k,
      (r) => r.v,
    );
    expect(p).to.deep.equal({ x: [1, 2], y: [1, 2], z: [[5, 1], [null, -1]] });
  });
});

describe("notebook helpers: display bundle", () => {
  const fig = sizeScheduleFigure(plan);

  it("first figure carries plotly.js inline, later ones reuse window.Plotly", () => {
    resetPlotlyInclusion();
    const first = figureBundle(fig);
    const second = figureBundle(fig);
    expect(Object.keys(first)).to.have.members([PLOTLY_MIME, "text/html", "text/plain"]);
    expect(first[PLOTLY_MIME], "plotly MIME carries the figure itself").to.deep.equal(fig);
    const lib = plotlyLibrarySource();
    expect(lib.length, "the installed plotly.js bundle").to.be.greaterThan(1_000_000);
    expect(first["text/html"] as string).to.contain(lib.slice(0, 200));
    expect((second["text/html"] as string).length, "second figure is small").to.be.lessThan(20_000);
    expect(second["text/html"] as string).to.contain("window.Plotly.newPlot");
    expect(first["text/html"] as string, "never a CDN").not.to.match(/<script[^>]+src=/);
  });

  it("the inline library and figure JSON cannot end the script element early", () => {
    expect(plotlyLibrarySource()).not.to.contain("</script");
    expect(plotlyLibrarySource()).not.to.contain("<!--");
    const html = figureHtml({ data: [], layout: { title: { text: "</script><b>x</b>" } } }, { divId: "d" });
    expect(html.match(/<\/script>/g)).to.have.length(1);
  });
});

describe("notebook helpers: tables", () => {
  it("arquero → danfo → arquero keeps names, order and values", () => {
    const t = rowsToTable([
      { symbol: "A", pnl: 1.5, fills: 3, ok: true },
      { symbol: "B", pnl: -0.25, fills: 0, ok: false },
    ]);
    const df = arqueroToDanfo(t);
    expect(df.columns).to.deep.equal(["symbol", "pnl", "fills", "ok"]);
    expect(df.shape).to.deep.equal([2, 4]);
    const back = danfoToArquero(df);
    expect(tableColumns(back)).to.deep.equal(tableColumns(t));
  });

  it("danfo → arquero → danfo keeps values", () => {
    const dfd = require("danfojs-node");
    const df = new dfd.DataFrame({ x: [1, 2, 3], y: ["p", "q", "r"] });
    const again = arqueroToDanfo(danfoToArquero(df));
    expect(again.values).to.deep.equal(df.values);
    expect(again.columns).to.deep.equal(["x", "y"]);
  });

  it("tableHtml is compact and counts hidden rows", () => {
    const t = aq.table({ n: Array.from({ length: 30 }, (_, i) => i + 0.123456789), s: Array.from({ length: 30 }, () => "<x>") });
    const html = tableHtml(t, { maxRows: 5, caption: "c" });
    expect(html.match(/<tr>/g)).to.have.length(6);
    expect(html).to.contain("25 more rows (30 total)");
    expect(html).to.contain("&lt;x&gt;");
    expect(html).to.contain("0.123457");
  });

  it("takes what the SDK returns: interface arrays, one summary record, danfo with its row labels", () => {
    interface Check {
      name: string;
      passed: boolean;
      value: number;
    }
    const checks: Check[] = [
      { name: "oos", passed: true, value: 0.5 },
      { name: "spread", passed: false, value: 2 },
    ];
    expect(tableColumns(asTable(checks))).to.deep.equal({ name: ["oos", "spread"], passed: [true, false], value: [0.5, 2] });
    const summary: { cycles: number; return_pct: number } = { cycles: 3, return_pct: 0.25 };
    expect(tableColumns(asTable(summary))).to.deep.equal({ cycles: [3], return_pct: [0.25] });
    const dfd = require("danfojs-node");
    const described = new dfd.DataFrame({ x: [1, 2, 3, 4] }).describe();
    const t = asTable(described);
    expect(t.columnNames()[0], "row labels kept as the first column").to.equal("index");
    expect(Array.from(t.array("index") as ArrayLike<string>)).to.include.members(["count", "mean"]);
  });

  it("shows data-time columns as ISO UTC, other integers as they are", () => {
    const t = rowsToTable([{ ts: 1704067200000, open_time: 1704067260500, fills: 1704067200000 }]);
    const html = tableHtml(t);
    expect(html).to.contain("2024-01-01T00:00:00Z").and.contain("2024-01-01T00:01:00.500Z").and.contain(">1704067200000<");
    expect(tableText(t)).to.contain("2024-01-01T00:00:00Z");
    expect(tableHtml(t, { isoTimes: false })).to.not.contain("2024-01-01");
    expect(isoUtc(0)).to.equal("1970-01-01T00:00:00Z");
    expect(isTimeColumn("ts", [1, 2])).to.equal(false);
  });
});
