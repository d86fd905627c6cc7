import { describe, expect, it } from "@effect/vitest"
import type { Request } from "../../src/domain/Request.js"
import type { Result } from "../../src/domain/Result.js"
import type { Job } from "../../src/store/Partition.js"
import { partitionOf, RoutedBatch } from "../../src/store/RoutedBatch.js"
import { get, set } from "../support/store.js"

const P = 4

/** Keys that hash to each partition, for requests whose routing is known in advance. */
const keysIn = (partition: number, count: number): Array<string> =>
  Array.from({ length: 1000 }, (_, i) => `key${i}`).filter((k) => partitionOf(k, P) === partition).slice(0, count)

const route = (requests: Array<Request | undefined>, results?: Array<Result | undefined>) => {
  let completed = 0
  const batch = { requests, results: results ?? requests.map(() => undefined) }
  const routed = new RoutedBatch(batch, P, () => completed++).route()
  return { batch, routed, completed: () => completed }
}

const jobs = (routed: RoutedBatch): Array<Job> => routed.jobs.filter((j): j is Job => j !== undefined)

describe("RoutedBatch", () => {
  it("spreads keys over partitions with a stable hash", () => {
    const counts = [0, 0, 0, 0]
    for (let i = 0; i < 4000; i++) counts[partitionOf(`key:${i}`, 4)]!++
    for (const c of counts) expect(c).toBeGreaterThan(800)
    expect(partitionOf("abc", 7)).toBe(partitionOf("abc", 7))
  })

  it("makes one job per partition involved, keeping batch order within each", () => {
    const [a0, b0] = keysIn(0, 2)
    const [a2] = keysIn(2, 1)
    const { routed } = route([set(a0!, "1"), set(a2!, "2"), get(b0!), { _tag: "Delete", key: a0!, noreply: false }])
    expect(routed.size).toBe(2)
    expect(routed.jobs[0]?.indexes).toEqual([0, 2, 3])
    expect(routed.jobs[2]?.indexes).toEqual([1])
    expect(routed.jobs[1]).toBeUndefined()
  })

  it("skips slots already answered, and routes nothing for a batch of answered slots", () => {
    const [a] = keysIn(1, 1)
    const { routed } = route([set(a!, "1"), undefined], [{ _tag: "Stored" }, { _tag: "UnknownCommand" }])
    expect(routed.size).toBe(0)
  })

  it("sends flush_all and cache_memlimit to every partition at their place in the batch", () => {
    const [a] = keysIn(3, 1)
    const { routed } = route([set(a!, "1"), { _tag: "FlushAll", delay: 0, noreply: false }, set(a!, "2")])
    expect(routed.size).toBe(P)
    expect(routed.jobs[3]?.indexes).toEqual([0, 1, 2])
    for (const p of [0, 1, 2]) expect(routed.jobs[p]?.indexes).toEqual([1])
  })

  it("keeps a one-partition multi-get whole, and splits one that spans partitions key by key", () => {
    const [a, b] = keysIn(0, 2)
    const [c] = keysIn(1, 1)
    const whole = route([get(a!, b!)])
    expect(whole.routed.jobs[0]?.indexes).toEqual([0])
    expect(whole.routed.jobs[0]?.parts).toEqual([])
    const spread = route([set(a!, "x"), get(c!, a!, c!), set(b!, "y")])
    const job0 = spread.routed.jobs[0]!
    const job1 = spread.routed.jobs[1]!
    expect(job0.indexes).toEqual([0, 2])
    expect(job0.parts[0]?.keyIndexes).toEqual([1])
    // The part runs before index 2 (the set after the get in the batch), after index 0.
    expect(job0.partAt).toEqual([1])
    expect(job1.parts[0]?.keyIndexes).toEqual([0, 2])
  })

  it("gathers hits in request order once every job is done, or answers an error if a part failed", () => {
    const [a] = keysIn(0, 1)
    const [c] = keysIn(1, 1)
    const hit = (key: string) => ({ key, flags: 0, value: Buffer.from(key), cas: 1 })
    const ok = route([get(c!, a!, c!, "missing")])
    for (const job of jobs(ok.routed)) {
      for (const part of job.parts) {
        for (const k of part.keyIndexes) {
          part.slots[k] = k === 3
            ? undefined
            : hit(part.request.keys[k]!)
        }
      }
    }
    jobs(ok.routed)[0]!.done()
    expect(ok.completed()).toBe(0)
    for (const job of jobs(ok.routed).slice(1)) job.done()
    expect(ok.completed()).toBe(1)
    const result = ok.batch.results[0]!
    expect(result._tag === "Values" && result.hits.map((h) => h.key)).toEqual([c, a, c])

    const failed = route([{ _tag: "Gets", keys: [c!, a!] }])
    jobs(failed.routed)[0]!.parts[0]!.gather.failed = true
    for (const job of jobs(failed.routed)) job.done()
    expect(failed.batch.results[0]).toEqual({ _tag: "ServerError", message: "internal error" })
  })
})
