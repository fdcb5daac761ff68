import { describe, expect, it } from "vitest";
import { ERRNO, errnoMessage, errnoName, signalDefaultAction, signalName, SIGNALS, sigmask } from "../src/index.js";

describe("errno", () => {
  it("names, aliases and glibc messages", () => {
    expect(ERRNO.ENOENT).toBe(2);
    expect(ERRNO.EWOULDBLOCK).toBe(ERRNO.EAGAIN);
    expect(errnoName(11)).toBe("EAGAIN");
    expect(errnoName(-38)).toBe("ENOSYS");
    expect(errnoName(95)).toBe("EOPNOTSUPP");
    expect(errnoName(35)).toBe("EDEADLK");
    expect(errnoMessage(2)).toBe("No such file or directory");
    expect(errnoMessage(-1)).toBe("Operation not permitted");
    expect(errnoMessage(38)).toBe("Function not implemented");
    expect(errnoMessage(4000)).toBe("Unknown error 4000");
    expect(errnoName(512)).toBe("ERESTARTSYS");
    expect(errnoName(0)).toBeUndefined();
  });
});

describe("signals", () => {
  it("numbers, names and default actions", () => {
    expect(SIGNALS.SIGSYS).toBe(31);
    expect(signalName(11)).toBe("SIGSEGV");
    expect(signalName(32)).toBe("SIGRTMIN");
    expect(signalName(34)).toBe("SIGRT_2");
    expect(signalName(65)).toBeUndefined();
    expect(signalName(0)).toBeUndefined();
    expect(signalDefaultAction(SIGNALS.SIGSEGV!)).toBe("core");
    expect(signalDefaultAction(SIGNALS.SIGSYS!)).toBe("core");
    expect(signalDefaultAction(SIGNALS.SIGCHLD!)).toBe("ignore");
    expect(signalDefaultAction(SIGNALS.SIGWINCH!)).toBe("ignore");
    expect(signalDefaultAction(SIGNALS.SIGTSTP!)).toBe("stop");
    expect(signalDefaultAction(SIGNALS.SIGCONT!)).toBe("cont");
    expect(signalDefaultAction(SIGNALS.SIGKILL!)).toBe("term");
    expect(signalDefaultAction(40)).toBe("term");
    expect(signalDefaultAction(99)).toBeUndefined();
    expect(sigmask(SIGNALS.SIGCHLD!)).toBe(0x10000n);
  });
});
