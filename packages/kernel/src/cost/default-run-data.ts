/** Written by `scripts/calibrate/run.ts --record NAME --default`: the run the default cost profile comes from. */
import type { CalibrationRun } from "./default-run.js";

export const DEFAULT_RUN: CalibrationRun = {
  name: "x86_64-xeon-2cpu-vm-linux-6.18-2026-12-01-b",
  machine: "Intel(R) Xeon(R) Processor (2 CPUs), Linux 6.18.44-fc-v1045 x86_64",
  date: "2026-12-01T22:08:02.179Z",
  text: "iterations 200000\nrounds 7\nreps 20\nlarge_filter_extra 4000\nstub 0x7b0000000\nsite_ip 0x55a3e88f9777\nt_call 1.382\nn_call 5\nt_straight 66.826\nn_straight 405\nt_getpid 84.772\nn_getpid 8\nt_timer 21.799\nn_timer 6\nt_kill_ignored 164.948\nn_kill_ignored 13\nt_kill_handled 1209.298\nn_kill_handled 17\nt_filter_small 99.368\nn_filter_small 8\nt_filter_large 771.616\nn_filter_large 8\nt_sud_allowed 112.876\nn_sud_allowed 8\nt_ptrace_kill_ignored 3024.286\nt_stub_getpid 84.342\nn_stub_getpid 18\nt_vdso 27.080\nn_vdso 58\nt_sud_trap 1281.973\nn_sud_trap 30\nt_seccomp_trap 1273.803\nn_seccomp_trap 30\nt_seccomp_allowed 105.644\nn_seccomp_allowed 18\nt_seccomp_trap_mitigated 1266.767\nt_ptrace_syscall 5246.000\nn_ptrace_syscall 8\n",
};
