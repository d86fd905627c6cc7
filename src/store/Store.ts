/**
 * The Store service: executes typed requests against the cache's items. The server depends on this
 * tag only, so another store (persistent, remote, instrumented) is a different Layer for the same tag.
 *
 * @module
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { Request } from "../domain/Request.js"
import type { DumpedItem, Result } from "../domain/Result.js"
import type { ClassSnapshot } from "./ClassStats.js"
import type { StoreStats } from "./StoreCounters.js"

/** What a store does. */
export interface StoreShape {
  /**
   * Executes a batch: for every index whose result is still undefined, executes `requests[i]` and
   * writes `results[i]`. Requests on the same key take effect in batch order; the effect completes
   * when the whole batch is done. Batching is what keeps the per-request cost low.
   */
  readonly execute: (
    requests: ReadonlyArray<Request | undefined>,
    results: Array<Result | undefined>
  ) => Effect.Effect<void>
  /** Current statistics, summed over the store's partitions. */
  readonly stats: Effect.Effect<StoreStats>
  /** Clears the counters (`stats reset`). */
  readonly resetStats: Effect.Effect<void>
  /** Statistics per size class and the size histogram (`stats items`, `stats slabs`, `stats sizes`). */
  readonly classStats: Effect.Effect<ClassSnapshot>
  /** Turns the item size histogram on or off (`stats sizes_enable`, `stats sizes_disable`). */
  readonly trackSizes: (on: boolean) => Effect.Effect<void>
  /** Up to `limit` items of a size class (0: all), newest first (`stats cachedump`). */
  readonly dump: (sizeClass: number, limit: number) => Effect.Effect<ReadonlyArray<DumpedItem>>
  /** Removes expired items, examining at most `budget` of them; returns how many it removed. */
  readonly sweep: (budget: number) => Effect.Effect<number>
}

/** The cache's item store. */
export class Store extends Context.Tag("effcached/Store")<Store, StoreShape>() {}
