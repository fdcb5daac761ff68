/**
 * buildVdso: libkernel's policy and handlers + the per-ISA glue → a real ELF shared object.
 */
import { type ElfImage, writeElf } from "@uabi/elf";
import {
  type DispatchPolicy, type Personality, PAGE_PLACEMENT, dispatchPolicy, versionedExtras,
} from "@uabi/libkernel";
import { type Arch, syscalls } from "@uabi/uapi";
import { ARM64_CODEGEN } from "./arm64.js";
import { buildEhFrame, type CfiEntry } from "./cfi.js";
import type { CodeGen, FuncSpec, GenContext, TextResult } from "./codegen.js";
import { X86_CODEGEN } from "./x86.js";

export type Variant = "vdso" | "library";

/** Bad input to buildVdso (unknown arch, variant or personality). */
export class VdsoBuildError extends Error {
  override readonly name = "VdsoBuildError";
}

export interface BuildOptions {
  readonly arch: Arch;
  /** "vdso" (default): linux-vdso.so.1 with the LINUX_* ABI; "library": standalone libkernel.so.1. */
  readonly variant?: Variant;
  readonly personalities?: readonly Personality[];
  /** Personalities compiled in but off until the process sets its TASK_PAGE.abiPersonality bit. */
  readonly switchablePersonalities?: readonly Personality[];
  /**
   * Bytes of NOPs before the first function (multiple of 16, < 64 KiB): the same ABI with another
   * build's layout, for checkpoint/restore experiments (a frame's return PC into the old text
   * means something else in this one). Default 0.
   */
  readonly textPad?: number;
}

export interface ImageSymbol {
  readonly name: string;
  readonly version: string | undefined;
  /** Non-default version (name@V rather than name@@V). */
  readonly hidden: boolean;
  readonly address: number;
  readonly size: number;
}

export interface VdsoImage {
  readonly arch: Arch;
  readonly variant: Variant;
  readonly soname: string;
  readonly bytes: Uint8Array;
  /** Bytes to map at the load base (file size rounded up to a page). */
  readonly mapSize: number;
  /** .text bounds, as offsets from the load base. Syscalls issued from [textStart, textEnd) are never bounced. */
  readonly textStart: number;
  readonly textEnd: number;
  /** Entry points, as offsets from the load base (see the package README for their contracts). */
  readonly entries: {
    /** Bounce entry: the kernel sets PC here with SP at the bounce frame. */
    readonly bounce: number;
    /** SIGSYS entry: install as the SA_SIGINFO handler for the seccomp / SUD mechanisms. */
    readonly sigsys: number;
    /** rt_sigreturn trampoline (arm64 `__kernel_rt_sigreturn`; x86-64 the libc restorer sequence). */
    readonly sigreturn: number;
  };
  readonly symbols: readonly ImageSymbol[];
  /** Data pages the kernel maps below the image (offsets from the load base; negative). */
  readonly pages: { readonly vvar: number; readonly uts: number; readonly count: number };
  /** The dispatch table: i32 per syscall number, handler address − table address, 0 = pass through. */
  readonly dispatchTable: { readonly offset: number; readonly length: number };
  /** Address (offset from base) of each syscall's libkernel entry, by number. */
  readonly syscallEntries: ReadonlyMap<number, number>;
  readonly policy: DispatchPolicy;
  /**
   * Every syscall instruction in the text, as the PC just past it (what the kernel sees at entry,
   * relative to the base) and the number it issues ("any" for the glue's pass-through re-issue):
   * the table a kernel needs to pin syscall sites (OpenBSD pinsyscalls style).
   */
  readonly syscallSites: readonly { readonly pc: number; readonly nr: number | "any" }[];
}

const CODEGEN: Readonly<Record<Arch, CodeGen>> = { arm64: ARM64_CODEGEN, x86_64: X86_CODEGEN };

/** LINUX_VERSION_CODE the image advertises in its "Linux" note (6.18.0, the reference kernel line). */
export const LINUX_VERSION_CODE = (6 << 16) | (18 << 8) | 0;

