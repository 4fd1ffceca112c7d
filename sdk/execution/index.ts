export * from "./config";
export * from "./cycle";
export * from "./order-manager";
