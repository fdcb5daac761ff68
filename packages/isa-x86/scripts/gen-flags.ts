/**
 * Flag and ALU differential oracle: generates instruction × operand × input-flags cases, runs each
 * natively on the host (a generated C file with inline asm, built by gcc), and records the result
 * registers and RFLAGS in test/fixtures/flags-native.json, with each instruction's bytes from GNU as.
 * test/flags.test.ts replays every case on the interpreter.
 * Run (x86-64 host with gcc and binutils): node --conditions=@uabi/source --import tsx packages/isa-x86/scripts/gen-flags.ts
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

type Sz = 8 | 16 | 32 | 64;
const A: Record<Sz, string> = { 8: "%al", 16: "%ax", 32: "%eax", 64: "%rax" };
const B: Record<Sz, string> = { 8: "%bl", 16: "%bx", 32: "%ebx", 64: "%rbx" };
const SUF: Record<Sz, string> = { 8: "b", 16: "w", 32: "l", 64: "q" };
const SIZES: Sz[] = [8, 16, 32, 64];

/** An instruction template plus how to pick its operands. */
interface Spec {
  text: string;
  kind: "binary" | "unary" | "shift" | "div" | "bits" | "misc";
  size: Sz;
}
const specs: Spec[] = [];
for (const s of SIZES) {
  for (const op of ["add", "adc", "sub", "sbb", "and", "or", "xor", "cmp", "test"]) specs.push({ text: `${op} ${B[s]},${A[s]}`, kind: "binary", size: s });
  for (const op of ["inc", "dec", "neg", "not"]) specs.push({ text: `${op} ${A[s]}`, kind: "unary", size: s });
  for (const op of ["shl", "shr", "sar", "rol", "ror", "rcl", "rcr"]) specs.push({ text: `${op} %cl,${A[s]}`, kind: "shift", size: s });
  for (const op of ["shl", "shr", "sar", "rol", "ror", "rcl", "rcr"]) specs.push({ text: `${op}${SUF[s]} $1,${A[s]}`.replace(/\$1,/, ""), kind: "unary", size: s });
  specs.push({ text: `mul ${B[s]}`, kind: "binary", size: s });
  specs.push({ text: `imul ${B[s]}`, kind: "binary", size: s });
  specs.push({ text: `div ${B[s]}`, kind: "div", size: s });
  specs.push({ text: `idiv ${B[s]}`, kind: "div", size: s });
  specs.push({ text: `xadd ${B[s]},${A[s]}`, kind: "binary", size: s });
  specs.push({ text: `cmpxchg ${B[s]},%${s === 8 ? "dl" : s === 16 ? "dx" : s === 32 ? "edx" : "rdx"}`, kind: "binary", size: s });
  if (s !== 8) {
    specs.push({ text: `imul ${B[s]},${A[s]}`, kind: "binary", size: s });
    for (const op of ["shld", "shrd"]) specs.push({ text: `${op} %cl,${B[s]},${A[s]}`, kind: "shift", size: s });
    for (const op of ["bt", "bts", "btr", "btc"]) specs.push({ text: `${op} ${B[s]},${A[s]}`, kind: "shift", size: s });
    for (const op of ["bsf", "bsr", "tzcnt", "lzcnt", "popcnt"]) specs.push({ text: `${op} ${B[s]},${A[s]}`, kind: "bits", size: s });
  }
}
specs.push({ text: "bswap %eax", kind: "unary", size: 32 }, { text: "bswap %rax", kind: "unary", size: 64 });
for (const t of ["cbtw", "cwtl", "cltq", "cwtd", "cltd", "cqto", "sahf", "lahf", "stc", "clc", "cmc"]) specs.push({ text: t, kind: "misc", size: 64 });
// Conditions after a lazy compare (the interpreter's fast paths) and from popf'd flags.
for (const cc of ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"]) {
  for (const s of [8, 32, 64] as Sz[]) specs.push({ text: `cmp ${B[s]},${A[s]}; set${cc} %dl`, kind: "binary", size: s });
  specs.push({ text: `set${cc} %dl`, kind: "misc", size: 64 });
  specs.push({ text: `cmov${cc} %rbx,%rax`, kind: "misc", size: 64 });
}
specs.push({ text: "add %rbx,%rax; setb %dl; seto %dh", kind: "binary", size: 64 });
specs.push({ text: "sub %ebx,%eax; setl %dl; setbe %dh", kind: "binary", size: 32 });
specs.push({ text: "and %ebx,%eax; setle %dl; setp %dh", kind: "binary", size: 32 });

