/**
 * Typed plotly figure builders for GRINDER's notebooks and acceptance report. Each builder
 * takes plain arrays / SDK contract objects and returns a plain-JSON `{ data, layout }`
 * figure (display it with `showFigure`). Time is data time in integer ms on `date` axes;
 * prices and notionals are in the quote currency, quantities in base (spec 17.11.1).
 */
import type { Fill, GridPlan, Regime } from "../contracts/trading";
import type { Selection } from "../contracts/features";
import { REGIME_COLORS, REGIME_ORDER, SERIES_COLORS, SIDE_COLORS, withAlpha } from "./colors";
import { TIME_AXIS_TITLE, type PlotlyAxis, type PlotlyFigure, type PlotlyLayout, type PlotlyShape, type PlotlyTrace } from "./plotly";

type Num = ArrayLike<number>;

/** Default cap on points per line trace; longer series are min/max decimated. */
export const DEFAULT_MAX_POINTS = 4000;

/** Figure-level layout shared by all builders: readable title, legend on top, compact margins. */
export function baseLayout(title: string, extra: Partial<PlotlyLayout> = {}): PlotlyLayout {
  return {
    title: { text: title, x: 0.01, xanchor: "left", y: 0.985, yanchor: "top" },
    height: 420,
    margin: { l: 70, r: 30, t: 105, b: 55 },
    legend: { orientation: "h", y: 1.02, yanchor: "bottom", x: 0, xanchor: "left" },
    hovermode: "closest",
    font: { size: 12 },
    ...extra,
  };
}

function axis(title: string, extra: Partial<PlotlyAxis> = {}): PlotlyAxis {
  return { title: { text: title }, automargin: true, ...extra };
}

function timeAxis(extra: Partial<PlotlyAxis> = {}): PlotlyAxis {
  return axis(TIME_AXIS_TITLE, { type: "date", ...extra });
}

/**
 * Min/max bucket decimation: keeps at most ~`maxPoints` points while preserving every
 * bucket's extremes (spikes stay visible), in time order. Returns copies as plain arrays.
 */
export function decimate(x: Num, y: Num, maxPoints = DEFAULT_MAX_POINTS): { x: number[]; y: number[] } {
  const n = Math.min(x.length, y.length);
  if (n <= maxPoints || maxPoints < 4) return { x: Array.from({ length: n }, (_, i) => x[i]), y: Array.from({ length: n }, (_, i) => y[i]) };
  const buckets = Math.floor(maxPoints / 2);
  const size = n / buckets;
  const ox: number[] = [];
  const oy: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor(b * size);
    const hi = Math.min(n, Math.floor((b + 1) * size));
    if (hi <= lo) continue;
    let iMin = lo;
    let iMax = lo;
    for (let i = lo + 1; i < hi; i++) {
      if (y[i] < y[iMin]) iMin = i;
      if (y[i] > y[iMax]) iMax = i;
    }
    const a = Math.min(iMin, iMax);
    const c = Math.max(iMin, iMax);
    ox.push(x[a]);
    oy.push(y[a]);
    if (c !== a) {
      ox.push(x[c]);
      oy.push(y[c]);
    }
  }
  return { x: ox, y: oy };
}

function line(name: string, x: Num, y: Num, color: string, maxPoints: number, extra: Partial<PlotlyTrace> = {}): PlotlyTrace {
  const d = decimate(x, y, maxPoints);
  return { type: "scatter", mode: "lines", name, x: d.x, y: d.y, line: { color, width: 1.4 }, ...extra };
}

// ---------------------------------------------------------------------------------------
// Regimes
// ---------------------------------------------------------------------------------------

/** A run of one regime over `[start, end)` data time (ms). */
export interface RegimeSegment {
  start: number;
  end: number;
  regime: Regime;
  symbol?: string;
}

/**
 * Compress a per-bar (or per-tick) regime series into runs. `endTs` closes the last run
 * (default: the last timestamp).
 */