/** The kernel-ABI exports per ISA: [exported name, syscall name (handler), plain weak alias?]. */
const LINUX_EXPORTS: Readonly<Record<Arch, { version: string; fns: readonly (readonly [string, string, string?])[] }>> = {
  arm64: {
    version: "LINUX_2.6.39",
    fns: [
      ["__kernel_rt_sigreturn", "rt_sigreturn"],
      ["__kernel_gettimeofday", "gettimeofday"],
      ["__kernel_clock_gettime", "clock_gettime"],
      ["__kernel_clock_getres", "clock_getres"],
    ],
  },
  x86_64: {
    version: "LINUX_2.6",
    fns: [
      ["__vdso_clock_gettime", "clock_gettime", "clock_gettime"],
      ["__vdso_gettimeofday", "gettimeofday", "gettimeofday"],
      ["__vdso_time", "time", "time"],
      ["__vdso_getcpu", "getcpu", "getcpu"],
      ["__vdso_clock_getres", "clock_getres", "clock_getres"],
    ],
  },
};

export const LIBKERNEL_VERSIONS = ["LIBKERNEL_1", "LIBKERNEL_2"] as const;

function linuxNote(): Uint8Array {
  const b = new Uint8Array(12 + 8 + 4);
  const v = new DataView(b.buffer);
  v.setUint32(0, 6, true); // namesz ("Linux\0")
  v.setUint32(4, 4, true); // descsz
  v.setUint32(8, 0, true); // type 0: LINUX_VERSION_CODE
  b.set([0x4c, 0x69, 0x6e, 0x75, 0x78, 0], 12);
  v.setUint32(20, LINUX_VERSION_CODE, true);
  return b;
}

