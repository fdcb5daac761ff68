export function disassemble(bytes: Uint8Array, offset: number, address: number): Disassembly { return { length: 0, text: "" }; }
export interface Disassembly { length: number; text: string }
