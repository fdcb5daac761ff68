import { describe, expect, it } from "vitest";
import {
  BOUNCE, TASK_PAGE, bounceFrameAddress, decodeBounceFrame, decodeReturnFlag, encodeBounceFrame, sanitizeBounceFlags,
} from "../src/index.js";

describe("bounce contract helpers", () => {
  it("places the frame 16-aligned below SP, below the red zone on x86-64, or in the task page", () => {
    expect(bounceFrameAddress("arm64", 0x7000_0008, "stack", 0)).toBe(0x7000_0000 - 32);
    expect(bounceFrameAddress("x86_64", 0x7000_0008, "stack", 0)).toBe(0x7000_0000 - 128 - 32);
    expect(bounceFrameAddress("x86_64", 0x7000_0000, "task-page", 0x1000_0000)).toBe(0x1000_0000 + TASK_PAGE.bounceFrame);
    expect(TASK_PAGE.bounceFrame + BOUNCE.frameSize).toBeLessThanOrEqual(4096);
  });
  it("round-trips a frame", () => {
    const f = { nr: 172n, sp: 0x7fff_0000n, pc: 0x40_1234n, flags: 0x6000_0000n };
    expect(decodeBounceFrame(encodeBounceFrame(f))).toEqual(f);
    expect(() => decodeBounceFrame(new Uint8Array(8))).toThrow(RangeError);
  });
  it("decodes the return flag; bit 29 is not used by any real or x32 number", () => {
    expect(decodeReturnFlag(172)).toBeUndefined();
    expect(decodeReturnFlag(0x4000_0000 | 1)).toBeUndefined(); // x32 write: no return flag
    expect(decodeReturnFlag(BOUNCE.RETURN_FLAG | 64)).toEqual({ returnOnly: false, nr: 64 });
    expect(decodeReturnFlag(BigInt(BOUNCE.RETURN_FLAG | BOUNCE.NR_RETURN_ONLY))).toEqual({ returnOnly: true });
  });
  it("keeps only user-controllable flags from an untrusted frame", () => {
    // arm64: a forged PSTATE asking for EL1h with interrupts masked keeps only NZCV.
    expect(sanitizeBounceFlags("arm64", 0xf000_03c5n)).toBe(0xf000_0000n);
    // x86-64: IOPL 3 (0x3000) and VM (0x20000) are dropped; CF/ZF/DF survive; IF and bit 1 forced.
    expect(sanitizeBounceFlags("x86_64", 0x2_3441n)).toBe(0x641n | 0x202n);
  });
});
