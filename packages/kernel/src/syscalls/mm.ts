/** mmap family and brk: argument decoding; the semantics live in AddressSpace (mm.ts). */
import { EACCES, EBADF, EINVAL, ENODEV, ENOMEM } from "../errno.js";
import { O_ACCMODE, O_WRONLY } from "../fd.js";
import { MAP_ANONYMOUS, MAP_SHARED, MAP_TYPE, PROT_WRITE, type FileBacking } from "../mm.js";
import type { Handler, SyscallContext } from "../syscall.js";
import { CharDevNode, FileNode, FileTooBigError } from "../vfs.js";

function mmap(c: SyscallContext): number {
  const addr = c.ulong(0), len = c.ulong(1), prot = c.int(2), flags = c.int(3), fd = c.int(4), off = c.ulong(5);
  const mm = c.proc.mm;
  let file: FileBacking | undefined;
  if (!(flags & MAP_ANONYMOUS)) {
    const f = c.proc.files.file(fd);
    if (!f) return -EBADF;
    if ((f.flags & O_ACCMODE) === O_WRONLY) return -EACCES;
    if ((flags & MAP_TYPE) === MAP_SHARED && prot & PROT_WRITE && !f.writable) return -EACCES;
    if (f.node instanceof FileNode) {
      // The model copies the file in whole; a sparse file too big to lay out is refused as memory it cannot have.
      let data: Uint8Array;
      try {
        data = f.node.data;
      } catch (e) {
        if (e instanceof FileTooBigError) return -ENOMEM;
        throw e;
      }
      file = { data, path: f.path, dev: f.node.dev, ino: f.node.ino };
    }
    else if (f.node instanceof CharDevNode && (f.node.rdev & 0xff) === 5) file = undefined; // /dev/zero: anonymous memory
    else return -ENODEV;
  }
  if (len === 0) return -EINVAL;
  return mm.mmap(addr, len, prot, flags, off, file);
}

export const MM_HANDLERS: Record<string, Handler> = {
  mmap,
  munmap: (c) => c.proc.mm.munmap(c.ulong(0), c.ulong(1)),
  mprotect: (c) => c.proc.mm.mprotect(c.ulong(0), c.ulong(1), c.int(2)),
  mremap: (c) => c.proc.mm.mremap(c.ulong(0), c.ulong(1), c.ulong(2), c.int(3), c.ulong(4)),
  brk: (c) => c.proc.mm.brk(c.ulong(0)),
  madvise: (c) => c.proc.mm.madvise(c.ulong(0), c.ulong(1), c.int(2)),
  msync: (c) => (c.ulong(0) % 4096 !== 0 ? -EINVAL : 0),
  mlock: () => 0,
  munlock: () => 0,
};
