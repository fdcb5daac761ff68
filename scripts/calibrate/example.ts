import { COMPOSITES, CostLedger, DEFAULT_PROFILE, predict } from "../../packages/kernel/src/cost/index.js";

// What each mechanism costs under the default profile, for a 40-instruction handler.
const params = { handlerInsns: 40, cbpfTrap: 9, cbpfReissue: 15, cbpfSigreturn: 3, cbpfAllow: 15, frameBytes: 32 };
for (const c of COMPOSITES) console.log(c.id.padEnd(32), predict(DEFAULT_PROFILE, c.counters(params)).totalNs.toFixed(0).padStart(6), "ns");
// The kernel charges a ledger per process; everything between begin and end lands on that syscall.
const ledger = new CostLedger();
ledger.begin(172);
ledger.add("kernelEntries", 2);
ledger.frame(32, "bounce");
ledger.add("handlerInsns", 40);
ledger.end();
console.log(ledger.bySyscall.get(172), predict(DEFAULT_PROFILE, ledger.total).totalNs.toFixed(1), "ns");
