export * from "./backend";
export * from "./display";
export * from "./notebook";
