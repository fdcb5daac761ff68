/**
 * Hostile guests against the run's limits: each attack ends within seconds with the error Linux would give, and
 * the host-side budgets (tasks, guest memory over all processes, in-memory file data, stdout) hold.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Kernel, type SyscallEvent } from "../src/index.js";
import { CODE_ADDR, makeElf } from "./elf-helper.js";

const EXIT_GROUP = [0xb8, 0xe7, 0x00, 0x00, 0x00, 0x0f, 0x05]; // mov eax, 231; syscall
const le32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const le64 = (n: number) => [...le32(n % 2 ** 32), ...le32(Math.floor(n / 2 ** 32))];
/** neg rax; mov edi, eax; exit_group: exit with the errno of a failed call. */
const EXIT_ERRNO = [0x48, 0xf7, 0xd8, 0x89, 0xc7, ...EXIT_GROUP];

/** `for (;;) { r = fork(); if (r == 0) child; if (r < 0) exit(-r); }`: the child exits at once, or spins. */
function forkBomb(child: "exit" | "spin"): Uint8Array {
  const childCode = child === "exit" ? [0x31, 0xff, ...EXIT_GROUP] : [0xeb, 0xfe, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90];
  return new Uint8Array([
    0xb8, 57, 0, 0, 0, 0x0f, 0x05, // mov eax, SYS_fork; syscall
    0x48, 0x85, 0xc0, // test rax, rax
    0x74, 4, // jz child
    0x78, 2 + childCode.length, // js fail
    0xeb, 0xf0, // jmp loop
    ...childCode,
    ...EXIT_ERRNO, // fail:
  ]);
}

/** Write `chunk` bytes from the data segment to `fd` (or to a new /tmp/f when fd is "tmp") until a write fails; exit with its errno. */
function writeLoop(fd: 1 | "tmp", chunk: number): Uint8Array {
  const open = fd === "tmp"
    ? [0xb8, 2, 0, 0, 0, 0xbf, 0, 0, 0, 0, 0xbe, 0x41, 0, 0, 0, 0xba, 0xa4, 0x01, 0, 0, 0x0f, 0x05, 0x89, 0xc3] // open(path, O_WRONLY|O_CREAT, 0644); mov ebx, eax
    : [0xbb, 1, 0, 0, 0, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90]; // mov ebx, 1
  const loop = [
    0x89, 0xdf, // mov edi, ebx
    0xbe, ...le32(0x600000), // mov esi, data
    0xba, ...le32(chunk), // mov edx, chunk
    0xb8, 1, 0, 0, 0, 0x0f, 0x05, // write
    0x48, 0x85, 0xc0, // test rax, rax
    0x7f, 0x100 - 24, // jg loop
  ];
  const code = [...open, ...loop, ...EXIT_ERRNO];
  const path = CODE_ADDR + code.length;
  if (fd === "tmp") code.splice(6, 4, ...le32(path)); // mov edi, path
  return new Uint8Array([...code, ...new TextEncoder().encode("/tmp/f\0")]);
}

function timed<T>(f: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = f();
  return { value, ms: performance.now() - t0 };
}

describe("a fork bomb", () => {
  it("meets the task limit: fork fails with EAGAIN and the run ends", () => {
    const k = new Kernel({ maxTasks: 64, maxInstructions: 5e6 });
    k.spawn(makeElf({ machine: "x86_64", code: forkBomb("exit") }));
    const r = timed(() => k.run());
    expect(r.value.exitStatus).toBe(11); // EAGAIN
    expect(r.ms).toBeLessThan(5000);
    expect(k.tasks.count).toBeLessThanOrEqual(64);
  });

  it("meets the memory budget over all processes: fork fails with ENOMEM, and exits give every byte back", () => {
    const k = new Kernel({ memBudget: 6 << 20, maxTasks: 10_000, quantum: 2_000, maxInstructions: 2e7 });
    k.spawn(makeElf({ machine: "x86_64", code: forkBomb("spin") }));
    let maxUsed = 0;
    k.syscallObservers.push(() => (maxUsed = Math.max(maxUsed, k.memoryBudget.used)));
    const r = timed(() => k.run());
    expect(r.value.exitStatus).toBe(12); // ENOMEM
    expect(r.ms).toBeLessThan(10_000);
    expect(maxUsed).toBeLessThanOrEqual(6 << 20);
    expect(k.processes.size).toBeGreaterThan(3);
    expect(k.memoryBudget.used).toBe(0); // every process gone: nothing counted, no page kept
  });

  it("clone of a thread counts against the task limit too, and the option is checked", () => {
    expect(() => new Kernel({ maxTasks: 0 })).toThrow(/maxTasks/);
    expect(() => new Kernel({ memBudget: -1 })).toThrow(/memBudget/);
    expect(() => new Kernel({ tmpfsSize: 0 })).toThrow(/tmpfsSize/);
  });
});

