/**
 * memcached's statistics as Prometheus metrics, named, typed and derived as
 * prometheus/memcached_exporter derives them from `stats`, `stats settings`, `stats items` and
 * `stats slabs`, so dashboards and alerts written for the exporter work unchanged. The input is the
 * very lines those commands answer; statistics effcached reports only as memcached's idle values
 * (segmented-LRU counts, slab pages and free chunks, tail repairs) are not exported.
 *
 * @module
 */
import { type Family, family, type Sample, single } from "./Exposition.js"

/** `STAT name value` lines, as the stats reports produce them. */
export type StatLines = ReadonlyArray<readonly [string, string]>

/** The lines of the four stats groups the exporter reads. */
export interface StatsGroups {
  readonly general: StatLines
  readonly settings: StatLines
  readonly items: StatLines
  readonly slabs: StatLines
}

type Kind = "counter" | "gauge"

/** A `stats` line exported one to one: stat name, metric name, type, help. */
export type StatMetric = readonly [stat: string, name: string, type: Kind, help: string]

/** The families of `specs` whose stat is among `stats` (a stat it lacks gives no family). */
export const statFamilies = (stats: ReadonlyMap<string, string>, specs: ReadonlyArray<StatMetric>): Array<Family> => {
  const families: Array<Family> = []
  for (const [stat, name, type, help] of specs) {
    const value = stats.get(stat)
    if (value !== undefined) families.push(single(name, type, help, Number(value)))
  }
  return families
}

/** `stats` lines exported one to one (the exporter's names and help). */
const GENERAL: ReadonlyArray<StatMetric> = [
  ["uptime", "memcached_uptime_seconds", "counter", "Number of seconds since the server started."],
  ["time", "memcached_time_seconds", "gauge", "current UNIX time according to the server."],
  ["bytes_read", "memcached_read_bytes_total", "counter", "Total number of bytes read by this server from network."],
  [
    "bytes_written",
    "memcached_written_bytes_total",
    "counter",
    "Total number of bytes sent by this server to network."
  ],
  ["curr_connections", "memcached_current_connections", "gauge", "Current number of open connections."],
  [
    "total_connections",
    "memcached_connections_total",
    "counter",
    "Total number of connections opened since the server started running."
  ],
  [
    "rejected_connections",
    "memcached_connections_rejected_total",
    "counter",
    "Total number of connections rejected due to hitting the memcached's -c limit in maxconns_fast mode."
  ],
  [
    "conn_yields",
    "memcached_connections_yielded_total",
    "counter",
    "Total number of connections yielded running due to hitting the memcached's -R limit."
  ],
  [
    "listen_disabled_num",
    "memcached_connections_listener_disabled_total",
    "counter",
    "Number of times that memcached has hit its connections limit and disabled its listener."
  ],
  ["bytes", "memcached_current_bytes", "gauge", "Current number of bytes used to store items."],
  ["limit_maxbytes", "memcached_limit_bytes", "gauge", "Number of bytes this server is allowed to use for storage."],
  ["curr_items", "memcached_current_items", "gauge", "Current number of items stored by this instance."],
  ["total_items", "memcached_items_total", "counter", "Total number of items stored during the life of this instance."],
  [
    "evictions",
    "memcached_items_evicted_total",
    "counter",
    "Total number of valid items removed from cache to free memory for new items."
  ],
  [
    "reclaimed",
    "memcached_items_reclaimed_total",
    "counter",
    "Total number of times an entry was stored using memory from an expired entry."
  ],
  [
    "store_too_large",
    "memcached_item_too_large_total",
    "counter",
    "The number of times an item exceeded the max-item-size when being stored."
  ],
  [
    "store_no_memory",
    "memcached_item_no_memory_total",
    "counter",
    "The number of times an item could not be stored due to no more memory."
  ],
  ["crawler_reclaimed", "memcached_lru_crawler_reclaimed_total", "counter", "Total items freed by LRU Crawler."],
  [
    "accepting_conns",
    "memcached_accepting_connections",
    "gauge",
    "The Memcached server is currently accepting new connections."
  ]
]

