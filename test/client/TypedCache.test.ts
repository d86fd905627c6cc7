import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Schema, TestClock } from "effect"
import { MemcachedClient, TypedCache, ValueCodec } from "../../src/client/index.js"
import { inProcess } from "../support/client.js"

const User = Schema.Struct({ id: Schema.Number, name: Schema.String, joined: Schema.DateFromString })

describe("TypedCache", () => {
  it.scoped("stores values through their Schema and reads them back typed", () =>
    Effect.gen(function*() {
      const users = yield* TypedCache.make({ prefix: "user:", schema: User })
      const ada = { id: 1, name: "Ada", joined: new Date("2024-01-02T03:04:05Z") }
      yield* users.set("1", ada)
      expect(yield* users.get("1")).toEqual(Option.some(ada))
      expect(yield* users.get("2")).toEqual(Option.none())
      // Under the prefix, as JSON of the encoded form.
      const raw = yield* (yield* MemcachedClient).get("user:1")
      expect(Buffer.from(Option.getOrThrow(raw).value).toString()).toBe(
        JSON.stringify({ id: 1, name: "Ada", joined: "2024-01-02T03:04:05.000Z" })
      )
      expect(yield* users.add("1", ada)).toBe(false)
      expect(yield* users.add("2", { ...ada, id: 2 })).toBe(true)
      expect([...(yield* users.getMany(["1", "3", "2"])).keys()]).toEqual(["1", "2"])
      expect(yield* users.delete("2")).toBe(true)
      expect(yield* users.delete("2")).toBe(false)
    }).pipe(Effect.provide(inProcess())))

  it.scoped("bytes that do not decode fail with DecodeError; values that do not encode with EncodeError", () =>
    Effect.gen(function*() {
      const client = yield* MemcachedClient
      const users = yield* TypedCache.make({ prefix: "user:", schema: User })
      yield* client.set("user:bad", JSON.stringify({ id: "one", name: "Ada" }))
      const decoding = yield* Effect.flip(users.get("bad"))
      expect(decoding).toMatchObject({ _tag: "DecodeError", key: "user:bad" })
      expect(decoding.message).toContain("id")
      yield* client.set("user:garbage", "not json")
      expect(yield* Effect.flip(users.get("garbage"))).toMatchObject({ _tag: "DecodeError" })
      const positives = yield* TypedCache.make({ prefix: "p:", schema: Schema.Number.pipe(Schema.positive()) })
      expect(yield* Effect.flip(positives.set("x", -1))).toMatchObject({ _tag: "EncodeError", key: "p:x" })
    }).pipe(Effect.provide(inProcess())))

  it.scoped("string and byte codecs; a TTL that expires on the clock (server and client share TestClock)", () =>
    Effect.gen(function*() {
      const counters = yield* TypedCache.make({
        prefix: "n:",
        codec: ValueCodec.string(Schema.NumberFromString),
        ttl: "1 minute"
      })
      yield* counters.set("hits", 42)
      expect(Buffer.from(Option.getOrThrow(yield* (yield* MemcachedClient).get("n:hits")).value).toString()).toBe("42")
      expect(yield* counters.get("hits")).toEqual(Option.some(42))
      yield* TestClock.adjust("61 seconds")
      expect(yield* counters.get("hits")).toEqual(Option.none())
      const blobs = yield* TypedCache.make({ prefix: "b:", codec: ValueCodec.bytes(Schema.Uint8ArrayFromSelf) })
      yield* blobs.set("x", Uint8Array.from([0, 1, 2]))
      expect(Option.map(yield* blobs.get("x"), (b) => [...b])).toEqual(Option.some([0, 1, 2]))
    }).pipe(Effect.provide(inProcess())))

  it.scoped("getOrCompute computes once and stores the encoded value", () =>
    Effect.gen(function*() {
      const users = yield* TypedCache.make({ prefix: "user:", schema: User, ttl: "1 hour" })
      let runs = 0
      const load = Effect.sync(() => {
        runs++
        return { id: 7, name: "Grace", joined: new Date(0) }
      })
      const first = yield* users.getOrCompute("7", load)
      const second = yield* users.getOrCompute("7", load)
      expect(second).toEqual(first)
      expect(runs).toBe(1)
      expect(yield* users.get("7")).toEqual(Option.some(first))
    }).pipe(Effect.provide(inProcess())))
})
