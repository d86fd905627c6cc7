import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { Request } from "../../src/domain/Request.js"
import type { Result } from "../../src/domain/Result.js"
import { CasSequence } from "../../src/store/CasSequence.js"
import { ItemTable } from "../../src/store/ItemTable.js"
import * as Partition from "../../src/store/Partition.js"

/** A table with a bug: any command on key "boom" throws. */
class FaultyTable extends ItemTable {
  override execute(request: Request, now: number): Result {
    if ("key" in request && request.key === "boom") throw new Error("injected failure")
    return super.execute(request, now)
  }
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

describe("Partition", () => {
  it.scoped("answers a failing command with SERVER_ERROR, reports back, and keeps serving", () =>
    Effect.gen(function*() {
      const partition = yield* Partition.make(
        new FaultyTable({ cas: new CasSequence(), maxItemSize: 1 << 20, memoryLimit: 1 << 24 })
      )
      const value = Buffer.from("v")
      const first = yield* send(partition, [
        { _tag: "Set", key: "a", flags: 0, exptime: 0, value, noreply: false },
        { _tag: "Delete", key: "boom", noreply: false }
      ])
      expect(first.map((r) => r?._tag)).toEqual(["Stored", "ServerError"])
      const second = yield* send(partition, [{ _tag: "Get", keys: ["a"] }])
      expect(second[0]?._tag).toBe("Values")
    }))
})