/** `stats items` per-class lines exported, labelled by `slab`. */
const ITEMS: ReadonlyArray<StatMetric> = [
  ["number", "memcached_slab_current_items", "gauge", "Number of items currently stored in this slab class."],
  ["age", "memcached_slab_items_age_seconds", "gauge", "Number of seconds the oldest item has been in the slab class."],
  [
    "mem_requested",
    "memcached_slab_mem_requested_bytes",
    "counter",
    "Number of bytes of memory actual items take up within a slab."
  ],
  [
    "evicted",
    "memcached_slab_items_evicted_total",
    "counter",
    "Total number of times an item had to be evicted from the LRU before it expired."
  ],
  [
    "evicted_nonzero",
    "memcached_slab_items_evicted_nonzero_total",
    "counter",
    "Total number of times an item which had an explicit expire time set had to be evicted from the LRU before it expired."
  ],
  [
    "evicted_time",
    "memcached_slab_items_evicted_time_seconds",
    "counter",
    "Seconds since the last access for the most recent item evicted from this class."
  ],
  [
    "evicted_unfetched",
    "memcached_slab_items_evicted_unfetched_total",
    "counter",
    "Total nmber of items evicted and never fetched."
  ],
  [
    "expired_unfetched",
    "memcached_slab_items_expired_unfetched_total",
    "counter",
    "Total number of valid items evicted from the LRU which were never touched after being set."
  ],
  [
    "outofmemory",
    "memcached_slab_items_outofmemory_total",
    "counter",
    "Total number of items for this slab class that have triggered an out of memory error."
  ],
  ["reclaimed", "memcached_slab_items_reclaimed_total", "counter", "Total number of items reclaimed."],
  [
    "crawler_reclaimed",
    "memcached_slab_items_crawler_reclaimed_total",
    "counter",
    "Number of items freed by the LRU Crawler."
  ]
]

/** `stats slabs` per-class lines exported: the ones that are real numbers in effcached. */
const SLABS: ReadonlyArray<StatMetric> = [
  [
    "chunk_size",
    "memcached_slab_chunk_size_bytes",
    "gauge",
    "Number of bytes allocated to each chunk within this slab class."
  ],
  ["used_chunks", "memcached_slab_chunks_used", "gauge", "Number of chunks allocated to an item."]
]

/**
 * `stats settings` lines the exporter reads when the LRU crawler is on (`lru_crawler yes`): name,
 * metric, help; `yes`/`no` read as 1/0.
 */
const CRAWLER_SETTINGS: ReadonlyArray<readonly [string, string, string]> = [
  ["lru_crawler", "memcached_lru_crawler_enabled", "Whether the LRU crawler is enabled."],
  ["lru_crawler_sleep", "memcached_lru_crawler_sleep", "Microseconds to sleep between LRU crawls."],
  ["lru_crawler_tocrawl", "memcached_lru_crawler_to_crawl", "Max items to crawl per slab per run."],
  ["lru_maintainer_thread", "memcached_lru_crawler_maintainer_thread", "Split LRU mode and background threads."],
  ["hot_lru_pct", "memcached_lru_crawler_hot_percent", "Percent of slab memory reserved for HOT LRU."],
  ["warm_lru_pct", "memcached_lru_crawler_warm_percent", "Percent of slab memory reserved for WARM LRU."],
  ["hot_max_factor", "memcached_lru_crawler_hot_max_factor", "Set idle age of HOT LRU to COLD age * this"],
  ["warm_max_factor", "memcached_lru_crawler_warm_max_factor", "Set idle age of WARM LRU to COLD age * this"]
]

const settingValue = (raw: string): number => (raw === "yes" ? 1 : raw === "no" ? 0 : Number(raw))

/** The commands counted per outcome, as the exporter names them. */
const HIT_MISS_COMMANDS = ["get", "delete", "incr", "decr", "cas", "touch"] as const

const toMap = (lines: StatLines): Map<string, string> => new Map(lines)

/** memcached's `seconds.micros` CPU times. */
const timeval = (raw: string): number => {
  const [seconds, micros] = raw.split(".")
  return Number(seconds) + Number(micros ?? 0) / 1e6
}

/** The per-class lines of a report (`items:<n>:<name>` or `<n>:<name>`), by class, then by name. */
const byClass = (lines: StatLines, prefix: string): Map<number, Map<string, number>> => {
  const out = new Map<number, Map<string, number>>()
  for (const [key, value] of lines) {
    if (!key.startsWith(prefix)) continue
    const rest = key.slice(prefix.length)
    const colon = rest.indexOf(":")
    if (colon < 0) continue
    const cls = Number(rest.slice(0, colon))
    if (!Number.isInteger(cls)) continue
    let stats = out.get(cls)
    if (stats === undefined) out.set(cls, stats = new Map())
    stats.set(rest.slice(colon + 1), Number(value))
  }
  return out
}

