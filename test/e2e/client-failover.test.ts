/**
 * The client when a server dies and comes back: effcached instances stopped and restarted on their
 * ports. Alone, its requests fail (ConnectionLost, then ServerUnavailable once marked down) and work
 * again once the probe finds it back. In a pool, its keys fail fast (autoEject false) or move to the
 * other servers and come back (autoEject true), while the other servers' keys never move.
 */
import { Effect, Either, Schedule } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { type ClientOptions, MemcachedClient, type MemcachedClientShape } from "../../src/client/index.js"
import { pollUntil } from "../support/poll.js"
import { type RunningServer, startEffcached } from "../support/servers.js"

const options: Omit<ClientOptions, "servers"> = {
  failureLimit: 2,
  retrySchedule: Schedule.spaced("50 millis"),
  timeout: "2 seconds",
  connectTimeout: "1 second"
}

/** A client for these servers, used by `f` (with the real clock); closed afterwards. */
const withClient = <A>(
  ports: ReadonlyArray<number>,
  extra: Omit<ClientOptions, "servers">,
  f: (client: MemcachedClientShape) => Promise<A>
): Promise<A> =>
  Effect.runPromise(
    Effect.scoped(
      Effect.flatMap(
        MemcachedClient.make({ servers: ports.map((port) => `127.0.0.1:${port}`), ...options, ...extra }),
        (client) => Effect.promise(() => f(client))
      )
    )
  )

/** Runs a client effect to its Either (the failure's tag, or the value). */
const attempt = <A, E extends { readonly _tag: string }>(effect: Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.either(effect)).then(Either.match({ onLeft: (e) => e._tag, onRight: (a) => a }))

const running: Array<RunningServer> = []
const start = async (port?: number) => {
  const server = await startEffcached([], port)
  running.push(server)
  return server
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.stop()))
})

describe("the client when a server is killed and restarted", () => {
  it("alone: fails while it is down, ServerUnavailable once marked down, works again once it is back", async () => {
    const server = await start()
    await withClient([server.port], {}, async (client) => {
      expect(await attempt(client.set("k", "v"))).toEqual({ _tag: "Stored" })
      await server.stop()
      const failures = [await attempt(client.get("k")), await attempt(client.get("k"))]
      expect(failures.every((f) => f === "ConnectionLost")).toBe(true)
      expect(await attempt(client.get("k"))).toBe("ServerUnavailable")
      expect(await Effect.runPromise(client.health)).toMatchObject([{ result: "down" }])
      await start(server.port)
      await pollUntil(() => attempt(client.set("k", "again")), (r) => typeof r === "object", {
        deadlineMs: 10_000,
        what: "the client using the restarted server"
      })
      expect(await Effect.runPromise(client.health)).toMatchObject([{ result: "up" }])
    })
  }, 30_000)

  for (const autoEject of [false, true]) {
    it(
      `in a pool of three, autoEject ${autoEject}: its keys ${
        autoEject ? "move and come back" : "fail fast"
      }, others stay`,
      async () => {
        const servers = await Promise.all([start(), start(), start()])
        const ports = servers.map((s) => s.port)
        await withClient(ports, { autoEject }, async (client) => {
          const keys = Array.from({ length: 300 }, (_, i) => `pool:${i}`)
          const owner = new Map(keys.map((key) => [key, client.serverFor(key)!.port]))
          const victim = ports[1]!
          const theirs = keys.filter((key) => owner.get(key) === victim)
          const others = keys.filter((key) => owner.get(key) !== victim)
          expect(theirs.length).toBeGreaterThan(30)
          await servers[1]!.stop()
          // Requests for its keys fail until it is marked down; the others' keys are served throughout.
          const tries = await pollUntil(
            async () => [await attempt(client.get(theirs[0]!)), (await Effect.runPromise(client.health))[1]!.result],
            ([, health]) => health === "down",
            { deadlineMs: 10_000, what: "the stopped server marked down" }
          )
          expect(tries.map(([outcome]) => outcome)).toEqual(tries.map(() => "ConnectionLost"))
          for (const key of others) expect(await attempt(client.set(key, "v"))).toEqual({ _tag: "Stored" })
          for (const key of others) expect(client.serverFor(key)!.port).toBe(owner.get(key))
          const outcomes = await Promise.all(theirs.map((key) => attempt(client.set(key, "moved"))))
          if (autoEject) {
            expect(outcomes.every((o) => typeof o === "object")).toBe(true)
            expect(theirs.every((key) => client.serverFor(key)!.port !== victim)).toBe(true)
          } else {
            expect(new Set(outcomes)).toEqual(new Set(["ServerUnavailable"]))
          }
          await start(victim)
          await pollUntil(() => Effect.runPromise(client.health), (h) => h[1]!.result === "up", {
            deadlineMs: 10_000,
            what: "the restarted server marked up"
          })
          // Back in the ring: every key is where it was before.
          expect(keys.every((key) => client.serverFor(key)!.port === owner.get(key))).toBe(true)
          expect(await attempt(client.set(theirs[0]!, "home"))).toEqual({ _tag: "Stored" })
        })
      },
      30_000
    )
  }
})
