/** System V message queues, semaphores and shared memory (ipc/msg.c, sem.c, shm.c rules). */
import { describe, expect, it } from "vitest";
import { X86Assembler, mem as xmem } from "@uabi/isa-x86";
import { Kernel } from "../src/index.js";
import { HostSys } from "./host-sys.js";
import { makeElf, DATA_BASE } from "./elf-helper.js";

const IPC_PRIVATE = 0, IPC_CREAT = 0o1000, IPC_EXCL = 0o2000, IPC_NOWAIT = 0o4000, IPC_RMID = 0, IPC_STAT = 2;
const EEXIST = -17, ENOENT = -2, EINVAL = -22, ENOMSG = -42, E2BIG = -7, EAGAIN = -11, EFBIG = -27, ERANGE = -34, EACCES = -13, EIDRM = -43;

function msg(s: HostSys, type: number, text: string): number {
  const t = new TextEncoder().encode(text);
  const b = new Uint8Array(8 + t.length);
  new DataView(b.buffer).setBigInt64(0, BigInt(type), true);
  b.set(t, 8);
  return s.put(b);
}

function sembuf(s: HostSys, ops: [number, number, number][]): number {
  const b = new DataView(new ArrayBuffer(6 * ops.length));
  ops.forEach(([n, op, flg], i) => {
    b.setUint16(6 * i, n, true);
    b.setInt16(6 * i + 2, op, true);
    b.setInt16(6 * i + 4, flg, true);
  });
  return s.put(new Uint8Array(b.buffer));
}

describe("message queues", () => {
  it("keys, IPC_EXCL, typed receive (exact, except, lowest ≤ |type|), E2BIG/MSG_NOERROR, ENOMSG, IPC_STAT, RMID", () => {
    const s = new HostSys();
    const q = s.call("msgget", 1234, IPC_CREAT | 0o600);
    expect(q).toBeGreaterThanOrEqual(0);
    expect(s.call("msgget", 1234, 0)).toBe(q);
    expect(s.call("msgget", 1234, IPC_CREAT | IPC_EXCL | 0o600)).toBe(EEXIST);
    expect(s.call("msgget", 999, 0)).toBe(ENOENT);
    expect(s.call("msgget", IPC_PRIVATE, 0o600)).not.toBe(q);
    expect(s.call("msgsnd", q, msg(s, 3, "three"), 5, 0)).toBe(0);
    expect(s.call("msgsnd", q, msg(s, 1, "one"), 3, 0)).toBe(0);
    expect(s.call("msgsnd", q, msg(s, 2, "two"), 3, 0)).toBe(0);
    expect(s.call("msgsnd", q, msg(s, 0, "bad"), 3, 0)).toBe(EINVAL);
    const buf = s.alloc(64);
    expect(s.call("msgrcv", q, buf, 64, 2, 0)).toBe(3);
    expect(s.str(buf + 8, 3)).toBe("two");
    expect(s.call("msgrcv", q, buf, 64, -5, 0)).toBe(3); // lowest type ≤ 5: "one"
    expect(s.str(buf + 8, 3)).toBe("one");
    expect(s.call("msgrcv", q, buf, 2, 0, 0)).toBe(E2BIG);
    expect(s.call("msgrcv", q, buf, 2, 0, 0o10000)).toBe(2); // MSG_NOERROR truncates (and consumes)
    expect(s.p.mm.mem.read64(buf)).toBe(3n);
    expect(s.call("msgrcv", q, buf, 64, 0, IPC_NOWAIT)).toBe(ENOMSG);
    const st = s.alloc(120);
    expect(s.call("msgctl", q, IPC_STAT, st)).toBe(0);
    expect(s.p.mm.mem.read32(st)).toBe(1234); // key
    expect(s.p.mm.mem.read32(st + 20) & 0o777).toBe(0o600);
    expect(s.p.mm.mem.read64(st + 80)).toBe(0n); // qnum
    expect(s.p.mm.mem.read64(st + 88)).toBe(16384n); // qbytes
    expect(s.call("msgctl", q, IPC_RMID, 0)).toBe(0);
    expect(s.call("msgsnd", q, msg(s, 1, "x"), 1, 0)).toBe(EINVAL);
  });

  it("permissions follow the credentials; a blocked receiver gets EIDRM on removal", () => {
    const s = new HostSys();
    const q = s.call("msgget", 77, IPC_CREAT | 0o600);
    s.call("setresuid", 1000, 1000, 1000);
    expect(s.call("msgget", 77, 0o400)).toBe(EACCES);
    expect(s.call("msgsnd", q, msg(s, 1, "x"), 1, 0)).toBe(EACCES);
    const t = new HostSys();
    const q2 = t.call("msgget", IPC_PRIVATE, 0o600);
    expect(() => t.call("msgrcv", q2, t.alloc(16), 16, 0, 0)).toThrow(/blocked/);
    // Removed while the thread waits (the handler runs; the helper only objects that the thread is still parked).
    expect(() => t.call("msgctl", q2, IPC_RMID, 0)).toThrow(/blocked/);
    t.k.scheduler.pollWait(t.t);
    expect(t.t.state).toBe("runnable");
    expect(BigInt.asIntN(64, t.p.arch.getSyscallResult(t.t.cpu))).toBe(BigInt(EIDRM));
  });
});

