import { mechanismMatrix, REFLECTING } from "./mechanism-matrix.js";

mechanismMatrix("x86_64-musl", REFLECTING);
