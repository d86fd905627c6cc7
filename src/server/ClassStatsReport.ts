/**
 * `stats items`, `stats slabs` and `stats sizes`: the store's per-class statistics in memcached's
 * format. effcached has no slab allocator; each item is counted in the class memcached would have put
 * it in, so tools that read these reports find the shape they expect. What has no equivalent
 * (segmented-LRU counts, free chunks) reads as memcached's idle values; docs/compatibility.md lists it.
 *
 * @module
 */
import type { ClassSnapshot } from "../store/ClassStats.js"
import { classSizes } from "../store/SizeClasses.js"

type Entries = Array<readonly [string, string]>

/** memcached's slab page size: chunks per page are reported against it. */
const PAGE = 1024 * 1024

/** The `stats items` lines. `now` is Unix seconds. */
export const itemsStats = (snapshot: ClassSnapshot, now: number): Entries => {
  const out: Entries = []
  const c = snapshot.classes
  const age = snapshot.oldest === 0 ? 0 : Math.max(0, now - snapshot.oldest)
  for (let n = 1; n < classSizes.length; n++) {
    const number = c.number[n]!
    if (number === 0) continue
    const stat = (name: string, value: number) => out.push([`items:${n}:${name}`, String(value)])
    stat("number", number)
    // One CLOCK list, no hot/warm/cold segments: every item counts as cold.
    stat("number_hot", 0)
    stat("number_warm", 0)
    stat("number_cold", number)
    stat("age_hot", 0)
    stat("age_warm", 0)
    stat("age", age)
    stat("mem_requested", c.mem_requested[n]!)
    stat("evicted", c.evicted[n]!)
    stat("evicted_nonzero", c.evicted_nonzero[n]!)
    stat("evicted_time", c.evicted_time[n]!)
    stat("outofmemory", c.outofmemory[n]!)
    stat("tailrepairs", 0)
    stat("reclaimed", c.reclaimed[n]!)
    stat("expired_unfetched", c.expired_unfetched[n]!)
    stat("evicted_unfetched", c.evicted_unfetched[n]!)
    stat("evicted_active", 0)
    stat("crawler_reclaimed", c.crawler_reclaimed[n]!)
    for (
      const name of [
        "crawler_items_checked",
        "lrutail_reflocked",
        "moves_to_cold",
        "moves_to_warm",
        "moves_within_lru",
        "direct_reclaims",
        "hits_to_hot",
        "hits_to_warm",
        "hits_to_cold",
        "hits_to_temp"
      ]
    ) {
      stat(name, 0)
    }
  }
  return out
}

/** The `stats slabs` lines; `malloced` is the bytes of item memory the store holds. */
export const slabsStats = (snapshot: ClassSnapshot, malloced: number): Entries => {
  const out: Entries = []
  const c = snapshot.classes
  let active = 0
  for (let n = 1; n < classSizes.length; n++) {
    const used = c.number[n]!
    if (used === 0) continue
    active++
    const size = classSizes[n]!
    const perPage = Math.max(1, Math.floor(PAGE / size))
    const pages = Math.ceil(used / perPage)
    const stat = (name: string, value: number) => out.push([`${n}:${name}`, String(value)])
    stat("chunk_size", size)
    stat("chunks_per_page", perPage)
    stat("total_pages", pages)
    stat("total_chunks", pages * perPage)
    stat("used_chunks", used)
    stat("free_chunks", pages * perPage - used)
    stat("free_chunks_end", 0)
    for (
      const name of [
        "get_hits",
        "cmd_set",
        "delete_hits",
        "incr_hits",
        "decr_hits",
        "cas_hits",
        "cas_badval",
        "touch_hits"
      ] as const
    ) {
      stat(name, c[name][n]!)
    }
  }
  out.push(["active_slabs", String(active)], ["total_malloced", String(malloced)])
  return out
}

/** The `stats sizes` lines: the histogram in 32-byte steps, or memcached's note that it is off. */
export const sizesStats = (snapshot: ClassSnapshot): Entries =>
  snapshot.sizes === undefined
    ? [["sizes_status", "disabled"]]
    : [...snapshot.sizes].sort(([a], [b]) => a - b).map(([bucket, count]) => [String(bucket), String(count)] as const)
