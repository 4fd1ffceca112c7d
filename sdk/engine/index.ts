export * from "./config";
export * from "./stages";
export * from "./replay";
export * from "./run";
export * from "./recorder";
export * from "./scheduler";
export * from "./supervisor";
export { defaultStages } from "../strategies/adaptive-grid/default-stages";
export * from "./regime-timeline";
export { fillModelSensitivity, formatSensitivity, LADDER, parseFillModelList, sensitivityRow, type SensitivityOptions, type SensitivityRow } from "./sensitivity";
// bar datasets through the engine (ADR-070..072): interval adaptation, replay, expected digests
export { configForInterval } from "./interval";
export { replayBarDataset, type BarReplayOptions, type BarReplayResult } from "./replay-bars";
export { expectedOfBarReplay, type ExpectedBarReplay } from "./bar-expected";
// same-orders comparison of the fill-model ladder (ADR-196)
export { formatSameOrders, replayScriptedOrders, sameOrdersLadder, type SameOrdersOptions, type SameOrdersResult, type SameOrdersRow } from "./same-orders";
