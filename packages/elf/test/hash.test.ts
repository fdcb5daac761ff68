import { describe, expect, it } from "vitest";
import { elfHash, gnuHash } from "../src/index.js";

// Test vectors from the ELF gABI hash (System V ABI, "Hash Table") and GNU hash (glibc dl_new_hash).
const VECTORS: [string, number, number][] = [
  ["", 0x00000000, 0x00001505],
  ["LINUX_2.6", 0x03ae75f6, 0x26c62a8a],
  ["LINUX_2.6.15", 0x075fcba5, 0x105a607e],
  ["LINUX_2.6.29", 0x075fcbb9, 0x105a60a3],
  ["LINUX_2.6.39", 0x075fcb89, 0x105a60c4],
  ["LINUX_4", 0x00e3ae74, 0x8e05d2e8],
  ["LINUX_4.15", 0x0ae77f75, 0xff8c941c],
  ["linux-vdso.so.1", 0x0deebfa1, 0x11e9dacd],
  ["__vdso_clock_gettime", 0x0d35ec75, 0x6e43a318],
  ["__vdso_gettimeofday", 0x0315ca59, 0xb01bca00],
  ["__vdso_time", 0x0a33c485, 0x821e8e0d],
  ["__vdso_getcpu", 0x00b01045, 0x6562b026],
  ["__vdso_clock_getres", 0x04d35c83, 0x68308f53],
  ["__vdso_getrandom", 0x0025425d, 0x84a559bf],
  ["clock_gettime", 0x07fe0f05, 0x71dd557f],
  ["gettimeofday", 0x05797189, 0xe6854b87],
  ["time", 0x0007b035, 0x7c9e7894],
  ["getcpu", 0x06dcaa75, 0xff87586d],
  ["clock_getres", 0x037fe2d3, 0x9e9a10da],
  ["getrandom", 0x0b88289d, 0xf88ff0a6],
  ["__kernel_clock_gettime", 0x0b0cd725, 0xdfa941fd],
  ["__kernel_gettimeofday", 0x07b05f09, 0x2026a045],
  ["__kernel_clock_getres", 0x01b0cf53, 0xd83b6598],
  ["__kernel_rt_sigreturn", 0x09ddfafe, 0x91788feb],
  ["__kernel_getrandom", 0x09800c0d, 0x540d4e24],
];

describe("hash functions", () => {
  it.each(VECTORS)("%j", (name, elf, gnu) => {
    expect(elfHash(name)).toBe(elf);
    expect(gnuHash(name)).toBe(gnu);
    expect(elfHash(new TextEncoder().encode(name))).toBe(elf);
  });
  it("treats bytes as unsigned and keeps the ELF hash below 2^28", () => {
    const high = new Uint8Array(64).fill(0xff);
    expect(elfHash(high)).toBeLessThan(2 ** 28);
    expect(elfHash(high)).toBeGreaterThanOrEqual(0);
    expect(gnuHash(high)).toBeGreaterThanOrEqual(0);
    expect(gnuHash(high)).toBeLessThan(2 ** 32);
  });
});
