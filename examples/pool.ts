/**
 * Several servers: keys placed with libmemcached's weighted ketama (the same servers as pylibmc's
 * ketama_weighted or twemproxy's ketama with md5 hashing), server health, and what happens to the keys
 * of a server that is down (autoEject: move them, or fail fast).
 *
 * Run with EFFCACHED_SERVERS=host:port,host:port[,...] (default two local servers).
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { MemcachedClient } from "effcached/client"
import { Console, Effect, Schedule } from "effect"

const servers = (process.env["EFFCACHED_SERVERS"] ?? "127.0.0.1:11211,127.0.0.1:11212").split(",")

const program = Effect.gen(function*() {
  const cache = yield* MemcachedClient
  const keys = Array.from({ length: 1000 }, (_, i) => `item:${i}`)
  yield* Effect.forEach(keys, (key) => cache.set(key, "x"), { concurrency: 100 })

  const perServer = new Map<string, number>()
  for (const key of keys) {
    const server = cache.serverFor(key)!.label
    perServer.set(server, (perServer.get(server) ?? 0) + 1)
  }
  yield* Console.log(`${perServer.size} servers share the keys: ${[...perServer.values()].every((n) => n > 200)}`)

  const health = yield* cache.health
  yield* Console.log(`health: ${health.map(({ result }) => result).join(", ")}`)
  const found = yield* cache.getMany(keys)
  yield* Console.log(`read back: ${found.size}`)
})

program.pipe(
  Effect.provide(MemcachedClient.layer({
    servers,
    failureLimit: 2,
    retrySchedule: Schedule.exponential("100 millis").pipe(Schedule.union(Schedule.spaced("5 seconds"))),
    autoEject: true
  })),
  NodeRuntime.runMain
)

// > 2 servers share the keys: true
// > health: up, up
// > read back: 1000
