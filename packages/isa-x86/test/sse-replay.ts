/** Replays the native SSE recordings (test/fixtures/sse-native.json.gz) on the interpreter. */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { GuestMemory, PERM_EXEC, PERM_READ, PERM_WRITE } from "@uabi/isa-core";
import { X86Cpu, type X86CpuOptions } from "../src/cpu.js";

export interface SseFixture {
  host: string;
  insns: { text: string; bytes: string }[];
  cases: (number | string)[][];
}

/** Replay the native SSE recordings; returns mismatch descriptions. */
export function replaySse(fx: SseFixture, opts: X86CpuOptions = {}): { checked: number; bad: string[] } {
  const mem = new GuestMemory();
  mem.map(0x10000, 0x1000, PERM_READ | PERM_EXEC);
  mem.map(0x20000, 0x1000, PERM_READ | PERM_WRITE);
  const cpu = new X86Cpu(mem, opts);
  let loaded = -1;
  const bad: string[] = [];
  let checked = 0;
  for (const cs of fx.cases) {
    const k = cs[0] as number;
    const insn = fx.insns[k]!;
    if (loaded !== k) {
      mem.poke(0x10000, new Uint8Array(Buffer.from(insn.bytes + "cc", "hex")));
      loaded = k;
    }
    const v = (cs.slice(1) as string[]).map((h) => BigInt("0x" + h));
    cpu.setXmm(0, v[0]!, v[1]!);
    cpu.setXmm(1, v[2]!, v[3]!);
    cpu.setReg(0, v[4]!);
    cpu.rflags = v[5]!;
    cpu.mxcsr = 0x1f80;
    cpu.pc = 0x10000;
    cpu.sp = 0x20800n;
    const trap = cpu.run(10);
    checked++;
    const got = [...cpu.getXmm(0), ...cpu.getXmm(1), cpu.getReg(0), cpu.rflags & 0x8d5n];
    const want = [...v.slice(6, 11), v[11]! & 0x8d5n];
    if (trap.kind !== "breakpoint" || got.some((g, j) => g !== want[j])) {
      bad.push(`${insn.text} in=${v.slice(0, 6).map((x) => x.toString(16))} want=${want.map((x) => x.toString(16))} got=${got.map((x) => x.toString(16))} ${trap.kind}`);
    }
  }
  return { checked, bad };
}

export function loadSseFixture(): SseFixture {
  return JSON.parse(gunzipSync(readFileSync(new URL("./fixtures/sse-native.json.gz", import.meta.url))).toString());
}
