/**
 * Address-arithmetic differential oracle: lea in every base/index/scale/displacement and operand/address size
 * shape, and loads through the same shapes, on 64-bit operands chosen to stress exactness (large values of
 * opposite sign whose sum is small, values near ±2^53 and ±2^63). Runs each case natively (inline asm built by
 * gcc; loads read a page mapped at DATA with a known pattern) and records test/fixtures/addr-native.json.gz,
 * instruction bytes from GNU as. test/addr.test.ts replays every case on the interpreter.
 * Run (x86-64 host with gcc and binutils): node --import tsx packages/isa-x86/scripts/gen-addr.ts
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/** The page loads read (mapped natively with MAP_FIXED_NOREPLACE, and by the replay), byte k = PATTERN(k). */
const DATA = 0x20000n;
const PATTERN_C = "(unsigned char)(k * 37 + 11)";

interface Form { text: string; load: boolean; scale: bigint; disp: bigint; index: boolean; base: boolean }
const form = (text: string, load = false): Form => {
  const m = /(-?0x[0-9a-f]+|-?\d+)?\((%\w+)?(?:,(%\w+)(?:,(\d))?)?\)/.exec(text)!;
  return { text, load, disp: m[1] ? (m[1].startsWith("-") ? -BigInt(m[1].slice(1)) : BigInt(m[1])) : 0n, base: !!m[2], index: !!m[3], scale: BigInt(m[4] ?? "1") };
};
const forms: Form[] = [
  ...["1", "2", "4", "8"].map((s) => form(`lea (%rax,%rbx,${s}),%rcx`)),
  form("lea 0x7fffffff(%rax,%rbx,8),%rcx"),
  form("lea -0x80000000(%rax,%rbx,1),%rcx"),
  form("lea -0x8(%rax),%rcx"),
  form("lea 0x7fffffff(%rax),%rcx"),
  form("lea -0x80000000(%rax),%rcx"),
  form("lea -0x1(,%rbx,4),%rcx"),
  form("lea (%rax,%rbx,1),%rax"),
  form("lea (%rax,%rax,2),%rcx"),
  form("lea 0x10(%rax,%rbx,1),%ecx"),
  form("lea -0x1(%eax,%ebx,4),%ecx"),
  form("lea (%eax,%ebx,1),%rcx"),
  form("lea 0x12(%rax,%rbx,2),%cx"),
  form("mov (%rax,%rbx,1),%rcx", true),
  form("mov 0x8(%rax,%rbx,8),%rcx", true),
  form("movzbl -0x80(%rax,%rbx,2),%ecx", true),
  form("mov -0x10(%rax,%rbx,4),%ecx", true),
];

// Deterministic PRNG (xorshift64*).
let seed = 0x243f6a8885a308d3n;
const M64 = (1n << 64n) - 1n;
function rnd(): bigint {
  seed ^= seed >> 12n;
  seed ^= (seed << 25n) & M64;
  seed ^= seed >> 27n;
  return (seed * 0x2545f4914f6cdd1dn) & M64;
}
/** Large, near-2^53 and near-2^63 magnitudes of both signs. */
function big(): bigint {
  const kinds = [
    () => rnd() | (1n << 62n),
    () => (1n << 53n) + (rnd() & 0xffffn),
    () => (1n << 53n) - (rnd() & 0xffffn),
    () => (1n << 53n) + (rnd() & 0xffffffffn) + (rnd() & 1n ? 1n : 7n), // just above 2^53, odd: not a double
    () => (1n << 63n) + (rnd() & 0xffffffffn),
    () => (1n << 63n) - 1n - (rnd() & 0xffffffffn),
    () => rnd(),
  ];
  const v = kinds[Number(rnd() % BigInt(kinds.length))]!();
  return (rnd() & 1n ? -v : v) & M64;
}

