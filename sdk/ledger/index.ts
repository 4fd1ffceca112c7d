export * from "./config";
export * from "./ledger";
export * from "./guard";
export * from "./contract";
