export * from "./assembler.js";