export function buildVdso(options: BuildOptions): VdsoImage {
  const { arch } = options;
  const variant = options.variant ?? "vdso";
  if (variant !== "vdso" && variant !== "library") throw new VdsoBuildError(`unknown variant ${JSON.stringify(variant)}`);
  const cg = Object.hasOwn(CODEGEN, arch) ? CODEGEN[arch] : undefined;
  if (!cg) throw new VdsoBuildError(`unknown arch ${JSON.stringify(arch)}`);
  let policy: DispatchPolicy;
  try {
    policy = dispatchPolicy(arch, { personalities: options.personalities ?? [], switchable: options.switchablePersonalities ?? [] });
  } catch (e) {
    throw new VdsoBuildError(e instanceof Error ? e.message : String(e));
  }

  // Functions, in syscall-number order: a lowered handler or a pass-through stub per syscall.
  const funcs: FuncSpec[] = [];
  const keyOf = new Map<number, string>();
  for (const e of policy.entries) {
    if (e.name === "rt_sigreturn") {
      keyOf.set(e.nr, "@sigreturn");
      continue;
    }
    const key = e.handler ? `h:${e.name}` : `stub:${e.name}`;
    funcs.push(e.handler ? { key, kind: "handler", handler: e.handler } : { key, kind: "stub", nr: e.nr });
    keyOf.set(e.nr, key);
  }
  const extras = versionedExtras(arch);
  for (const x of extras) funcs.push({ key: `h:${x.name}@${x.version}`, kind: "handler", handler: x.handler });
  const tableLen = Math.max(...syscalls(arch).map((s) => s.nr)) + 1;

  const textPad = options.textPad ?? 0;
  if (!Number.isInteger(textPad) || textPad < 0 || textPad % 16 !== 0 || textPad >= 65536) {
    throw new VdsoBuildError(`textPad ${textPad} must be a multiple of 16 below 65536`);
  }
  const ctxFor = (textAddr: number, tableAddr: number): GenContext => ({
    textAddr, tableAddr, tableLen, vvarAddr: PAGE_PLACEMENT.vvarOffset, utsAddr: PAGE_PLACEMENT.utsOffset, textPad,
  });
  // First pass at a provisional address: code size and offsets do not depend on it (all
  // PC-relative forms used have a fixed width), only the displacements do.
  const probe: TextResult = cg.assemble(funcs, ctxFor(0x1000, 0x2000));
  const off = (key: string): { offset: number; size: number } => {
    const o = probe.offsets.get(key);
    if (!o) throw new Error(`internal: no code for ${key}`);
    return o;
  };
  const cfiEntries: CfiEntry[] = (["bounce", "sigsys"] as const).map((k) => ({ kind: k, ...off(`@${k}`), marks: probe.cfi[k] }));
  const ehSize = buildEhFrame(arch, cg.cfiRegs, cfiEntries, 0, 0).length;

  const text = (textAddr: number, tableAddr: number): Uint8Array => {
    const r = cg.assemble(funcs, ctxFor(textAddr, tableAddr));
    if (r.code.length !== probe.code.length) throw new Error("internal: code size depends on its address");
    return r.code;
  };

  // Symbols.
  type Sym = { name: string; key: string; version: string; hidden?: boolean; binding?: "weak" };
  const syms: Sym[] = [];
  const linuxNames = new Set<string>();
  if (variant === "vdso") {
    const L = LINUX_EXPORTS[arch];
    for (const [name, sc, alias] of L.fns) {
      const key = keyOf.get(policy.entries.find((e) => e.name === sc)!.nr)!;
      syms.push({ name, key, version: L.version });
      linuxNames.add(name);
      if (alias) syms.push({ name: alias, key, version: L.version, binding: "weak" });
    }
  }
  for (const e of policy.entries) {
    const name = `__kernel_${e.name}`;
    const versioned = extras.some((x) => x.name === e.name && !x.isDefault);
    // A name also exported in the LINUX_* node keeps that one as its default definition.
    syms.push({ name, key: keyOf.get(e.nr)!, version: versioned ? "LIBKERNEL_2" : "LIBKERNEL_1", ...(linuxNames.has(name) ? { hidden: true } : {}) });
  }
  for (const x of extras) syms.push({ name: `__kernel_${x.name}`, key: `h:${x.name}@${x.version}`, version: x.version, ...(x.isDefault ? {} : { hidden: true }) });
  syms.push({ name: "__uabi_bounce_entry", key: "@bounce", version: "LIBKERNEL_1" });
  syms.push({ name: "__uabi_sigsys_entry", key: "@sigsys", version: "LIBKERNEL_1" });

  const soname = variant === "vdso" ? "linux-vdso.so.1" : "libkernel.so.1";
  const versions = [
    ...(variant === "vdso" ? [LINUX_EXPORTS[arch].version] : []),
    "LIBKERNEL_1",
    { name: "LIBKERNEL_2", parent: "LIBKERNEL_1" },
  ];
  const image: ElfImage = writeElf({
    machine: arch === "arm64" ? "aarch64" : "x86_64",
    soname,
    versions,
    hashStyle: "both",
    symbolic: true,
    bindNow: true,
    versionSymbols: true,
    // An ordinary library says its stack needs no execute permission; the kernel's vDSO has no such header.
    gnuStack: variant === "library",
    sections: [
      { name: ".text", exec: true, align: 16, size: probe.code.length, data: (l) => text(l.section(".text").address, l.section(".rodata").address) },
      {
        name: ".rodata", align: 8, size: tableLen * 4,
        data: (l) => {
          const t = new Uint8Array(tableLen * 4);
          const dv = new DataView(t.buffer);
          const textAddr = l.section(".text").address;
          const tableAddr = l.section(".rodata").address;
          for (const [nr, e] of policy.handled) dv.setInt32(nr * 4, textAddr + off(keyOf.get(e.nr)!).offset - tableAddr, true);
          return t;
        },
      },
      { name: ".eh_frame", align: 8, size: ehSize, data: (l) => buildEhFrame(arch, cg.cfiRegs, cfiEntries, l.section(".eh_frame").address, l.section(".text").address) },
      { name: ".note", align: 4, data: linuxNote() },
    ],
    symbols: syms.map((s) => ({
      name: s.name,
      section: ".text",
      value: off(s.key).offset,
      size: off(s.key).size,
      type: "func" as const,
      ...(s.binding ? { binding: s.binding } : {}),
      version: s.version,
      ...(s.hidden ? { hidden: true } : {}),
    })),
  });

  const exported = new Set(syms.map((s) => s.name));
  const textSec = image.sections.get(".text")!;
  const tableSec = image.sections.get(".rodata")!;
  const at = (key: string): number => textSec.address + off(key).offset;
  const syscallEntries = new Map<number, number>();
  for (const [nr, key] of keyOf) syscallEntries.set(nr, at(key));
  return Object.freeze({
    arch,
    variant,
    soname,
    bytes: image.bytes,
    mapSize: Math.ceil(image.bytes.length / 4096) * 4096,
    textStart: textSec.address,
    textEnd: textSec.address + textSec.size,
    entries: { bounce: at("@bounce"), sigsys: at("@sigsys"), sigreturn: at("@sigreturn") },
    // The writer also lists the ABS version-node symbols; the image's symbols are its functions.
    symbols: image.symbols.filter((s) => exported.has(s.name)).map((s) => ({ name: s.name, version: s.version, hidden: s.hidden, address: s.address, size: s.size })),
    pages: { vvar: PAGE_PLACEMENT.vvarOffset, uts: PAGE_PLACEMENT.utsOffset, count: PAGE_PLACEMENT.dataPages },
    dispatchTable: { offset: tableSec.address, length: tableLen },
    syscallEntries,
    policy,
    syscallSites: probe.sites.map((x) => ({ pc: textSec.address + x.offset, nr: x.nr })),
  });
}
