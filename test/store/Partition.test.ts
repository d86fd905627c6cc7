/**
 * The partition actor's failure containment, with throws injected into the table: every kind of
 * message that fails is answered (jobs with SERVER_ERROR, questions with a failure), the error is
 * logged with its message and stack, and the actor goes on serving; an actor that stops fails the
 * store instead of leaving its callers waiting.
 */
import { describe, expect, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Logger } from "effect"
import type { Request } from "../../src/domain/Request.js"
import type { Result } from "../../src/domain/Result.js"
import { CasSequence } from "../../src/store/CasSequence.js"
import { ItemTable } from "../../src/store/ItemTable.js"
import * as Partition from "../../src/store/Partition.js"
import { PartitionedStore } from "../../src/store/PartitionedStore.js"
import { partitionOf } from "../../src/store/RoutedBatch.js"
import { ScanCursor } from "../../src/store/Scan.js"
import { StoreFailure } from "../../src/store/Store.js"
import { set } from "../support/store.js"

type Fault = "stats" | "classStats" | "walk"

/** A table with bugs on demand: any command on key "boom" throws, and so does each enabled fault. */
class FaultyTable extends ItemTable {
  readonly faults = new Set<Fault>()

  private check(fault: Fault): void {
    if (this.faults.has(fault)) throw new Error(`injected failure: ${fault}`)
  }
  override find(key: string, hash: number, now: number): number {
    if (key === "boom") throw new Error("injected failure: find")
    return super.find(key, hash, now)
  }
  override stats() {
    this.check("stats")
    return super.stats()
  }
  override oldestItemTime(): number {
    this.check("classStats")
    return super.oldestItemTime()
  }
  override isDead(buf: Buffer, off: number, now: number): boolean {
    this.check("walk")
    return super.isDead(buf, off, now)
  }
}

const faulty = () => new FaultyTable({ cas: new CasSequence(), maxItemSize: 1 << 20, memoryLimit: 1 << 24 })

/** Log lines as logfmt, collected. */
const captureLogs = () => {
  const lines: Array<string> = []
  const logger = Logger.replace(Logger.defaultLogger, Logger.map(Logger.logfmtLogger, (line) => void lines.push(line)))
  return { lines, layer: logger }
}

const job = (requests: Array<Request>, done: () => void): Partition.Job => ({
  _tag: "Job",
  batch: { requests, results: requests.map(() => undefined) },
  indexes: requests.map((_, i) => i),
  parts: [],
  partAt: [],
  done
})

const send = (partition: Partition.Partition, requests: Array<Request>) =>
  Effect.async<Array<Result | undefined>>((resume) => {
    const j = job(requests, () => resume(Effect.succeed(j.batch.results)))
    partition.send(j)
  })

const ask = <A>(
  partition: Partition.Partition,
  message: (done: (a: A) => void, fail: (e: unknown) => void) => Partition.Message
) =>
  Effect.async<Exit.Exit<A, unknown>>((resume) =>
    partition.send(message((a) => resume(Effect.succeed(Exit.succeed(a))), (e) => resume(Effect.succeed(Exit.fail(e)))))
  )

const start = (table: ItemTable) =>
  Effect.gen(function*() {
    const failure = yield* Deferred.make<never, StoreFailure>()
    const partition = yield* Partition.make(table, 0, failure)
    return { partition, failure }
  })

