import { AUDIT_ARCH_AARCH64, disassembleBpf, fillSeccompData, newSeccompDataBuffer, SeccompState, seccompOutcome, vdsoWindowFilter } from "../../packages/kernel/src/seccomp/index.js";

// The filter the `seccomp` mechanism installs at exec: allow syscalls from the vDSO text, trap the rest.
const filter = vdsoWindowFilter("arm64", 0xffff_8000n, 0xffff_9000n);
console.log(disassembleBpf(filter).join("\n"));
const task = new SeccompState("arm64");
console.log("attach:", task.attach(filter).ret); // 0, or -EINVAL/-ENOMEM/... as Linux would say
for (const ip of [0xffff_8404n, 0x40_0104n]) { // inside the vDSO, then the program's own svc
  const data = fillSeccompData(newSeccompDataBuffer(), { nr: 172, arch: AUDIT_ARCH_AARCH64, instructionPointer: ip, args: [] });
  const v = task.evaluate(data);
  console.log(`getpid from 0x${ip.toString(16)}:`, seccompOutcome(v).kind, `(${v.insns} cBPF instructions)`);
}
