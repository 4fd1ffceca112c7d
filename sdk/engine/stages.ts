// The adaptive grid's pipeline stages live with the strategy; re-exported for existing imports.
export * from "../strategies/adaptive-grid/stages";
