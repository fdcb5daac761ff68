/**
 * The dynamically linked runs compared with their oracles (native Linux for x86-64, `qemu-aarch64 -L` for arm64):
 * the corpus's dynamic builds (fixtures/corpus/bin/<target>-dynamic) and Debian's own programs — the host's for
 * x86-64, the arm64 .debs unpacked by scripts/dynamic/fetch-debs.sh — over the files in fixtures/corpus/debian/data.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";

export type Isa = "arm64" | "x86_64";

/** One Debian program run: `program` is looked up in /bin then /usr/bin of the ISA's root. */
export interface DebianCase {
  id: string;
  program: string;
  args: string[];
}

/** The guest environment of every Debian run (nothing else is inherited). */
export const DEBIAN_ENV = ["LC_ALL=C", "PATH=/usr/bin:/bin"];

/**
 * Deterministic runs only (no times, owners, inode numbers or readdir order); stdout and exit status are
 * compared. dash runs builtins only: qemu-user cannot run a foreign child through execve without binfmt_misc.
 */
export const DEBIAN_CASES: readonly DebianCase[] = [
  { id: "ls", program: "ls", args: ["-1", "-a", "sub"] },
  { id: "ls-recursive", program: "ls", args: ["-R", "sub"] },
  { id: "cat", program: "cat", args: ["-n", "words.txt"] },
  { id: "sort", program: "sort", args: ["words.txt"] },
  { id: "sort-numeric", program: "sort", args: ["-n", "-r", "numbers.txt"] },
  { id: "sort-uniq-count", program: "sort", args: ["-u", "-t:", "-k3,3n", "table.txt"] },
  { id: "uniq", program: "uniq", args: ["-c", "words.txt"] },
  { id: "wc", program: "wc", args: ["words.txt", "table.txt"] },
  { id: "head", program: "head", args: ["-n", "3", "words.txt"] },
  { id: "tail", program: "tail", args: ["-n", "2", "table.txt"] },
  { id: "cut", program: "cut", args: ["-d:", "-f1,3,7", "table.txt"] },
  { id: "tr", program: "tr", args: ["a-z", "A-Z"] },
  { id: "md5sum", program: "md5sum", args: ["words.txt", "table.txt"] },
  { id: "sha256sum", program: "sha256sum", args: ["numbers.txt"] },
  { id: "base64", program: "base64", args: ["table.txt"] },
  { id: "cksum", program: "cksum", args: ["words.txt"] },
  { id: "seq", program: "seq", args: ["-s", ",", "1", "3", "40"] },
  { id: "expr", program: "expr", args: ["6", "*", "7"] },
  { id: "expr-false", program: "expr", args: ["0", "+", "0"] },
  { id: "factor", program: "factor", args: ["1234567890", "9973"] },
  { id: "printf", program: "printf", args: ["%05d|%-4s|%x|%.3f\\n", "42", "hi", "255", "3.14159"] },
  { id: "basename", program: "basename", args: ["/usr/lib/libc.so.6", ".6"] },
  { id: "date", program: "date", args: ["-u", "-d", "@1000000000", "+%Y-%m-%d %H:%M:%S %A"] },
  { id: "od", program: "od", args: ["-A", "x", "-t", "x1z", "numbers.txt"] },
  { id: "nl", program: "nl", args: ["-ba", "words.txt"] },
  { id: "tac", program: "tac", args: ["numbers.txt"] },
  { id: "numfmt", program: "numfmt", args: ["--to=iec", "123456789", "1024"] },
  { id: "stat", program: "stat", args: ["-c", "%n %s %F", "words.txt", "sub"] },
  { id: "false", program: "false", args: [] },
  { id: "test-missing", program: "test", args: ["-e", "missing.txt"] },
  { id: "cat-missing", program: "cat", args: ["missing.txt"] },
  { id: "dash", program: "dash", args: ["-c", 'i=0; while [ $i -lt 6 ]; do i=$((i + 1)); printf "%d " $((i * i)); done; echo; case x$1 in xa*) echo "a: $1";; esac; exit 3', "dash", "abc"] },
  { id: "dash-read", program: "dash", args: ["-c", 'while IFS=: read u x id rest; do echo "$id=$u"; done < table.txt'] },
  { id: "find", program: "find", args: [".", "-name", "b.txt"] },
  { id: "find-type", program: "find", args: ["sub", "-maxdepth", "0", "-type", "d", "-printf", "%p %y %d\\n"] },
  { id: "grep", program: "grep", args: ["-n", "an", "words.txt"] },
  { id: "grep-count-none", program: "grep", args: ["-c", "zebra", "words.txt"] },
  { id: "sed", program: "sed", args: ["-e", "s/a/A/g", "-e", "3d", "words.txt"] },
];

/** Standard input of a case (an empty pipe unless named here). */
export const DEBIAN_STDIN: Readonly<Record<string, string>> = { tr: "hello, dynamic world\n" };

export interface IsaSetup {
  isa: Isa;
  /** Where the programs, their loader and libraries are (the sysroot of both the oracle and uabi). */
  sysroot: string;
  /** Why this ISA's Debian runs cannot happen here, if they cannot. */
  unavailable?: string;
}

/** The host path of a program in a root, as a PATH search of /bin then /usr/bin finds it; undefined if absent. */
export function findProgram(root: string, program: string): string | undefined {
  for (const dir of ["bin", "usr/bin"]) {
    const p = join(root, dir, program);
    if (existsSync(p)) return p;
  }
  return undefined;
}

export function debianSetup(repo: string, isa: Isa): IsaSetup {
  if (isa === "x86_64") {
    if (process.arch !== "x64") return { isa, sysroot: "/", unavailable: "the host is not x86-64" };
    return { isa, sysroot: "/" };
  }
  const sysroot = join(repo, ".cache/dynamic/arm64/root");
  if (!existsSync(join(sysroot, "bin/ls"))) return { isa, sysroot, unavailable: "no arm64 .debs unpacked (run scripts/dynamic/fetch-debs.sh)" };
  return { isa, sysroot };
}
