/**
 * Notebook helpers: plotly figure builders, display in tslab, tables. At the edge of the SDK:
 * notebooks import them as `import { ... } from "./sdk/notebook"`; nothing in `sdk/` imports them.
 */
export * from "./plotly";
export * from "./colors";
export * from "./figures";
export * from "./display";
export * from "./tables";
export * from "./series";
export * from "./env";
export * from "./report";
export * from "./explore";
export * from "./calibration";
export * from "./sensitivity";
