/**
 * A typed view: the keys under a prefix hold one type, encoded and decoded with a Schema. Bytes that
 * do not decode (written by other code, or an older version of the type) fail with DecodeError.
 *
 * Run with EFFCACHED_SERVERS=host:port (default 127.0.0.1:11211).
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { MemcachedClient, TypedCache } from "effcached/client"
import { Console, Effect, Option, Schema } from "effect"

const servers = (process.env["EFFCACHED_SERVERS"] ?? "127.0.0.1:11211").split(",")

class User extends Schema.Class<User>("User")({
  id: Schema.Number,
  name: Schema.String,
  since: Schema.DateFromString
}) {}

const program = Effect.gen(function*() {
  const users = yield* TypedCache.make({ prefix: "user:", schema: User, ttl: "10 minutes" })

  yield* users.set("1", new User({ id: 1, name: "Ada", since: new Date("2024-05-01T00:00:00Z") }))
  const ada = yield* users.get("1")
  yield* Console.log(Option.match(ada, {
    onNone: () => "user 1: (miss)",
    onSome: (user) => `user 1: ${user.name}, since ${user.since.getUTCFullYear()}`
  }))

  // Something else wrote that key: the view refuses it rather than hand back a wrong User.
  const cache = yield* MemcachedClient
  yield* cache.set("user:2", JSON.stringify({ id: "two" }))
  yield* users.get("2").pipe(
    Effect.catchTag("DecodeError", (error) => Console.log(`user 2: ${error._tag} at ${error.key}`))
  )
})

program.pipe(Effect.provide(MemcachedClient.layer({ servers })), NodeRuntime.runMain)

// > user 1: Ada, since 2024
// > user 2: DecodeError at user:2
