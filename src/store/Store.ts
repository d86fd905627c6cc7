/**
 * The Store service: executes typed requests against the cache's items. The server depends on this
 * tag only, so another store (persistent, remote, instrumented) is a different Layer for the same tag.
 *
 * @module
 */
import { Context, type Effect } from "effect"
import type { Request } from "../domain/Request.js"
import type { Result } from "../domain/Result.js"
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
  /** Removes expired items, examining at most `budget` of them; returns how many it removed. */
  readonly sweep: (budget: number) => Effect.Effect<number>
}

/** The cache's item store. */
export class Store extends Context.Tag("effcached/Store")<Store, StoreShape>() {}
