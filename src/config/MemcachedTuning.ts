/**
 * memcached's `-o` options that tune its own machinery, which effcached does not have.
 *
 * @module
 */

/**
 * memcached's `-o` tuning options that only concern its own machinery (slabs, LRU, hash table, log
 * buffers): accepted with a warning so a memcached command line still starts effcached.
 */
export const MEMCACHED_TUNING_OPTIONS: ReadonlySet<string> = new Set([
  "hashpower",
  "no_hashexpand",
  "slab_reassign",
  "no_slab_reassign",
  "slab_automove",
  "no_slab_automove",
  "slab_automove_ratio",
  "slab_automove_window",
  "slab_automove_freeratio",
  "slab_sizes",
  "slab_chunk_max",
  "no_chunked_items",
  "tail_repair_time",
  "hash_algorithm",
  "lru_crawler",
  "no_lru_crawler",
  "lru_crawler_sleep",
  "lru_crawler_tocrawl",
  "lru_maintainer",
  "no_lru_maintainer",
  "hot_lru_pct",
  "warm_lru_pct",
  "hot_max_factor",
  "warm_max_factor",
  "temporary_ttl",
  "watcher_logbuf_size",
  "worker_logbuf_size",
  "track_sizes",
  "inline_ascii_resp",
  "no_inline_ascii_resp",
  "resp_obj_mem_limit",
  "read_buf_mem_limit",
  "modern",
  "no_modern",
  "relaxed_privileges"
])
