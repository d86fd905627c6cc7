/**
 * The statistics a store keeps, named as memcached names them. Each partition owns one set; `stats`
 * sums them.
 *
 * @module
 */

/** Counters that `stats reset` clears. */
export const counterNames = [
  "cmd_get",
  "cmd_set",
  "cmd_touch",
  "cmd_meta",
  "get_hits",
  "get_misses",
  "get_expired",
  "get_flushed",
  "delete_misses",
  "delete_hits",
  "incr_misses",
  "incr_hits",
  "decr_misses",
  "decr_hits",
  "cas_misses",
  "cas_hits",
  "cas_badval",
  "touch_hits",
  "touch_misses",
  "store_too_large",
  "total_items",
  "expired_unfetched",
  "reclaimed",
  "crawler_reclaimed",
  "evictions",
  "evicted_unfetched",
  "evicted_nonzero",
  "outofmemory"
] as const

/** Gauges that describe current contents; `stats reset` leaves them. */
export const gaugeNames = [
  "curr_items",
  "bytes",
  "last_evicted_age",
  "limit_maxbytes",
  "total_malloced",
  "hash_bytes"
] as const

/** The name of a store statistic. */
export type StoreStatName = (typeof counterNames)[number] | (typeof gaugeNames)[number]

/** A snapshot of a store's statistics. */
export type StoreStats = Readonly<Record<StoreStatName, number>>

/** One partition's mutable statistics. */
export class StoreCounters {
  cmd_get = 0
  cmd_set = 0
  cmd_touch = 0
  cmd_meta = 0
  get_hits = 0
  get_misses = 0
  get_expired = 0
  get_flushed = 0
  delete_misses = 0
  delete_hits = 0
  incr_misses = 0
  incr_hits = 0
  decr_misses = 0
  decr_hits = 0
  cas_misses = 0
  cas_hits = 0
  cas_badval = 0
  touch_hits = 0
  touch_misses = 0
  store_too_large = 0
  total_items = 0
  expired_unfetched = 0
  reclaimed = 0
  crawler_reclaimed = 0
  evictions = 0
  evicted_unfetched = 0
  evicted_nonzero = 0
  outofmemory = 0
  curr_items = 0
  bytes = 0
  /** Seconds between the last evicted item's last access and its eviction (memcached's evicted_time). */
  last_evicted_age = 0
  /** This partition's memory limit in bytes (the sum over partitions is `-m` or the last cache_memlimit). */
  limit_maxbytes = 0
  /** Bytes of item memory held (segments), set when a snapshot is taken. */
  total_malloced = 0
  /** Bytes of the key index, set when a snapshot is taken. */
  hash_bytes = 0

  /** Clears the counters, keeping the gauges. */
  reset(): void {
    for (const name of counterNames) this[name] = 0
  }

  /** A copy of the current values. */
  snapshot(): StoreStats {
    const out = {} as Record<StoreStatName, number>
    for (const name of counterNames) out[name] = this[name]
    for (const name of gaugeNames) out[name] = this[name]
    return out
  }
}

/** Sums snapshots (one per partition). */
export const sumStats = (parts: ReadonlyArray<StoreStats>): StoreStats => {
  const out = {} as Record<StoreStatName, number>
  for (const name of [...counterNames, ...gaugeNames]) {
    let total = 0
    for (const part of parts) total += part[name]
    out[name] = total
  }
  return out
}
