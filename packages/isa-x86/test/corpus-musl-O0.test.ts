import { describe } from "vitest";
import { corpusTests } from "./corpus-run.js";

describe("corpus x86_64-musl -O0: stdout and exit status match the native recording", () => corpusTests("x86_64-musl", "-O0"));
