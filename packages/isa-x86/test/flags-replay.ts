/** Replays the native flag/ALU recordings (test/fixtures/flags-native.json.gz) on the interpreter. */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { GuestMemory, PERM_EXEC, PERM_READ, PERM_WRITE } from "@uabi/isa-core";
import { X86Cpu, type X86CpuOptions } from "../src/cpu.js";

export interface FlagFixture {
  host: string;
  insns: { text: string; bytes: string; size: number }[];
  cases: (number | string)[][];
}
export function loadFlagFixture(): FlagFixture {
  return JSON.parse(gunzipSync(readFileSync(new URL("./fixtures/flags-native.json.gz", import.meta.url))).toString());
}

const STATUS = 0x8d5n;
const CF = 1n, PF = 4n, AF = 16n, ZF = 64n, SF = 128n, OF = 2048n;

/**
 * Flags the SDM leaves undefined for this instruction and input (and whether the destination is undefined).
 * Returned as a mask of RFLAGS bits.
 */
export function undefinedFlags(text: string, size: number, count: bigint): { flags: bigint; dest: boolean } {
  const mn = text.split(/[ ;]/)[0]!;
  // Forms without %cl shift by one.
  const c = text.includes("%cl") ? Number(count & (size === 64 ? 63n : 31n)) : 1;
  if (/^(and|or|xor|test)$/.test(mn)) return { flags: AF, dest: false };
  if (/^(mul|imul)$/.test(mn)) return { flags: SF | ZF | AF | PF, dest: false };
  if (/^(div|idiv)$/.test(mn)) return { flags: STATUS, dest: false };
  if (/^(shl|shr|sar)[bwlq]?$/.test(mn)) return { flags: c === 0 ? 0n : AF | (c > 1 ? OF : 0n), dest: false };
  if (/^(rol|ror|rcl|rcr)[bwlq]?$/.test(mn)) return { flags: c > 1 ? OF : 0n, dest: false };
  if (/^(shld|shrd)$/.test(mn)) {
    if (c > size) return { flags: STATUS, dest: true };
    return { flags: c === 0 ? 0n : AF | (c > 1 ? OF : 0n), dest: false };
  }
  if (/^(bt|bts|btr|btc)$/.test(mn)) return { flags: OF | SF | AF | PF, dest: false };
  if (/^(bsf|bsr)$/.test(mn)) return { flags: CF | OF | SF | AF | PF, dest: false };
  if (/^(tzcnt|lzcnt)$/.test(mn)) return { flags: OF | SF | AF | PF, dest: false };
  return { flags: 0n, dest: false };
}

export interface Mismatch { text: string; input: string[]; want: string[]; got: string[]; kind: "defined" | "undefined-flags" }

export function replay(fx: FlagFixture, opts: X86CpuOptions = {}): { checked: number; mismatches: Mismatch[] } {
  const mem = new GuestMemory();
  const CODE = 0x10000;
  mem.map(CODE, 0x1000, PERM_READ | PERM_EXEC);
  mem.map(0x20000, 0x1000, PERM_READ | PERM_WRITE);
  const cpu = new X86Cpu(mem, opts);
  let loaded = -1;
  const mismatches: Mismatch[] = [];
  let checked = 0;
  for (const cs of fx.cases) {
    const k = cs[0] as number;
    const insn = fx.insns[k]!;
    if (loaded !== k) {
      const code = Buffer.from(insn.bytes + "cc", "hex");
      mem.poke(CODE, new Uint8Array(code));
      loaded = k;
    }
    const inp = (cs.slice(1, 6) as string[]).map((h) => BigInt("0x" + h));
    const want = (cs.slice(6, 11) as string[]).map((h) => BigInt("0x" + h));
    cpu.setReg(0, inp[0]!);
    cpu.setReg(3, inp[1]!);
    cpu.setReg(1, inp[2]!);
    cpu.setReg(2, inp[3]!);
    cpu.rflags = inp[4]!;
    cpu.pc = CODE;
    cpu.sp = 0x20800n;
    const trap = cpu.run(100);
    checked++;
    const got = [cpu.getReg(0), cpu.getReg(3), cpu.getReg(1), cpu.getReg(2), cpu.rflags];
    const u = undefinedFlags(insn.text, insn.size, inp[2]!);
    const defMask = STATUS & ~u.flags;
    const regsOk = u.dest || (got[0] === want[0] && got[1] === want[1] && got[2] === want[2] && got[3] === want[3]);
    const defOk = trap.kind === "breakpoint" && regsOk && ((got[4]! ^ want[4]!) & (defMask | 0x400n)) === 0n;
    const hex = (v: bigint[]) => v.map((x) => x.toString(16));
    if (!defOk) mismatches.push({ text: insn.text, input: hex(inp), want: hex(want), got: [...hex(got), trap.kind], kind: "defined" });
    else if (((got[4]! ^ want[4]!) & u.flags) !== 0n) mismatches.push({ text: insn.text, input: hex(inp), want: hex(want), got: hex(got), kind: "undefined-flags" });
  }
  return { checked, mismatches };
}
