export * from "./fixture";
export { validateSnapshotRow } from "./validate";
export * from "./importers";
// bar data (ADR-070..072): importers, intrabar path model, interval adaptation, dataset recipes
export * from "./bars";
export { configForInterval } from "./interval";
export * from "./dataset";
export { replayBarDataset, type BarReplayOptions, type BarReplayResult } from "./replay-bars";
export { expectedOfBarReplay, type ExpectedBarReplay } from "./expected";
