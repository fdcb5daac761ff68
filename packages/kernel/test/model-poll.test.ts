/** poll/ppoll/select/pselect6, epoll and eventfd: readiness, blocking, timeouts on the virtual clock, EINTR. */
import { describe, expect, it } from "vitest";
import { X86Assembler, mem as xmem } from "@uabi/isa-x86";
import { Kernel, SyscallContext, type SyscallEvent } from "../src/index.js";
import { HostSys } from "./host-sys.js";
import { makeElf, DATA_BASE } from "./elf-helper.js";

const POLLIN = 1, POLLOUT = 4, POLLHUP = 0x10, POLLNVAL = 0x20;
const EINTR = -4, EINVAL = -22, EBADF = -9, EAGAIN = -11, EEXIST = -17, EPERM = -1, ENOENT = -2;

/** Dispatch a call that may block; the event's result appears when the wait completes. */
function start(s: HostSys, name: string, ...args: (number | bigint)[]): SyscallEvent {
  const row = s.k.table(s.p.arch.arch).find((r) => r?.name === name)!;
  const c = new SyscallContext(s.k, s.t);
  c.nr = row.nr;
  c.name = name;
  args.forEach((a, i) => (c.args[i] = BigInt.asUintN(64, BigInt(a))));
  const ev: SyscallEvent = { pid: s.p.pid, tid: s.t.tid, nr: row.nr, name, pc: 0, args: c.args.slice(), path: [] };
  s.k.entry.dispatch(s.t, c, row, ev);
  // As the entry pipeline does: a blocked call reports its event when the wait completes.
  if (s.t.state === "blocked" && s.t.waitingSyscall) s.t.waitingSyscall.event = ev;
  return ev;
}

/** Write into a pipe from "another process" while the test's thread is blocked. */
function feed(s: HostSys, fd: number, text: string): void {
  expect(s.p.files.file(fd)!.write(new TextEncoder().encode(text))).toBe(text.length);
}

function pipe(s: HostSys, flags = 0): [number, number] {
  const p = s.alloc(8);
  expect(s.call("pipe2", p, flags)).toBe(0);
  return [s.p.mm.mem.read32(p), s.p.mm.mem.read32(p + 4)];
}

function pollfds(s: HostSys, list: [number, number][]): number {
  const b = new DataView(new ArrayBuffer(8 * list.length));
  list.forEach(([fd, ev], i) => {
    b.setInt32(8 * i, fd, true);
    b.setInt16(8 * i + 4, ev, true);
  });
  return s.put(new Uint8Array(b.buffer));
}
const revents = (s: HostSys, addr: number, i: number) => s.p.mm.mem.read16(addr + 8 * i + 6);

