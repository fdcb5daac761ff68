/** The on-disk vDSO cache gives back exactly the generated image (its policy recomputed). */
import { describe, expect, it } from "vitest";
import { buildVdso } from "@uabi/vdso";
import { deserializeVdso, fnv1a64, serializeVdso } from "../src/vdso-cache.js";

describe("vdso cache", () => {
  for (const arch of ["arm64", "x86_64"] as const) {
    for (const fakeroot of [false, true]) {
      it(`${arch}${fakeroot ? " fakeroot" : ""}: the image read back is the generated one`, () => {
        const img = buildVdso({ arch, ...(fakeroot ? { personalities: ["fakeroot"] as const } : {}) });
        const back = deserializeVdso(serializeVdso(img, "k1", fakeroot ? ["fakeroot"] : []), "k1")!;
        const { policy, ...rest } = img;
        const { policy: backPolicy, ...backRest } = back;
        expect(backRest).toEqual(rest);
        expect(back.bytes).toBeInstanceOf(Uint8Array);
        expect(backPolicy.entries).toEqual(policy.entries);
        expect([...backPolicy.movable]).toEqual([...policy.movable]);
        expect([...backPolicy.handled.keys()]).toEqual([...policy.handled.keys()]);
        expect(backPolicy.personalities).toEqual(policy.personalities);
        for (const e of policy.entries) expect(backPolicy.kindOf(e.nr)).toBe(policy.kindOf(e.nr));
        expect(backPolicy.kindOf(1e6)).toBe("passthrough");
      });
    }
  }
  it("names a key by 64-bit FNV-1a (the published test vectors)", () => {
    expect(fnv1a64("")).toBe("cbf29ce484222325");
    expect(fnv1a64("a")).toBe("af63dc4c8601ec8c");
    expect(fnv1a64("foobar")).toBe("85944171f73967e8");
  });
  it("another build's key is a miss", () => {
    const img = buildVdso({ arch: "arm64" });
    expect(deserializeVdso(serializeVdso(img, "k1", []), "k2")).toBeUndefined();
  });
});
