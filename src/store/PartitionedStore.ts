/**
 * The in-memory store: N partition actors, each owning the keys that hash to it. A batch is split
 * into one job per partition involved (see {@link Batch}), the jobs are offered to the partitions'
 * mailboxes, and the batch completes when the last job reports back: one Effect.async per batch.
 *
 * @module
 */
import { Effect, Layer } from "effect"
import type { Request } from "../domain/Request.js"
import type { Result } from "../domain/Result.js"
import { ServerConfig } from "../config/ServerConfig.js"
import { Batch } from "./Batch.js"
import { CasSequence } from "./CasSequence.js"
import { ItemTable } from "./ItemTable.js"
import * as Partition from "./Partition.js"
import { Store } from "./Store.js"
import { sumStats, type StoreStats } from "./StoreCounters.js"

/** Options of the partitioned store. */
export interface PartitionedStoreOptions {
  readonly partitions: number
  readonly maxItemSize: number
}

/** Builds a partitioned store; the partitions run until the scope closes. */
export const make = (options: PartitionedStoreOptions) =>
  Effect.gen(function*() {
    const cas = new CasSequence()
    const count = Math.max(1, options.partitions)
    const partitions: Array<Partition.Partition> = []
    for (let i = 0; i < count; i++) {
      partitions.push(yield* Partition.make(new ItemTable({ cas, maxItemSize: options.maxItemSize })))
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
    make({ partitions: config.partitions, maxItemSize: config.maxItemSize }))
)
