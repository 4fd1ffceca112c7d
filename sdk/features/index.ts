export * from "./config";
export type { Indicator, Bar, HLC, KlineBar } from "./indicator";
export { MidBarBuilder, type TimedPrice } from "./bars";
export { WilderAtr, trueRange } from "./atr";
export { Ema } from "./ema";
export { RangeWindow, TrendStrength, type RangeStats, type CloseNatr } from "./rolling";
export { computeL2Into, clearL2, walkAvgPrice, L2Scratch, type L2Features } from "./l2";
export { FeatureEngine, emptyFeatures } from "./engine";