export function regimeSegments(ts: Num, regimes: ArrayLike<Regime>, opts: { endTs?: number; symbol?: string } = {}): RegimeSegment[] {
  const out: RegimeSegment[] = [];
  const n = Math.min(ts.length, regimes.length);
  for (let i = 0; i < n; i++) {
    const last = out[out.length - 1];
    if (last && last.regime === regimes[i]) continue;
    if (last) last.end = ts[i];
    out.push({ start: ts[i], end: ts[i], regime: regimes[i], ...(opts.symbol !== undefined ? { symbol: opts.symbol } : {}) });
  }
  const last = out[out.length - 1];
  if (last) last.end = opts.endTs ?? ts[n - 1];
  return out;
}

/** Translucent background bands (layout shapes) for regime runs, over the full plot height. */
export function regimeBands(segments: ReadonlyArray<RegimeSegment>, opacity = 0.14, xref = "x"): PlotlyShape[] {
  return segments
    .filter((s) => s.end > s.start)
    .map((s) => ({
      type: "rect",
      xref,
      yref: "paper",
      x0: s.start,
      x1: s.end,
      y0: 0,
      y1: 1,
      fillcolor: withAlpha(REGIME_COLORS[s.regime], opacity),
      line: { width: 0 },
      layer: "below",
    }));
}

/** Legend-only traces naming the regimes present (bands are shapes, which have no legend). */
function regimeLegend(segments: ReadonlyArray<RegimeSegment>): PlotlyTrace[] {
  const present = new Set(segments.map((s) => s.regime));
  return REGIME_ORDER.filter((r) => present.has(r)).map((r) => ({
    type: "scatter",
    mode: "markers",
    name: r,
    x: [null],
    y: [null],
    marker: { color: REGIME_COLORS[r], symbol: "square", size: 12 },
    hoverinfo: "skip",
  }));
}

/**
 * Regime timeline: one coloured bar per run, one row per symbol (Gantt style), colours from
 * `REGIME_COLORS`.
 */
export function regimeTimelineFigure(segments: ReadonlyArray<RegimeSegment>, opts: { title?: string } = {}): PlotlyFigure {
  const rows = [...new Set(segments.map((s) => s.symbol ?? "symbol"))].sort();
  const data: PlotlyTrace[] = [];
  for (const r of REGIME_ORDER) {
    const runs = segments.filter((s) => s.regime === r && s.end > s.start);
    if (!runs.length) continue;
    data.push({
      type: "bar",
      orientation: "h",
      name: r,
      base: runs.map((s) => s.start),
      x: runs.map((s) => s.end - s.start),
      y: runs.map((s) => s.symbol ?? "symbol"),
      marker: { color: REGIME_COLORS[r] },
      hovertemplate: `${r}<br>%{base|%Y-%m-%d %H:%M:%S} + %{customdata} min<extra>%{y}</extra>`,
      customdata: runs.map((s) => Math.round((s.end - s.start) / 600) / 100),
    });
  }
  return {
    data,
    layout: baseLayout(opts.title ?? "Regime timeline", {
      barmode: "overlay",
      height: Math.max(220, 120 + 45 * rows.length),
      xaxis: timeAxis(),
      yaxis: axis("symbol", { type: "category", categoryorder: "array", categoryarray: rows }),
    }),
  };
}

/** Time spent per regime (minutes) or PnL per regime (quote) as bars in regime colours. */
export function regimeBarsFigure(values: Partial<Record<Regime, number>>, opts: { title: string; yLabel: string }): PlotlyFigure {
  const regimes = REGIME_ORDER.filter((r) => values[r] !== undefined);
  return {
    data: [
      {
        type: "bar",
        name: opts.yLabel,
        x: regimes.map((r) => r),
        y: regimes.map((r) => values[r] as number),
        marker: { color: regimes.map((r) => REGIME_COLORS[r]) },
        showlegend: false,
      },
    ],
    layout: baseLayout(opts.title, { xaxis: axis("regime", { type: "category" }), yaxis: axis(opts.yLabel) }),
  };
}

// ---------------------------------------------------------------------------------------
// Prices, grid levels and fills
// ---------------------------------------------------------------------------------------

export interface PriceGridInput {
  symbol: string;
  ts: Num;
  mid: Num;
  bid?: Num;
  ask?: Num;
  /** Plans in time order; each plan's levels are drawn from its `ts` to the next plan's. */
  plans?: ReadonlyArray<GridPlan>;
  fills?: ReadonlyArray<Fill>;
  regimes?: ReadonlyArray<RegimeSegment>;
  /** Cap on plans drawn (evenly thinned beyond it; default 300). */
  maxPlans?: number;
  maxPoints?: number;
  title?: string;
}

