/**
 * The operator's requests, as memcached 1.6 names them: the LRU crawler (`lru_crawler metadump`,
 * `crawl`, `enable`, `disable`, `sleep`, `tocrawl`), slab rebalancing (`slabs automove`, `slabs
 * reassign`), LRU tuning (`lru tune`, `lru mode`, `lru temp_ttl`) and the log streams (`watch`).
 * Malformed lines never get here: the protocol answers them with memcached's error.
 *
 * @module
 */
import * as Schema from "effect/Schema"

/**
 * Which size classes an `lru_crawler` command names: `all`, `hash` (the whole hash table, which only
 * `metadump` can walk), a list of class ids, or a list memcached rejects (`BADCLASS`). The check is the
 * server's to report, because memcached reports a disabled crawler first.
 */
export const ClassSelection = Schema.Union(
  Schema.TaggedStruct("AllClasses", {}),
  Schema.TaggedStruct("HashTable", {}),
  // Possibly empty (`lru_crawler crawl ,`): memcached then answers NOTSTARTED.
  Schema.TaggedStruct("ClassList", { ids: Schema.Array(Schema.Int) }),
  Schema.TaggedStruct("BadClassList", {})
)
/** @see ClassSelection */
export type ClassSelection = typeof ClassSelection.Type

/** `lru_crawler metadump <all|hash|ids>`: one line per live item, then END. */
export const LruCrawlerMetadump = Schema.TaggedStruct("LruCrawlerMetadump", { classes: ClassSelection })
/** `lru_crawler crawl <all|ids>`: reclaim the expired items of those classes now. */
export const LruCrawlerCrawl = Schema.TaggedStruct("LruCrawlerCrawl", { classes: ClassSelection })
/** `lru_crawler enable` / `lru_crawler disable`: turn the crawler (metadump, crawl) on or off. */
export const LruCrawlerSwitch = Schema.TaggedStruct("LruCrawlerSwitch", { enable: Schema.Boolean })
/** `lru_crawler sleep <µs>` (at most a second) and `lru_crawler tocrawl <n>`: crawler pacing. */
export const LruCrawlerTune = Schema.TaggedStruct("LruCrawlerTune", {
  setting: Schema.Literal("sleep", "tocrawl"),
  to: Schema.NonNegativeInt
})
/** `slabs automove <0|1|2>` or `slabs automove ratio <r>`. */
export const SlabsAutomove = Schema.TaggedStruct("SlabsAutomove", {
  level: Schema.optional(Schema.Literal(0, 1, 2)),
  ratio: Schema.optional(Schema.Number),
  noreply: Schema.Boolean
})
/** `slabs reassign <src> <dst>`: move a slab page from one class to another (-1: any source). */
export const SlabsReassign = Schema.TaggedStruct("SlabsReassign", { source: Schema.Int, destination: Schema.Int })
/** `lru tune <hot%> <warm%> <hot factor> <warm factor>`, `lru mode <flat|segmented>`, `lru temp_ttl <s>`. */
export const LruTune = Schema.TaggedStruct("LruTune", {
  setting: Schema.Union(
    Schema.TaggedStruct("Segments", {
      hotPercent: Schema.NonNegativeInt,
      warmPercent: Schema.NonNegativeInt,
      hotFactor: Schema.Number,
      warmFactor: Schema.Number
    }),
    Schema.TaggedStruct("Mode", { segmented: Schema.Boolean }),
    Schema.TaggedStruct("TemporaryTtl", { seconds: Schema.Int })
  ),
  noreply: Schema.Boolean
})

/** The log streams a watcher can ask for (memcached 1.6's names; `fetchers` when none is named). */
export const WatchStream = Schema.Literal(
  "rawcmds",
  "evictions",
  "fetchers",
  "mutations",
  "sysevents",
  "connevents",
  "proxyreqs",
  "proxyevents",
  "proxyuser"
)
/** @see WatchStream */
export type WatchStream = typeof WatchStream.Type

/** `watch [stream...]`: this connection becomes a watcher: `OK`, then one line per logged event. */
export const Watch = Schema.TaggedStruct("Watch", { streams: Schema.NonEmptyArray(WatchStream) })

/** The operator's requests. */
export const OperatorRequest = Schema.Union(
  LruCrawlerMetadump,
  LruCrawlerCrawl,
  LruCrawlerSwitch,
  LruCrawlerTune,
  SlabsAutomove,
  SlabsReassign,
  LruTune,
  Watch
)
/** @see OperatorRequest */
export type OperatorRequest = typeof OperatorRequest.Type
