/**
 * The talk's "what breaks": checkpoint/restore of a process stopped mid-bounce onto a kernel whose vDSO
 * has another text layout (`buildVdso({ textPad })`: the same ABI, another build). The vDSO is the
 * kernel's, not the process's: CRIU-style, the restoring kernel maps its own, and the saved PC inside
 * the old vDSO's handler now points into different code. The standalone libkernel.so.1 is an ordinary
 * mapping, carried in the snapshot with the PC that points into it, so the process resumes correctly.
 */
import { describe, expect, it } from "vitest";
import { X86Assembler } from "@uabi/isa-x86";
import { buildVdso } from "@uabi/vdso";
import { Kernel, checkpoint, restore, type ProcessSnapshot, type KernelOptions } from "../src/index.js";
import { makeElf } from "./elf-helper.js";

/** getpid as a raw syscall (bounced, answered by libkernel), then exit_group(getpid's result). */
function program(): Uint8Array {
  const a = new X86Assembler();
  a.mov("eax", 39).syscall();
  a.mov("edi", "eax").mov("eax", 231).syscall();
  return makeElf({ machine: "x86_64", code: a.finish() });
}

const PAD = 64;

/** Run under `opts`, checkpointing the process when its getpid has just been bounced (PC at the handler entry). */
function runAndCheckpoint(opts: KernelOptions) {
  const k = new Kernel({ maxInstructions: 1e6, ...opts });
  let snap: ProcessSnapshot | undefined;
  let entryPc = 0;
  k.syscallObservers.push((ev) => {
    if (ev.name !== "getpid" || ev.mark !== "bounce→user" || snap) return;
    const p = k.tasks.findProcess(ev.pid)!;
    entryPc = p.threads[0]!.cpu.pc;
    snap = checkpoint(p);
  });
  const p = k.spawn(program(), { argv: ["t"] });
  const r = k.run();
  return { r, pid: p.pid, snap: snap!, entryPc, vdsoBase: p.vdsoBase };
}

function restoreOnto(opts: KernelOptions, snap: ProcessSnapshot) {
  const k = new Kernel({ maxInstructions: 1e6, vdso: { x86_64: buildVdso({ arch: "x86_64", textPad: PAD }) }, ...opts });
  const calls: string[] = [];
  k.syscallObservers.push((ev) => calls.push(`${ev.name}:${ev.mark ?? ""}`));
  const p = restore(k, program(), snap, ["t"]);
  return { k, p, calls, r: k.run() };
}

describe("checkpoint/restore mid-bounce onto a kernel with a different vDSO (x86-64)", () => {
  it("the vDSO variant: the saved PC is a stale vDSO address and the restored process breaks", () => {
    const orig = runAndCheckpoint({ mode: "bounce" });
    expect(orig.r.exitStatus).toBe(orig.pid & 0xff); // uninterrupted, the call works
    const oldImg = buildVdso({ arch: "x86_64" });
    expect(orig.entryPc).toBe(orig.vdsoBase + oldImg.entries.bounce); // stopped at the handler entry

    // Restoring onto an identical kernel resumes correctly: the checkpoint itself is sound.
    const same = new Kernel({ maxInstructions: 1e6, mode: "bounce" });
    restore(same, program(), orig.snap, ["t"]);
    expect(same.run().exitStatus).toBe(orig.pid & 0xff);

    const { p, r, k, calls } = restoreOnto({ mode: "bounce" }, orig.snap);
    const newImg = k.vdsoFor("x86_64")!;
    expect(p.vdsoBase).toBe(orig.vdsoBase); // same address, different text
    expect(newImg.entries.bounce).toBe(oldImg.entries.bounce + PAD);
    // What really happens: the stale PC (the old bounce entry) is 64 bytes before the new entry, just ahead
    // of the new text's `__kernel_rt_sigreturn` (`mov $15, %rax; syscall`). The thread runs into it and issues
    // rt_sigreturn with SP at the bounce frame: no valid signal frame there, so sigreturn kills it with SIGSEGV.
    expect(calls).toEqual(["rt_sigreturn:direct"]);
    expect(r.reason).toBe("signal");
    expect(r.signal).toBe(11);
  });

  it("the library variant: libkernel.so.1 travels with the snapshot and the process resumes correctly", () => {
    const orig = runAndCheckpoint({ mode: "bounce", libkernel: "library" });
    expect(orig.r.exitStatus).toBe(orig.pid & 0xff);
    const lib = orig.snap.vmas.find((v) => v.name === "/usr/lib/libkernel.so.1")!;
    expect(orig.entryPc >= lib.start && orig.entryPc < lib.end).toBe(true); // stopped inside the library's handler

    const { r } = restoreOnto({ mode: "bounce", libkernel: "library" }, orig.snap);
    expect(r.reason).toBe("exit");
    expect(r.exitStatus).toBe(orig.pid & 0xff);

    // Control: the same snapshot without the library mapping (as if it were kernel-provided, like the vDSO)
    // cannot resume: the PC points at nothing.
    const without = { ...orig.snap, vmas: orig.snap.vmas.filter((v) => v !== lib) };
    const broken = restoreOnto({ mode: "bounce", libkernel: "library" }, without).r;
    expect(broken.signal).toBe(11);
  });
});