// Deterministic PRNG (xorshift64*).
let seed = 0x9e3779b97f4a7c15n;
function rnd(): bigint {
  seed ^= seed >> 12n;
  seed ^= (seed << 25n) & 0xffffffffffffffffn;
  seed ^= seed >> 27n;
  return (seed * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn;
}
function interesting(s: Sz): bigint[] {
  const m = (1n << BigInt(s)) - 1n;
  const top = 1n << BigInt(s - 1);
  return [0n, 1n, top - 1n, top, m, 0x55n & m, (rnd() & m), (rnd() & m)];
}
/** Fill the upper bits with noise so partial-register writes are checked. */
const noise = (v: bigint, s: Sz) => (s === 64 ? v : (rnd() & ~((1n << BigInt(s)) - 1n) & 0xffffffffffffffffn) | v);
const FLAG_INPUTS = [0x202n, 0x2d7n | 0x800n]; // all status flags clear / all set (CF PF AF ZF SF OF)

interface Case { insn: number; in: bigint[]; }
const cases: Case[] = [];
specs.forEach((sp, idx) => {
  const s = sp.size;
  const vals = interesting(s);
  const push = (a: bigint, b: bigint, c: bigint, d: bigint, f: bigint) => cases.push({ insn: idx, in: [a, b, c, d, f] });
  switch (sp.kind) {
    case "binary":
    case "bits":
      for (const a of vals) for (const b of vals) push(noise(a, s), noise(b, s), rnd(), noise(rnd() & ((1n << BigInt(s)) - 1n), s), FLAG_INPUTS[Number(rnd() & 1n)]!);
      break;
    case "unary":
    case "misc":
      for (const a of vals) for (const f of FLAG_INPUTS) push(noise(a, s), rnd(), rnd(), rnd(), f | (rnd() & 0x8d5n));
      break;
    case "shift": {
      const counts = [0n, 1n, 2n, 7n, 8n, 9n, 15n, 16n, 17n, 31n, 32n, 63n];
      for (const a of vals.slice(0, 6)) for (const c of counts) push(noise(a, s), noise(vals[Number(rnd() % BigInt(vals.length))]!, s), c | (rnd() & ~0xffn & 0xffffffffffffffffn), rnd(), FLAG_INPUTS[Number(rnd() & 1n)]!);
      break;
    }
    case "div": {
      for (let k = 0; k < 30; k++) {
        const m = (1n << BigInt(s)) - 1n;
        let b = rnd() & m;
        if (k % 3 === 0) b &= 0xffn;
        if (b === 0n) b = 3n;
        // Keep the quotient in range: high half of the dividend smaller than the divisor (unsigned),
        // and for idiv a small signed dividend.
        const signed = sp.text.startsWith("idiv");
        let hi: bigint;
        let lo = rnd() & m;
        if (signed) {
          const neg = (rnd() & 1n) === 1n;
          hi = neg ? m : 0n;
          lo = neg ? (lo | (1n << BigInt(s - 1))) : lo & (m >> 1n);
          if ((b & (1n << BigInt(s - 1))) === 0n && b < 4n) b = 7n;
        } else hi = (rnd() & m) % b;
        if (s === 8) push(noise((hi << 8n) | lo, 16), noise(b, s), rnd(), rnd(), FLAG_INPUTS[k & 1]!);
        else push(noise(lo, s), noise(b, s), rnd(), noise(hi, s), FLAG_INPUTS[k & 1]!);
      }
      break;
    }
  }
});

const dir = mkdtempSync(join(tmpdir(), "flags-"));
// Instruction bytes from GNU as.
const insnBytes = specs.map((sp) => {
  writeFileSync(join(dir, "i.s"), `.text\n${sp.text.replace(/; /g, "\n")}\n`);
  execFileSync("as", ["--64", "-o", join(dir, "i.o"), join(dir, "i.s")]);
  execFileSync("objcopy", ["-O", "binary", "-j", ".text", join(dir, "i.o"), join(dir, "i.bin")]);
  return Buffer.from(readFileSync(join(dir, "i.bin"))).toString("hex");
});
// One C function per instruction; a table drives all cases.
let c = `#include <stdio.h>\n#include <stdint.h>\ntypedef void (*fn)(uint64_t *);\n`;
specs.forEach((sp, k) => {
  c += `static void f${k}(uint64_t *io) { __asm__ volatile(
  "mov 0(%0),%%rax\\n mov 8(%0),%%rbx\\n mov 16(%0),%%rcx\\n mov 24(%0),%%rdx\\n pushq 32(%0)\\n popfq\\n"
  ${JSON.stringify(sp.text.replace(/%/g, "%%").replace(/; /g, "\n") + "\n")}
  "pushfq\\n popq 32(%0)\\n mov %%rax,0(%0)\\n mov %%rbx,8(%0)\\n mov %%rcx,16(%0)\\n mov %%rdx,24(%0)\\n"
  : : "r"(io) : "rax", "rbx", "rcx", "rdx", "memory", "cc"); }\n`;
});
c += `static fn fns[] = {${specs.map((_, k) => `f${k}`).join(",")}};\n`;
c += `int main(void) { unsigned k; uint64_t io[5];
  while (scanf("%u %lx %lx %lx %lx %lx", &k, &io[0], &io[1], &io[2], &io[3], &io[4]) == 6) {
    fns[k](io);
    printf("%lx %lx %lx %lx %lx\\n", io[0], io[1], io[2], io[3], io[4]);
  }
  return 0; }\n`;
writeFileSync(join(dir, "flags.c"), c);
execFileSync("gcc", ["-O1", "-mno-red-zone", "-o", join(dir, "flags"), join(dir, "flags.c")]);
const input = cases.map((cs) => `${cs.insn} ${cs.in.map((v) => v.toString(16)).join(" ")}`).join("\n") + "\n";
const out = execFileSync(join(dir, "flags"), { input, maxBuffer: 1 << 28 }).toString().trim().split("\n");
if (out.length !== cases.length) throw new Error(`expected ${cases.length} results, got ${out.length}`);
const fixture = {
  generator: "packages/isa-x86/scripts/gen-flags.ts",
  host: cpus()[0]?.model ?? "unknown",
  note: "in/out: rax rbx rcx rdx rflags (hex). Recorded natively; flags the SDM leaves undefined are the host's.",
  insns: specs.map((sp, k) => ({ text: sp.text, bytes: insnBytes[k], size: sp.size })),
  cases: cases.map((cs, k) => [cs.insn, ...cs.in.map((v) => v.toString(16)), ...out[k]!.split(" ")]),
};
const path = new URL("../test/fixtures/flags-native.json.gz", import.meta.url);
writeFileSync(path, gzipSync(JSON.stringify(fixture) + "\n", { level: 9 }));
console.log(`recorded ${cases.length} cases over ${specs.length} instructions on ${fixture.host}`);
