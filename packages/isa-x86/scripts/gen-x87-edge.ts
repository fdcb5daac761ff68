/**
 * x87 edge-case differential oracle, in the format of scripts/gen-x87.ts (test/x87.test.ts replays both):
 * - fprem and fprem1 with operands whose exponents are far apart (partial remainder, C2 set until done), single steps and
 *   the `1: fprem; fnstsw %ax; testb $4,%ah; jnz 1b` loop libm's fmodl runs;
 * - operands with invalid 80-bit encodings (unnormals, pseudo-infinities, pseudo-NaNs), pseudo-denormals,
 *   denormals and signalling/quiet NaNs through arithmetic, compares, fxam, fxtract, stores and loads.
 * Records test/fixtures/x87-edge-native.json.gz.
 * Run (x86-64 host with gcc and binutils): node --import tsx packages/isa-x86/scripts/gen-x87-edge.ts
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const FPREM_LOOP = "1: fprem; fnstsw %ax; testb $4,%ah; jnz 1b";
const FPREM1_LOOP = "1: fprem1; fnstsw %ax; testb $4,%ah; jnz 1b";
// io layout as in gen-x87.ts: 0 a (10 bytes, padded to 16), 16 b, 32 cw, 40 out st0, 56 sw, 64 flags, 72 memory result
const OPS = [
  "fprem", FPREM_LOOP,
  "faddp %st,%st(1)", "fsub %st(1),%st", "fmul %st(1),%st", "fdiv %st(1),%st", "fsqrt", "frndint", "fscale",
  "fchs", "fabs", "fxch %st(1)", "fld %st(1); fstp %st(1)",
  "fistpll 72(%0)", "fistpl 72(%0)", "fisttpll 72(%0)", "fstpl 72(%0)", "fstps 72(%0)",
  "fucomi %st(1),%st", "fcomi %st(1),%st", "fucom %st(1)", "fcom %st(1)", "fxam", "ftst",
  "fprem1", FPREM1_LOOP, "fxtract", "fxtract; fxch %st(1)",
];
const FPREM_OPS = new Set(["fprem", FPREM_LOOP, "fprem1", FPREM1_LOOP]);

let seed = 0x452821e638d01377n;
function rnd(): bigint {
  seed ^= seed >> 12n;
  seed ^= (seed << 25n) & 0xffffffffffffffffn;
  seed ^= seed >> 27n;
  return (seed * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn;
}
const TOP = 1n << 63n;
function f80(s: number, e: number, m: bigint): string {
  const b = Buffer.alloc(16);
  b.writeBigUInt64LE(m, 0);
  b.writeUInt16LE((s << 15) | e, 8);
  return b.toString("hex");
}
const frac = () => rnd() >> 1n; // 63 random bits below the integer bit
const sign = () => Number(rnd() & 1n);
const normal = (e: number) => f80(sign(), e, TOP | frac());

/** Operands with special encodings, each class named for the record. */
const SPECIAL: (() => string)[] = [
  () => f80(sign(), 1 + Number(rnd() % 0x7ffen), frac() | 1n), // unnormal (integer bit clear, fraction ≠ 0)
  () => f80(sign(), 1 + Number(rnd() % 0x7ffen), 0n), // unnormal with a zero significand
  () => f80(0, 0x3fff, 0n), // "1.0 with msb unset" (libc-test fpclassify-invalid-ld80)
  () => f80(sign(), 0x7fff, 0n), // pseudo-infinity
  () => f80(sign(), 0x7fff, frac() | 1n), // pseudo-NaN
  () => f80(sign(), 0x7fff, 0x3fffffffffffffffn), // pseudo-NaN, all fraction bits set
  () => f80(sign(), 0, TOP | (frac() & 0xffffn)), // pseudo-denormal (e = 0, integer bit set)
  () => f80(sign(), 0, frac() | 1n), // denormal
  () => f80(sign(), 0x7fff, TOP | (frac() & ~(1n << 62n)) | 1n), // signalling NaN
  () => f80(sign(), 0x7fff, TOP | (1n << 62n) | (frac() & 0xffffn)), // quiet NaN
  () => f80(sign(), 0x7fff, TOP), // infinity
];
const ordinary = () => (rnd() & 1n ? normal(16383 + Number(rnd() % 40n) - 20) : f80(0, 16383 + 1, TOP | (3n << 60n)));

interface Case { op: number; a: string; b: string; cw: number }
const CWS = [0x37f, 0x77f, 0xb7f, 0xf7f];
const cases: Case[] = [];
OPS.forEach((text, op) => {
  if (FPREM_OPS.has(text)) {
    // fmodl(5.5L, 0x1p-1074L): the case behind strtod's minutes-long runs.
    cases.push({ op, a: f80(0, 16383 + 2, 0xb000000000000000n), b: f80(0, 16383 - 1074, TOP), cw: 0x37f });
    for (let k = 0; k < (text.startsWith("1:") ? 60 : 90); k++) {
      // st(0) = a (dividend), st(1) = b (divisor), exponents 0..20000 apart, either sign, b sometimes denormal.
      const ea = 16383 + Number(rnd() % 8000n) - 2000;
      const d = [0, 1, 31, 32, 33, 63, 64, 65, 95, 96, 127, 128, 1076, 4000, 12000][k % 15]! + Number(rnd() % 3n);
      const eb = Math.max(ea - d, 1);
      const b = k % 10 === 9 ? f80(sign(), 0, frac() | 1n) : normal(eb);
      const a = k % 6 === 5 ? f80(sign(), ea, TOP | ((rnd() >> 40n) << 40n)) : normal(ea);
      cases.push({ op, a, b, cw: CWS[k % 4]! });
    }
  }
  for (const [k, gen] of SPECIAL.entries()) {
    for (let n = 0; n < 3; n++) {
      const special = gen();
      const other = n === 2 ? SPECIAL[Number(rnd() % BigInt(SPECIAL.length))]!() : ordinary();
      // Both operand positions: the special value as st(0) and as st(1).
      cases.push({ op, a: special, b: other, cw: CWS[(k + n) % 4]! });
      cases.push({ op, a: other, b: special, cw: 0x37f });
    }
  }
});

const dir = mkdtempSync(join(tmpdir(), "x87-edge-"));
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
  : : "D"(io) : "memory", "cc", "rax", "st", "st(1)"); }\n`;
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
  generator: "packages/isa-x86/scripts/gen-x87-edge.ts",
  host: cpus()[0]?.model ?? "unknown",
  note: "case: op, a (80-bit LE hex, 16 bytes), b, cw, then st0 after the op (10 bytes), fnstsw, rflags, 8-byte memory result.",
  prologue,
  epilogue,
  ops: OPS.map((t, k) => ({ text: t, bytes: bytes[k] })),
  cases: cases.map((cs, k) => [cs.op, cs.a, cs.b, cs.cw, ...out[k]!.split(" ")]),
};
writeFileSync(new URL("../test/fixtures/x87-edge-native.json.gz", import.meta.url), gzipSync(JSON.stringify(fixture) + "\n", { level: 9 }));
console.log(`recorded ${cases.length} cases over ${OPS.length} operations on ${fixture.host}`);
