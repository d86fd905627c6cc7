import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, TestClock } from "effect"
import { ServerConfig } from "../../src/config/ServerConfig.js"
import type { Request } from "../../src/domain/Request.js"
import type { Result } from "../../src/domain/Result.js"
import { PartitionedStore } from "../../src/store/PartitionedStore.js"
import { Store } from "../../src/store/Store.js"
import { Sweeper } from "../../src/store/Sweeper.js"

const bytes = (s: string) => Buffer.from(s, "latin1")
const set = (key: string, value: string, exptime = 0): Request => ({
  _tag: "Set",
  key,
  flags: 0,
  exptime,
  value: bytes(value),
  noreply: false
})

const run = (requests: Array<Request>) =>
  Effect.gen(function*() {
    const store = yield* Store
    const results: Array<Result | undefined> = requests.map(() => undefined)
    yield* store.execute({ requests, results })
    return results as Array<Result>
  })

const keysOf = (result: Result) =>
  result._tag === "Values" ? result.hits.map((h) => `${h.key}=${Buffer.from(h.value).toString()}`) : result._tag

const storeLayer = (partitions: number) =>
  PartitionedStore.layer.pipe(Layer.provide(ServerConfig.layer({ partitions })))

describe("PartitionedStore", () => {
  it.effect("keeps batch order per key and gathers multi-key gets in request order", () =>
    Effect.gen(function*() {
      const keys = Array.from({ length: 20 }, (_, i) => `k${i}`)
      const results = yield* run([
        ...keys.map((k) => set(k, `v-${k}`)),
        { _tag: "Get", keys: [...keys].reverse() as [string, ...Array<string>] },
        { _tag: "Delete", key: "k3", noreply: false },
        { _tag: "Get", keys: ["k3", "k2", "missing", "k2"] },
        { _tag: "FlushAll", delay: 0, noreply: false },
        set("k5", "again"),
        { _tag: "Get", keys: ["k4", "k5", "k6"] }
      ])
      expect(keysOf(results[20]!)).toEqual([...keys].reverse().map((k) => `${k}=v-${k}`))
      expect(results[21]!._tag).toBe("Deleted")
      expect(keysOf(results[22]!)).toEqual(["k2=v-k2", "k2=v-k2"])
      expect(results[23]!._tag).toBe("Ok")
      expect(keysOf(results[25]!)).toEqual(["k5=again"])
      const stats = yield* (yield* Store).stats
      expect(stats).toMatchObject({ curr_items: 1, cmd_set: 21, delete_hits: 1 })
    }).pipe(Effect.provide(storeLayer(4))))

  it.effect("skips indexes whose result is already set (protocol errors answered upstream)", () =>
    Effect.gen(function*() {
      const store = yield* Store
      const requests: Array<Request | undefined> = [set("a", "1"), undefined, { _tag: "Get", keys: ["a"] }]
      const results: Array<Result | undefined> = [undefined, { _tag: "UnknownCommand" }, undefined]
      yield* store.execute({ requests, results })
      expect(results.map((r) => r!._tag)).toEqual(["Stored", "UnknownCommand", "Values"])
    }).pipe(Effect.provide(storeLayer(3))))

  it.effect("the sweeper removes expired items on its schedule, without any access", () =>
    Effect.gen(function*() {
      const store = yield* Store
      yield* TestClock.setTime(1_700_000_000_000)
      yield* run([set("short", "x", 5), set("long", "x", 60), set("never", "x")])
      yield* Effect.gen(function*() {
        expect((yield* store.stats).curr_items).toBe(3)
        yield* TestClock.adjust("6 seconds")
        expect((yield* store.stats).curr_items).toBe(2)
        yield* TestClock.adjust("60 seconds")
        const stats = yield* store.stats
        expect(stats.curr_items).toBe(1)
        expect(stats.crawler_reclaimed).toBe(2)
        expect(stats.get_misses).toBe(0)
      }).pipe(Effect.provide(Sweeper.layer.pipe(Layer.provide(ServerConfig.layer({ sweepIntervalMs: 1000 })))))
    }).pipe(Effect.provide(storeLayer(2))))
})
