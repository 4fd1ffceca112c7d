export * from "./stages";
export * from "./regime-record";
export * from "./strategy";
export { defaultStages } from "./default-stages";
