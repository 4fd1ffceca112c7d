export * from "./config";
export * from "./stages";
export * from "./replay";
export * from "./run";
export { defaultStages } from "./default-stages";
