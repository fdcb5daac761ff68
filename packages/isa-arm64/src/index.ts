export * from "./assembler.js";
export { A64_TABLE, ALLOWED_OVERLAPS, COMPILED_TABLE, compileRow, insertField, rowsOverlap, TableError, type CompiledRow, type RowSpec, type FieldSpec, type FieldSegment, type FieldMap, type FieldsOf, type RowFields, type RowName } from "./table.js";
export { decode, matchRow, extractFields, decodeBitMasks, type Decoded, type Fields } from "./decode.js";
export { disassemble, disassembleWord, disassembleBytes, FORMATTED_ROWS, type DisasmLine } from "./disasm.js";
export { Arm64Cpu, ARM64_HWCAP, MIDR_EL1, CTR_EL0, DCZID_EL0, DC_ZVA_BYTES, type Arm64CpuOptions } from "./cpu.js";
