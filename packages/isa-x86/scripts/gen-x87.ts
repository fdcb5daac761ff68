/**
 * x87 differential oracle: loads two 80-bit values and a control word, runs one x87 operation natively
 * (generated C with inline asm, built by gcc) and records st(0) (80-bit), the condition codes, RFLAGS and
 * any integer/float store, into test/fixtures/x87-native.json.gz. test/x87.test.ts replays them.
 * Run (x86-64 host with gcc and binutils): node --conditions=@uabi/source --import tsx packages/isa-x86/scripts/gen-x87.ts
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

// io layout: 0 a (10 bytes, padded to 16), 16 b, 32 cw (u16), 40 out st0 (16), 56 sw, 64 flags, 72 mem result (8)
const OPS = [
  "faddp %st,%st(1)", "fadd %st(1),%st", "fsub %st(1),%st", "fsubr %st(1),%st", "fmul %st(1),%st", "fdiv %st(1),%st",
  "fdivr %st(1),%st", "fsub %st,%st(1); fxch %st(1)", "fdiv %st,%st(1); fxch %st(1)", "fsubrp %st,%st(1)", "fdivrp %st,%st(1)",
  "fsqrt", "frndint", "fscale", "fprem", "fchs", "fabs", "fxch %st(1)",
  "fistpll 72(%0)", "fistpl 72(%0)", "fisttpll 72(%0)", "fstpl 72(%0)", "fstps 72(%0)", "fstl 72(%0)",
  "fucomi %st(1),%st", "fucomip %st(1),%st", "fcomi %st(1),%st", "fucom %st(1)", "fxam", "ftst",
  "fildll 0(%0)", "fildl 0(%0)", "flds 0(%0)", "fldl 0(%0)", "fld1", "fldz", "fldpi", "fldl2e", "fldln2",
];

let seed = 0x13198a2e03707344n;
function rnd(): bigint {
  seed ^= seed >> 12n;
  seed ^= (seed << 25n) & 0xffffffffffffffffn;
  seed ^= seed >> 27n;
  return (seed * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn;
}
function f80(s: number, e: number, m: bigint): string {
  const b = Buffer.alloc(16);
  b.writeBigUInt64LE(m, 0);
  b.writeUInt16LE((s << 15) | e, 8);
  return b.toString("hex");
}
function fromDouble(x: number): string {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  const bits = v.getBigUint64(0);
  const s = Number(bits >> 63n);
  const e = Number((bits >> 52n) & 0x7ffn);
  const f = bits & 0xfffffffffffffn;
  if (e === 0x7ff) return f80(s, 0x7fff, (1n << 63n) | (f << 11n));
  if (e === 0) return f80(s, 0, 0n);
  return f80(s, e - 1023 + 16383, (1n << 63n) | (f << 11n));
}
function value(): string {
  const k = Number(rnd() % 6n);
  const s = Number(rnd() & 1n);
  switch (k) {
    case 0: return fromDouble([0, 1, -1, 0.1, 1e300, Math.PI, 2 ** 64, -0, 3, 0.5, 1.5, 2.5, -2.5, 1e-300, Infinity, 123456789.125][Number(rnd() % 16n)]!);
    case 1: return f80(s, 16383 + Number(rnd() % 70n) - 5, (1n << 63n) | (rnd() >> 1n)); // ~2^-5 .. 2^64, full 64-bit significand
    case 2: return f80(s, 16383 + Number(rnd() % 20000n) - 10000, (1n << 63n) | (rnd() >> 1n)); // beyond double range
    case 3: return f80(s, 16383 + 63, (1n << 63n) | (rnd() & 0xffffn)); // large integers near 2^63
    case 4: return f80(s, 16383 + Number(rnd() % 64n), 1n << 63n | ((rnd() >> 40n) << 40n)); // short significands (exact ops)
    default: return fromDouble(Number(rnd() % 2000n) / 8 - 125);
  }
}
const CWS = [0x37f, 0x77f, 0xb7f, 0xf7f]; // RC nearest, down, up, zero (all exceptions masked, 64-bit precision)

const cases: { op: number; a: string; b: string; cw: number }[] = [];
OPS.forEach((_, op) => {
  for (let k = 0; k < 40; k++) cases.push({ op, a: value(), b: value(), cw: CWS[k % 4]! });
});

const dir = mkdtempSync(join(tmpdir(), "x87-"));
const assemble = (t: string) => {
  writeFileSync(join(dir, "i.s"), `.text\n${t.replace(/%0/g, "%rdi").replace(/; /g, "\n")}\n`);
  execFileSync("as", ["--64", "-o", join(dir, "i.o"), join(dir, "i.s")]);
  execFileSync("objcopy", ["-O", "binary", "-j", ".text", join(dir, "i.o"), join(dir, "i.bin")]);
  return Buffer.from(readFileSync(join(dir, "i.bin"))).toString("hex");
};
const bytes = OPS.map(assemble);
const prologue = assemble("fninit; fldcw 32(%0); fldt 16(%0); fldt 0(%0)");
const epilogue = assemble("fstpt 40(%0); fnstsw 56(%0); pushfq; popq 64(%0)");
let c = `#include <stdio.h>\n#include <stdint.h>\n#include <string.h>\ntypedef void (*fn)(unsigned char *);\n`;
OPS.forEach((t, k) => {
  c += `static void f${k}(unsigned char *io) { __asm__ volatile(
  "fninit\\n fldcw 32(%0)\\n fldt 16(%0)\\n fldt 0(%0)\\n"
  ${JSON.stringify(t.replace(/%(?!0)/g, "%%").replace(/; /g, "\n") + "\n")}
  "fstpt 40(%0)\\n fnstsw 56(%0)\\n pushfq\\n popq 64(%0)\\n fninit\\n"
  : : "D"(io) : "memory", "cc", "st", "st(1)"); }\n`;
});
c += `static fn fns[] = {${OPS.map((_, k) => `f${k}`).join(",")}};\n`;
c += `static int hex(const char *s, unsigned char *out, int n) { for (int i = 0; i < n; i++) { unsigned v; if (sscanf(s + 2 * i, "%2x", &v) != 1) return 0; out[i] = v; } return 1; }
int main(void) { unsigned k, cw; char a[40], b[40]; unsigned char io[96];
  while (scanf("%u %32s %32s %x", &k, a, b, &cw) == 4) {
    memset(io, 0, sizeof io); hex(a, io, 16); hex(b, io + 16, 16); io[32] = cw & 0xff; io[33] = cw >> 8;
    fns[k](io);
    for (int i = 40; i < 50; i++) printf("%02x", io[i]);
    printf(" %x %lx ", *(uint16_t *)(io + 56), *(uint64_t *)(io + 64));
    for (int i = 72; i < 80; i++) printf("%02x", io[i]);
    printf("\\n");
  }
  return 0; }\n`;
writeFileSync(join(dir, "x87.c"), c);
execFileSync("gcc", ["-O1", "-mno-red-zone", "-o", join(dir, "x87"), join(dir, "x87.c")]);
const input = cases.map((cs) => `${cs.op} ${cs.a} ${cs.b} ${cs.cw.toString(16)}`).join("\n") + "\n";
const out = execFileSync(join(dir, "x87"), { input, maxBuffer: 1 << 28 }).toString().trim().split("\n");
if (out.length !== cases.length) throw new Error(`expected ${cases.length} results, got ${out.length}`);
const fixture = {
  generator: "packages/isa-x86/scripts/gen-x87.ts",
  host: cpus()[0]?.model ?? "unknown",
  note: "case: op, a (80-bit LE hex, 16 bytes), b, cw, then st0 after the op (10 bytes), fnstsw, rflags, 8-byte memory result.",
  prologue,
  epilogue,
  ops: OPS.map((t, k) => ({ text: t, bytes: bytes[k] })),
  cases: cases.map((cs, k) => [cs.op, cs.a, cs.b, cs.cw, ...out[k]!.split(" ")]),
};
writeFileSync(new URL("../test/fixtures/x87-native.json.gz", import.meta.url), gzipSync(JSON.stringify(fixture) + "\n", { level: 9 }));
console.log(`recorded ${cases.length} cases over ${OPS.length} operations on ${fixture.host}`);
