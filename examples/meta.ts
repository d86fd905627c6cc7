/**
 * The meta protocol with typed options: TTLs and CAS uniques in one round trip, optimistic
 * concurrency with compareCas, and the recache flags behind stampede protection.
 *
 * Run with EFFCACHED_SERVERS=host:port (default 127.0.0.1:11211).
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { MemcachedClient } from "effcached/client"
import { Console, Effect } from "effect"

const servers = (process.env["EFFCACHED_SERVERS"] ?? "127.0.0.1:11211").split(",")

const program = Effect.gen(function*() {
  const cache = yield* MemcachedClient

  const stored = yield* cache.ms("counter:page", "10", { ttl: "1 hour", returnCas: true })
  const read = yield* cache.mg("counter:page", { value: true, returnCas: true, returnTtl: true })
  yield* Console.log(
    `${read.status} ${new TextDecoder().decode(read.value)}, ttl ${read.ttl > 3500 ? "~1h" : read.ttl}, cas matches: ${
      read.cas === stored.cas
    }`
  )

  // Optimistic update: only if nobody wrote since our read.
  const first = yield* cache.ms("counter:page", "11", { compareCas: read.cas })
  const second = yield* cache.ms("counter:page", "12", { compareCas: read.cas })
  yield* Console.log(`first update: ${first.status}, second (stale cas): ${second.status}`)

  // Counters that create themselves.
  const hits = yield* cache.ma("hits:home", { vivify: "1 day", initial: 100, value: true })
  yield* Console.log(`hits: ${new TextDecoder().decode(hits.value)}`)

  yield* cache.md("counter:page")
  yield* cache.md("hits:home")
})

program.pipe(Effect.provide(MemcachedClient.layer({ servers })), NodeRuntime.runMain)

// > VA 10, ttl ~1h, cas matches: true
// > first update: HD, second (stale cas): EX
// > hits: 100
