/**
 * The initial process stack a new program finds at its entry point, laid out as Linux's fs/binfmt_elf.c
 * create_elf_tables() lays it out (x86-64 and arm64 alike). From the top down: an 8-byte end marker, the
 * strings (argv, envp, execfn, ascending), the platform string, the 16 AT_RANDOM bytes, then, 16-byte
 * aligned, argc, argv[], NULL, envp[], NULL and the auxv pairs ending in AT_NULL. Pure: it returns the
 * bytes and where they go; the caller writes them into whatever memory it has.
 */
import { AT_AUX } from "./constants.js";

export interface InitialStackSpec {
  argv: readonly string[];
  env: readonly string[];
  /** The AT_EXECFN string. */
  execfn: string;
  /**
   * The auxv pairs in order, without AT_NULL (appended). The values of AT_RANDOM, AT_EXECFN and
   * AT_PLATFORM are placeholders: they become the addresses of those strings and bytes.
   */
  auxv: readonly (readonly [number, bigint | number])[];
  /** Its first 16 bytes become AT_RANDOM's. */
  random: Uint8Array;
  /** The AT_PLATFORM string (ELF_PLATFORM: "x86_64", "aarch64"). */
  platform: string;
  /**
   * Where the 16-byte alignment falls. "strings" (default): right below the strings, as Linux's
   * arch_align_stack() does. "random": right above the AT_RANDOM bytes, so they are 16-byte aligned
   * (the layout @uabi/test-support has always produced; its recorded runs depend on it).
   */
  alignBelow?: "strings" | "random";
}

/** `bytes` go at `addr`. */
export interface StackWrite {
  addr: number;
  bytes: Uint8Array;
}

export interface InitialStackLayout {
  /** The initial stack pointer (points at argc), 16-byte aligned. */
  sp: number;
  argvAddrs: number[];
  envAddrs: number[];
  execfnAddr: number;
  platformAddr: number;
  randomAddr: number;
  /** Address of the first auxv pair. */
  auxvAddr: number;
  /** The auxv as written, placeholders filled, AT_NULL last. */
  auxv: [number, bigint][];
  /** Everything to write, none overlapping. */
  writes: StackWrite[];
}

const utf8 = new TextEncoder();

/** Lay out the initial stack below `top` (exclusive). */
export function layoutInitialStack(top: number, spec: InitialStackSpec): InitialStackLayout {
  const writes: StackWrite[] = [];
  // Arithmetic, not bit masks: stack addresses exceed 2^32.
  const align16 = (a: number): number => Math.floor(a / 16) * 16;
  let p = top - 8; // bprm->p starts one pointer below STACK_TOP
  const push = (s: string): number => {
    const bytes = utf8.encode(`${s}\0`);
    p -= bytes.length;
    writes.push({ addr: p, bytes });
    return p;
  };
  const execfnAddr = push(spec.execfn);
  // Pushed last string first, so each array ascends in memory.
  const envAddrs = [...spec.env].reverse().map((s) => push(s)).reverse();
  const argvAddrs = [...spec.argv].reverse().map((s) => push(s)).reverse();
  const alignBelow = spec.alignBelow ?? "strings";
  if (alignBelow === "strings") p = align16(p); // arch_align_stack() without randomisation
  const platformAddr = push(spec.platform);
  if (alignBelow === "random") p = align16(p);
  p -= 16;
  const randomAddr = p;
  writes.push({ addr: randomAddr, bytes: spec.random.subarray(0, 16) });

  const filled: Readonly<Record<number, number>> = {
    [AT_AUX.RANDOM]: randomAddr, [AT_AUX.EXECFN]: execfnAddr, [AT_AUX.PLATFORM]: platformAddr,
  };
  const auxv: [number, bigint][] = spec.auxv.map(([k, v]) => [k, BigInt(filled[k] ?? v)]);
  auxv.push([AT_AUX.NULL, 0n]);
  const words = 1 + argvAddrs.length + 1 + envAddrs.length + 1 + auxv.length * 2;
  const sp = align16(p - words * 8); // STACK_ROUND
  const table = new DataView(new ArrayBuffer(words * 8));
  let o = 0;
  const word = (x: bigint | number): void => {
    table.setBigUint64(o, BigInt.asUintN(64, BigInt(x)), true);
    o += 8;
  };
  word(spec.argv.length);
  for (const a of argvAddrs) word(a);
  word(0);
  for (const e of envAddrs) word(e);
  word(0);
  const auxvAddr = sp + o;
  for (const [k, v] of auxv) {
    word(k);
    word(v);
  }
  writes.push({ addr: sp, bytes: new Uint8Array(table.buffer) });
  return { sp, argvAddrs, envAddrs, execfnAddr, platformAddr, randomAddr, auxvAddr, auxv, writes };
}
