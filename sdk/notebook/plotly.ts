/**
 * Plain-JSON plotly.js figures: `{ data, layout }` exactly as `Plotly.newPlot` takes them.
 * The types name the fields GRINDER's builders use and stay open for the rest of plotly's
 * schema (https://plotly.com/javascript/reference/), so a notebook may tweak any attribute.
 */

/** One trace (scatter, bar, heatmap, ...). */
export interface PlotlyTrace {
  type: "scatter" | "scattergl" | "bar" | "heatmap";
  name?: string;
  x?: ReadonlyArray<number | string | null>;
  y?: ReadonlyArray<number | string | null>;
  z?: ReadonlyArray<ReadonlyArray<number | null>>;
  mode?: string;
  [attribute: string]: unknown;
}

export interface PlotlyAxis {
  title?: { text: string };
  type?: "linear" | "log" | "date" | "category";
  domain?: [number, number];
  anchor?: string;
  matches?: string;
  overlaying?: string;
  side?: "left" | "right" | "top" | "bottom";
  [attribute: string]: unknown;
}

/** A layout shape (used for regime bands and grid levels). */
export interface PlotlyShape {
  type: "rect" | "line";
  xref: string;
  yref: string;
  x0: number | string;
  x1: number | string;
  y0: number;
  y1: number;
  [attribute: string]: unknown;
}

export interface PlotlyLayout {
  title: { text: string; [attribute: string]: unknown };
  xaxis?: PlotlyAxis;
  yaxis?: PlotlyAxis;
  shapes?: PlotlyShape[];
  [attribute: string]: unknown;
}

export interface PlotlyFigure {
  data: PlotlyTrace[];
  layout: PlotlyLayout;
}

/** Data time (integer ms since the epoch) is plotted on plotly `date` axes as numbers. */
export const TIME_AXIS_TITLE = "time (UTC)";