describe("semaphores", () => {
  it("semop is atomic, IPC_NOWAIT, EFBIG, ERANGE; semctl SETVAL/GETVAL/SETALL/GETALL/GETPID/IPC_STAT", () => {
    const s = new HostSys("arm64");
    const id = s.call("semget", IPC_PRIVATE, 2, 0o600);
    expect(s.call("semget", IPC_PRIVATE, 0, 0o600)).toBe(EINVAL);
    expect(s.call("semctl", id, 0, 16, 1)).toBe(0); // SETVAL sem0 = 1
    // Take sem0 and sem1 together: sem1 is 0, so nothing happens (atomic) and IPC_NOWAIT answers EAGAIN.
    expect(s.call("semop", id, sembuf(s, [[0, -1, 0], [1, -1, IPC_NOWAIT]]), 2)).toBe(EAGAIN);
    expect(s.call("semctl", id, 0, 12, 0)).toBe(1); // GETVAL: untouched
    expect(s.call("semop", id, sembuf(s, [[0, -1, 0], [1, 2, 0]]), 2)).toBe(0);
    const all = s.alloc(4);
    expect(s.call("semctl", id, 0, 13, all)).toBe(0); // GETALL
    expect([s.p.mm.mem.read16(all), s.p.mm.mem.read16(all + 2)]).toEqual([0, 2]);
    expect(s.call("semctl", id, 1, 11, 0)).toBe(s.p.pid); // GETPID
    expect(s.call("semop", id, sembuf(s, [[5, 1, 0]]), 1)).toBe(EFBIG);
    expect(s.call("semop", id, sembuf(s, [[0, 32767, 0], [0, 1, 0]]), 2)).toBe(ERANGE);
    expect(s.call("semctl", id, 0, 16, 40000)).toBe(ERANGE);
    expect(s.call("semop", id, sembuf(s, [[0, 0, IPC_NOWAIT]]), 1)).toBe(0); // wait-for-zero: already 0
    expect(s.call("semop", id, sembuf(s, [[1, 0, IPC_NOWAIT]]), 1)).toBe(EAGAIN);
    const st = s.alloc(88);
    expect(s.call("semctl", id, 0, IPC_STAT, st)).toBe(0);
    expect(s.p.mm.mem.read64(st + 64)).toBe(2n); // sem_nsems (asm-generic semid64_ds)
    // x86-64's semid64_ds has an unused long after each time: sem_nsems at 80 (libc-test's ipc_sem checks it).
    const x = new HostSys("x86_64");
    const xid = x.call("semget", IPC_PRIVATE, 3, 0o600);
    const xst = x.alloc(104);
    expect(x.call("semctl", xid, 0, IPC_STAT, xst)).toBe(0);
    expect([x.p.mm.mem.read64(xst + 80), x.p.mm.mem.read64(xst + 64)]).toEqual([3n, x.p.mm.mem.read64(xst + 64)]);
    expect(x.p.mm.mem.read64(xst + 64)).toBeGreaterThan(0n); // sem_ctime
    // semtimedop with a timeout: waits on the virtual clock, then EAGAIN.
    const ts = new DataView(new ArrayBuffer(16));
    ts.setBigInt64(8, 1000n, true);
    expect(() => s.call("semtimedop", id, sembuf(s, [[0, -1, 0]]), 1, s.put(new Uint8Array(ts.buffer)))).toThrow(/blocked/);
    s.k.clock.sleepUntil(s.t.wait!.deadline!);
    s.k.scheduler.pollWait(s.t);
    expect(s.t.state).toBe("runnable");
    expect(s.call("semctl", id, 0, IPC_RMID, 0)).toBe(0);
    expect(s.call("semctl", id, 0, 12, 0)).toBe(EINVAL);
  });
});