describe("poll and ppoll", () => {
  it("pipes, /dev/null, a closed fd and a negative fd; write end HUP/ERR rules", () => {
    const s = new HostSys();
    const [r, w] = pipe(s);
    const nul = s.call("openat", -100, "/dev/null", 2);
    const fds = pollfds(s, [[r, POLLIN], [w, POLLOUT], [nul, POLLIN | POLLOUT], [77, POLLIN], [-1, POLLIN]]);
    expect(s.call("poll", fds, 5, 0)).toBe(3);
    expect([0, 1, 2, 3, 4].map((i) => revents(s, fds, i))).toEqual([0, POLLOUT, POLLIN | POLLOUT, POLLNVAL, 0]);
    s.call("write", w, "x", 1);
    s.call("close", w);
    expect(s.call("poll", fds, 1, 0)).toBe(1);
    expect(revents(s, fds, 0)).toBe(POLLIN | POLLHUP);
    expect(s.call("poll", fds, -1, 0)).toBe(EINVAL);
  });

  it("blocks until a write, and times out on the virtual clock with ppoll writing the remaining time", () => {
    const s = new HostSys();
    const [r, w] = pipe(s);
    const fds = pollfds(s, [[r, POLLIN]]);
    const ev = start(s, "poll", fds, 1, -1);
    expect(s.t.state).toBe("blocked");
    feed(s, w, "y");
    s.k.scheduler.pollWait(s.t);
    expect(ev.result).toBe(1);
    expect(revents(s, fds, 0)).toBe(POLLIN);
    s.call("read", r, s.alloc(4), 4);

    const ts = new DataView(new ArrayBuffer(16));
    ts.setBigInt64(0, 2n, true);
    const tsAddr = s.put(new Uint8Array(ts.buffer));
    const t0 = s.k.clock.monotonicNs();
    const ev2 = start(s, "ppoll", fds, 1, tsAddr, 0, 8);
    expect(s.t.state).toBe("blocked");
    expect(s.t.wait!.deadline).toBe(t0 + 2_000_000_000n);
    s.k.clock.sleepUntil(t0 + 2_000_000_000n);
    s.k.scheduler.pollWait(s.t);
    expect(ev2.result).toBe(0);
    expect(s.p.mm.mem.read64(tsAddr)).toBe(0n);
    expect(s.p.mm.mem.read64(tsAddr + 8)).toBe(0n);
  });

  it("a signal with a handler ends poll with EINTR even with SA_RESTART (ERESTARTNOHAND)", () => {
    const s = new HostSys();
    const [r] = pipe(s);
    const act = new DataView(new ArrayBuffer(32));
    act.setBigUint64(0, 0x401000n, true);
    act.setBigUint64(8, 0x10000000n | 0x04000000n, true); // SA_RESTART | SA_RESTORER
    act.setBigUint64(16, 0x401000n, true);
    expect(s.call("rt_sigaction", 10, s.put(new Uint8Array(act.buffer)), 0, 8)).toBe(0);
    const ev = start(s, "poll", pollfds(s, [[r, POLLIN]]), 1, -1);
    expect(s.t.state).toBe("blocked");
    s.k.signals.queueThread(s.t, { signo: 10, code: 0 });
    expect(ev.result).toBe(EINTR);
  });

  it("ppoll waits with its signal mask: a pending signal it unblocks interrupts at once, and the old mask comes back", () => {
    const s = new HostSys();
    const [r] = pipe(s);
    const act = new DataView(new ArrayBuffer(32));
    act.setBigUint64(0, 0x401000n, true);
    act.setBigUint64(8, 0x04000000n, true);
    act.setBigUint64(16, 0x401000n, true);
    s.call("rt_sigaction", 10, s.put(new Uint8Array(act.buffer)), 0, 8);
    const blockUsr1 = s.put(new Uint8Array([0, 2, 0, 0, 0, 0, 0, 0])); // bit 9 = SIGUSR1
    s.call("rt_sigprocmask", 0, blockUsr1, 0, 8);
    s.k.signals.queueThread(s.t, { signo: 10, code: 0 });
    expect(s.t.state).toBe("runnable"); // blocked: stays pending
    const empty = s.put(new Uint8Array(8));
    const delivered = s.k.stats.signalsDelivered;
    start(s, "ppoll", pollfds(s, [[r, POLLIN]]), 1, 0, empty, 8);
    // Interrupted at once (EINTR), and the handler ran with the caller's old mask saved in its frame.
    expect(s.t.state).toBe("runnable");
    expect(s.k.stats.signalsDelivered).toBe(delivered + 1);
    expect(s.t.savedMask).toBeUndefined();
    expect(s.t.sigmask & (1n << 9n)).not.toBe(0n);
    expect(s.call("ppoll", pollfds(s, [[r, POLLIN]]), 1, 0, empty, 7)).toBe(EINVAL);
  });
});

