/**
 * The benchmark's scenarios: each a named workload (or, for `p1`, a ladder of them by connection
 * count), selectable with `--scenarios`. Every load scenario prefills its keyspace first, so gets hit
 * and every value read can be verified.
 *
 * @module
 */
import type { Workload } from "./Workload.js"

/** The scenarios, in the order they run. */
export const SCENARIO_IDS = [
  "p1",
  "p16",
  "mget10",
  "v100k",
  "setonly",
  "setonly16",
  "memory",
  "memory10m",
  "clients",
  "persistence"
] as const

/** One of SCENARIO_IDS. */
export type ScenarioId = (typeof SCENARIO_IDS)[number]

/** The scenarios a plain `npm run bench` runs: all but memory10m, which takes minutes (opt-in). */
export const DEFAULT_SCENARIOS: ReadonlyArray<ScenarioId> = SCENARIO_IDS.filter((id) => id !== "memory10m")

/** Connection counts of the `p1` ladder unless `--conns` says otherwise. */
export const DEFAULT_LADDER: ReadonlyArray<number> = [50, 100, 150, 200, 250, 300, 350, 400]

/** Items written by the memory scenario. */
export const MEMORY_ITEMS = 1_000_000
/** Items written by the memory10m scenario. */
export const MEMORY_10M_ITEMS = 10_000_000
/** The memory limit (-m, MB) of memory10m's servers at least: 10M items of 100 bytes must fit without eviction. */
export const MEMORY_10M_LIMIT_MB = 4096

/** What one scenario is, in words, for the help text and the reports. */
export const DESCRIPTIONS: Record<ScenarioId, string> = {
  p1: "non-pipelined get/set 1:10, 100-byte values, 100,000 keys; a ladder of connection counts",
  p16: "pipelined 16 deep, 50 connections, get/set 1:10, 100-byte values",
  mget10: "multi-get of 10 keys (one request), 50 connections, get/set 1:10, 100-byte values",
  v100k: "100 KB values, 20 connections, get/set 1:10, 2,000 keys",
  setonly: "sets only, 50 connections, 100-byte values, 100,000 keys",
  setonly16: "sets only, pipelined 16 deep, 50 connections, 100-byte values, 100,000 keys",
  memory: "RSS after 1,000,000 pipelined sets of 100-byte values",
  memory10m:
    `RSS after 10,000,000 pipelined sets of 100-byte values, -m at least ${MEMORY_10M_LIMIT_MB} (opt-in: minutes)`,
  clients:
    "client libraries compared (effcached's, memcached, memcache-client) on one server: 50 in flight, get/set 1:10",
  persistence:
    "effcached's --data-dir: restore of 1,000,000 items; p16 throughput off/everysec/always; p99 under snapshots"
}

/** One thing to measure on every server: a load run, or a memory fill. */
export interface Step {
  readonly scenario: ScenarioId
  /** Unique within a benchmark, e.g. `p1 c150`. */
  readonly label: string
  readonly kind: "load" | "memory"
  readonly workload: Workload
  /** The servers' memory limit (-m, MB) this step needs at least, when more than the default. */
  readonly memoryMb?: number
}

const base: Workload = { conns: 50, depth: 1, setWeight: 1, getWeight: 10, keys: 100_000, valueSize: 100, multiGet: 1 }

/** The steps of the chosen scenarios, in run order; `ladder` gives the connection counts of `p1`. */
export const steps = (
  ids: ReadonlyArray<ScenarioId>,
  ladder: ReadonlyArray<number> = DEFAULT_LADDER
): ReadonlyArray<Step> =>
  SCENARIO_IDS.filter((id) => ids.includes(id)).flatMap((id): ReadonlyArray<Step> => {
    const load = (workload: Workload, label: string = id): Step => ({ scenario: id, label, kind: "load", workload })
    switch (id) {
      case "p1":
        return ladder.map((conns) => load({ ...base, conns }, `p1 c${conns}`))
      case "p16":
        return [load({ ...base, depth: 16 })]
      case "mget10":
        return [load({ ...base, multiGet: 10 })]
      case "v100k":
        return [load({ ...base, conns: 20, keys: 2_000, valueSize: 100 * 1024 })]
      case "setonly":
        return [load({ ...base, setWeight: 1, getWeight: 0 })]
      case "setonly16":
        return [load({ ...base, setWeight: 1, getWeight: 0, depth: 16 })]
      case "memory":
        return [{ scenario: id, label: id, kind: "memory", workload: { ...base, keys: MEMORY_ITEMS } }]
      case "memory10m":
        return [{
          scenario: id,
          label: id,
          kind: "memory",
          workload: { ...base, keys: MEMORY_10M_ITEMS },
          memoryMb: MEMORY_10M_LIMIT_MB
        }]
      case "clients":
        // Not a server step: ClientBench runs it (the clients vary, the server does not).
        return []
      case "persistence":
        // Not a server step: PersistenceBench runs it (effcached's persistence settings vary).
        return []
    }
  })