function levelSegments(plans: ReadonlyArray<GridPlan>, side: "bids" | "asks", endTs: number, maxPlans: number) {
  const stride = Math.max(1, Math.ceil(plans.length / maxPlans));
  const x: Array<number | null> = [];
  const y: Array<number | null> = [];
  for (let i = 0; i < plans.length; i += stride) {
    const t0 = plans[i].ts;
    const t1 = i + stride < plans.length ? plans[i + stride].ts : endTs;
    for (const l of plans[i][side]) {
      x.push(t0, t1, null);
      y.push(l.price, l.price, null);
    }
  }
  return { x, y };
}

/** Mid price (optionally bid/ask) with the planned grid levels, fills and regime bands. */
export function priceGridFigure(input: PriceGridInput): PlotlyFigure {
  const maxPoints = input.maxPoints ?? DEFAULT_MAX_POINTS;
  const data: PlotlyTrace[] = [];
  const endTs = input.ts.length ? input.ts[input.ts.length - 1] : 0;
  if (input.plans?.length) {
    const maxPlans = input.maxPlans ?? 300;
    const b = levelSegments(input.plans, "bids", endTs, maxPlans);
    const a = levelSegments(input.plans, "asks", endTs, maxPlans);
    data.push({ type: "scatter", mode: "lines", name: "buy levels", x: b.x, y: b.y, line: { color: withAlpha(SIDE_COLORS.BUY, 0.45), width: 1 }, hoverinfo: "y" });
    data.push({ type: "scatter", mode: "lines", name: "sell levels", x: a.x, y: a.y, line: { color: withAlpha(SIDE_COLORS.SELL, 0.45), width: 1 }, hoverinfo: "y" });
  }
  if (input.bid) data.push(line("bid", input.ts, input.bid, SERIES_COLORS.bid, maxPoints, { line: { color: SERIES_COLORS.bid, width: 0.8 } }));
  if (input.ask) data.push(line("ask", input.ts, input.ask, SERIES_COLORS.ask, maxPoints, { line: { color: SERIES_COLORS.ask, width: 0.8 } }));
  data.push(line("mid", input.ts, input.mid, SERIES_COLORS.price, maxPoints));
  for (const side of ["BUY", "SELL"] as const) {
    for (const kind of ["GRID", "TP"] as const) {
      const fs = (input.fills ?? []).filter((f) => f.side === side && f.kind === kind);
      if (!fs.length) continue;
      data.push({
        type: "scatter",
        mode: "markers",
        name: `${side.toLowerCase()} fills (${kind})`,
        x: fs.map((f) => f.ts),
        y: fs.map((f) => f.price),
        customdata: fs.map((f) => f.qty),
        hovertemplate: `${side} ${kind} %{y} × %{customdata}<extra></extra>`,
        marker: {
          color: SIDE_COLORS[side],
          size: 8,
          symbol: `${side === "BUY" ? "triangle-up" : "triangle-down"}${kind === "TP" ? "-open" : ""}`,
          line: { width: 1, color: SIDE_COLORS[side] },
        },
      });
    }
  }
  if (input.regimes?.length) data.push(...regimeLegend(input.regimes));
  return {
    data,
    layout: baseLayout(input.title ?? `${input.symbol}: mid price, grid levels and fills`, {
      xaxis: timeAxis(),
      yaxis: axis("price (quote)"),
      shapes: input.regimes ? regimeBands(input.regimes) : [],
    }),
  };
}

// ---------------------------------------------------------------------------------------
// Equity, drawdown, inventory
// ---------------------------------------------------------------------------------------

export interface EquityInput {
  ts: Num;
  /** Equity (quote). */
  equity: Num;
  /** Drawdown from the running peak (quote, ≤ 0 or ≥ 0; drawn as given). */
  drawdown?: Num;
  /** Signed inventory (base), or any inventory measure named by `inventoryLabel`. */
  inventory?: Num;
  /** Axis title of the inventory panel (default "inventory (base)"). */
  inventoryLabel?: string;
  regimes?: ReadonlyArray<RegimeSegment>;
  title?: string;
  maxPoints?: number;
}

