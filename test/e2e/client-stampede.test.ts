/**
 * Stampede protection (getOrCompute) against effcached and a real memcached: many concurrent callers
 * on a missing key, on a key about to expire and on a key marked stale, and exactly one computation
 * each time; a failed computation lets another caller take over. Waiters poll on TestClock.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Deferred, Effect, Fiber, Ref, TestClock } from "effect"
import { MemcachedClient, type StampedeOptions } from "../../src/client/index.js"
import { bothServers, clientLayer, eventually, text, utf8 } from "../support/client.js"
import { useServer } from "../support/servers.js"

const CALLERS = 20

describe.each(bothServers())("getOrCompute against %s", (_name, start) => {
  const server = useServer(start)
  const options: StampedeOptions = { ttl: "1 hour", recacheWithin: "30 seconds", lockTtl: "30 seconds" }

  /** A computation that counts its runs and waits for `release` before answering `value`. */
  const gated = (runs: Ref.Ref<number>, release: Deferred.Deferred<void>, value: string) =>
    Effect.zipRight(Ref.update(runs, (n) => n + 1), Effect.as(Deferred.await(release), Buffer.from(value)))

  it.effect("a missing key: one caller computes, the others wait for its value", () =>
    Effect.gen(function*() {
      const c = yield* MemcachedClient
      const runs = yield* Ref.make(0)
      const release = yield* Deferred.make<void>()
      const callers = yield* Effect.forEach(
        Array.from({ length: CALLERS }),
        () => Effect.fork(c.getOrCompute("st:miss", gated(runs, release, "fresh"), options)),
        { concurrency: "unbounded" }
      )
      // Everyone has asked: one is computing, the others poll (a sleep each on the TestClock).
      yield* eventually(Effect.map(TestClock.sleeps(), (sleeps) => Chunk.size(sleeps) >= CALLERS - 1))
      expect(yield* Ref.get(runs)).toBe(1)
      yield* Deferred.succeed(release, undefined)
      yield* eventually(Effect.map(c.get("st:miss"), (hit) => text(hit) === "fresh"))
      const values = yield* Effect.fork(Effect.forEach(callers, Fiber.join))
      yield* TestClock.adjust("50 millis")
      expect((yield* Fiber.join(values)).map(utf8)).toEqual(Array.from({ length: CALLERS }, () => "fresh"))
      expect(yield* Ref.get(runs)).toBe(1)
    }).pipe(Effect.provide(clientLayer([server.port]))))

  it.effect("a key about to expire: one caller recomputes, the others get the current value at once", () =>
    Effect.gen(function*() {
      const c = yield* MemcachedClient
      yield* c.set("st:expiring", "old", { ttl: "20 seconds" })
      const runs = yield* Ref.make(0)
      const release = yield* Deferred.make<void>()
      const callers = yield* Effect.forEach(
        Array.from({ length: CALLERS }),
        () => Effect.fork(c.getOrCompute("st:expiring", gated(runs, release, "new"), options)),
        { concurrency: "unbounded" }
      )
      // While the winner computes, every other caller is answered with the current value.
      yield* eventually(
        Effect.sync(() => callers.filter((fiber) => fiber.unsafePoll() !== null).length === CALLERS - 1)
      )
      expect(yield* Ref.get(runs)).toBe(1)
      yield* Deferred.succeed(release, undefined)
      const values = (yield* Effect.forEach(callers, Fiber.join)).map(utf8)
      expect(values.filter((v) => v === "old")).toHaveLength(CALLERS - 1)
      expect(values.filter((v) => v === "new")).toHaveLength(1)
      expect(text(yield* c.get("st:expiring"))).toBe("new")
      expect(yield* Ref.get(runs)).toBe(1)
    }).pipe(Effect.provide(clientLayer([server.port]))))

  it.effect("a key marked stale (md I): the others get the stale value while one recomputes", () =>
    Effect.gen(function*() {
      const c = yield* MemcachedClient
      yield* c.set("st:stale", "stale")
      yield* c.md("st:stale", { invalidate: true })
      const runs = yield* Ref.make(0)
      const values = yield* Effect.forEach(
        Array.from({ length: CALLERS }),
        () =>
          c.getOrCompute(
            "st:stale",
            Effect.zipRight(Ref.update(runs, (n) => n + 1), Effect.succeed(Buffer.from("redone"))),
            options
          ),
        { concurrency: "unbounded" }
      )
      expect(yield* Ref.get(runs)).toBe(1)
      // The winner gets its own value; the others the stale one (or the new one, if they came after).
      expect(values.map(utf8).every((v) => v === "stale" || v === "redone")).toBe(true)
      expect(values.map(utf8).filter((v) => v === "stale").length).toBeGreaterThan(0)
      expect(text(yield* c.get("st:stale"))).toBe("redone")
    }).pipe(Effect.provide(clientLayer([server.port]))))

  it.effect("a computation that fails releases the key: a waiting caller takes over", () =>
    Effect.gen(function*() {
      const c = yield* MemcachedClient
      const runs = yield* Ref.make(0)
      const release = yield* Deferred.make<void>()
      const compute = Effect.flatMap(Ref.updateAndGet(runs, (n) => n + 1), (n) =>
        n === 1
          ? Effect.zipRight(Deferred.await(release), Effect.fail("the database is down" as const))
          : Effect.succeed(Buffer.from("second try")))
      const first = yield* Effect.fork(c.getOrCompute("st:fail", compute, options))
      yield* eventually(Effect.map(Ref.get(runs), (n) => n === 1))
      const second = yield* Effect.fork(c.getOrCompute("st:fail", compute, options))
      yield* eventually(Effect.map(TestClock.sleeps(), (sleeps) => Chunk.size(sleeps) >= 1))
      yield* Deferred.succeed(release, undefined)
      expect(yield* Effect.flip(Fiber.join(first))).toBe("the database is down")
      const result = yield* Effect.fork(Fiber.join(second))
      yield* TestClock.adjust("50 millis")
      expect(utf8(yield* Fiber.join(result))).toBe("second try")
      expect(yield* Ref.get(runs)).toBe(2)
    }).pipe(Effect.provide(clientLayer([server.port]))))
})
