/**
 * What the table implements, per ISA, and gVisor-style notes on partial support: one row per handler whose
 * behaviour differs from Linux in a way a program could notice. A call with no handler answers ENOSYS (with a
 * one-time warning through `KernelOptions.onMissingSyscall`).
 */
import { syscalls } from "@uabi/uapi";
import type { Arch } from "@uabi/isa-core";
import { HANDLERS } from "./index.js";

/** "full": as Linux for what the model has; "partial": see the note. */
export type Support = "full" | "partial";

export const SYSCALL_NOTES: Readonly<Record<string, string>> = Object.freeze({
  // files and descriptors
  fcntl: "F_SETLK/F_SETLKW/F_GETLK and F_OFD_* conflict between processes (byte ranges, read/write, POSIX release on close); F_SETOWN/F_SETSIG/leases are accepted without effect; seals are EINVAL",
  ioctl: "terminal requests (TCGETS, TCSETS*, TIOCGWINSZ, TIOCGPGRP) on the host's stdio only, FIONREAD, FIONBIO, FIOCLEX/FIONCLEX; everything else ENOTTY",
  mknod: "FIFOs and regular files; character, block and socket nodes are EPERM (no device drivers; AF_UNIX bind makes sockets)",
  mknodat: "as mknod",
  statfs: "tmpfs, proc, pipefs and sockfs answers; sizes derive from the memory limit",
  fstatfs: "as statfs",
  // memory
  mmap: "MAP_SHARED file mappings copy the file at map time: stores are not written back to the file nor seen by other processes; a file with holes larger than 256 MiB cannot be laid out to copy and is ENOMEM, whatever window is asked for; MAP_SHARED anonymous memory is copied, not shared, by fork; RLIMIT_DATA/RLIMIT_AS enforced",
  msync: "checks alignment only (shared file mappings are not written back)",
  mlock: "accepted, no effect",
  munlock: "accepted, no effect",
  // readiness
  poll: "readiness of pipes, eventfd, epoll, sockets, /dev devices and the host's stdin (a pull source is asked for data when polled, which may wait for the host); regular files are always ready",
  ppoll: "as poll; on success the temporary mask is restored after signal delivery rather than before",
  select: "as poll",
  pselect6: "as ppoll",
  epoll_ctl: "EPOLLET reports a readiness bit only after it was seen clear; EPOLLEXCLUSIVE and EPOLLWAKEUP are accepted without effect; nested epoll readiness is seen from the creating process",
  epoll_wait: "as epoll_ctl",
  epoll_pwait: "as epoll_ctl",
  epoll_pwait2: "as epoll_ctl",
  // processes and identity
  execve: "the image is read whole: a file with holes larger than 256 MiB is ENOEXEC without an ELF header and ENOMEM with one (Linux would map its segments)",
  execveat: "as execve",
  setsid: "always EPERM (sessions and process groups are not modelled)",
  setpgid: "accepted, no effect",
  getpgid: "every process is in its own group",
  clone: "namespaces are EPERM; CLONE_PIDFD is EINVAL",
  clone3: "as clone; set_tid is EINVAL",
  setuid: "credentials are per process (glibc's per-thread broadcast finds them already set); no capability sets: CAP_* iff euid 0",
  setgid: "as setuid",
  setgroups: "as setuid",
  prctl: "PDEATHSIG, DUMPABLE, NAME, NO_NEW_PRIVS, GET_TID_ADDRESS, SECCOMP, SYSCALL_USER_DISPATCH; others EINVAL",
  sched_setaffinity: "accepted, no effect (one CPU)",
  getrusage: "user time from retired instructions only",
  times: "elapsed ticks only; the tms fields are zero",
  futex: "WAIT/WAKE/BITSET/REQUEUE/CMP_REQUEUE/WAKE_OP, and LOCK_PI/LOCK_PI2/TRYLOCK_PI/UNLOCK_PI without priority inheritance (no priorities are modelled: waiters are served in arrival order); WAIT_REQUEUE_PI/CMP_REQUEUE_PI are ENOSYS",
  // timers
  setitimer: "ITIMER_REAL on the virtual clock; ITIMER_VIRTUAL/ITIMER_PROF count retired instructions",
  timer_create: "SIGEV_SIGNAL and SIGEV_NONE (SIGEV_THREAD_ID to a thread of the process); no overrun count",
  // IPC and sockets
  socket: "AF_UNIX SOCK_STREAM/SOCK_DGRAM/SOCK_SEQPACKET within the guest (filesystem and abstract names); AF_INET TCP and UDP on loopback only (127.0.0.0/8; other destinations ENETUNREACH; no ICMP errors: UDP to an unheld port is dropped); no AF_INET6 (EAFNOSUPPORT); no SCM_RIGHTS; IP/TCP-level socket options are accepted without effect",
  shmat: "segments are copied into the caller at attach: stores are not seen by other attachments",
  semop: "SEM_UNDO is accepted but not undone at exit",
});

export interface SyscallSupport {
  nr: number;
  name: string;
  implemented: boolean;
  support?: Support;
  note?: string;
}

/** Every syscall of `arch` with whether the table implements it and the note on partial support. */
export function syscallSupport(arch: Arch): SyscallSupport[] {
  return syscalls(arch).map((info) => {
    const implemented = !info.ni && HANDLERS[info.name] !== undefined;
    const note = SYSCALL_NOTES[info.name];
    const row: SyscallSupport = { nr: info.nr, name: info.name, implemented };
    if (implemented) row.support = note ? "partial" : "full";
    if (implemented && note) row.note = note;
    return row;
  });
}
