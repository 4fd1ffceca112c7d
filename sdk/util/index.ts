export * from "./canonical";
export * from "./quantize";
