/**
 * What a partition reports about the items a batch touches, for memcached's `watch fetchers`,
 * `mutations` and `evictions`: every lookup of a key (as memcached logs every `do_item_get`), every
 * store attempt with its outcome, every item evicted to make room. The connection that sent the batch
 * gives the batch a trace only while someone watches; otherwise the store tests one field per lookup.
 *
 * @module
 */

/** A lookup's outcome, as memcached's item_get names it. */
export type FetchStatus = "found" | "not_found" | "expired" | "flushed"

/** A store attempt's outcome, as memcached's item_store names it. */
export type StoreStatus = "stored" | "not_stored" | "exists" | "not_found" | "too_large" | "no_memory"

/** The command of a store attempt, as memcached's item_store names it. */
export type StoreCommand = "set" | "add" | "replace" | "append" | "prepend" | "cas"

/** Where a partition reports; positions keep the batch's order across partitions. */
export interface ItemTrace {
  /** The request (its index in the batch) and key (its index in a multi-key get) now executing. */
  readonly at: (request: number, key: number) => void
  /** A key was looked up; `sizeClass` and `size` (value bytes) are 0 unless found. */
  readonly fetched: (key: string, status: FetchStatus, sizeClass: number, size: number) => void
  /** A store was attempted; `ttl` is seconds left (0: none), `size` the value's bytes. */
  readonly stored: (
    key: string,
    status: StoreStatus,
    command: StoreCommand,
    ttl: number,
    sizeClass: number,
    size: number
  ) => void
  /** An item was evicted; `ttl` is seconds left (-1: none), `idle` seconds since its last access. */
  readonly evicted: (key: string, fetched: boolean, ttl: number, idle: number, sizeClass: number, size: number) => void
}
