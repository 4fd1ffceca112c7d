export * from "./config";
export * from "./types";
export * from "./fees";
export * from "./latency";
export * from "./fill-models";
export * from "./venue";
export * from "./queue";
export * from "./maker-fill-models";