describe("select and pselect6", () => {
  it("readable/writable sets, EBADF for a closed fd in a set, timeout 0 clears the sets", () => {
    const s = new HostSys("arm64");
    const [r, w] = pipe(s);
    const set = (fds: number[]) => {
      const b = new Uint8Array(128);
      for (const fd of fds) b[fd >> 3]! |= 1 << (fd & 7);
      return s.put(b);
    };
    const rd = set([r]), wr = set([w]);
    const tv = s.put(new Uint8Array(16));
    expect(s.call("pselect6", w + 1, rd, wr, 0, tv, 0)).toBe(1);
    expect(s.p.mm.mem.read8(rd + (r >> 3)) & (1 << (r & 7))).toBe(0);
    expect(s.p.mm.mem.read8(wr + (w >> 3)) & (1 << (w & 7))).not.toBe(0);
    s.call("write", w, "z", 1);
    const rd2 = set([r]);
    expect(s.call("pselect6", r + 1, rd2, 0, 0, tv, 0)).toBe(1);
    expect(s.call("pselect6", 64, set([40]), 0, 0, tv, 0)).toBe(EBADF);
    expect(s.call("pselect6", -1, 0, 0, 0, tv, 0)).toBe(EINVAL);
  });

  it("select (x86-64) blocks and wakes on data, writing back the remaining timeval", () => {
    const s = new HostSys();
    const [r, w] = pipe(s);
    const rd = s.put(new Uint8Array(8).fill(0));
    s.p.mm.mem.write8(rd, 1 << r);
    const tv = new DataView(new ArrayBuffer(16));
    tv.setBigInt64(0, 5n, true);
    const tvAddr = s.put(new Uint8Array(tv.buffer));
    const ev = start(s, "select", r + 1, rd, 0, 0, tvAddr);
    expect(s.t.state).toBe("blocked");
    feed(s, w, "q");
    s.k.scheduler.pollWait(s.t);
    expect(ev.result).toBe(1);
    const left = s.p.mm.mem.read64(tvAddr) * 1_000_000n + s.p.mm.mem.read64(tvAddr + 8);
    expect(left).toBeGreaterThan(0n);
    expect(left).toBeLessThanOrEqual(5_000_000n);
  });
});

