/**
 * V8 settings the daemon gives itself, before anything else is loaded (`main.ts` imports this module
 * first, so they hold from the first allocation on; `node dist/main.js` takes no node flags).
 *
 * Allocation-site pretenuring is turned off. V8 watches which allocation sites' objects survive
 * scavenges and, past a threshold, allocates that site's objects directly in the old generation. A
 * server's per-request objects (decoded requests, batch routing, Effect's continuations) are all
 * alive while their batch is in flight, which is exactly when a scavenge tends to look at them (a
 * pipelined burst, the prefill of a benchmark), so their sites got pretenured and every later request
 * put its short-lived objects into the old generation: it grew by ~0.8 MB per scavenge until a
 * mark-compact (tens of milliseconds) cleared it, and scavenges took twice as long tracing old-to-new
 * references. Without pretenuring they die young, where collecting them is nearly free. Measured in
 * docs/benchmarks.md ("What each change bought").
 *
 * @module
 */
import * as v8 from "node:v8"

v8.setFlagsFromString("--no-allocation-site-pretenuring")
