/**
 * Adaptive grid policy (spec 17.6.3, 17.8–17.11, 17.14.2–3, 17.22): pure functions from
 * features + regime + budget to a `GridPlan` with reason codes. Each concept is one free
 * function, exported for notebooks; `planGrid` composes them.
 */
export * from "./config";
export * from "./reasons";
export * from "./types";
export * from "./stress";
export * from "./step";
export * from "./sizing";
export * from "./reduce";
export * from "./caps";
export * from "./actions";
export * from "./plan";