/** Drawdown series from an equity curve: equity − running max (quote, ≤ 0). */
export function drawdownOf(equity: Num): number[] {
  const out = new Array<number>(equity.length);
  let peak = -Infinity;
  for (let i = 0; i < equity.length; i++) {
    if (equity[i] > peak) peak = equity[i];
    out[i] = equity[i] - peak;
  }
  return out;
}

/** Stacked panels sharing the time axis: equity, drawdown, inventory (those given). */
export function equityFigure(input: EquityInput): PlotlyFigure {
  const maxPoints = input.maxPoints ?? DEFAULT_MAX_POINTS;
  const panels: Array<{ name: string; unit: string; y: Num; color: string; fill?: string }> = [{ name: "equity", unit: "equity (quote)", y: input.equity, color: SERIES_COLORS.equity }];
  if (input.drawdown) panels.push({ name: "drawdown", unit: "drawdown (quote)", y: input.drawdown, color: SERIES_COLORS.drawdown, fill: "tozeroy" });
  if (input.inventory) panels.push({ name: "inventory", unit: input.inventoryLabel ?? "inventory (base)", y: input.inventory, color: SERIES_COLORS.inventory, fill: "tozeroy" });
  const gap = 0.06;
  const weights = panels.map((_, i) => (i === 0 ? 2 : 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const usable = 1 - gap * (panels.length - 1);
  const layout = baseLayout(input.title ?? "Equity, drawdown and inventory", { height: 260 + 130 * panels.length });
  const data: PlotlyTrace[] = [];
  let top = 1;
  panels.forEach((p, i) => {
    const h = (usable * weights[i]) / total;
    const yName = i === 0 ? "yaxis" : `yaxis${i + 1}`;
    layout[yName] = axis(p.unit, { domain: [Math.max(0, top - h), top], anchor: "x" });
    top -= h + gap;
    data.push(line(p.name, input.ts, p.y, p.color, maxPoints, { yaxis: i === 0 ? "y" : `y${i + 1}`, ...(p.fill ? { fill: p.fill, fillcolor: withAlpha(p.color, 0.2) } : {}) }));
  });
  layout.xaxis = timeAxis({ anchor: panels.length === 1 ? "y" : `y${panels.length}` });
  if (input.regimes?.length) {
    layout.shapes = regimeBands(input.regimes);
    data.push(...regimeLegend(input.regimes));
  }
  return { data, layout };
}

// ---------------------------------------------------------------------------------------
// Generic time series panels
// ---------------------------------------------------------------------------------------

export interface TimePanel {
  /** Y axis title with its unit, e.g. "NATR (fraction per bar)". */
  label: string;
  series: Array<{ name: string; y: ArrayLike<number | null> }>;
}

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

/** Stacked panels of time series sharing the time axis (null values are gaps), optional regime bands. */
export function timeSeriesFigure(input: { title: string; ts: Num; panels: ReadonlyArray<TimePanel>; regimes?: ReadonlyArray<RegimeSegment>; maxPoints?: number }): PlotlyFigure {
  const maxPoints = input.maxPoints ?? DEFAULT_MAX_POINTS;
  const k = input.panels.length;
  const gap = 0.07;
  const h = (1 - gap * (k - 1)) / Math.max(1, k);
  const layout = baseLayout(input.title, { height: 200 + 170 * k });
  const data: PlotlyTrace[] = [];
  let color = 0;
  input.panels.forEach((p, i) => {
    const top = 1 - i * (h + gap);
    layout[i === 0 ? "yaxis" : `yaxis${i + 1}`] = axis(p.label, { domain: [Math.max(0, top - h), top], anchor: "x" });
    for (const s of p.series) {
      const xs: number[] = [];
      const ys: number[] = [];
      for (let j = 0; j < Math.min(input.ts.length, s.y.length); j++) {
        const v = s.y[j];
        if (v === null || v === undefined || !Number.isFinite(v)) continue;
        xs.push(input.ts[j]);
        ys.push(v);
      }
      data.push(line(s.name, xs, ys, PALETTE[color++ % PALETTE.length], maxPoints, { yaxis: i === 0 ? "y" : `y${i + 1}` }));
    }
  });
  layout.xaxis = timeAxis({ anchor: k <= 1 ? "y" : `y${k}` });
  if (input.regimes?.length) {
    layout.shapes = regimeBands(input.regimes);
    data.push(...regimeLegend(input.regimes));
  }
  return { data, layout };
}

// ---------------------------------------------------------------------------------------
// Spread and depth
// ---------------------------------------------------------------------------------------

export interface SpreadDepthInput {
  symbol: string;
  ts: Num;
  spread_bps: Num;
  /** Top-N book depth (quote); null entries (no book) are gaps. */
  depth_quote?: ArrayLike<number | null>;
  maxPoints?: number;
  title?: string;
}

/** Spread (bps, left axis) and top-of-book depth (quote, right axis). */
export function spreadDepthFigure(input: SpreadDepthInput): PlotlyFigure {
  const maxPoints = input.maxPoints ?? DEFAULT_MAX_POINTS;
  const data: PlotlyTrace[] = [line("spread (bps)", input.ts, input.spread_bps, SERIES_COLORS.spread, maxPoints)];
  const layout = baseLayout(input.title ?? `${input.symbol}: spread and depth`, { xaxis: timeAxis(), yaxis: axis("spread (bps)") });
  if (input.depth_quote) {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < Math.min(input.ts.length, input.depth_quote.length); i++) {
      const v = input.depth_quote[i];
      if (v === null || v === undefined) continue;
      xs.push(input.ts[i]);
      ys.push(v);
    }
    if (xs.length) {
      data.push(line("depth (quote)", xs, ys, SERIES_COLORS.depth, maxPoints, { yaxis: "y2" }));
      layout.yaxis2 = axis("depth top-N (quote)", { overlaying: "y", side: "right", showgrid: false });
      layout.margin = { l: 70, r: 80, t: 105, b: 55 };
    }
  }
  return { data, layout };
}

// ---------------------------------------------------------------------------------------
// Grid plan anatomy
// ---------------------------------------------------------------------------------------

function pct(x: number): string {
  return `${(x * 100).toFixed(3)} %`;
}

/** Per-level base quantity of a plan (buy and sell side), closest level first. */
export function sizeScheduleFigure(plan: GridPlan, opts: { title?: string } = {}): PlotlyFigure {
  const data: PlotlyTrace[] = [];
  for (const [side, levels] of [
    ["BUY", plan.bids],
    ["SELL", plan.asks],
  ] as const) {
    if (!levels.length) continue;
    data.push({
      type: "bar",
      name: `${side.toLowerCase()} qty`,
      x: levels.map((l) => l.index),
      y: levels.map((l) => l.qty),
      customdata: levels.map((l) => [l.price, l.price * l.qty]),
      hovertemplate: `${side} level %{x}: %{y} base @ %{customdata[0]} (%{customdata[1]:.2f} quote)<extra></extra>`,
      marker: { color: SIDE_COLORS[side] },
    });
  }
  return {
    data,
    layout: baseLayout(opts.title ?? `${plan.symbol} size schedule (${plan.regime}, ${plan.mode})`, {
      barmode: "group",
      xaxis: axis("level (1 = closest to centre)", { dtick: 1 }),
      yaxis: axis("order size (base)"),
    }),
  };
}

/**
 * A plan as a price ladder: level prices on the y axis, buy sizes to the left and sell sizes
 * to the right (base), the centre price, and the stress width band (spec 17.8: X_stress,
 * width per side) shaded. The title carries step and X_stress.
 */
export function gridLadderFigure(plan: GridPlan, opts: { title?: string } = {}): PlotlyFigure {
  const lo = plan.center_price * (1 - plan.width_down_frac);
  const hi = plan.center_price * (1 + plan.width_up_frac);
  const data: PlotlyTrace[] = [
    {
      type: "bar",
      orientation: "h",
      name: "buy levels (base)",
      x: plan.bids.map((l) => -l.qty),
      y: plan.bids.map((l) => l.price),
      customdata: plan.bids.map((l) => l.qty),
      hovertemplate: "BUY %{customdata} @ %{y}<extra></extra>",
      marker: { color: SIDE_COLORS.BUY },
    },
    {
      type: "bar",
      orientation: "h",
      name: "sell levels (base)",
      x: plan.asks.map((l) => l.qty),
      y: plan.asks.map((l) => l.price),
      hovertemplate: "SELL %{x} @ %{y}<extra></extra>",
      marker: { color: SIDE_COLORS.SELL },
    },
    {
      type: "scatter",
      mode: "lines",
      name: "centre price",
      x: [0, 0],
      y: [lo, hi],
      line: { color: SERIES_COLORS.price, width: 1, dash: "dot" },
      hoverinfo: "skip",
    },
  ];
  const shapes: PlotlyShape[] = [
    { type: "rect", xref: "paper", yref: "y", x0: 0, x1: 1, y0: lo, y1: hi, fillcolor: withAlpha(REGIME_COLORS[plan.regime], 0.1), line: { width: 0 }, layer: "below" },
    { type: "line", xref: "paper", yref: "y", x0: 0, x1: 1, y0: plan.center_price, y1: plan.center_price, line: { color: SERIES_COLORS.price, width: 1.5 } },
  ];
  const allQty = [...plan.bids, ...plan.asks].map((l) => l.qty);
  const m = allQty.length ? Math.max(...allQty) * 1.15 : 1;
  return {
    data,
    layout: baseLayout(
      opts.title ??
        `${plan.symbol} grid plan (${plan.regime}, ${plan.mode}): step ${pct(plan.step_frac)}, X_stress ${pct(plan.x_stress_frac)}, levels ${plan.levels_down}↓/${plan.levels_up}↑`,
      {
        height: 520,
        barmode: "overlay",
        bargap: 0.1,
        xaxis: axis("order size (base; buys left, sells right)", { range: [-m, m], zeroline: true }),
        yaxis: axis("price (quote)"),
        shapes,
      },
    ),
  };
}

// ---------------------------------------------------------------------------------------
// Calibration
// ---------------------------------------------------------------------------------------

export interface HeatmapInput {
  title: string;
  x: ReadonlyArray<number | string>;
  y: ReadonlyArray<number | string>;
  /** `z[yi][xi]`; null = not evaluated. */
  z: ReadonlyArray<ReadonlyArray<number | null>>;
  xLabel: string;
  yLabel: string;
  zLabel: string;
  /** Marks the chosen point. */
  best?: { x: number | string; y: number | string };
}

/** Objective heatmap over two parameters (e.g. alpha × k_tail). */
export function heatmapFigure(input: HeatmapInput): PlotlyFigure {
  const data: PlotlyTrace[] = [
    {
      type: "heatmap",
      name: input.zLabel,
      x: [...input.x],
      y: [...input.y],
      z: input.z,
      colorscale: "Viridis",
      colorbar: { title: { text: input.zLabel } },
      hovertemplate: `${input.xLabel} %{x}<br>${input.yLabel} %{y}<br>${input.zLabel} %{z}<extra></extra>`,
    },
  ];
  if (input.best)
    data.push({ type: "scatter", mode: "markers", name: "chosen", x: [input.best.x], y: [input.best.y], marker: { symbol: "x", size: 14, color: "#ffffff", line: { width: 2, color: "#000000" } } });
  const cat = (v: ReadonlyArray<number | string>) => (v.some((e) => typeof e === "string") ? "category" : "linear");
  return { data, layout: baseLayout(input.title, { xaxis: axis(input.xLabel, { type: cat(input.x) }), yaxis: axis(input.yLabel, { type: cat(input.y) }) }) };
}

/**
 * Pivot result rows (one per evaluated parameter point) into a heatmap grid over two
 * parameters. Several rows on one cell (other parameters varied) keep the best (max) value.
 */
export function pivotHeatmap<T>(rows: ReadonlyArray<T>, xOf: (r: T) => number, yOf: (r: T) => number, zOf: (r: T) => number | null): { x: number[]; y: number[]; z: Array<Array<number | null>> } {
  const num = (a: number, b: number) => a - b;
  const x = [...new Set(rows.map(xOf))].sort(num);
  const y = [...new Set(rows.map(yOf))].sort(num);
  const z: Array<Array<number | null>> = y.map(() => x.map(() => null));
  for (const r of rows) {
    const v = zOf(r);
    if (v === null || !Number.isFinite(v)) continue;
    const row = z[y.indexOf(yOf(r))];
    const xi = x.indexOf(xOf(r));
    const cur = row[xi];
    if (cur === null || v > cur) row[xi] = v;
  }
  return { x, y, z };
}

/** One walk-forward fold: the evaluation units it trains and tests on, and its objective values. */
export interface WalkForwardFold {
  id: string;
  train: ReadonlyArray<string>;
  test: ReadonlyArray<string>;
  /** In-sample objective of the fold's selection (null = constraint violated). */
  in_sample: number | null;
  out_of_sample: number | null;
}

/**
 * Walk-forward folds: which evaluation units (fixture time segments) each fold trains on and
 * tests on (top), and the in-sample vs out-of-sample objective of its selection (bottom).
 */
export function walkForwardFigure(input: { units: ReadonlyArray<string>; folds: ReadonlyArray<WalkForwardFold> }, opts: { title?: string; objective?: string } = {}): PlotlyFigure {
  const objective = opts.objective ?? "objective";
  const ids = input.folds.map((f) => f.id);
  const role = input.folds.map((f) => input.units.map((u) => (f.test.includes(u) ? 2 : f.train.includes(u) ? 1 : null)));
  const data: PlotlyTrace[] = [
    {
      type: "heatmap",
      name: "fold units",
      x: [...input.units],
      y: ids,
      z: role,
      zmin: 1,
      zmax: 2,
      colorscale: [
        [0, SERIES_COLORS.train],
        [0.5, SERIES_COLORS.train],
        [0.5, SERIES_COLORS.test],
        [1, SERIES_COLORS.test],
      ],
      showscale: false,
      xgap: 2,
      ygap: 2,
      xaxis: "x",
      yaxis: "y",
      hovertemplate: "%{y}: %{x}<extra></extra>",
    },
    { type: "bar", name: `in-sample ${objective} (train units, light)`, x: ids, y: input.folds.map((f) => f.in_sample), marker: { color: SERIES_COLORS.train }, xaxis: "x2", yaxis: "y2" },
    { type: "bar", name: `out-of-sample ${objective} (test units, dark)`, x: ids, y: input.folds.map((f) => f.out_of_sample), marker: { color: SERIES_COLORS.test }, xaxis: "x2", yaxis: "y2" },
  ];
  return {
    data,
    layout: baseLayout(opts.title ?? "Walk-forward folds", {
      height: 300 + 24 * ids.length + 220,
      barmode: "group",
      xaxis: axis("evaluation unit (fixture#segment)", { type: "category", anchor: "y" }),
      yaxis: axis("fold", { domain: [0.6, 1], type: "category", autorange: "reversed" }),
      xaxis2: axis("fold", { anchor: "y2", type: "category" }),
      yaxis2: axis(objective, { domain: [0, 0.36], anchor: "x2" }),
    }),
  };
}

// ---------------------------------------------------------------------------------------
// Top-K portfolio
// ---------------------------------------------------------------------------------------

/** Top-K selection over time: per symbol and re-selection tick, the DD budget allocated (blank = not selected). */
export function topKFigure(selections: ReadonlyArray<Selection>, opts: { title?: string } = {}): PlotlyFigure {
  const symbols = new Set<string>();
  for (const s of selections) {
    for (const y of s.selected) symbols.add(y);
    for (const e of s.excluded) symbols.add(e.symbol);
  }
  const rows = [...symbols].sort();
  const z = rows.map((sym) => selections.map((s) => (s.selected.includes(sym) ? (s.budgets[sym] ?? 0) : null)));
  const text = rows.map((sym) =>
    selections.map((s) => {
      const ex = s.excluded.find((e) => e.symbol === sym);
      return ex ? `excluded: ${ex.reasons.join(", ")}` : `score ${s.scores[sym]?.toFixed(3) ?? "-"}`;
    }),
  );
  return {
    data: [
      {
        type: "heatmap",
        name: "DD budget",
        x: selections.map((s) => s.ts),
        y: rows,
        z,
        text,
        colorscale: "Blues",
        reversescale: true,
        colorbar: { title: { text: "DD budget (quote)" } },
        xgap: 1,
        ygap: 2,
        hovertemplate: "%{y} %{x|%H:%M}<br>budget %{z}<br>%{text}<extra></extra>",
      },
    ],
    layout: baseLayout(opts.title ?? "Top-K selection over time", {
      height: Math.max(260, 140 + 40 * rows.length),
      xaxis: timeAxis(),
      yaxis: axis("symbol", { type: "category", categoryorder: "array", categoryarray: rows }),
    }),
  };
}
