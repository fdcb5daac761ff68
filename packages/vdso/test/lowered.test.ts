/**
 * Every libkernel conformance vector, run on the lowered code inside the generated image, on
 * both ISA interpreters — the same vectors the IR reference interpreter passes.
 */
import { describe, expect, it } from "vitest";
import { type ConformanceCase, caseMismatches, conformanceCases } from "@uabi/libkernel";
import { ARCHES } from "@uabi/uapi";
import { type VdsoImage, buildVdso } from "../src/index.js";
import { BASE, BUF, Machine, STACK_TOP, X86, callFunction, runUntil } from "./machine.js";

const images = new Map<string, VdsoImage>();
function image(arch: (typeof ARCHES)[number], c: ConformanceCase): VdsoImage {
  const personalities = c.personalities ?? [];
  const switchable = c.switchable ?? [];
  const k = `${arch}/${personalities.join()}/${switchable.join()}`;
  let img = images.get(k);
  if (!img) {
    img = buildVdso({ arch, personalities, switchablePersonalities: switchable });
    images.set(k, img);
  }
  return img;
}

function entryOf(m: Machine, c: ConformanceCase): number {
  if (c.version) return m.symbol(`__kernel_${c.handler}`, c.version);
  return m.symbol(`__kernel_${c.handler}`, c.handler === "uname" ? "LIBKERNEL_2" : "LIBKERNEL_1");
}

const CALLEE_SAVED: Record<(typeof ARCHES)[number], number[]> = {
  arm64: [19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29],
  x86_64: [X86.rbx, X86.rbp, X86.r12, X86.r13, X86.r14, X86.r15],
};

for (const arch of ARCHES) {
  describe(`lowered handlers on the ${arch} interpreter`, () => {
    for (const c of conformanceCases(arch)) {
      it(c.title, () => {
        const m = new Machine(image(arch, c));
        for (const [a, s, v] of c.init?.(m.ctx) ?? []) m.irMem.write(a, s, v);
        let n = 0;
        m.counterFn = () => (c.counter ? c.counter(n++, m.irMem, m.ctx) : 0n);
        callFunction(m, entryOf(m, c), c.args(m.ctx));
        CALLEE_SAVED[arch].forEach((r, k) => m.cpu.setReg(r, 0x5a5a_0000n + BigInt(k)));
        const spBefore = m.cpu.sp;
        const r = runUntil(m, (s) => (c.kernel ? c.kernel(s.nr, s.args, m.irMem, m.ctx) : BigInt.asUintN(64, -38n)));
        expect(r.kind).toBe("returned");
        const ret = m.cpu.getReg(arch === "arm64" ? 0 : X86.rax);
        expect(caseMismatches(c, m.ctx, m.irMem, ret, r.syscalls)).toEqual([]);
        // The C ABI: callee-saved registers and the stack pointer survive the call.
        CALLEE_SAVED[arch].forEach((reg, k) => expect(m.cpu.getReg(reg), `reg ${reg}`).toBe(0x5a5a_0000n + BigInt(k)));
        expect(m.cpu.sp).toBe(arch === "arm64" ? spBefore : spBefore + 8n);
        // Every syscall the handler issued came from inside the image's text (never bounced).
        for (const s of r.syscalls) expect(s.pc >= BASE + m.img.textStart && s.pc < BASE + m.img.textEnd).toBe(true);
        void BUF;
        void STACK_TOP;
      });
    }
  });
}
