/** Runs the CLI in this process and collects what it writes (guest bytes as latin1, one char per byte, as the corpus records stdout). */
import { main, type Io } from "../src/cli.js";

export async function uabi(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "", err = "";
  const text = (d: string | Uint8Array) => (typeof d === "string" ? d : Buffer.from(d).toString("latin1"));
  const io: Io = { stdout: { write: (d) => (out += text(d)) }, stderr: { write: (d) => (err += text(d)) }, stdin: new Uint8Array() };
  const code = await main(argv, io);
  return { code, out, err };
}
