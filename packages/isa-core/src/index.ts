export * from "./memory.js";
export * from "./cpu.js";