describe("range operations cost what is mapped, not the range", () => {
  it("a 2^46-byte munmap, mprotect, madvise and mremap of mostly unmapped space return at once", () => {
    const k = new Kernel();
    const p = k.spawn(makeElf({ machine: "x86_64", code: new Uint8Array(EXIT_GROUP) }));
    const mm = p.mm;
    const a = mm.mmap(0, 64 << 20, 3, 0x22, 0);
    expect(a).toBeGreaterThan(0);
    mm.mem.write32(a + 4096 * 7, 1); // one resident page
    const r = timed(() => [
      mm.mprotect(0x10000, 2 ** 46, 1), // holes: ENOMEM
      mm.madvise(0x10000, 2 ** 46, 4), // MADV_DONTNEED over holes: ENOMEM, mapped parts cleared
      mm.mremap(a, 64 << 20, 2 ** 46, 0, 0), // cannot grow in place without MAYMOVE, limit first: ENOMEM
      mm.munmap(0x10000, 2 ** 46), // everything below 2^46 + 64 KiB, whatever is there
    ]);
    expect(r.value).toEqual([-12, -12, -12, 0]);
    expect(r.ms).toBeLessThan(2000);
  });

  it("a guest's munmap of 2^46 bytes ends within seconds with 0", () => {
    const code = new Uint8Array([
      0x48, 0xbf, ...le64(2 ** 36), // mov rdi, 2^36 (above the program, below the mmap area)
      0x48, 0xbe, ...le64(2 ** 46), // mov rsi, 2^46
      0xb8, 11, 0, 0, 0, 0x0f, 0x05, // munmap
      0x89, 0xc7, ...EXIT_GROUP, // exit(result)
    ]);
    const k = new Kernel({ maxInstructions: 1e6 });
    k.spawn(makeElf({ machine: "x86_64", code }));
    const r = timed(() => k.run());
    expect(r.ms).toBeLessThan(3000);
    expect(r.value.exitStatus).toBe(0);
  });

  it("a 128 TiB segment and a 1 TiB bss are refused before any work", () => {
    for (const name of ["hang-128tib-segment.elf", "hang-1tib-bss.elf"]) {
      const elf = new Uint8Array(readFileSync(new URL(`../../../fixtures/fuzz/spawn/${name}`, import.meta.url)));
      const r = timed(() => {
        try {
          new Kernel().spawn(elf);
          return "spawned";
        } catch (e) {
          return (e as { kind?: string }).kind;
        }
      });
      expect([name, r.value]).toEqual([name, name.includes("128tib") ? "bad-segment" : "too-big"]);
      expect(r.ms).toBeLessThan(2000);
    }
  });
});

describe("the in-memory filesystem's size", () => {
  it("a /tmp write past --tmpfs-size fails with ENOSPC, and unlinking gives the bytes back", () => {
    const k = new Kernel({ tmpfsSize: 8 << 20, maxInstructions: 1e7 });
    k.spawn(makeElf({ machine: "x86_64", code: writeLoop("tmp", 1 << 20), dataSize: 1 << 20 }));
    const r = timed(() => k.run());
    expect(r.value.exitStatus).toBe(28); // ENOSPC
    expect(r.ms).toBeLessThan(5000);
    expect(k.vfs.quota.used).toBe(8 << 20);
    const f = k.vfs.resolve("/tmp/f", k.vfs.root, { pid: 0 }, { follow: true });
    expect(typeof f !== "number" && f.node?.size).toBe(8 << 20);
    if (typeof f !== "number" && f.node) expect(k.vfs.unlink(f.parent, f.name, f.node, false, { pid: 0 })).toBe(0);
    expect(k.vfs.quota.used).toBe(0);
  });
});

describe("stdout whose host reader went away", () => {
  it("the guest's write fails with EPIPE and SIGPIPE kills it (exit 141), however much it meant to write", () => {
    let taken = 0;
    const results: number[] = [];
    const k = new Kernel({
      maxInstructions: 1e7,
      // The host reader reads the first 64 KiB and exits.
      stdout: (d) => (taken >= 65536 ? -32 : ((taken += d.length), d.length)),
    });
    k.syscallObservers.push((ev: SyscallEvent) => void (ev.name === "write" && ev.result !== undefined && results.push(ev.result)));
    k.spawn(makeElf({ machine: "x86_64", code: writeLoop(1, 1 << 16), dataSize: 1 << 16 }));
    const r = timed(() => k.run());
    expect(r.value.exitStatus).toBe(128 + 13);
    expect(r.ms).toBeLessThan(3000);
    expect(taken).toBe(65536);
    expect(results.at(-1)).toBe(-32);
  });
});
