import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { defaults } from "../../src/config/ServerConfig.js"
import type { Request } from "../../src/domain/Request.js"
import type { DumpedItem, Result } from "../../src/domain/Result.js"
import { defaultSettings } from "../../src/operator/Operator.js"
import { Registry } from "../../src/server/ConnectionRegistry.js"
import { PrefixTable } from "../../src/server/PrefixStats.js"
import { newServerCounters } from "../../src/server/ServerStats.js"
import { statsCommand } from "../../src/server/StatsCommand.js"
import { PartitionedStore } from "../../src/store/PartitionedStore.js"
import type { StoreShape } from "../../src/store/Store.js"
import { set } from "../support/store.js"

const stats = (store: StoreShape, ...args: Array<string>) =>
  statsCommand(args, {
    store,
    counters: newServerCounters(0),
    settings: defaults,
    registry: new Registry(),
    prefixes: new PrefixTable(),
    operator: defaultSettings()
  })

const fill = (store: StoreShape, requests: Array<Request>) =>
  store.execute({ requests, results: requests.map((): Result | undefined => undefined) })

const itemsOf = (result: Result): ReadonlyArray<DumpedItem> => {
  if (result._tag !== "CacheDump") throw new Error(`expected CacheDump, got ${result._tag}`)
  return result.items
}

const storeOf = (partitions: number) =>
  PartitionedStore.make({ partitions, maxItemSize: 1 << 20, memoryLimit: 256 << 20, evict: true })

describe("stats cachedump", () => {
  it.scoped("lists a class's keys newest first, up to the limit", () =>
    Effect.gen(function*() {
      const store = yield* storeOf(1)
      yield* fill(store, [set("a", "1"), set("big", "x".repeat(500)), set("b", "22"), set("c", "3")])
      expect(itemsOf(yield* stats(store, "cachedump", "1", "0")).map((i) => i.key)).toEqual(["c", "b", "a"])
      expect(itemsOf(yield* stats(store, "cachedump", "1", "2")).map((i) => i.key)).toEqual(["c", "b"])
      expect(itemsOf(yield* stats(store, "cachedump", "9", "0")).map((i) => i.key)).toEqual(["big"])
      expect(itemsOf(yield* stats(store, "cachedump", "2", "0"))).toEqual([])
    }))

  it.scoped(
    "stops before the reply would pass 2 MB, as memcached does, however many items there are",
    () =>
      Effect.gen(function*() {
        const store = yield* storeOf(4)
        const n = 150_000
        for (let i = 0; i < n; i += 10_000) {
          yield* fill(
            store,
            Array.from({ length: 10_000 }, (_, j) => set(`key:${String(i + j).padStart(6, "0")}`, "v"))
          )
        }
        const items = itemsOf(yield* stats(store, "cachedump", "1", "0"))
        const bytes = items.reduce((sum, i) => sum + `ITEM ${i.key} [${i.bytes} b; ${i.exptime} s]\r\n`.length, 0)
        expect(bytes + 6).toBeLessThanOrEqual(2 * 1024 * 1024)
        // One more line would not have fit: every line here is 26 bytes.
        expect(bytes + 26 + 6).toBeGreaterThan(2 * 1024 * 1024)
        expect(items.length).toBeLessThan(n)
      }),
    30_000
  )
})
