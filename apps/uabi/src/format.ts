/** Number formatting shared by the commands and the demo report (no Node: the playground uses it too). */

/** A modelled time in the unit that keeps it short: ns, µs or ms. */
export function formatNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(1)} ns`;
}