const cases: bigint[][] = [];
forms.forEach((f, k) => {
  const push = (a: bigint, b: bigint) => cases.push([BigInt(k), a & M64, b & M64, rnd()]);
  if (f.load) {
    // rax and rbx large and random; their address sum lands inside the data page.
    for (let n = 0; n < 40; n++) {
      const target = DATA + 0x100n + (rnd() & 0xe00n) + (rnd() & 7n);
      const b = big();
      push(target - f.disp - b * f.scale, b);
    }
    return;
  }
  if (k === 0) push(0x6eccda24e5745d1an, 0x9147472da036ee46n); // the sha512sum / strchr case
  for (let n = 0; n < 40; n++) {
    const a = big();
    const small = (rnd() & 0xffffn) - 0x8000n;
    // Half the cases: b chosen so that the full sum is small (opposite signs).
    const b = n % 2 === 0 && f.index && f.scale === 1n ? small - a - f.disp : big();
    push(a, b);
  }
});

const dir = mkdtempSync(join(tmpdir(), "addr-"));
const insnBytes = forms.map((f) => {
  writeFileSync(join(dir, "i.s"), `.text\n${f.text}\n`);
  execFileSync("as", ["--64", "-o", join(dir, "i.o"), join(dir, "i.s")]);
  execFileSync("objcopy", ["-O", "binary", "-j", ".text", join(dir, "i.o"), join(dir, "i.bin")]);
  return Buffer.from(readFileSync(join(dir, "i.bin"))).toString("hex");
});
let c = `#define _GNU_SOURCE\n#include <stdio.h>\n#include <stdint.h>\n#include <sys/mman.h>\ntypedef void (*fn)(uint64_t *);\n`;
forms.forEach((f, k) => {
  c += `static void f${k}(uint64_t *io) { __asm__ volatile(
  "mov 0(%0),%%rax\\n mov 8(%0),%%rbx\\n mov 16(%0),%%rcx\\n"
  ${JSON.stringify(f.text.replace(/%/g, "%%") + "\n")}
  "mov %%rax,0(%0)\\n mov %%rbx,8(%0)\\n mov %%rcx,16(%0)\\n"
  : : "r"(io) : "rax", "rbx", "rcx", "memory", "cc"); }\n`;
});
c += `static fn fns[] = {${forms.map((_, k) => `f${k}`).join(",")}};\n`;
c += `int main(void) { unsigned k; uint64_t io[3];
  unsigned char *p = mmap((void *)0x${DATA.toString(16)}, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (p != (void *)0x${DATA.toString(16)}) { perror("mmap"); return 1; }
  for (unsigned k = 0; k < 4096; k++) p[k] = ${PATTERN_C};
  while (scanf("%u %lx %lx %lx", &k, &io[0], &io[1], &io[2]) == 4) {
    fns[k](io);
    printf("%lx %lx %lx\\n", io[0], io[1], io[2]);
  }
  return 0; }\n`;
writeFileSync(join(dir, "addr.c"), c);
execFileSync("gcc", ["-O1", "-o", join(dir, "addr"), join(dir, "addr.c")]);
const input = cases.map((cs) => cs.map((v, j) => (j === 0 ? String(v) : v.toString(16))).join(" ")).join("\n") + "\n";
const out = execFileSync(join(dir, "addr"), { input, maxBuffer: 1 << 26 }).toString().trim().split("\n");
if (out.length !== cases.length) throw new Error(`expected ${cases.length} results, got ${out.length}`);
const fixture = {
  generator: "packages/isa-x86/scripts/gen-addr.ts",
  host: cpus()[0]?.model ?? "unknown",
  note: "in/out: rax rbx rcx (hex). Loads read a page at `data` whose byte k is (k*37+11) & 0xff.",
  data: Number(DATA),
  insns: forms.map((f, k) => ({ text: f.text, bytes: insnBytes[k] })),
  cases: cases.map((cs, k) => [Number(cs[0]), ...cs.slice(1).map((v) => v.toString(16)), ...out[k]!.split(" ")]),
};
const path = new URL("../test/fixtures/addr-native.json.gz", import.meta.url);
writeFileSync(path, gzipSync(JSON.stringify(fixture) + "\n", { level: 9 }));
console.log(`recorded ${cases.length} cases over ${forms.length} instructions on ${fixture.host}`);
