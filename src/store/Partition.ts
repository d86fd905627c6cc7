/**
 * A partition actor: a fiber that owns one slice of the keyspace (an {@link ItemTable}) and serves
 * messages from its mailbox, a whole mailbox-full at a time. Nothing else touches its items.
 *
 * A job carries a connection's batch slice and a completion callback; finishing a job is a plain
 * function call, so a request costs no Deferred and no fiber of its own.
 *
 * Failures stay contained. Whatever a message's handling throws is caught: a job's unanswered
 * requests (and the whole of any multi-partition retrieval it took part in) answer `SERVER_ERROR
 * internal error`, a question (stats, sweep, scan) fails its asker, the error is logged with its
 * stack, and the actor serves the next message. Should the actor itself ever stop, it logs that at
 * error level, fails the store's `failure` (the server then stops rather than leave clients waiting),
 * and answers every message sent afterwards at once with the same error.
 *
 * @module
 */
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Mailbox from "effect/Mailbox"
import * as Option from "effect/Option"
import type { Retrieval } from "../domain/Request.js"
import * as Res from "../domain/Result.js"
import type { Hit } from "../domain/Result.js"
import type { ClassSnapshot } from "./ClassStats.js"
import * as Commands from "./Commands.js"
import type { ItemTable } from "./ItemTable.js"
import type { ScanCursor, ScanSlice } from "./Scan.js"
import { type Batch, StoreFailure } from "./Store.js"
import type { StoreStats } from "./StoreCounters.js"
import { SweepCursor } from "./Sweep.js"

/** The shared outcome of a multi-key retrieval that spans partitions. */
export interface Gather {
  /** Set when a partition failed while filling its slots: the whole retrieval answers an error. */
  failed: boolean
}

