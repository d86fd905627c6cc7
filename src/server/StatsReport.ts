/**
 * The `stats` command: memcached's general statistics, in memcached's order, from the server's
 * counters, the store's and the settings. Statistics effcached has no meaning for are left out
 * (see docs/compatibility.md).
 *
 * @module
 */
import type { Settings } from "../config/ServerConfig.js"
import { PROTOCOL_VERSION } from "../config/Version.js"
import type { StoreStats } from "../store/StoreCounters.js"
import type { ServerCounters } from "./ServerStats.js"

const seconds = (micros: number) => (micros / 1e6).toFixed(6)

/** The general `stats` lines. `now` is Unix milliseconds. */
export const generalStats = (
  server: ServerCounters,
  store: StoreStats,
  settings: Settings,
  now: number
): Array<readonly [string, string]> => {
  const usage = process.resourceUsage()
  const entries: Array<readonly [string, string | number]> = [
    ["pid", process.pid],
    ["uptime", Math.max(0, Math.floor((now - server.startedAt) / 1000))],
    ["time", Math.floor(now / 1000)],
    ["version", PROTOCOL_VERSION],
    ["pointer_size", 64],
    ["rusage_user", seconds(usage.userCPUTime)],
    ["rusage_system", seconds(usage.systemCPUTime)],
    ["max_connections", settings.maxConnections],
    ["curr_connections", server.currConnections],
    ["total_connections", server.totalConnections],
    ["rejected_connections", server.rejectedConnections],
    ["cmd_get", store.cmd_get],
    ["cmd_set", store.cmd_set],
    ["cmd_flush", server.cmdFlush],
    ["cmd_touch", store.cmd_touch],
    ["cmd_meta", store.cmd_meta],
    ["get_hits", store.get_hits],
    ["get_misses", store.get_misses],
    ["get_expired", store.get_expired],
    ["get_flushed", store.get_flushed],
    ["delete_misses", store.delete_misses],
    ["delete_hits", store.delete_hits],
    ["incr_misses", store.incr_misses],
    ["incr_hits", store.incr_hits],
    ["decr_misses", store.decr_misses],
    ["decr_hits", store.decr_hits],
    ["cas_misses", store.cas_misses],
    ["cas_hits", store.cas_hits],
    ["cas_badval", store.cas_badval],
    ["touch_hits", store.touch_hits],
    ["touch_misses", store.touch_misses],
    ["store_too_large", store.store_too_large],
    ["bytes_read", server.bytesRead],
    ["bytes_written", server.bytesWritten],
    ["limit_maxbytes", store.limit_maxbytes],
    ["threads", 1],
    ["bytes", store.bytes],
    ["curr_items", store.curr_items],
    ["total_items", store.total_items],
    ["expired_unfetched", store.expired_unfetched],
    ["evictions", store.evictions],
    ["reclaimed", store.reclaimed],
    ["crawler_reclaimed", store.crawler_reclaimed]
  ]
  return entries.map(([name, value]) => [name, String(value)] as const)
}

/** The `stats settings` lines, for the settings effcached has. */
export const settingsStats = (settings: Settings): Array<readonly [string, string]> =>
  ([
    ["maxbytes", settings.memoryLimit],
    ["maxconns", settings.maxConnections],
    ["tcpport", settings.port],
    ["udpport", 0],
    ["verbosity", settings.verbosity],
    ["num_threads", 1],
    ["cas_enabled", "yes"],
    ["binding_protocol", "ascii"],
    ["item_size_max", settings.maxItemSize],
    ["idle_timeout", 0],
    ["partitions", settings.partitions]
  ] as const).map(([name, value]) => [name, String(value)] as const)
