export * from "./features";
export * from "./labels";
export * from "./dataset";
export * from "./model";
export * from "./train";
export * from "./judge";
