export * from "./backend";
export * from "./data";
export * from "./layers";
export * from "./models";
export * from "./training";
export * from "./display";
export * from "./notebook";
