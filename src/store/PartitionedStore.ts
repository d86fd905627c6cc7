/**
 * The in-memory store: N partition actors, each owning the keys that hash to it. A batch is split
 * into one job per partition involved (see {@link RoutedBatch}), the jobs are offered to the partitions'
 * mailboxes, and the batch completes when the last job reports back: one Effect.async per batch.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { ServerConfig } from "../config/ServerConfig.js"
import type { DumpedItem } from "../domain/Result.js"
import { CasSequence } from "./CasSequence.js"
import { type ClassSnapshot, sumClassStats } from "./ClassStats.js"
import { ItemTable } from "./ItemTable.js"
import * as Partition from "./Partition.js"
import { RoutedBatch } from "./RoutedBatch.js"
import { type Batch, Store, type StoreShape } from "./Store.js"
import { type StoreStats, sumStats } from "./StoreCounters.js"

/** Options of the partitioned store. */
export interface PartitionedStoreOptions {
  readonly partitions: number
  readonly maxItemSize: number
  /** Bytes of item memory, shared equally by the partitions. */
  readonly memoryLimit: number
  /** Evict when memory is full (false: refuse, `-M`). */
  readonly evict: boolean
}

/**
 * How many partitions the store runs: as configured, but fewer when each partition's share of the
 * memory could not hold two items of the largest size (a large `-I` against a small `-m`).
 */
export const partitionCount = (options: PartitionedStoreOptions): number =>
  Math.max(1, Math.min(options.partitions, Math.floor(options.memoryLimit / (2 * options.maxItemSize))))

/** Partition `index`'s share of `limit` bytes: equal parts that add up to the limit exactly. */
export const shareOf = (limit: number, count: number, index: number): number =>
  Math.floor(limit / count) + (index < limit % count ? 1 : 0)

/** The in-memory store: N partition actors, each owning the keys that hash to it. */
export class PartitionedStore implements StoreShape {
  private constructor(private readonly partitions: ReadonlyArray<Partition.Partition>) {}

  /** Starts the partitions of a store; they run until the scope closes. */
  static make(options: PartitionedStoreOptions): Effect.Effect<PartitionedStore, never, Scope.Scope> {
    return Effect.gen(function*() {
      const cas = new CasSequence()
      const count = partitionCount(options)
      if (count < options.partitions) {
        yield* Effect.logWarning(
          `running ${count} store partition(s), not ${options.partitions}: each needs room for two items of the largest size`
        )
      }
      const partitions: Array<Partition.Partition> = []
      for (let i = 0; i < count; i++) {
        const table = new ItemTable({
          cas,
          maxItemSize: options.maxItemSize,
          memoryLimit: shareOf(options.memoryLimit, count, i),
          evict: options.evict,
          shareOf: (limit) => shareOf(limit, count, i)
        })
        partitions.push(yield* Partition.make(table))
      }
      return new PartitionedStore(partitions)
    })
  }

  /** The partitioned in-memory store as the server's Store, configured by {@link ServerConfig}. */
  static readonly layer: Layer.Layer<Store, never, ServerConfig> = Layer.scoped(
    Store,
    Effect.flatMap(ServerConfig, (config) =>
      PartitionedStore.make({
        partitions: config.partitions,
        maxItemSize: config.maxItemSize,
        memoryLimit: config.memoryLimit,
        evict: config.evictions
      }))
  )

  // Every operation is an own property, not a prototype method: a Store that wraps this one may
  // spread it (`{ ...inner, execute }`), as a test does.

  readonly execute = (batch: Batch): Effect.Effect<void> =>
    Effect.async<void>((resume) => {
      const partitions = this.partitions
      const routed = new RoutedBatch(batch, partitions.length, () => resume(Effect.void)).route()
      if (routed.size === 0) return resume(Effect.void)
      for (let p = 0; p < partitions.length; p++) {
        const job = routed.jobs[p]
        if (job !== undefined) partitions[p]!.send(job)
      }
    })

  readonly stats: Effect.Effect<StoreStats> = Effect.map(
    this.askAll<StoreStats>((done) => ({ _tag: "Stats", done })),
    sumStats
  )

  readonly resetStats: Effect.Effect<void> = Effect.asVoid(
    this.askAll<void>((done) => ({ _tag: "ResetStats", done }))
  )

  readonly classStats: Effect.Effect<ClassSnapshot> = Effect.map(
    this.askAll<ClassSnapshot>((done) => ({ _tag: "ClassStats", done })),
    sumClassStats
  )

  readonly trackSizes = (on: boolean): Effect.Effect<void> =>
    Effect.asVoid(this.askAll<void>((done) => ({ _tag: "TrackSizes", on, done })))

  readonly dump = (sizeClass: number, limit: number): Effect.Effect<ReadonlyArray<DumpedItem>> =>
    Effect.map(
      this.askAll<Array<DumpedItem>>((done) => ({ _tag: "Dump", sizeClass, limit, done })),
      (parts) => {
        const items = parts.flat()
        return limit === 0 ? items : items.slice(0, limit)
      }
    )

  readonly sweep = (budget: number): Effect.Effect<number> =>
    Effect.map(
      this.askAll<number>((done) => ({ _tag: "Sweep", budget: Math.ceil(budget / this.partitions.length), done })),
      (removed) => removed.reduce((a, b) => a + b, 0)
    )

  /** Asks every partition and waits for all the answers. */
  private askAll<A>(ask: (done: (a: A) => void) => Partition.Message): Effect.Effect<Array<A>> {
    return Effect.async<Array<A>>((resume) => {
      const partitions = this.partitions
      const answers: Array<A> = []
      for (const partition of partitions) {
        partition.send(ask((a) => {
          answers.push(a)
          if (answers.length === partitions.length) resume(Effect.succeed(answers))
        }))
      }
    })
  }
}
