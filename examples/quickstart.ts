/**
 * Quick start: the client as a Layer, text commands, results as values you can match on.
 *
 * Run against a server (memcached or effcached) with EFFCACHED_SERVERS=host:port[,host:port...]
 * (default 127.0.0.1:11211), e.g. `npx tsx examples/quickstart.ts`.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { MemcachedClient } from "effcached/client"
import { Console, Effect, Option } from "effect"

const servers = (process.env["EFFCACHED_SERVERS"] ?? "127.0.0.1:11211").split(",")

const program = Effect.gen(function*() {
  const cache = yield* MemcachedClient

  yield* cache.set("greeting", "hello", { ttl: "1 hour" })
  const hit = yield* cache.get("greeting")
  yield* Console.log(Option.match(hit, {
    onNone: () => "greeting: (miss)",
    onSome: (item) => `greeting: ${Buffer.from(item.value).toString()}`
  }))

  // add only stores a missing key: the result says which happened.
  const added = yield* cache.add("greeting", "bonjour")
  yield* Console.log(`add: ${added._tag}`)

  yield* cache.set("visits", "41")
  const visits = yield* cache.incr("visits")
  yield* Console.log(visits._tag === "Counter" ? `visits: ${visits.value}` : "visits: (miss)")

  // Many keys in one round trip (split by server when there are several).
  const found = yield* cache.getMany(["greeting", "visits", "nobody"])
  yield* Console.log(`found: ${[...found.keys()].join(", ")}`)

  // Failures are tagged errors: here, a key the protocol cannot carry, refused before sending.
  const invalid = yield* Effect.flip(cache.get("no spaces allowed"))
  yield* Console.log(`invalid key: ${invalid._tag}`)

  yield* cache.delete("greeting")
})

program.pipe(Effect.provide(MemcachedClient.layer({ servers })), NodeRuntime.runMain)

// > greeting: hello
// > add: NotStored
// > visits: 42
// > found: greeting, visits
// > invalid key: ClientError
