export * from "./fixture";
export { validateSnapshotRow } from "./validate";
