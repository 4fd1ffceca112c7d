export * from "./config";
export * from "./fill-models";
export * from "./cycle";
export * from "./executor";
