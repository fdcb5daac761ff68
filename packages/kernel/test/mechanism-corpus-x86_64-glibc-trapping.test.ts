import { mechanismMatrix, TRAPPING } from "./mechanism-matrix.js";

mechanismMatrix("x86_64-glibc", TRAPPING);
