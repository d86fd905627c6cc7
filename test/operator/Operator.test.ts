import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, TestClock } from "effect"
import { ServerConfig } from "../../src/config/ServerConfig.js"
import * as Effcached from "../../src/server/Effcached.js"
import { Listener } from "../../src/server/Listener.js"
import { PartitionedStore } from "../../src/store/PartitionedStore.js"
import { Connection } from "../support/wire.js"

/** The server over the partitioned store, its own sweeper too slow to matter: only a crawl reclaims. */
const server = Effcached.serve.pipe(
  Layer.provide(PartitionedStore.layer),
  Layer.provide(ServerConfig.layer({ port: 0, sweepIntervalMs: 3_600_000, sweepBudget: 3 }))
)

const stat = (reply: string, name: string) => Number(new RegExp(`^STAT ${name} (\\d+)\\r$`, "m").exec(reply)?.[1])

const crawl = Effect.gen(function*() {
  const { address } = yield* Listener
  const conn = yield* Effect.promise(() => Connection.open(address.port))
  yield* Effect.addFinalizer(() => Effect.sync(() => conn.close()))
  const request = (line: string) => Effect.promise(() => conn.request(line))
  for (let i = 0; i < 20; i++) yield* request(`set short${i} 0 5 1\r\nx\r\n`)
  yield* request("set long 0 0 1\r\ny\r\n")
  yield* TestClock.adjust("6 seconds")
  expect(stat(yield* request("stats\r\n"), "curr_items")).toBe(21)
  conn.send("lru_crawler crawl all\r\nlru_crawler crawl all\r\n")
  const replies = yield* Effect.promise(() =>
    conn.read((s) => (s.split("\r\n").length > 2 ? s.lastIndexOf("\r\n") + 2 : undefined))
  )
  expect(replies).toBe("OK\r\nBUSY currently processing crawler request\r\n")
  // The crawl runs in slices of the sweep budget (3 here) until every item has been examined.
  let stats = ""
  for (let attempt = 0; attempt < 100; attempt++) {
    stats = yield* request("stats\r\n")
    if (stat(stats, "curr_items") === 1) break
    yield* Effect.yieldNow()
  }
  expect(stat(stats, "curr_items")).toBe(1)
  expect(stat(stats, "crawler_reclaimed")).toBe(20)
  expect(yield* request("lru_crawler crawl all\r\n")).toBe("OK\r\n")
}).pipe(Effect.provide(server))

describe("Operator", () => {
  // The clock is set before the server starts: setting it later would run every sweep in between.
  it.scoped("lru_crawler crawl reclaims every expired item in the background, BUSY meanwhile", () =>
    Effect.zipRight(TestClock.setTime(1_700_000_000_000), crawl))
})
