export * from "./errors";
export * from "./market";
export * from "./trading";
export { fieldPath } from "./zod";
export * from "./features";
