/**
 * User-mode instruction counts of the generated glue and handlers, per path (a benchmark script,
 * not a test): `node_modules/.bin/tsx --conditions=@uabi/source packages/vdso/scripts/glue-cost.ts`.
 * Kernel entries are counted as the syscall instructions the code executes.
 */
import { CLOCK_MODE, TASK_PAGE, VVAR_PAGE, bounceFrameAddress, decodeReturnFlag, encodeBounceFrame } from "@uabi/libkernel";
import { syscallNr } from "@uabi/uapi";
import { buildVdso } from "../src/index.js";
import { BASE, Machine, RET_ADDR, STACK_TOP, TASK, X86, callFunction } from "../test/machine.js";

const USER_SP = STACK_TOP - 0x400;
type Row = { arch: string; path: string; call: string; insns: number; entries: number };
const rows: Row[] = [];

for (const arch of ["arm64", "x86_64"] as const) {
  const img = buildVdso({ arch });
  for (const call of ["getpid", "clock_gettime", "write"]) {
    const nr = syscallNr(arch, call);
    for (const path of ["bounce", "direct call"] as const) {
      const m = new Machine(img);
      m.mem.write32(TASK + TASK_PAGE.pid, 7);
      // CLOCK_MONOTONIC (id 1) readable in userspace with the counter.
      m.mem.write32(Number(m.ctx.pages.vvar) + VVAR_PAGE.clocks + VVAR_PAGE.clockSize + VVAR_PAGE.clock.mode, CLOCK_MODE.hres);
      const args = [1n, BigInt(STACK_TOP - 0x800), 5n];
      if (path === "bounce") {
        const frame = bounceFrameAddress(arch, USER_SP, "stack", TASK);
        m.mem.writeBytes(frame, encodeBounceFrame({ nr: BigInt(nr), sp: BigInt(USER_SP), pc: BigInt(RET_ADDR), flags: 0x202n }));
        m.cpu.setReg(arch === "arm64" ? 8 : X86.rax, BigInt(nr));
        const regs = arch === "arm64" ? [0, 1, 2] : [X86.rdi, X86.rsi, X86.rdx];
        regs.forEach((r, k) => m.cpu.setReg(r, args[k]!));
        m.cpu.sp = BigInt(frame);
        m.cpu.pc = BASE + img.entries.bounce;
      } else {
        callFunction(m, m.symbol(`__kernel_${call}`, "LIBKERNEL_1"), args);
      }
      const before = m.cpu.counters.instructions;
      let entries = 0;
      for (;;) {
        const t = m.cpu.run(100_000);
        if (t.kind === "page-fault" && t.addr === RET_ADDR) break;
        if (t.kind !== "syscall") throw new Error(`${arch} ${call}: ${t.kind}`);
        entries++;
        const n = Number(m.cpu.getReg(arch === "arm64" ? 8 : X86.rax));
        if (decodeReturnFlag(n)) break; // arm64 return: the kernel pops the frame
        m.cpu.setReg(arch === "arm64" ? 0 : X86.rax, 5n);
      }
      rows.push({ arch, path, call, insns: m.cpu.counters.instructions - before, entries });
    }
  }
}
console.log("arch     path         call            user insns  kernel entries (besides the bounce itself)");
for (const r of rows) console.log(`${r.arch.padEnd(8)} ${r.path.padEnd(12)} ${r.call.padEnd(15)} ${String(r.insns).padStart(10)}  ${r.entries}`);
