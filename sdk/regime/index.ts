export * from "./config";
export * from "./toxicity";
export * from "./controller";
