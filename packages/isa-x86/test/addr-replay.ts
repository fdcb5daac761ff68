/** Replays the native address-arithmetic recordings (test/fixtures/addr-native.json.gz, scripts/gen-addr.ts). */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { GuestMemory, PERM_EXEC, PERM_READ, PERM_WRITE } from "@uabi/isa-core";
import { X86Cpu, type X86CpuOptions } from "../src/cpu.js";

export interface AddrFixture {
  host: string;
  data: number;
  insns: { text: string; bytes: string }[];
  cases: (number | string)[][];
}
export function loadAddrFixture(): AddrFixture {
  return JSON.parse(gunzipSync(readFileSync(new URL("./fixtures/addr-native.json.gz", import.meta.url))).toString()) as AddrFixture;
}

export interface AddrMismatch { text: string; input: string[]; want: string[]; got: string[] }

export function replayAddr(fx: AddrFixture, opts: X86CpuOptions = {}): { checked: number; mismatches: AddrMismatch[] } {
  const mem = new GuestMemory();
  const CODE = 0x10000;
  mem.map(CODE, 0x1000, PERM_READ | PERM_EXEC);
  mem.map(fx.data, 0x1000, PERM_READ | PERM_WRITE);
  mem.poke(fx.data, Uint8Array.from({ length: 4096 }, (_, k) => (k * 37 + 11) & 0xff));
  const cpu = new X86Cpu(mem, opts);
  const mismatches: AddrMismatch[] = [];
  let checked = 0;
  let loaded = -1;
  for (const cs of fx.cases) {
    const k = cs[0] as number;
    const insn = fx.insns[k]!;
    if (loaded !== k) {
      mem.poke(CODE, new Uint8Array(Buffer.from(insn.bytes + "cc", "hex")));
      loaded = k;
    }
    const inp = (cs.slice(1, 4) as string[]).map((h) => BigInt("0x" + h));
    const want = (cs.slice(4, 7) as string[]).map((h) => BigInt("0x" + h));
    cpu.setReg(0, inp[0]!);
    cpu.setReg(3, inp[1]!);
    cpu.setReg(1, inp[2]!);
    cpu.pc = CODE;
    const trap = cpu.run(10);
    checked++;
    const got = [cpu.getReg(0), cpu.getReg(3), cpu.getReg(1)];
    if (trap.kind !== "breakpoint" || got.some((v, j) => v !== want[j])) {
      const hex = (v: bigint[]) => v.map((x) => x.toString(16));
      mismatches.push({ text: insn.text, input: hex(inp), want: hex(want), got: [...hex(got), trap.kind] });
    }
  }
  return { checked, mismatches };
}
