/**
 * Stampede protection: 50 fibers ask for a value that is not cached; one computes it (slowly), the
 * others wait for its result instead of all hitting the database at once.
 *
 * Run with EFFCACHED_SERVERS=host:port (default 127.0.0.1:11211).
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { MemcachedClient } from "effcached/client"
import { Console, Effect, Ref } from "effect"

const servers = (process.env["EFFCACHED_SERVERS"] ?? "127.0.0.1:11211").split(",")

const program = Effect.gen(function*() {
  const cache = yield* MemcachedClient
  const queries = yield* Ref.make(0)
  yield* cache.delete("report:today")

  // The expensive computation: counts how often it runs.
  const buildReport = Ref.update(queries, (n) => n + 1).pipe(
    Effect.zipRight(Effect.sleep("200 millis")),
    Effect.as(new TextEncoder().encode("42 orders"))
  )

  const reports = yield* Effect.forEach(
    Array.from({ length: 50 }),
    () => cache.getOrCompute("report:today", buildReport, { ttl: "5 minutes", recacheWithin: "30 seconds" }),
    { concurrency: "unbounded" }
  )
  const distinct = new Set(reports.map((bytes) => new TextDecoder().decode(bytes)))
  yield* Console.log(`50 callers got ${[...distinct].join(", ")}; computed ${yield* Ref.get(queries)} time(s)`)
})

program.pipe(Effect.provide(MemcachedClient.layer({ servers })), NodeRuntime.runMain)

// > 50 callers got 42 orders; computed 1 time(s)
