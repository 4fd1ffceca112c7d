/**
 * GRINDER SDK — public face. Import from a notebook cell as `import { ... } from "./sdk"`
 * (the `grinder` kernel runs at the project root).
 */
export * from "./contracts";
export * from "./util";
export * from "./data";
export * from "./features";
export * from "./regime";
export * from "./policy";
export * from "./config";
export * from "./portfolio";
export * from "./calibration";
export * from "./execution";
export * from "./ledger";
export * from "./engine";
export * from "./metrics";
// engine split (ADR-043): venue, strategy contract, the two strategies
export * from "./sim";
export * from "./strategy";
export { AdaptiveGridStrategy, regimeRow, type AdaptiveGridOptions } from "./strategies/adaptive-grid";
export { StaticGridStrategy, type StaticGridOptions } from "./strategies/static-grid";
export * from "./ml";
export * from "./analysis";
export { SDK_VERSION } from "./version";
