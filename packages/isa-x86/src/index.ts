export * from "./asm.js";
