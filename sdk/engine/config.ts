// The engine section's schema lives with the config aggregator (sdk/config/engine.ts) so that
// config never imports the engine (ADR-045); re-exported here for existing imports.
export * from "../config/engine";
