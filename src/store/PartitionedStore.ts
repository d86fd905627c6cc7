/**
 * The in-memory store: N partition actors, each owning the keys that hash to it. A batch is split
 * into one job per partition involved (see {@link Batch}), the jobs are offered to the partitions'
 * mailboxes, and the batch completes when the last job reports back: one Effect.async per batch.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ServerConfig } from "../config/ServerConfig.js"
import type { Request } from "../domain/Request.js"
import type { DumpedItem, Result } from "../domain/Result.js"
import { Batch } from "./Batch.js"
import { CasSequence } from "./CasSequence.js"
import { type ClassSnapshot, sumClassStats } from "./ClassStats.js"
import { ItemTable } from "./ItemTable.js"
import * as Partition from "./Partition.js"
import { Store } from "./Store.js"
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

/** Builds a partitioned store; the partitions run until the scope closes. */
export const make = (options: PartitionedStoreOptions) =>
  Effect.gen(function*() {
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

    const execute = (requests: ReadonlyArray<Request | undefined>, results: Array<Result | undefined>) =>
      Effect.async<void>((resume) => {
        const batch = new Batch(requests, results, count, () => resume(Effect.void)).route()
        if (batch.size === 0) return resume(Effect.void)
        for (let p = 0; p < count; p++) {
          const job = batch.jobs[p]
          if (job !== undefined) partitions[p]!.send(job)
        }
      })

    /** Asks every partition and waits for all the answers. */
    const askAll = <A>(ask: (done: (a: A) => void) => Partition.Message) =>
      Effect.async<Array<A>>((resume) => {
        const answers: Array<A> = []
        for (const partition of partitions) {
          partition.send(ask((a) => {
            answers.push(a)
            if (answers.length === count) resume(Effect.succeed(answers))
          }))
        }
      })

    return Store.of({
      execute,
      stats: Effect.map(
        askAll<StoreStats>((done) => ({ _tag: "Stats", done })),
        sumStats
      ),
      resetStats: Effect.asVoid(askAll<void>((done) => ({ _tag: "ResetStats", done }))),
      classStats: Effect.map(askAll<ClassSnapshot>((done) => ({ _tag: "ClassStats", done })), sumClassStats),
      trackSizes: (on) => Effect.asVoid(askAll<void>((done) => ({ _tag: "TrackSizes", on, done }))),
      dump: (sizeClass, limit) =>
        Effect.map(askAll<Array<DumpedItem>>((done) => ({ _tag: "Dump", sizeClass, limit, done })), (parts) => {
          const items = parts.flat()
          return limit === 0 ? items : items.slice(0, limit)
        }),
      sweep: (budget) =>
        Effect.map(
          askAll<number>((done) => ({ _tag: "Sweep", budget: Math.ceil(budget / count), done })),
          (removed) => removed.reduce((a, b) => a + b, 0)
        )
    })
  })

/** The partitioned in-memory store, configured by {@link ServerConfig}. */
export const layer: Layer.Layer<Store, never, ServerConfig> = Layer.scoped(
  Store,
  Effect.flatMap(ServerConfig, (config) =>
    make({
      partitions: config.partitions,
      maxItemSize: config.maxItemSize,
      memoryLimit: config.memoryLimit,
      evict: config.evictions
    }))
)
