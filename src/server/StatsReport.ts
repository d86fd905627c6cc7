/**
 * The lines of `stats`, `stats settings` and `stats conns`, in memcached's order, from the server's
 * counters, the store's, the settings and the connection registry. Statistics effcached has no
 * meaning for are left out (see docs/compatibility.md).
 *
 * @module
 */
import { protocolName } from "../config/Protocol.js"
import type { Settings } from "../config/ServerConfig.js"
import type { TlsSettings } from "../config/TlsSettings.js"
import { PROTOCOL_VERSION } from "../config/Version.js"
import type { OperatorSettings } from "../operator/Operator.js"
import { BUFFER_BYTES as WATCHER_BUFFER_BYTES } from "../operator/Watchers.js"
import type { StoreStats } from "../store/StoreCounters.js"
import type { Registry } from "./ConnectionRegistry.js"
import { PREFIX_DELIMITER } from "./PrefixStats.js"
import type { ServerCounters } from "./ServerStats.js"

type Entries = Array<readonly [string, string]>

const strings = (entries: ReadonlyArray<readonly [string, string | number]>): Entries =>
  entries.map(([name, value]) => [name, String(value)] as const)

const secondsSince = (now: number, since: number) => Math.max(0, Math.floor((now - since) / 1000))

const seconds = (micros: number) => (micros / 1e6).toFixed(6)

/**
 * The general `stats` lines. `now` is Unix milliseconds; `certsLoadedAt`, when the TLS certificates
 * in use were loaded (with `-Z`).
 */
export const generalStats = (
  server: ServerCounters,
  store: StoreStats,
  settings: Settings,
  now: number,
  certsLoadedAt = 0
): Entries => {
  const usage = process.resourceUsage()
  const entries: Array<readonly [string, string | number]> = [
    ["pid", process.pid],
    ["uptime", secondsSince(now, server.startedAt)],
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
    // Stores refused because memory was full (-M), as memcached counts them.
    ["store_no_memory", store.outofmemory],
    ["auth_cmds", server.authCmds],
    ["auth_errors", server.authErrors],
    // memcached reports idle_kicks only when an idle timeout is set.
    ...(settings.idleTimeout > 0 ? [["idle_kicks", server.idleKicks] as const] : []),
    ["bytes_read", server.bytesRead],
    ["bytes_written", server.bytesWritten],
    ["limit_maxbytes", store.limit_maxbytes],
    ["accepting_conns", server.accepting ? 1 : 0],
    // effcached never stops listening when full: it refuses the extra connection (maxconns_fast).
    ["listen_disabled_num", 0],
    ["time_in_listen_disabled_us", 0],
    ["threads", 1],
    ["conn_yields", server.connYields],
    // The key index: one per partition, reported as one table of all their slots (8 bytes each).
    ["hash_power_level", store.hash_bytes > 0 ? Math.floor(Math.log2(store.hash_bytes / 8)) : 0],
    ["hash_bytes", store.hash_bytes],
    ["hash_is_expanding", 0],
    ["bytes", store.bytes],
    ["curr_items", store.curr_items],
    ["total_items", store.total_items],
    ["expired_unfetched", store.expired_unfetched],
    ["evicted_unfetched", store.evicted_unfetched],
    // Items evicted although recently read: the CLOCK hand gives those a second chance instead.
    ["evicted_active", 0],
    ["evictions", store.evictions],
    ["reclaimed", store.reclaimed],
    ["crawler_reclaimed", store.crawler_reclaimed],
    // memcached reports these only with -Z, and new sessions only with ssl_session_cache.
    ...(settings.tls.enabled
      ? [
        ...(settings.tls.sessionCache ? [["ssl_new_sessions", server.sslNewSessions] as const] : []),
        ["ssl_handshake_errors", server.sslHandshakeErrors] as const,
        ["time_since_server_cert_refresh", secondsSince(now, certsLoadedAt)] as const
      ]
      : [])
  ]
  return strings(entries)
}

const yesNo = (b: boolean) => (b ? "yes" : "no")

/**
 * The `stats settings` lines for the settings effcached has, in memcached's order; `partitions` is
 * effcached's own. `port` is the bound port (the setting may be 0); `maxbytes` the memory limit now
 * (`cache_memlimit` changes it). Item classes are reported as memcached's defaults (growth factor
 * 1.25, 48-byte minimum, 512 KB largest chunk): effcached counts items in those classes.
 */