describe("shared memory", () => {
  it("shmget/shmat/shmdt/shmctl: contents survive a detach and reach the next attach; IPC_STAT nattch; RMID at last detach", () => {
    const s = new HostSys();
    const id = s.call("shmget", IPC_PRIVATE, 10000, IPC_CREAT | 0o600);
    expect(s.call("shmget", IPC_PRIVATE, 0, 0o600)).toBe(EINVAL);
    const a = s.call("shmat", id, 0, 0);
    expect(a % 4096).toBe(0);
    s.p.mm.mem.writeBytes(a + 5000, new TextEncoder().encode("shared"));
    const st = s.alloc(112);
    expect(s.call("shmctl", id, IPC_STAT, st)).toBe(0);
    expect(s.p.mm.mem.read64(st + 48)).toBe(10000n);
    expect(s.p.mm.mem.read64(st + 88)).toBe(1n);
    const b = s.call("shmat", id, 0, 0o10000); // SHM_RDONLY: a second attachment sees the first one's bytes
    expect(s.str(b + 5000, 6)).toBe("shared");
    expect(s.call("shmdt", a)).toBe(0);
    expect(s.call("shmdt", a)).toBe(EINVAL);
    expect(s.call("shmctl", id, IPC_RMID, 0)).toBe(0);
    expect(s.call("shmctl", id, IPC_STAT, st)).toBe(EINVAL);
    expect(s.call("shmdt", b)).toBe(0);
  });

  it("fork: the child's stores reach the parent through the segment after the child detaches (x86-64 guest)", () => {
    const x = new X86Assembler();
    const child = x.newLabel();
    x.mov("r12", DATA_BASE);
    x.xor("edi", "edi").mov("esi", 4096).mov("edx", 0o1600).mov("eax", 29).syscall(); // shmget(IPC_PRIVATE, 4096, IPC_CREAT|0600)
    x.mov("r13", "rax");
    x.mov("edi", "r13d").xor("esi", "esi").xor("edx", "edx").mov("eax", 30).syscall(); // shmat
    x.mov("r14", "rax");
    x.mov("eax", 57).syscall(); // fork
    x.test("eax", "eax").j("e", child);
    x.mov("rdi", -1).xor("esi", "esi").xor("edx", "edx").xor("r10d", "r10d").mov("eax", 61).syscall(); // wait4
    x.mov("rdi", "r14").mov("eax", 67).syscall(); // shmdt (parent's copy)
    x.mov("edi", "r13d").xor("esi", "esi").xor("edx", "edx").mov("eax", 30).syscall(); // shmat again
    x.movzx("edi", xmem({ base: "rax", disp: 100, size: 8 }));
    x.mov("eax", 231).syscall();
    x.bind(child);
    x.mov(xmem({ base: "r14", disp: 100, size: 8 }), 42);
    x.mov("rdi", "r14").mov("eax", 67).syscall(); // shmdt
    x.xor("edi", "edi").mov("eax", 231).syscall();
    const k = new Kernel({ quantum: 10000 });
    k.spawn(makeElf({ machine: "x86_64", code: x.finish() }));
    expect(k.run().exitStatus).toBe(42);
  });
});
