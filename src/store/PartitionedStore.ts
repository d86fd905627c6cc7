/**
 * The in-memory store: N partition actors, each owning the keys that hash to it. A batch is split
 * into one job per partition involved (see {@link RoutedBatch}), the jobs are offered to the partitions'
 * mailboxes, and the batch completes when the last job reports back: one Effect.async per batch.
 *
 * @module
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { ServerConfig } from "../config/ServerConfig.js"
import type { ItemMetadata } from "../domain/Result.js"
import { CasSequence } from "./CasSequence.js"
import { type ClassSnapshot, sumClassStats } from "./ClassStats.js"
import { ItemTable, type ItemTableOptions } from "./ItemTable.js"
import * as Partition from "./Partition.js"
import { RoutedBatch } from "./RoutedBatch.js"
import { ScanCursor, type ScanFilter, type ScanSlice } from "./Scan.js"
import { type Batch, type ItemScan, Store, type StoreFailure, type StoreShape } from "./Store.js"
import { type StoreStats, sumStats } from "./StoreCounters.js"

/** Options of the partitioned store. */
export interface PartitionedStoreOptions {
  readonly partitions: number
  readonly maxItemSize: number
  /** Bytes of item memory, shared equally by the partitions. */
  readonly memoryLimit: number
  /** Evict when memory is full (false: refuse, `-M`). */
  readonly evict: boolean
  /** Builds each partition's table (tests inject failures through it); `new ItemTable` by default. */
  readonly makeTable?: (options: ItemTableOptions) => ItemTable
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

/** How many records a scan slice examines: a few milliseconds of a partition's time at most. */
const SCAN_SLICE = 20_000

/** The in-memory store: N partition actors, each owning the keys that hash to it. */
export class PartitionedStore implements StoreShape {
  /** Fails if the store stops being able to serve (a partition actor stopped); never succeeds. */
  readonly failure: Effect.Effect<never, StoreFailure>

  private constructor(
    private readonly partitions: ReadonlyArray<Partition.Partition>,
    stopped: Deferred.Deferred<never, StoreFailure>
  ) {
    this.failure = Deferred.await(stopped)
  }

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
      const stopped = yield* Deferred.make<never, StoreFailure>()
      const makeTable = options.makeTable ?? ((tableOptions) => new ItemTable(tableOptions))
      const partitions: Array<Partition.Partition> = []
      for (let i = 0; i < count; i++) {
        const table = makeTable({
          cas,
          maxItemSize: options.maxItemSize,
          memoryLimit: shareOf(options.memoryLimit, count, i),
          evict: options.evict,
          shareOf: (limit) => shareOf(limit, count, i)
        })
        partitions.push(yield* Partition.make(table, i, stopped))
      }
      return new PartitionedStore(partitions, stopped)
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

  readonly stats: Effect.Effect<StoreStats> = Effect.map(this.askAll<StoreStats>("Stats"), sumStats)

  readonly load = (): ReadonlyArray<Partition.PartitionLoad> => this.partitions.map((partition) => partition.load())

  readonly resetStats: Effect.Effect<void> = Effect.asVoid(this.askAll<void>("ResetStats"))

  readonly classStats: Effect.Effect<ClassSnapshot> = Effect.map(
    this.askAll<ClassSnapshot>("ClassStats"),
    sumClassStats
  )

  readonly trackSizes = (on: boolean): Effect.Effect<void> => Effect.asVoid(this.askAll<void>("TrackSizes", { on }))

  readonly sweep = (budget: number): Effect.Effect<number> =>
    Effect.map(
      this.askAll<number>("Sweep", { budget: Math.ceil(budget / this.partitions.length) }),
      (removed) => removed.reduce((a, b) => a + b, 0)
    )

  readonly scan = (filter: ScanFilter): ItemScan => {
    const partitions = this.partitions
    let p = 0
    let cursor = new ScanCursor(filter)
    const slice = (partition: Partition.Partition) =>
      Effect.async<ScanSlice>((resume) =>
        partition.send({
          _tag: "Scan",
          cursor,
          budget: SCAN_SLICE,
          done: (answer) => resume(Effect.succeed(answer)),
          fail: (error) => resume(Effect.die(error))
        })
      )
    const next: Effect.Effect<ReadonlyArray<ItemMetadata> | undefined> = Effect.suspend(() => {
      if (p >= partitions.length) return Effect.succeed(undefined)
      return Effect.flatMap(slice(partitions[p]!), ({ done, items }) => {
        if (done) {
          p++
          cursor = new ScanCursor(filter)
        }
        return items.length > 0 ? Effect.succeed(items) : next
      })
    })
    return { next }
  }

  /** How many partitions run. */
  get partitionCount(): number {
    return this.partitions.length
  }

  /**
   * Runs `run` inside partition `index`'s actor, between its other messages, and gives back what it
   * returned (a defect if it threw). Persistence walks the tables this way, a short slice at a time.
   */
  runIn<A>(index: number, run: (table: ItemTable, now: number) => A): Effect.Effect<A> {
    return Effect.async<A>((resume) =>
      this.partitions[index]!.send({
        _tag: "Run",
        run,
        done: (answer) => resume(Effect.succeed(answer as A)),
        fail: (error) => resume(Effect.die(error))
      })
    )
  }

  /** Asks every partition the same question; fails (a defect) if answering threw in any of them. */
  private askAll<A>(tag: AskTag, fields: object = {}): Effect.Effect<Array<A>> {
    return Effect.async<Array<A>>((resume) => {
      const partitions = this.partitions
      const answers: Array<A> = []
      let failed = false
      for (const partition of partitions) {
        partition.send({
          _tag: tag,
          ...fields,
          done: (a: A) => {
            answers.push(a)
            if (answers.length === partitions.length) resume(Effect.succeed(answers))
          },
          fail: (error: unknown) => {
            if (failed) return
            failed = true
            resume(Effect.die(error))
          }
        } as Partition.Message)
      }
    })
  }
}

/** The questions every partition is asked at once. */
type AskTag = "Stats" | "ResetStats" | "ClassStats" | "TrackSizes" | "Sweep"
