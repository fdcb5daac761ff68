import { mechanismMatrix, REFLECTING } from "./mechanism-matrix.js";

mechanismMatrix("aarch64-glibc", REFLECTING);
