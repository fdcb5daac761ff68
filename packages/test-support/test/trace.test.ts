import { describe, expect, it } from "vitest";
import { normaliseResult, normaliseValue, parseQemuLog, parseStraceLog, syscallName, traceKey } from "../src/index.js";

// Excerpts of real oracle logs (strace 6.1 and qemu-aarch64 7.2 on the corpus).
const STRACE = `9839  execve("/work/main/fixtures/corpus/bin/x86_64-glibc/hello-O2", ["/work/main/fixtures/corpus/bin/x"...], 0x7ffcd9cc1ae0 /* 35 vars */) = 0
9839  brk(NULL)                         = 0x3ab84000
9839  arch_prctl(ARCH_SET_FS, 0x3ab84380) = 0
9839  set_tid_address(0x3ab84650)       = 9839
9839  readlink("/proc/self/exe", "/work/main/fixtures/corpus/bin/x"..., 4096) = 52
9839  getrandom("\\x09\\xc7\\xde\\x64\\xae\\xf7\\xa1\\x27", 8, GRND_NONBLOCK) = 8
9839  ioctl(1, TCGETS, 0x7ffe4eca3ac0)  = -1 ENOTTY (Inappropriate ioctl for device)
9839  umask(077)                        = 022
9844  tkill(9844, SIGUSR1)              = 0
9844  --- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=9844, si_uid=0} ---
9844  rt_sigreturn({mask=[]})           = 0
9839  futex(0x4c8a30, FUTEX_WAIT_PRIVATE, 2, NULL <unfinished ...>
9840  write(1, "x = y", 5 <unfinished ...>
9839  <... futex resumed>)              = -1 EAGAIN (Resource temporarily unavailable)
9840  <... write resumed>)              = 5
9839  write(1, "hello, world\\n", 13)    = 13
9839  exit_group(0)                     = ?
+++ exited with 0 +++
`;

const QEMU = `9846 brk(NULL) = 0x0000000000498000
9846 set_tid_address(4817104,4812800,4817088,4817216,4778736,2) = 9846
9846 set_robust_list(4817120,24,4817120,1,0,4817168) = -1 errno=38 (Function not implemented)
9846 Unknown syscall 293
9846 readlinkat(AT_FDCWD,"/proc/self/exe",0x00000055007ff6b0,4096) = 53
--- SIGSEGV {si_signo=SIGSEGV, si_code=1, si_addr=0x0000000000000010} ---
9849 rt_sigreturn(4792424,10,10,4816896,4778496,0) = -1 errno=513 (Successful exit from sigreturn)
9846 mprotect(0x000000000048c000,16384,PROT_READ) = 0
9846 write(1,0x498fa0,13) = 13
9846 exit_group(0)
`;

describe("oracle trace parsing", () => {
  it("parses strace -f output: drops execve, joins unfinished/resumed calls, normalises results", () => {
    const t = parseStraceLog(STRACE);
    expect(t.entries.map(traceKey)).toEqual([
      "brk = <addr>", "arch_prctl = 0", "set_tid_address = <pid>", "readlink = <len>", "getrandom = 8", "ioctl = -ENOTTY",
      "umask = 18", "tkill = 0", "rt_sigreturn = <sigreturn>", "futex = -EAGAIN", "write = 5", "write = 13", "exit_group = ?",
    ]);
    expect(t.signals).toEqual(["SIGUSR1"]);
    expect(t.unparsed).toEqual([]);
    const args = Object.fromEntries(t.entries.map((e) => [e.name, e.args]));
    expect(args.arch_prctl).toBe("ARCH_SET_FS, <addr>");
    expect(args.tkill).toBe("<pid>, SIGUSR1");
    expect(args.getrandom).toBe("<random>, 8, GRND_NONBLOCK");
    expect(args.readlink).toBe('"/proc/self/exe", <path>, 4096');
    expect(t.entries.find((e) => e.name === "futex")!.args).toBe("<addr>, FUTEX_WAIT_PRIVATE, 2, NULL");
  });

  it("parses qemu -strace output, naming unknown syscalls from the arm64 table (ENOSYS)", () => {
    const t = parseQemuLog(QEMU, (nr) => syscallName("arm64", nr));
    expect(t.entries.map(traceKey)).toEqual([
      "brk = <addr>", "set_tid_address = <pid>", "set_robust_list = -ENOSYS", "rseq = -ENOSYS", "readlinkat = <len>",
      "rt_sigreturn = <sigreturn>", "mprotect = 0", "write = 13", "exit_group = ?",
    ]);
    expect(t.entries[2]!.args).toBe("4817120,24,4817120,1,0,4817168");
    expect(t.entries[6]!.args).toBe("<addr>,16384,PROT_READ");
    expect(t.signals).toEqual(["SIGSEGV"]);
  });

  it("normalises raw values and printed results the same way", () => {
    expect(normaliseValue("write", 13n)).toBe("13");
    expect(normaliseValue("openat", -2n)).toBe("-ENOENT");
    expect(normaliseValue("mmap", 0x7f0000000000n)).toBe("<addr>");
    expect(normaliseValue("mmap", -12n)).toBe("-ENOMEM");
    expect(normaliseValue("getpid", 4242n)).toBe("<pid>");
    expect(normaliseValue("lseek", -4096n)).toBe("-4096"); // outside the error range
    expect(normaliseValue("x", -4095n)).toBe("-E4095");
    expect(normaliseResult("write", "13")).toBe("13");
    expect(normaliseResult("fcntl", "0x1 (flags O_WRONLY)")).toBe("1");
    expect(normaliseResult("umask", "022")).toBe("18");
    expect(normaliseResult("umask", "0")).toBe("0");
    expect(normaliseResult("openat", "-1 ENOENT (No such file or directory)")).toBe("-ENOENT");
    expect(normaliseResult("openat", "-1 errno=2 (No such file or directory)")).toBe("-ENOENT");
    expect(normaliseResult("exit_group", "?")).toBe("?");
    expect(normaliseResult("brk", "0x0000000000498000")).toBe("<addr>");
  });
});