/** Some keys of a multi-key retrieval that spans partitions: each partition fills its slots. */
export interface GatherPart {
  /** The retrieval's index in the batch. */
  readonly index: number
  readonly request: Retrieval
  readonly keyIndexes: Array<number>
  readonly slots: Array<Hit | undefined>
  readonly gather: Gather
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

/** A question for the partition: answered with `done`, or `fail` if answering it threw. */
interface Ask<Tag extends string, A> {
  readonly _tag: Tag
  readonly done: (answer: A) => void
  readonly fail: (error: unknown) => void
}

/** Messages a partition serves. */
export type Message =
  | Job
  | Ask<"Sweep", number> & { readonly budget: number }
  | Ask<"Stats", StoreStats>
  | Ask<"ResetStats", void>
  | Ask<"ClassStats", ClassSnapshot>
  | Ask<"TrackSizes", void> & { readonly on: boolean }
  | Ask<"Scan", ScanSlice> & { readonly cursor: ScanCursor; readonly budget: number }
  /** Runs `run` on the table as one message (a snapshot's slice): it must be short and must not throw on purpose. */
  | Ask<"Run", unknown> & { readonly run: (table: ItemTable, now: number) => unknown }

/** How many buckets {@link PartitionLoad.drainSizes} has: drains of 1, 2-3, 4-7, ... messages, the last open-ended. */
export const DRAIN_SIZE_BUCKETS = 12

/** How busy a partition is: for the metrics endpoint, read without asking the actor. */
export interface PartitionLoad {
  /** Messages waiting in its mailbox now. */
  readonly depth: number
  /** Times it has taken its mailbox's contents. */
  readonly drains: number
  /** Messages it has served. */
  readonly messages: number
  /** Drains by size: bucket i counts drains of 2^i to 2^(i+1) - 1 messages. */
  readonly drainSizes: ReadonlyArray<number>
}

/** A running partition: send it messages. */
export interface Partition {
  readonly send: (message: Message) => void
  /** Its load figures so far. */
  readonly load: () => PartitionLoad
}

/**
 * Starts actor number `index` over `table`, running until the enclosing scope closes. `failure` is
 * the store's: failed if the actor stops for any reason but the scope closing.
 */
export const make = (table: ItemTable, index: number, failure: Deferred.Deferred<never, StoreFailure>) =>
  Effect.gen(function*() {
    const mailbox = yield* Mailbox.make<Message>()
    const clock = yield* Effect.clock
    const sweeper = new SweepCursor(table)
    const failures: Array<unknown> = []
    let stopped: StoreFailure | undefined

    const handle = (message: Message, now: number): void => {
      switch (message._tag) {
        case "Job":
          return runJob(table, message, now)
        case "Sweep":
          return message.done(sweeper.sweep(message.budget, now))
        case "Stats":
          return message.done(table.stats())
        case "ResetStats":
          table.counters.reset()
          table.classStats.reset()
          return message.done()
        case "ClassStats":
          return message.done(table.classStats.snapshot(table.oldestItemTime()))
        case "TrackSizes":
          table.classStats.trackSizes(message.on)
          return message.done()
        case "Scan":
          return message.done(message.cursor.slice(table, message.budget, now))
        case "Run":
          return message.done(message.run(table, now))
      }
    }

    // Counted once per drain, not per request.
    let drains = 0
    let served = 0
    const drainSizes = new Array<number>(DRAIN_SIZE_BUCKETS).fill(0)

    const serve = (messages: ReadonlyArray<Message>) => {
      // One clock read per mailbox drain: memcached's clock is coarser still (one tick a second).
      const now = Math.floor(clock.unsafeCurrentTimeMillis() / 1000)
      drains++
      served += messages.length
      drainSizes[Math.min(31 - Math.clz32(messages.length), DRAIN_SIZE_BUCKETS - 1)]!++
      for (const message of messages) {
        // A partition must outlive any bug in a command, or its clients would wait forever.
        try {
          handle(message, now)
        } catch (error) {
          failures.push(error)
          answerFailed(message, error)
        }
      }
    }

    const logFailures = Effect.suspend(() =>
      Effect.forEach(
        failures.splice(0),
        (error) => Effect.logError("a command failed inside a partition", Cause.die(error)),
        { discard: true }
      )
    )

    yield* mailbox.takeAll.pipe(
      // Logging only when something failed: a drain that went well runs no second effect.
      Effect.flatMap(([messages]) => {
        serve(Chunk.toReadonlyArray(messages))
        return failures.length === 0 ? Effect.void : logFailures
      }),
      Effect.forever,
      Effect.interruptible,
      Effect.onExit((exit) => {
        if (Exit.isSuccess(exit) || Cause.isInterruptedOnly(exit.cause)) return Effect.void
        stopped = new StoreFailure({ partition: index, cause: Cause.squash(exit.cause) })
        return Effect.logError("a store partition stopped; the server cannot go on", exit.cause).pipe(
          Effect.zipRight(Deferred.fail(failure, stopped)),
          Effect.zipRight(mailbox.shutdown)
        )
      }),
      Effect.annotateLogs("partition", index),
      Effect.forkScoped
    )
    yield* Effect.addFinalizer(() => mailbox.shutdown)
    return {
      send: (message: Message) => {
        // After the actor has stopped nothing reads the mailbox: answer at once instead of never.
        if (!mailbox.unsafeOffer(message) && stopped !== undefined) answerFailed(message, stopped)
      },
      load: () => ({
        depth: Option.getOrElse(mailbox.unsafeSize(), () => 0),
        drains,
        messages: served,
        drainSizes: drainSizes.slice()
      })
    } satisfies Partition
  })

const runJob = (table: ItemTable, job: Job, now: number): void => {
  const { indexes, partAt, parts } = job
  const { requests, results, trace } = job.batch
  // Watched batches only (`watch`): the table reports what it does, each request by its position.
  table.trace = trace
  try {
    let p = 0
    for (let i = 0; i < indexes.length; i++) {
      while (p < parts.length && partAt[p]! <= i) runPart(table, parts[p++]!, now)
      const index = indexes[i]!
      if (trace !== undefined) trace.at(index, 0)
      results[index] = Commands.execute(table, requests[index]!, now)
    }
    while (p < parts.length) runPart(table, parts[p++]!, now)
  } finally {
    table.trace = undefined
  }
  job.done()
}

const runPart = (table: ItemTable, part: GatherPart, now: number): void => {
  const keys = part.request.keys
  const memo = Commands.retrievalMemo(part.keyIndexes.length)
  const trace = table.trace
  for (const k of part.keyIndexes) {
    if (trace !== undefined) trace.at(part.index, k)
    part.slots[k] = Commands.retrieveKey(table, part.request, keys[k]!, now, memo)
  }
}

/** Answers a message whose handling failed: a job's open requests with an error, a question's asker. */
const answerFailed = (message: Message, error: unknown): void => {
  if (message._tag !== "Job") return message.fail(error)
  const results = message.batch.results
  for (const index of message.indexes) results[index] ??= Res.errors.internalError
  for (const part of message.parts) part.gather.failed = true
  message.done()
}
