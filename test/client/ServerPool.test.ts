import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, Fiber, Schedule, TestClock, TestServices } from "effect"
import * as net from "node:net"
import { MemcachedClient } from "../../src/client/index.js"
import { eventually, ioTurn } from "../support/client.js"
import { freePort } from "../support/servers.js"

/** Lets socket events (a refused connect, a reply) happen: what should happen by then has. */
const settle = Effect.zipRight(ioTurn, ioTurn)

/** A stand-in server that answers every line with `reply`, or stays silent; closed with the scope. */
const fakeServer = (port: number, reply: string | undefined) =>
  Effect.acquireRelease(
    Effect.async<net.Server>((resume) => {
      const server = net.createServer((socket) => {
        socket.on("error", () => {})
        socket.on("data", (data: Buffer) => {
          // One reply per request line.
          for (let i = data.indexOf(10); i >= 0 && reply !== undefined; i = data.indexOf(10, i + 1)) socket.write(reply)
        })
      })
      server.listen(port, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
  )

describe("ServerPool health", () => {
  it.scoped("a server marked down is probed on the retry schedule, on Effect's clock", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(freePort)
      const client = yield* MemcachedClient.make({
        servers: [`127.0.0.1:${port}`],
        failureLimit: 1,
        retrySchedule: Schedule.spaced("10 seconds")
      })
      const refused = yield* Effect.either(client.get("k"))
      expect(Either.isLeft(refused) && refused.left._tag).toBe("ConnectionLost")
      expect(yield* client.health).toMatchObject([{ result: "down" }])
      expect(yield* Effect.flip(client.get("k"))).toMatchObject({ _tag: "ServerUnavailable" })
      // The first probe (right away) fails too; the next waits for the schedule: a sleep until 10 s.
      yield* eventually(Effect.map(TestClock.sleeps(), (sleeps) => Chunk.some(sleeps, (at) => at === 10_000)))
      yield* fakeServer(port, "VERSION 1.6.18\r\n")
      yield* TestClock.adjust("9 seconds")
      yield* settle
      expect(yield* client.health).toMatchObject([{ result: "down" }])
      yield* TestClock.adjust("1 second")
      yield* eventually(Effect.map(client.health, ([server]) => server!.result === "up"))
    }))

  it.scoped("a connect that never completes (a TLS handshake nobody answers) times out on the clock", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(freePort)
      yield* fakeServer(port, undefined)
      const client = yield* MemcachedClient.make({
        servers: [`127.0.0.1:${port}`],
        connectTimeout: "3 seconds",
        tls: { rejectUnauthorized: false }
      })
      const attempt = yield* Effect.fork(client.get("k"))
      yield* eventually(Effect.map(TestClock.sleeps(), (sleeps) => sleeps.length > 0))
      yield* TestClock.adjust("3 seconds")
      expect(yield* Effect.flip(Fiber.join(attempt))).toMatchObject({
        _tag: "Timeout",
        operation: "connect",
        millis: 3000
      })
    }))

  it.scoped("requests waiting for a connect share it", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(freePort)
      let connections = 0
      const server = yield* fakeServer(port, "END\r\n")
      server.on("connection", () => connections++)
      const client = yield* MemcachedClient.make({ servers: [`127.0.0.1:${port}`], poolSize: 1 })
      yield* Effect.forEach(["a", "b", "c", "d"], (key) => client.get(key), { concurrency: "unbounded" })
      expect(connections).toBe(1)
    }).pipe(TestServices.provideLive))
})
