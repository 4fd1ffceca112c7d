export * from "./fixture";
export { validateSnapshotRow } from "./validate";
export * from "./importers";
export * from "./trades";
// bar data (ADR-070..072): importers, intrabar path model, interval adaptation, dataset recipes
export * from "./bars";
export * from "./dataset";
