/** The configurations `uabi study` runs every workload under; direct first (the baseline of every comparison). */
export interface StudyConfig {
  readonly id: string;
  readonly mode: "direct" | "bounce" | "selective" | "seccomp" | "sud" | "ptrace";
  readonly frame?: "stack" | "task-page";
  readonly libkernel?: "vdso" | "library";
  /** Pinned syscall sites (OpenBSD pinsyscalls): `uabi run --pin`. */
  readonly pin?: boolean;
}

export const STUDY_CONFIGS: readonly StudyConfig[] = [
  { id: "direct", mode: "direct" },
  { id: "bounce", mode: "bounce" },
  { id: "bounce/task-page", mode: "bounce", frame: "task-page" },
  { id: "selective", mode: "selective" },
  { id: "seccomp", mode: "seccomp" },
  { id: "sud", mode: "sud" },
  { id: "ptrace", mode: "ptrace" },
  { id: "library", mode: "bounce", libkernel: "library" },
  // Pinning applies where libkernel runs in the process (the in-process mechanisms).
  { id: "bounce+pin", mode: "bounce", pin: true },
  { id: "selective+pin", mode: "selective", pin: true },
  { id: "seccomp+pin", mode: "seccomp", pin: true },
  { id: "sud+pin", mode: "sud", pin: true },
  { id: "library+pin", mode: "bounce", libkernel: "library", pin: true },
];

/** Mechanisms that reflect through a SIGSYS signal frame. */
export const sigsysBased = (c: StudyConfig): boolean => c.mode === "seccomp" || c.mode === "sud";
/** Mechanisms that mediate every call a program makes outside the trusted text (selective keeps some direct by design). */
export const mediatesAll = (c: StudyConfig): boolean => c.mode === "bounce" || c.mode === "seccomp" || c.mode === "sud";
