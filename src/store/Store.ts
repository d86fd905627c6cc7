/**
 * The Store service: executes typed requests against the cache's items. The server depends on this
 * tag only, so another store (persistent, remote, instrumented) is a different Layer for the same tag.
 *
 * @module
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type { Request } from "../domain/Request.js"
import type { ItemMetadata, Result } from "../domain/Result.js"
import type { ClassSnapshot } from "./ClassStats.js"
import type { ItemTrace } from "./ItemTrace.js"
import type { PartitionLoad } from "./Partition.js"
import type { ScanFilter } from "./Scan.js"
import type { StoreStats } from "./StoreCounters.js"

/** The store can no longer serve: one of its partition actors stopped. The server must stop too. */
export class StoreFailure extends Data.TaggedError("StoreFailure")<{
  readonly partition: number
  readonly cause: unknown
}> {
  override get message(): string {
    const reason = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `store partition ${this.partition} stopped: ${reason}`
  }
}

/** A walk over the store's items, a slice at a time (see {@link StoreShape.scan}). */
export interface ItemScan {
  /**
   * The next items found (never an empty array), or undefined once every partition has been walked.
   * Each call costs its partition one bounded turn, so a scan never stalls the store.
   */
  readonly next: Effect.Effect<ReadonlyArray<ItemMetadata> | undefined>
}

/**
 * A connection's batch: the requests it read, in order, and a result slot for each. The connection
 * fills the slots it answers itself (errors, server commands) and leaves `undefined` those for the
 * store; {@link StoreShape.execute} fills the rest. The connection reuses one batch for its lifetime,
 * so the store must not keep it once `execute` has completed.
 */
export interface Batch {
  /** The requests, in the order they arrived; `undefined` where the slot holds a ready result. */
  readonly requests: Array<Request | undefined>
  /** One slot per request; the store fills the `undefined` ones. */
  readonly results: Array<Result | undefined>
  /** Where the store reports what the batch does, while someone watches (`watch`); else undefined. */
  trace?: ItemTrace | undefined
}

/** What a store does. */
export interface StoreShape {
  /**
   * Executes a batch: for every slot whose result is still undefined, executes the request and fills
   * the slot. Requests on the same key take effect in batch order; the effect completes when the whole
   * batch is done. Batching is what keeps the per-request cost low.
   */
  readonly execute: (batch: Batch) => Effect.Effect<void>
  /** Current statistics, summed over the store's partitions. */
  readonly stats: Effect.Effect<StoreStats>
  /** Clears the counters (`stats reset`). */
  readonly resetStats: Effect.Effect<void>
  /** Statistics per size class and the size histogram (`stats items`, `stats slabs`, `stats sizes`). */
  readonly classStats: Effect.Effect<ClassSnapshot>
  /** Turns the item size histogram on or off (`stats sizes_enable`, `stats sizes_disable`). */
  readonly trackSizes: (on: boolean) => Effect.Effect<void>
  /**
   * Walks the live items that match `filter`, partition by partition, newest first within each
   * (`stats cachedump`; memcached's crawler dumps). The caller pulls slices as it can use them.
   */
  readonly scan: (filter: ScanFilter) => ItemScan
  /** Removes expired items, examining at most `budget` of them; returns how many it removed. */
  readonly sweep: (budget: number) => Effect.Effect<number>
  /** Fails if the store stops being able to serve (a partition actor stopped); never succeeds. */
  readonly failure: Effect.Effect<never, StoreFailure>
  /** Lines a store adds to `stats` after the general ones (persistence's `persist_*`); none by default. */
  readonly extraStats?: Effect.Effect<ReadonlyArray<readonly [string, string]>>
  /** Each partition's load, read without asking the actors (a store without partitions has none). */
  readonly load?: () => ReadonlyArray<PartitionLoad>
}

/** The cache's item store. */
export class Store extends Context.Tag("effcached/Store")<Store, StoreShape>() {}