describe("eventfd and epoll", () => {
  it("eventfd counter, semaphore mode, EAGAIN when empty and nonblocking, EINVAL for short buffers", () => {
    const s = new HostSys();
    const efd = s.call("eventfd2", 3, 0o4000 | 1); // EFD_NONBLOCK | EFD_SEMAPHORE
    const b = s.alloc(8);
    expect(s.call("read", efd, b, 8)).toBe(8);
    expect(s.p.mm.mem.read64(b)).toBe(1n);
    s.call("read", efd, b, 8);
    s.call("read", efd, b, 8);
    expect(s.call("read", efd, b, 8)).toBe(EAGAIN);
    expect(s.call("read", efd, b, 4)).toBe(EINVAL);
    const v = new Uint8Array(8);
    v[0] = 5;
    expect(s.call("write", efd, s.put(v), 8)).toBe(8);
    const plain = s.call("eventfd2", 0, 0);
    s.call("write", plain, s.put(v), 8);
    s.call("write", plain, s.put(v), 8);
    expect(s.call("read", plain, b, 8)).toBe(8);
    expect(s.p.mm.mem.read64(b)).toBe(10n);
    expect(s.call("eventfd2", 0, 0x7)).toBe(EINVAL);
  });

  it("epoll: ADD/MOD/DEL rules, level-triggered pipe readiness, oneshot, x86-64's packed event, blocking wait", () => {
    const s = new HostSys();
    const ep = s.call("epoll_create1", 0);
    const [r, w] = pipe(s);
    const ev = (events: number, data: bigint) => {
      const b = new DataView(new ArrayBuffer(12));
      b.setUint32(0, events, true);
      b.setBigUint64(4, data, true);
      return s.put(new Uint8Array(b.buffer));
    };
    expect(s.call("epoll_ctl", ep, 1, r, ev(POLLIN, 0x1234n))).toBe(0);
    expect(s.call("epoll_ctl", ep, 1, r, ev(POLLIN, 1n))).toBe(EEXIST);
    expect(s.call("epoll_ctl", ep, 2, w, 0)).toBe(ENOENT);
    expect(s.call("epoll_ctl", ep, 1, ep, ev(POLLIN, 1n))).toBe(EINVAL);
    const file = s.call("openat", -100, "/tmp/f", 0o102, 0o644);
    expect(s.call("epoll_ctl", ep, 1, file, ev(POLLIN, 1n))).toBe(EPERM);
    const out = s.alloc(48);
    expect(s.call("epoll_wait", ep, out, 4, 0)).toBe(0);
    expect(s.call("epoll_wait", ep, out, 0, 0)).toBe(EINVAL);
    s.call("write", w, "a", 1);
    expect(s.call("epoll_wait", ep, out, 4, 0)).toBe(1);
    expect(s.p.mm.mem.read32(out)).toBe(POLLIN);
    expect(s.p.mm.mem.read64(out + 4)).toBe(0x1234n);
    expect(s.call("epoll_wait", ep, out, 4, 0)).toBe(1); // level-triggered: still readable
    expect(s.call("epoll_ctl", ep, 3, r, ev(POLLIN | (1 << 30), 7n))).toBe(0); // EPOLLONESHOT
    expect(s.call("epoll_wait", ep, out, 4, 0)).toBe(1);
    expect(s.call("epoll_wait", ep, out, 4, 0)).toBe(0);
    // poll on the epoll fd itself.
    expect(s.call("epoll_ctl", ep, 3, r, ev(POLLIN, 8n))).toBe(0);
    const pf = pollfds(s, [[ep, POLLIN]]);
    expect(s.call("poll", pf, 1, 0)).toBe(1);
    s.call("read", r, s.alloc(4), 4);
    const waiting = start(s, "epoll_wait", ep, out, 4, -1);
    expect(s.t.state).toBe("blocked");
    feed(s, w, "b");
    s.k.scheduler.pollWait(s.t);
    expect(waiting.result).toBe(1);
    expect(s.p.mm.mem.read64(out + 4)).toBe(8n);
    expect(s.call("epoll_ctl", 99, 1, r, ev(POLLIN, 1n))).toBe(EBADF);
  });
});

describe("a guest program", () => {
  it("fork: the child writes after a delay; the parent's poll(-1) wakes with POLLIN (x86-64)", () => {
    const b = new X86Assembler();
    const child = b.newLabel(), spin = b.newLabel();
    b.mov("r12", DATA_BASE);
    b.mov("rdi", "r12").xor("esi", "esi").mov("eax", 293).syscall(); // pipe2
    b.mov("eax", 57).syscall(); // fork
    b.test("eax", "eax").j("e", child);
    // struct pollfd at +0x40: { fd = pipe[0], events = POLLIN }
    b.mov("eax", xmem({ base: "r12", disp: 0, size: 32 })).mov(xmem({ base: "r12", disp: 0x40, size: 32 }), "eax");
    b.mov(xmem({ base: "r12", disp: 0x44, size: 32 }), POLLIN);
    b.lea("rdi", xmem("r12", 0x40)).mov("esi", 1).mov("edx", -1).mov("eax", 7).syscall(); // poll
    b.movzx("edi", xmem({ base: "r12", disp: 0x46, size: 16 })).shl("eax", 4).add("edi", "eax"); // result*16 + revents
    b.mov("eax", 231).syscall();
    b.bind(child);
    b.mov("ecx", 200000).bind(spin).dec("ecx").j("ne", spin);
    b.mov("edi", xmem({ base: "r12", disp: 4, size: 32 })).lea("rsi", xmem("r12", 0x30)).mov("edx", 1).mov("eax", 1).syscall();
    b.xor("edi", "edi").mov("eax", 231).syscall();
    const k = new Kernel({ quantum: 5000 });
    k.spawn(makeElf({ machine: "x86_64", code: b.finish() }));
    expect(k.run().exitStatus).toBe(16 + POLLIN);
  });
});
