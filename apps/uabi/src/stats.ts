/** `uabi run --stats`'s report of one run (no Node: the playground's worker shows the same counters). */
import { DEFAULT_PROFILE, type CostProfile, type RunResult } from "@uabi/kernel";
import { DEFAULT_MODE, describeConfig, modelledNs, runCounters, type MachineConfig } from "./machine.js";

export interface StatsReport {
  mode: string;
  config: string;
  arch: string;
  exitStatus: number;
  reason: string;
  instructions: number;
  syscalls: number;
  syscallsByName: Record<string, number>;
  kernelEntries: number;
  signalsDelivered: number;
  signalFrameBytes: number[];
  contextSwitches: number;
  missingSyscalls: string[];
  virtualTimeNs: number;
  /** The kernel's cost counters for the root process (packages/kernel/src/cost). */
  counters: Record<string, number>;
  /** Modelled time under the cost profile named `profile` (default: the kernel's DEFAULT_PROFILE). */
  modelledNs: number;
  profile: string;
}

export function statsReport(config: MachineConfig, arch: string, r: RunResult, profile: CostProfile = DEFAULT_PROFILE): StatsReport {
  const counters = runCounters(r);
  const s = r.stats;
  return {
    mode: config.mode ?? DEFAULT_MODE, config: describeConfig(config), arch, exitStatus: r.exitStatus, reason: r.reason,
    instructions: s.instructions, syscalls: s.syscalls, syscallsByName: s.syscallsByName, kernelEntries: s.kernelEntries,
    signalsDelivered: s.signalsDelivered, signalFrameBytes: s.signalFrameBytes, contextSwitches: s.contextSwitches,
    missingSyscalls: s.missingSyscalls, virtualTimeNs: Number(s.virtualTimeNs),
    counters: { ...counters }, modelledNs: modelledNs(counters, profile), profile: profile.name,
  };
}
