import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { partitionFamilies } from "../../src/metrics/PartitionFamilies.js"
import { PartitionedStore } from "../../src/store/PartitionedStore.js"
import { set } from "../support/store.js"

describe("partitionFamilies", () => {
  it.scoped("reports each partition's drains as a histogram of messages per drain, and its mailbox", () =>
    Effect.gen(function*() {
      const store = yield* PartitionedStore.make({
        partitions: 2,
        maxItemSize: 1024,
        memoryLimit: 1024 * 1024,
        evict: true
      })
      const requests = Array.from({ length: 50 }, (_, i) => set(`k${i}`, "v"))
      yield* store.execute({ requests, results: requests.map(() => undefined) })
      yield* store.stats
      const loads = store.load()
      expect(loads).toHaveLength(2)
      for (const load of loads) {
        expect(load.depth).toBe(0)
        expect(load.drains).toBeGreaterThanOrEqual(2)
        expect(load.messages).toBeGreaterThanOrEqual(load.drains)
        expect(load.drainSizes.reduce((a, b) => a + b, 0)).toBe(load.drains)
      }
      const [partitions, depth, drains] = partitionFamilies(loads)
      expect(partitions!.samples).toEqual([{ value: 2 }])
      expect(depth!.samples).toEqual([{ labels: { partition: "0" }, value: 0 }, {
        labels: { partition: "1" },
        value: 0
      }])
      const count = drains!.samples.find((s) => s.suffix === "_count" && s.labels?.["partition"] === "0")
      const inf = drains!.samples.find((s) => s.labels?.["le"] === "+Inf" && s.labels["partition"] === "0")
      expect(count!.value).toBe(loads[0]!.drains)
      expect(inf!.value).toBe(loads[0]!.drains)
      expect(drains!.samples.find((s) => s.labels?.["le"] === "1" && s.labels["partition"] === "0")!.value)
        .toBe(loads[0]!.drainSizes[0])
    }))
})
