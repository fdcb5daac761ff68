import { mechanismMatrix, TRAPPING } from "./mechanism-matrix.js";

mechanismMatrix("aarch64-glibc", TRAPPING);
