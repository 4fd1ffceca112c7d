/** Post-processing of replay results: baselines and PnL attribution (ADR-065, ADR-066). */
export { STATIC_GRID_OVERRIDES, staticGridConfig, buyAndHoldPnl, replayBaselines, replayBarBaselines, type BaselineRow } from "./baselines";
export { attributeByRegime, attributionByRegimeTotal, type RegimeAttributionRow } from "./attribution";
export { foldAttribution, formatFoldAttribution, type FoldAttribution, type FoldAttributionRow } from "./fold-attribution";