export const settingsStats = (
  settings: Settings,
  port: number,
  detailEnabled: boolean,
  maxbytes: number,
  operator: OperatorSettings
): Entries =>
  strings([
    ["maxbytes", maxbytes],
    ["maxconns", settings.maxConnections],
    ["tcpport", port],
    ["udpport", 0],
    ["inter", settings.host],
    ["verbosity", settings.verbosity],
    ["evictions", settings.evictions ? "on" : "off"],
    ["domain_socket", "NULL"],
    ["shutdown_command", yesNo(settings.enableShutdown)],
    ["growth_factor", "1.25"],
    ["chunk_size", 48],
    ["num_threads", 1],
    ["stat_key_prefix", PREFIX_DELIMITER],
    ["detail_enabled", yesNo(detailEnabled)],
    ["reqs_per_event", settings.reqsPerEvent],
    ["cas_enabled", "yes"],
    ["tcp_backlog", settings.listenBacklog],
    ["binding_protocol", protocolName(settings.protocol)],
    ["auth_enabled_sasl", yesNo(settings.sasl)],
    ["auth_enabled_ascii", settings.authFile ?? "no"],
    ["item_size_max", settings.maxItemSize],
    ["maxconns_fast", "yes"],
    // What the operator commands (slabs, lru_crawler, lru) set, reported as memcached reports it.
    ["slab_reassign", "yes"],
    ["slab_automove", operator.slabAutomove],
    ["slab_automove_ratio", operator.slabAutomoveRatio.toFixed(2)],
    ["slab_chunk_max", 524288],
    ["lru_crawler", yesNo(operator.crawler)],
    ["lru_crawler_sleep", operator.crawlerSleep],
    ["lru_crawler_tocrawl", operator.crawlerToCrawl],
    ["flush_enabled", "yes"],
    ["dump_enabled", "yes"],
    ["lru_maintainer_thread", "yes"],
    ["lru_segmented", yesNo(operator.lruSegmented)],
    ["hot_lru_pct", operator.hotLruPercent],
    ["warm_lru_pct", operator.warmLruPercent],
    ["hot_max_factor", operator.hotMaxFactor.toFixed(2)],
    ["warm_max_factor", operator.warmMaxFactor.toFixed(2)],
    ["temp_lru", yesNo(operator.temporaryLru)],
    ["temporary_ttl", operator.temporaryTtl],
    ["idle_timeout", settings.idleTimeout],
    ["watcher_logbuf_size", WATCHER_BUFFER_BYTES],
    ...tlsSettingsStats(settings.tls),
    ["partitions", settings.partitions]
  ])

/** The `ssl_*` lines of `stats settings`, printed as memcached prints them (unset files are `(null)`). */
const tlsSettingsStats = (tls: TlsSettings): Entries =>
  strings([
    ["ssl_enabled", yesNo(tls.enabled)],
    ["ssl_chain_cert", tls.chainCert ?? "(null)"],
    ["ssl_key", tls.key ?? "(null)"],
    ["ssl_verify_mode", tls.verifyMode],
    ["ssl_keyformat", tls.keyFormat],
    ["ssl_ciphers", tls.ciphers ?? "NULL"],
    ["ssl_ca_cert", tls.caCert ?? "NULL"],
    ["ssl_wbuf_size", tls.wbufSize],
    ["ssl_session_cache", yesNo(tls.sessionCache)],
    ["ssl_kernel_tls", "no"],
    ["ssl_min_version", tls.minVersion]
  ])

/** The `stats conns` lines: the listening socket, then every connection, as memcached prints them. */
export const connsStats = (registry: Registry, now: number): Entries => {
  const entries: Array<readonly [string, string | number]> = []
  for (const listening of registry.listeners) {
    entries.push(
      [`${listening.id}:addr`, listening.address],
      [`${listening.id}:state`, "conn_listening"],
      [`${listening.id}:secs_since_last_cmd`, secondsSince(now, listening.since)]
    )
  }
  for (const c of registry.connections()) {
    entries.push(
      [`${c.id}:addr`, c.address],
      [`${c.id}:listen_addr`, c.listenAddress],
      [`${c.id}:state`, c.state],
      [`${c.id}:secs_since_last_cmd`, secondsSince(now, c.lastCommandAt)]
    )
  }
  return strings(entries)
}
