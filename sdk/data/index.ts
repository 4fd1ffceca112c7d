export * from "./fixture";
export { validateSnapshotRow } from "./validate";
export * from "./importers";
export * from "./trades";
