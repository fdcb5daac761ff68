/** `uabi syscalls`: the kernel's implemented list per ISA with its partial-support notes; `uabi run --uid/--gid`. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { syscallSupport } from "@uabi/kernel";
import { uabi } from "./run-cli.js";


describe("uabi syscalls", () => {
  it("lists each ISA's implemented calls with the kernel's notes, and the ENOSYS rest", async () => {
    const r = await uabi("syscalls", "--arch", "arm64");
    expect(r.code).toBe(0);
    const rows = syscallSupport("arm64");
    const n = rows.filter((x) => x.implemented).length;
    expect(r.out).toContain(`arm64: ${n} of ${rows.length} syscalls implemented`);
    expect(r.out).toMatch(/ 73 ppoll\s+partial: /); // arm64 has no poll(2): ppoll is number 73
    expect(r.out).toMatch(/not implemented: .*\bio_setup\b/);
    expect(r.out).not.toContain("x86_64:");
  });

  it("--json gives both ISAs' rows; a bad --arch is a usage error", async () => {
    const r = await uabi("syscalls", "--json");
    const j = JSON.parse(r.out) as { schemaVersion: number } & Record<"arm64" | "x86_64", { name: string; implemented: boolean; support?: string; note?: string }[]>;
    expect(Object.keys(j)).toEqual(["schemaVersion", "arm64", "x86_64"]);
    const poll = j.x86_64!.find((x) => x.name === "poll")!;
    expect(poll.implemented).toBe(true);
    expect(poll.support).toBe("partial");
    expect(j.x86_64!.find((x) => x.name === "read")!.support).toBe("full");
    expect((await uabi("syscalls", "--arch", "mips")).code).toBe(2);
  });

  it("uabi run accepts --uid/--gid", async () => {
    const elf = join(import.meta.dirname, "..", "..", "..", "fixtures", "corpus", "bin", "x86_64-musl", "exit42-O2");
    const r = await uabi("run", "--uid", "7", "--gid", "8", elf);
    expect(r.err).toBe("");
    expect(r.code).toBe(42);
    expect((await uabi("run", "--uid", "x", elf)).code).toBe(2);
  });
});
