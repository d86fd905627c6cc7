/**
 * A partition actor: a fiber that owns one slice of the keyspace (an {@link ItemTable}) and serves
 * messages from its mailbox, a whole mailbox-full at a time. Nothing else touches its items.
 *
 * A job carries a connection's batch slice and a completion callback; finishing a job is a plain
 * function call, so a request costs no Deferred and no fiber of its own.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import * as Mailbox from "effect/Mailbox"
import type { Retrieval } from "../domain/Request.js"
import type { DumpedItem, Hit, Result } from "../domain/Result.js"
import type { ClassSnapshot } from "./ClassStats.js"
import { type ItemTable, retrievalMemo } from "./ItemTable.js"
import type { Batch } from "./Store.js"
import type { StoreStats } from "./StoreCounters.js"

/** Some keys of a multi-key retrieval that spans partitions: each partition fills its slots. */
export interface GatherPart {
  readonly request: Retrieval
  readonly keyIndexes: Array<number>
  readonly slots: Array<Hit | undefined>
}

/** The part of a batch that one partition executes. */
export interface Job {
  readonly _tag: "Job"
  /** The connection's batch, shared by every job routed from it. */
  readonly batch: Batch
  /** Indexes of whole requests for this partition, in batch order. */
  readonly indexes: Array<number>
  /** Keys of multi-partition retrievals, in batch order among themselves. */
  readonly parts: Array<GatherPart>
  /** Positions in `indexes` before which each part runs, keeping the batch order. */
  readonly partAt: Array<number>
  readonly done: () => void
}

/** Messages a partition serves. */
export type Message =
  | Job
  | { readonly _tag: "Sweep"; readonly budget: number; readonly done: (removed: number) => void }
  | { readonly _tag: "Stats"; readonly done: (stats: StoreStats) => void }
  | { readonly _tag: "ResetStats"; readonly done: () => void }
  | { readonly _tag: "ClassStats"; readonly done: (stats: ClassSnapshot) => void }
  | { readonly _tag: "TrackSizes"; readonly on: boolean; readonly done: () => void }
  | {
    readonly _tag: "Dump"
    readonly sizeClass: number
    readonly limit: number
    readonly done: (items: Array<DumpedItem>) => void
  }

/** A running partition: send it messages. */
export interface Partition {
  readonly send: (message: Message) => void
}

/** Starts a partition actor over `table`, running until the enclosing scope closes. */
export const make = (table: ItemTable) =>
  Effect.gen(function*() {
    const mailbox = yield* Mailbox.make<Message>()
    const clock = yield* Effect.clock
    const failures: Array<unknown> = []
    const serve = (messages: Iterable<Message>) => {
      // One clock read per mailbox drain: memcached's clock is coarser still (one tick a second).
      const now = Math.floor(clock.unsafeCurrentTimeMillis() / 1000)
      for (const message of messages) {
        switch (message._tag) {
          case "Job":
            // A partition must outlive any bug in a command: answer the job's unfinished requests
            // with an error and always report back, or its connection would wait forever.
            try {
              runJob(table, message, now)
            } catch (error) {
              failures.push(error)
              failJob(message)
            }
            message.done()
            break
          case "Sweep":
            message.done(table.sweep(message.budget, now))
            break
          case "Stats":
            message.done(table.stats())
            break
          case "ResetStats":
            table.counters.reset()
            table.classStats.reset()
            message.done()
            break
          case "ClassStats":
            message.done(table.classStats.snapshot(table.oldestItemTime()))
            break
          case "TrackSizes":
            table.classStats.trackSizes(message.on)
            message.done()
            break
          case "Dump":
            message.done(table.dump(message.sizeClass, message.limit, now))
            break
        }
      }
    }
    const logFailures = Effect.suspend(() =>
      failures.length === 0
        ? Effect.void
        : Effect.logError("a command failed inside a partition", failures.splice(0))
    )
    yield* mailbox.takeAll.pipe(
      Effect.flatMap(([messages]) => Effect.sync(() => serve(messages))),
      Effect.zipRight(logFailures),
      Effect.forever,
      Effect.interruptible,
      Effect.forkScoped
    )
    yield* Effect.addFinalizer(() => mailbox.shutdown)
    return { send: (message: Message) => void mailbox.unsafeOffer(message) } satisfies Partition
  })

const runJob = (table: ItemTable, job: Job, now: number): void => {
  const { indexes, parts, partAt } = job
  const { requests, results } = job.batch
  let p = 0
  for (let i = 0; i < indexes.length; i++) {
    while (p < parts.length && partAt[p]! <= i) runPart(table, parts[p++]!, now)
    const index = indexes[i]!
    results[index] = table.execute(requests[index]!, now)
  }
  while (p < parts.length) runPart(table, parts[p++]!, now)
}

const internalError: Result = { _tag: "ServerError", message: "internal error" }

const failJob = (job: Job): void => {
  for (const index of job.indexes) job.batch.results[index] ??= internalError
}

const runPart = (table: ItemTable, part: GatherPart, now: number): void => {
  const keys = part.request.keys
  const memo = retrievalMemo(part.keyIndexes.length)
  for (const k of part.keyIndexes) part.slots[k] = table.retrieve(part.request, keys[k]!, now, memo)
}
