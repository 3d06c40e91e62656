export * from "./backend";
export * from "./settings";
export * from "./run-info";
export * from "./display";