describe("Partition", () => {
  it.scoped("answers a failing command with SERVER_ERROR, reports back, and keeps serving", () =>
    Effect.gen(function*() {
      const { partition } = yield* start(faulty())
      const first = yield* send(partition, [
        set("a", "v"),
        { _tag: "Delete", key: "boom", noreply: false }
      ])
      expect(first.map((r) => r?._tag)).toEqual(["Stored", "ServerError"])
      const second = yield* send(partition, [{ _tag: "Get", keys: ["a"] }])
      expect(second[0]?._tag).toBe("Values")
    }))

  it.scoped("logs a contained failure with the error's message and stack", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      const { partition } = yield* start(faulty())
      yield* send(partition, [{ _tag: "Get", keys: ["boom"] }])
      // Failures are logged after the drain that caught them: one more message gets past it.
      yield* send(partition, [{ _tag: "Get", keys: ["a"] }])
      const line = logs.lines.find((l) => l.includes("a command failed inside a partition"))
      expect(line).toBeDefined()
      expect(line).toContain("injected failure: find")
      expect(line).toMatch(/at .*Partition\.test\.ts/)
      expect(line).toContain("partition=0")
    }).pipe(Effect.provide(logs.layer))
  })

  it.scoped("fails every kind of question whose handling throws, and serves the next message", () =>
    Effect.gen(function*() {
      const table = faulty()
      const { partition } = yield* start(table)
      table.faults.add("stats").add("classStats").add("walk")
      yield* send(partition, [set("a", "v", { exptime: 1 })])
      const questions: Array<(done: (a: unknown) => void, fail: (e: unknown) => void) => Partition.Message> = [
        (done, fail) => ({ _tag: "Stats", done, fail }),
        (done, fail) => ({ _tag: "ClassStats", done, fail }),
        (done, fail) => ({ _tag: "Sweep", budget: 10, done, fail }),
        (done, fail) => ({ _tag: "Scan", cursor: new ScanCursor({}), budget: 10, done, fail })
      ]
      for (const question of questions) {
        const exit = yield* ask(partition, question)
        expect(Exit.isFailure(exit)).toBe(true)
        if (Exit.isFailure(exit)) expect(String(Cause.squash(exit.cause))).toMatch(/injected failure/)
      }
      table.faults.clear()
      const stats = yield* ask(partition, (done, fail) => ({ _tag: "Stats", done, fail }))
      expect(Exit.isSuccess(stats)).toBe(true)
      const later = yield* send(partition, [{ _tag: "Get", keys: ["a"] }])
      expect(later[0]?._tag).toBe("Values")
    }))

  it.scoped("an actor that stops fails the store and answers later messages at once", () =>
    Effect.gen(function*() {
      const { failure, partition } = yield* start(faulty())
      // A question whose asker throws on both answers: nothing inside the actor can contain that.
      partition.send({
        _tag: "Stats",
        done: () => {
          throw new Error("asker broken")
        },
        fail: () => {
          throw new Error("asker broken")
        }
      })
      const stopped = yield* Effect.flip(Deferred.await(failure))
      expect(stopped).toBeInstanceOf(StoreFailure)
      expect(stopped.partition).toBe(0)
      expect(stopped.message).toContain("asker broken")
      const after = yield* send(partition, [set("a", "v")])
      expect(after).toEqual([{ _tag: "ServerError", message: "internal error" }])
    }))
})

describe("PartitionedStore failure containment", () => {
  const store = (tables: Array<FaultyTable>) =>
    PartitionedStore.make({
      partitions: 3,
      maxItemSize: 1 << 20,
      memoryLimit: 3 << 24,
      evict: true,
      makeTable: (options) => {
        const t = new FaultyTable(options)
        tables.push(t)
        return t
      }
    })

  it.scoped("a multi-partition get that fails in one partition answers SERVER_ERROR, not misses", () =>
    Effect.gen(function*() {
      const s = yield* store([])
      // Keys in the other partitions than "boom"'s, so the get is gathered across partitions.
      const others = Array.from({ length: 50 }, (_, i) => `k${i}`).filter((k) =>
        partitionOf(k, 3) !== partitionOf("boom", 3)
      ).slice(0, 4)
      const requests: Array<Request | undefined> = [
        ...others.map((k) => set(k, "v")),
        { _tag: "Get", keys: [others[0]!, "boom", others[1]!] },
        { _tag: "Get", keys: [others[2]!, others[3]!] }
      ]
      const results: Array<Result | undefined> = requests.map(() => undefined)
      yield* s.execute({ requests, results })
      expect(results[4]).toEqual({ _tag: "ServerError", message: "internal error" })
      expect(results[5]?._tag).toBe("Values")
    }))

  it.scoped("store questions fail (as defects) when a partition throws, and the store goes on", () =>
    Effect.gen(function*() {
      const tables: Array<FaultyTable> = []
      const s = yield* store(tables)
      tables[1]!.faults.add("stats")
      const exit = yield* Effect.exit(s.stats)
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
      tables[1]!.faults.clear()
      expect((yield* s.stats).curr_items).toBe(0)
    }))
})
