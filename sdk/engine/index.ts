export * from "./config";
export * from "./stages";
export * from "./replay";
export * from "./run";
export * from "./recorder";
export * from "./scheduler";
export * from "./supervisor";
export { defaultStages } from "../strategies/adaptive-grid/default-stages";
