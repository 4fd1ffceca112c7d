/** Top-K portfolio stage (spec 17.15, 17.7.2): hard gates, scores, selection, budgets. */
export * from "./reasons";
export * from "./config";
export { applyGates, gateSymbol, validateViews, hasFreshL2, isStaleNow, isToxicNow, type GateExclusion, type GateOutcome, type RecentFlags } from "./gates";
export * from "./smooth";
export * from "./score";
export * from "./select";
export * from "./allocate";
export * from "./selector";
export * from "./report";
