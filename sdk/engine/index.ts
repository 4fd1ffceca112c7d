export * from "./config";
export * from "./stages";
export * from "./replay";
export * from "./run";
export * from "./recorder";
export * from "./scheduler";
export * from "./supervisor";
export { defaultStages } from "../strategies/adaptive-grid/default-stages";
export { fillModelSensitivity, formatSensitivity, LADDER, parseFillModelList, sensitivityRow, type SensitivityOptions, type SensitivityRow } from "./sensitivity";
