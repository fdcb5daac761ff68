/**
 * Every x86_64-musl corpus fixture runs under the kernel in direct mode with the recorded stdout, exit
 * status and syscall sequence (exceptions, with reasons, in corpus-cases.ts; heavy programs in
 * corpus-heavy.test.ts). One file per target keeps each file well under 20 s.
 */
import { corpusSuite } from "./corpus-suite.js";

corpusSuite("x86_64-musl");
