export * from "./memory.js";
export * from "./cpu.js";
export * from "./bigint.js";
