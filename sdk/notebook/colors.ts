import { REGIMES, type Regime } from "../contracts/trading";

/**
 * The one regime colour map: every chart (timelines, background bands, attribution bars, in
 * every notebook) takes its regime colours from here, so a colour means the same regime
 * everywhere. Calm regimes are cool, protective ones warm, stops grey/black.
 */
export const REGIME_COLORS: Readonly<Record<Regime, string>> = Object.freeze({
  RANGE: "#2ca02c",
  TREND_UP: "#1f77b4",
  TREND_DOWN: "#9467bd",
  VOL_SHOCK: "#ff7f0e",
  THIN_BOOK: "#bcbd22",
  TOXIC: "#d62728",
  PAUSED: "#7f7f7f",
  EMERGENCY: "#111111",
});

/** Regimes in their canonical order (legend order). */
export const REGIME_ORDER: ReadonlyArray<Regime> = REGIMES;

/** Buy / sell colours for levels, fills and size schedules. */
export const SIDE_COLORS = Object.freeze({ BUY: "#1a9850", SELL: "#d73027" });

/** Neutral series colours (price, equity, ...). */
export const SERIES_COLORS = Object.freeze({
  price: "#333333",
  bid: "#66bd63",
  ask: "#f46d43",
  equity: "#1f77b4",
  drawdown: "#d62728",
  inventory: "#8c564b",
  spread: "#ff7f0e",
  depth: "#17becf",
  train: "#9ecae1",
  test: "#08519c",
});

/** `#rrggbb` → `rgba(r,g,b,a)`, for translucent bands. */
export function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}
