/**
 * The client against effcached (the daemon) and a real memcached 1.6: every text and meta command,
 * results and errors, pipelining under many fibers with interruption, and spans.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer, Option, Schema } from "effect"
import { MemcachedClient, TypedCache } from "../../src/client/index.js"
import { bothServers, clientLayer, recordingTracer, text, utf8 } from "../support/client.js"
import { type RunningServer, useServer } from "../support/servers.js"

/** Runs a client program against `server`, with a fresh client. */
const withClient = <A, E>(server: RunningServer, program: Effect.Effect<A, E, MemcachedClient>) =>
  Effect.provide(program, clientLayer([server.port]))

describe.each(bothServers())("the client against %s", (_name, start) => {
  const server = useServer(start)
  const run = <A, E>(program: Effect.Effect<A, E, MemcachedClient>) => withClient(server, program)

  it.effect("set, get, gets, gat, gats: strings, bytes and flags", () =>
    run(Effect.gen(function*() {
      const c = yield* MemcachedClient
      expect(yield* c.set("greeting", "héllo", { flags: 42 })).toEqual({ _tag: "Stored" })
      const hit = yield* c.get("greeting")
      expect(text(hit)).toBe("héllo")
      expect(Option.getOrThrow(hit)).toMatchObject({ key: "greeting", flags: 42 })
      const binary = Uint8Array.from([0, 13, 10, 255, 32, 0])
      yield* c.set("bin", binary)
      expect(Option.getOrThrow(yield* c.get("bin")).value).toEqual(Buffer.from(binary))
      const withCas = Option.getOrThrow(yield* c.gets("greeting"))
      expect(withCas.cas).toBeGreaterThan(0)
      expect(text(yield* c.gat("greeting", "1 hour"))).toBe("héllo")
      expect(Option.getOrThrow(yield* c.gats("greeting", "2 hours")).cas).toBe(withCas.cas)
      expect(yield* c.get("missing")).toEqual(Option.none())
      expect(yield* c.gat("missing", "1 hour")).toEqual(Option.none())
    })))

  it.effect("getMany: several keys at once, misses left out, UTF-8 keys", () =>
    run(Effect.gen(function*() {
      const c = yield* MemcachedClient
      yield* c.set("m:1", "one")
      yield* c.set("m:ключ", "two")
      const found = yield* c.getMany(["m:1", "m:none", "m:ключ", "m:1"])
      expect([...found].map(([key, hit]) => [key, utf8(hit.value)])).toEqual([["m:1", "one"], ["m:ключ", "two"]])
      expect((yield* c.getsMany(["m:1"])).get("m:1")!.cas).toBeGreaterThan(0)
      expect((yield* c.getMany([])).size).toBe(0)
    })))

  it.effect("add, replace, append, prepend, cas: each outcome", () =>
    run(Effect.gen(function*() {
      const c = yield* MemcachedClient
      expect(yield* c.add("s:k", "a")).toEqual({ _tag: "Stored" })
      expect(yield* c.add("s:k", "b")).toEqual({ _tag: "NotStored" })
      expect(yield* c.replace("s:none", "x")).toEqual({ _tag: "NotStored" })
      expect(yield* c.replace("s:k", "b")).toEqual({ _tag: "Stored" })
      expect(yield* c.append("s:k", ">")).toEqual({ _tag: "Stored" })
      expect(yield* c.prepend("s:k", "<")).toEqual({ _tag: "Stored" })
      expect(yield* c.append("s:none", "x")).toEqual({ _tag: "NotStored" })
      expect(text(yield* c.get("s:k"))).toBe("<b>")
      const { cas } = Option.getOrThrow(yield* c.gets("s:k"))
      expect(yield* c.cas("s:k", "c", cas)).toEqual({ _tag: "Stored" })
      expect(yield* c.cas("s:k", "d", cas)).toEqual({ _tag: "Exists" })
      expect(yield* c.cas("s:none", "d", cas)).toEqual({ _tag: "NotFound" })
      expect(text(yield* c.get("s:k"))).toBe("c")
    })))

  it.effect("delete, incr, decr, touch", () =>
    run(Effect.gen(function*() {
      const c = yield* MemcachedClient
      yield* c.set("n", "41")
      expect(yield* c.incr("n")).toEqual({ _tag: "Counter", value: 42n })
      expect(yield* c.incr("n", 18446744073709551615n)).toEqual({ _tag: "Counter", value: 41n })
      expect(yield* c.decr("n", 100)).toEqual({ _tag: "Counter", value: 0n })
      expect(yield* c.incr("nothing")).toEqual({ _tag: "NotFound" })
      expect(yield* c.touch("n", "10 minutes")).toEqual({ _tag: "Touched" })
      expect((yield* c.mg("n", { returnTtl: true })).ttl).toBeGreaterThan(590)
      expect(yield* c.touch("nothing", 1000)).toEqual({ _tag: "NotFound" })
      expect(yield* c.delete("n")).toEqual({ _tag: "Deleted" })
      expect(yield* c.delete("n")).toEqual({ _tag: "NotFound" })
      yield* c.set("word", "abc")
      const nonNumeric = yield* Effect.flip(c.incr("word"))
      expect(nonNumeric).toMatchObject({
        _tag: "ClientError",
        server: `127.0.0.1:${server.port}`,
        message: "cannot increment or decrement non-numeric value"
      })
    })))

  it.effect("version, stats (groups), flush_all", () =>
    run(Effect.gen(function*() {
      const c = yield* MemcachedClient
      const [version] = yield* c.version
      expect(version!.result).toMatch(/^\d+\.\d+\.\d+/)
      yield* c.set("f", "x")
      const [general] = yield* c.stats()
      expect(general!.result._tag).toBe("StatsReply")
      const entries = new Map(general!.result._tag === "StatsReply" ? general!.result.entries : [])
      expect(Number(entries.get("curr_items"))).toBeGreaterThan(0)
      const [settings] = yield* c.stats("settings")
      expect(settings!.result).toMatchObject({ _tag: "StatsReply" })
      yield* c.flushAll()
      expect(yield* c.get("f")).toEqual(Option.none())
      const [reset] = yield* c.stats("reset")
      expect(reset!.result).toEqual({ _tag: "StatsReset" })
      const unknown = yield* Effect.flip(c.stats("no-such-group"))
      expect(unknown._tag).toBe("ClientError")
    })))

  it.effect("mg, ms, md, ma, mn, me with their flags", () =>
    run(Effect.gen(function*() {
      const c = yield* MemcachedClient
      expect(yield* c.mg("meta:none", { value: true })).toMatchObject({ status: "EN" })
      const set = yield* c.ms("meta:k", "value", { ttl: "1 hour", flags: 7, returnCas: true })
      expect(set.status).toBe("HD")
      expect(set.cas).toBeGreaterThan(0)
      const got = yield* c.mg("meta:k", {
        value: true,
        returnCas: true,
        returnFlags: true,
        returnTtl: true,
        returnKey: true,
        opaque: "op1"
      })
      expect({ ...got, value: utf8(got.value) }).toMatchObject({
        status: "VA",
        value: "value",
        cas: set.cas,
        clientFlags: 7,
        keyBase64: false
      })
      expect(got.ttl).toBeGreaterThan(3590)
      expect((yield* c.mg("meta:k", { returnSize: true })).size).toBe(5)
      expect((yield* c.ms("meta:k", "x", { mode: "add" })).status).toBe("NS")
      expect((yield* c.ms("meta:k", "!", { mode: "append" })).status).toBe("HD")
      expect((yield* c.ms("meta:k", "y", { compareCas: 1 })).status).toBe("EX")
      expect(utf8((yield* c.mg("meta:k", { value: true })).value)).toBe("value!")
      expect((yield* c.ma("meta:n", { vivify: "1 minute", initial: 10, value: true })).value).toEqual(Buffer.from("10"))
      const decremented = yield* c.ma("meta:n", { mode: "decr", delta: 3, value: true })
      expect(utf8(decremented.value)).toBe("7")
      expect((yield* c.ma("meta:none")).status).toBe("NF")
      expect((yield* c.md("meta:k", { invalidate: true })).status).toBe("HD")
      expect(yield* c.mg("meta:k", { value: true })).toMatchObject({ stale: true, won: true })
      expect((yield* c.md("meta:k")).status).toBe("HD")
      expect((yield* c.md("meta:k")).status).toBe("NF")
      yield* c.mn
      yield* c.ms("with space", "b", { base64: true })
      expect(utf8((yield* c.mg("with space", { base64: true, value: true, returnKey: true })).value)).toBe("b")
      expect(yield* c.me("with space", { base64: true })).toMatchObject({ _tag: "MetaDebugReply", keyBase64: true })
      expect(yield* c.me("meta:none")).toEqual({ _tag: "MetaDebugMiss" })
    })))

  it.effect("errors: invalid keys fail before sending; a value too large is a ServerError", () =>
    run(Effect.gen(function*() {
      const c = yield* MemcachedClient
      expect(yield* Effect.flip(c.get("has space"))).toMatchObject({ _tag: "ClientError", server: undefined })
      expect(yield* Effect.flip(c.set("k".repeat(251), "v"))).toMatchObject({ _tag: "ClientError" })
      expect(yield* Effect.flip(c.set("k", "v", { flags: -1 }))).toMatchObject({ _tag: "ClientError" })
      const tooLarge = yield* Effect.flip(c.set("big", new Uint8Array(2 * 1024 * 1024)))
      expect(tooLarge).toMatchObject({ _tag: "ServerError", message: "object too large for cache" })
      // The connection is still in step after the error.
      yield* c.set("after", "ok")
      expect(text(yield* c.get("after"))).toBe("ok")
    })))

  it.effect("execute: any request, answered as the server answers it", () =>
    run(Effect.gen(function*() {
      const c = yield* MemcachedClient
      const quietSet = yield* c.execute({
        _tag: "Set",
        key: "raw",
        flags: 0,
        exptime: 0,
        value: Buffer.from("v"),
        noreply: true
      })
      expect(quietSet).toEqual({ _tag: "Silent" })
      expect(yield* c.execute({ _tag: "Get", keys: ["raw"] })).toMatchObject({ _tag: "Values", hits: [{ key: "raw" }] })
      expect(yield* c.execute({ _tag: "Stats", args: ["nonsense"] })).toEqual({ _tag: "UnknownCommand" })
      const [noop] = yield* c.broadcast({ _tag: "MetaNoop" })
      expect(noop!.result).toEqual({ _tag: "MetaNoopReply" })
    })))

  it.effect("typed values: a Schema view stores JSON, reads it back typed, refuses what does not decode", () =>
    run(Effect.gen(function*() {
      const c = yield* MemcachedClient
      const Point = Schema.Struct({ x: Schema.Number, y: Schema.Number })
      const points = yield* TypedCache.make({ prefix: "pt:", schema: Point, ttl: "1 minute" })
      yield* points.set("a", { x: 1, y: 2 })
      expect(yield* points.get("a")).toEqual(Option.some({ x: 1, y: 2 }))
      expect(text(yield* c.get("pt:a"))).toBe("{\"x\":1,\"y\":2}")
      yield* c.set("pt:b", "{\"x\":\"one\"}")
      expect(yield* Effect.flip(points.get("b"))).toMatchObject({ _tag: "DecodeError", key: "pt:b" })
      let runs = 0
      const computed = yield* points.getOrCompute("c", Effect.sync(() => ({ x: ++runs, y: 0 })))
      expect([computed, yield* points.getOrCompute("c", Effect.sync(() => ({ x: ++runs, y: 0 })))]).toEqual([
        { x: 1, y: 0 },
        { x: 1, y: 0 }
      ])
    })))

  it.effect("thousands of concurrent fibers share one connection; interrupted ones do not disturb the rest", () =>
    run(Effect.gen(function*() {
      const c = yield* MemcachedClient
      const n = 1000
      yield* Effect.forEach(Array.from({ length: n }, (_, i) => i), (i) => c.set(`p:${i}`, `v${i}`), {
        concurrency: "unbounded"
      })
      const fibers = yield* Effect.forEach(
        Array.from({ length: n }, (_, i) => i),
        (i) => Effect.fork(Effect.map(c.get(`p:${i}`), text)),
        { concurrency: "unbounded" }
      )
      // Interrupt every third, some before they are written, some while their reply is on its way.
      yield* Effect.forEach(fibers.filter((_, i) => i % 3 === 0), Fiber.interrupt, { concurrency: "unbounded" })
      const exits = yield* Effect.forEach(fibers, Fiber.await)
      exits.forEach((exit, i) => {
        if (i % 3 !== 0) expect(exit).toEqual(Exit.succeed(`v${i}`))
      })
      expect(text(yield* c.get("p:7"))).toBe("v7")
      const [stats] = yield* c.stats()
      const entries = new Map(stats!.result._tag === "StatsReply" ? stats!.result.entries : [])
      // One connection (ours), plus memcached's listener where it counts it.
      expect(Number(entries.get("curr_connections"))).toBeLessThanOrEqual(2)
    })))

  it.effect("a span per request when a tracer is installed, with the server and the command", () =>
    Effect.gen(function*() {
      const { spans, tracer } = recordingTracer()
      yield* Effect.gen(function*() {
        const c = yield* MemcachedClient
        yield* c.set("traced", "x")
        yield* c.get("traced")
      }).pipe(Effect.provide(Layer.merge(clientLayer([server.port]), Layer.setTracer(tracer))))
      const names = spans.map((span) => span.name)
      expect(names).toEqual(expect.arrayContaining(["memcache.set", "memcache.get"]))
      const get = spans.find((span) => span.name === "memcache.get")!
      expect(get.kind).toBe("client")
      expect(get.status._tag).toBe("Ended")
      expect(Object.fromEntries(get.attributes)).toMatchObject({
        "db.system.name": "memcached",
        "db.operation.name": "get",
        "server.address": "127.0.0.1",
        "server.port": server.port
      })
    }))
})