/** A labelled family over every class that has the statistic. */
const perClass = (
  classes: Map<number, Map<string, number>>,
  [stat, name, type, help]: StatMetric
): Family => {
  const samples: Array<Sample> = []
  for (const [cls, stats] of classes) {
    const value = stats.get(stat)
    if (value !== undefined) samples.push({ labels: { slab: String(cls) }, value })
  }
  return family(name, type, help, samples)
}

/** The hit/miss/badval counts of the commands, derived as the exporter derives them. */
const commandSamples = (s: Map<string, string>): Array<Sample> => {
  const n = (name: string) => Number(s.get(name) ?? 0)
  const sample = (command: string, status: string, value: number): Sample => ({ labels: { command, status }, value })
  const samples: Array<Sample> = []
  for (const op of HIT_MISS_COMMANDS) {
    samples.push(sample(op, "hit", n(`${op}_hits`)), sample(op, "miss", n(`${op}_misses`)))
  }
  samples.push(
    sample("cas", "badval", n("cas_badval")),
    sample("flush", "hit", n("cmd_flush")),
    // memcached counts cas commands in cmd_set too: the exporter takes them out.
    sample("set", "hit", n("cmd_set") - (n("cas_misses") + n("cas_hits") + n("cas_badval")))
  )
  return samples
}

/** Per class, the commands as `stats slabs` counts them (no misses: a miss has no class). */
const slabCommandSamples = (classes: Map<number, Map<string, number>>): Array<Sample> => {
  const samples: Array<Sample> = []
  for (const [cls, stats] of classes) {
    const slab = String(cls)
    const n = (name: string) => stats.get(name) ?? 0
    for (const op of HIT_MISS_COMMANDS) {
      samples.push({ labels: { slab, command: op, status: "hit" }, value: n(`${op}_hits`) })
    }
    samples.push(
      { labels: { slab, command: "cas", status: "badval" }, value: n("cas_badval") },
      { labels: { slab, command: "set", status: "hit" }, value: n("cmd_set") - (n("cas_hits") + n("cas_badval")) }
    )
  }
  return samples
}

/** memcached_exporter's families from the stats groups' lines. */
export const memcachedFamilies = (groups: StatsGroups): Array<Family> => {
  const s = toMap(groups.general)
  const settings = toMap(groups.settings)
  const slabStats = toMap(groups.slabs)
  const families: Array<Family> = [
    single("memcached_up", "gauge", "Could the memcached server be reached.", 1),
    family("memcached_version", "gauge", "The version of this memcached server.", [{
      labels: { version: s.get("version") ?? "" },
      value: 1
    }]),
    family(
      "memcached_commands_total",
      "counter",
      "Total number of all requests broken down by command (get, set, etc.) and status.",
      commandSamples(s)
    ),
    single(
      "memcached_process_user_cpu_seconds_total",
      "counter",
      "Accumulated user time for this process.",
      timeval(s.get("rusage_user") ?? "0")
    ),
    single(
      "memcached_process_system_cpu_seconds_total",
      "counter",
      "Accumulated system time for this process.",
      timeval(s.get("rusage_system") ?? "0")
    ),
    single(
      "memcached_max_connections",
      "gauge",
      "Maximum number of clients allowed.",
      Number(settings.get("maxconns") ?? 0)
    ),
    single(
      "memcached_malloced_bytes",
      "gauge",
      "Number of bytes of memory allocated to slab pages.",
      Number(slabStats.get("total_malloced") ?? 0)
    )
  ]
  families.push(...statFamilies(s, GENERAL))
  if (settings.get("lru_crawler") === "yes") {
    for (const [stat, name, help] of CRAWLER_SETTINGS) {
      const value = settings.get(stat)
      if (value !== undefined) families.push(single(name, "gauge", help, settingValue(value)))
    }
  }
  const items = byClass(groups.items, "items:")
  const slabs = byClass(groups.slabs, "")
  for (const spec of ITEMS) families.push(perClass(items, spec))
  for (const spec of SLABS) families.push(perClass(slabs, spec))
  families.push(family(
    "memcached_slab_commands_total",
    "counter",
    "Total number of all requests broken down by command (get, set, etc.) and status per slab.",
    slabCommandSamples(slabs)
  ))
  return families
}
