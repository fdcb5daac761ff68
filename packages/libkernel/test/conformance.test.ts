import { describe, expect, it } from "vitest";
import { ARCHES } from "@uabi/uapi";
import {
  type CaseCtx, type SyscallRecord, SparseMemory, caseHandler, caseMismatches, conformanceCases, interpret,
} from "../src/index.js";

// Runs every conformance vector on the reference interpreter. The vDSO package runs the same
// vectors on the lowered A64 / x86-64 code.
const ctxFor = (arch: (typeof ARCHES)[number]): CaseCtx => ({
  arch,
  pages: { task: 0x10000n, fs: 0x20000n, vvar: 0x30000n, uts: 0x31000n },
  buf: 0x40000n,
});

for (const arch of ARCHES) {
  describe(`IR interpreter, ${arch}`, () => {
    for (const c of conformanceCases(arch)) {
      it(c.title, () => {
        const ctx = ctxFor(arch);
        const mem = new SparseMemory();
        for (const [a, s, v] of c.init?.(ctx) ?? []) mem.write(a, s, v);
        const trace: SyscallRecord[] = [];
        let n = 0;
        const ret = interpret(caseHandler(arch, c), c.args(ctx), {
          mem,
          pages: ctx.pages,
          stack: 0x50000n,
          counter: () => (c.counter ? c.counter(n++, mem, ctx) : 0n),
          syscall: (nr, args) => {
            trace.push({ nr, args });
            return c.kernel ? c.kernel(nr, args, mem, ctx) : BigInt.asUintN(64, -38n);
          },
        });
        expect(caseMismatches(c, ctx, mem, ret, trace)).toEqual([]);
      });
    }
  });
}
