/** Adaptive grid policy (spec 17.8–17.11, 17.6.3): pure functions from features + budget to a GridPlan. */
export * from "./config";
