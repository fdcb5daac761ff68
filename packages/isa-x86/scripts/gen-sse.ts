/**
 * SSE/SSE2 differential oracle: runs each instruction natively (generated C with inline asm, built by gcc)
 * on xmm0/xmm1/rax inputs and records xmm0, xmm1, rax and RFLAGS into test/fixtures/sse-native.json.gz,
 * with the instruction bytes from GNU as. test/sse.test.ts replays every case on the interpreter.
 * Run (x86-64 host with gcc and binutils): node --conditions=@uabi/source --import tsx packages/isa-x86/scripts/gen-sse.ts
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const INT = [
  "pxor", "por", "pand", "pandn", "pcmpeqb", "pcmpeqw", "pcmpeqd", "pcmpgtb", "pcmpgtw", "pcmpgtd", "pminub", "pmaxub",
  "pminsw", "pmaxsw", "paddb", "paddw", "paddd", "paddq", "psubb", "psubw", "psubd", "psubq", "paddusb", "paddusw",
  "psubusb", "psubusw", "paddsb", "paddsw", "psubsb", "psubsw", "pavgb", "pavgw", "pmullw", "pmulhw", "pmulhuw",
  "pmuludq", "pmaddwd", "psadbw", "packsswb", "packuswb", "packssdw", "punpcklbw", "punpcklwd", "punpckldq",
  "punpcklqdq", "punpckhbw", "punpckhwd", "punpckhdq", "punpckhqdq", "psrlw", "psrld", "psrlq", "psraw", "psrad",
  "psllw", "pslld", "psllq", "unpcklps", "unpckhps", "unpcklpd", "unpckhpd", "andps", "andnps", "orps", "xorps",
  "movaps", "movdqa", "movss", "movsd", "movq", "movhlps", "movlhps",
];
const FP = ["add", "sub", "mul", "div", "min", "max", "sqrt"].flatMap((o) => ["ss", "sd", "ps", "pd"].map((p) => o + p));
const texts: string[] = [
  ...INT.map((m) => `${m} %xmm1,%xmm0`),
  ...FP.map((m) => `${m} %xmm1,%xmm0`),
  ...["ucomiss", "ucomisd", "comiss", "comisd"].map((m) => `${m} %xmm1,%xmm0`),
  ...[0, 1, 2, 3, 4, 5, 6, 7].flatMap((p) => [`cmpsd $${p},%xmm1,%xmm0`, `cmpps $${p},%xmm1,%xmm0`]),
  "pshufd $0x1b,%xmm1,%xmm0", "pshufd $0x4e,%xmm1,%xmm0", "pshuflw $0xb1,%xmm1,%xmm0", "pshufhw $0x1b,%xmm1,%xmm0",
  "shufps $0x4e,%xmm1,%xmm0", "shufpd $0x1,%xmm1,%xmm0",
  "pslldq $0x3,%xmm0", "psrldq $0x5,%xmm0", "psllq $0x7,%xmm0", "psrlq $0x21,%xmm0", "pslld $0x3,%xmm0", "psrld $0x1f,%xmm0",
  "psrad $0x4,%xmm0", "psllw $0x9,%xmm0", "psrlw $0x2,%xmm0", "psraw $0xf,%xmm0",
  "pmovmskb %xmm1,%eax", "movmskps %xmm1,%eax", "movmskpd %xmm1,%eax",
  "movd %xmm1,%eax", "movq %xmm1,%rax", "movd %eax,%xmm0", "movq %rax,%xmm0",
  "cvtsi2sd %eax,%xmm0", "cvtsi2sd %rax,%xmm0", "cvtsi2ss %eax,%xmm0", "cvtsi2ss %rax,%xmm0",
  "cvttsd2si %xmm1,%eax", "cvttsd2si %xmm1,%rax", "cvtsd2si %xmm1,%eax", "cvtsd2si %xmm1,%rax",
  "cvttss2si %xmm1,%eax", "cvttss2si %xmm1,%rax", "cvtss2si %xmm1,%eax",
  "cvtss2sd %xmm1,%xmm0", "cvtsd2ss %xmm1,%xmm0", "cvtps2pd %xmm1,%xmm0", "cvtpd2ps %xmm1,%xmm0",
  "cvtdq2ps %xmm1,%xmm0", "cvtps2dq %xmm1,%xmm0", "cvttps2dq %xmm1,%xmm0", "cvtdq2pd %xmm1,%xmm0",
  "cvttpd2dq %xmm1,%xmm0", "cvtpd2dq %xmm1,%xmm0",
];

let seed = 0x243f6a8885a308d3n;
function rnd(): bigint {
  seed ^= seed >> 12n;
  seed ^= (seed << 25n) & 0xffffffffffffffffn;
  seed ^= seed >> 27n;
  return (seed * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn;
}
const f64 = (x: number) => {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  return v.getBigUint64(0);
};
const f32pair = (a: number, b: number) => {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat32(0, b);
  v.setFloat32(4, a);
  return v.getBigUint64(0);
};
const SPECIAL64 = [0, -0, 1, -1, 0.5, 3.75, -2.5e10, 1e300, 5e-324, Infinity, -Infinity, NaN, 2 ** 31, -(2 ** 31) - 0.5, 2 ** 63, 1.5, 2.5, -1.5];
const SPECIAL32 = [0, -0, 1, -1, 0.5, 3.75, -2.5e10, 1e30, 1e-45, Infinity, -Infinity, NaN, 2 ** 31, 1.5, 2.5, -2.5];
function value(k: number): bigint {
  switch (k % 4) {
    case 0: return rnd();
    case 1: return f64(SPECIAL64[Number(rnd() % BigInt(SPECIAL64.length))]!);
    case 2: return f32pair(SPECIAL32[Number(rnd() % BigInt(SPECIAL32.length))]!, SPECIAL32[Number(rnd() % BigInt(SPECIAL32.length))]!);
    default: return rnd() & 0x00ff00ff00ff00ffn;
  }
}

const cases: { insn: number; in: bigint[] }[] = [];
texts.forEach((_, idx) => {
  for (let k = 0; k < 24; k++) {
    const x = [value(k), value(k + 1), value(k + 2), value(k + 3)];
    const rax = k % 3 === 0 ? rnd() : BigInt.asUintN(64, BigInt(Number(rnd() % 2000n) - 1000));
    cases.push({ insn: idx, in: [...x, rax, k & 1 ? 0x8d7n : 0x202n] });
  }
});

const dir = mkdtempSync(join(tmpdir(), "sse-"));
const bytes = texts.map((t) => {
  writeFileSync(join(dir, "i.s"), `.text\n${t}\n`);
  execFileSync("as", ["--64", "-o", join(dir, "i.o"), join(dir, "i.s")]);
  execFileSync("objcopy", ["-O", "binary", "-j", ".text", join(dir, "i.o"), join(dir, "i.bin")]);
  return Buffer.from(readFileSync(join(dir, "i.bin"))).toString("hex");
});
let c = `#include <stdio.h>\n#include <stdint.h>\ntypedef void (*fn)(uint64_t *);\n`;
texts.forEach((t, k) => {
  c += `static void f${k}(uint64_t *io) { __asm__ volatile(
  "movdqu 0(%0),%%xmm0\\n movdqu 16(%0),%%xmm1\\n mov 32(%0),%%rax\\n pushq 40(%0)\\n popfq\\n"
  ${JSON.stringify(t.replace(/%/g, "%%") + "\n")}
  "pushfq\\n popq 40(%0)\\n movdqu %%xmm0,0(%0)\\n movdqu %%xmm1,16(%0)\\n mov %%rax,32(%0)\\n"
  : : "r"(io) : "rax", "xmm0", "xmm1", "memory", "cc"); }\n`;
});
c += `static fn fns[] = {${texts.map((_, k) => `f${k}`).join(",")}};\n`;
c += `int main(void) { unsigned k; uint64_t io[6];
  while (scanf("%u %lx %lx %lx %lx %lx %lx", &k, &io[0], &io[1], &io[2], &io[3], &io[4], &io[5]) == 7) {
    fns[k](io);
    printf("%lx %lx %lx %lx %lx %lx\\n", io[0], io[1], io[2], io[3], io[4], io[5]);
  }
  return 0; }\n`;
writeFileSync(join(dir, "sse.c"), c);
execFileSync("gcc", ["-O1", "-mno-red-zone", "-o", join(dir, "sse"), join(dir, "sse.c")]);
const input = cases.map((cs) => `${cs.insn} ${cs.in.map((v) => v.toString(16)).join(" ")}`).join("\n") + "\n";
const out = execFileSync(join(dir, "sse"), { input, maxBuffer: 1 << 28 }).toString().trim().split("\n");
if (out.length !== cases.length) throw new Error(`expected ${cases.length} results, got ${out.length}`);
const fixture = {
  generator: "packages/isa-x86/scripts/gen-sse.ts",
  host: cpus()[0]?.model ?? "unknown",
  note: "in/out: xmm0.lo xmm0.hi xmm1.lo xmm1.hi rax rflags (hex); MXCSR is the default 0x1f80.",
  insns: texts.map((t, k) => ({ text: t, bytes: bytes[k] })),
  cases: cases.map((cs, k) => [cs.insn, ...cs.in.map((v) => v.toString(16)), ...out[k]!.split(" ")]),
};
writeFileSync(new URL("../test/fixtures/sse-native.json.gz", import.meta.url), gzipSync(JSON.stringify(fixture) + "\n", { level: 9 }));
console.log(`recorded ${cases.length} cases over ${texts.length} instructions on ${fixture.host}`);
