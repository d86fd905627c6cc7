/**
 * The idle timeout, in process over real TCP, with time driven by TestClock: no test waits for the
 * timeout to pass in real time.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import * as Effcached from "../../src/server/Effcached.js"
import { Listener } from "../../src/server/Listener.js"
import { Connection } from "../support/wire.js"

const promise = <A>(f: () => Promise<A>) => Effect.promise(f)

/** Lets the server's socket callbacks run (real I/O); not a timing assumption, just a turn of the loop. */
const ioTurn = promise(() => new Promise((r) => setTimeout(r, 5)))

/** Polls `stats conns` until `done` holds for its reply (the server has read what was sent). */
const untilConns = (conn: Connection, done: (reply: string) => boolean) =>
  Effect.gen(function*() {
    for (let attempt = 0; attempt < 400; attempt++) {
      const reply = yield* promise(() => conn.request("stats conns\r\n"))
      if (done(reply)) return reply
      yield* ioTurn
    }
    throw new Error("the server never reached the expected connection states")
  })

const statesOf = (reply: string): Array<string> => [...reply.matchAll(/^STAT \d+:state (\S+)\r$/gm)].map((m) => m[1]!)

const stat = (reply: string, name: string) => Number(new RegExp(`^STAT ${name} (\\d+)\\r$`, "m").exec(reply)![1])

describe("idle timeout", () => {
  it.scoped("closes connections idle for longer than the timeout, spares one mid-value, counts idle_kicks", () =>
    Effect.gen(function*() {
      const { port } = (yield* Listener).address
      const open = () => promise(() => Connection.open(port))
      const idle = yield* open()
      const partialLine = yield* open()
      const midValue = yield* open()
      const active = yield* open()
      expect(yield* promise(() => idle.request("version\r\n"))).toMatch(/^VERSION /)
      partialLine.send("get k")
      midValue.send("set k 0 0 10\r\nabc")
      // Wait until the server has read both partial requests: one at a command line, one in a data block.
      const before = yield* untilConns(
        active,
        (r) => statesOf(r).includes("conn_nread") && statesOf(r).filter((s) => s === "conn_read").length === 2
      )
      expect(statesOf(before)).toEqual(["conn_listening", "conn_read", "conn_read", "conn_nread", "conn_parse_cmd"])

      yield* TestClock.adjust("5 seconds")
      expect(yield* promise(() => active.request("version\r\n"))).toMatch(/^VERSION /)
      yield* TestClock.adjust("6 seconds")
      // 11 s after their last command, past the 10 s timeout: the idle one and the partial line go.
      yield* promise(() => idle.waitForClose())
      yield* promise(() => partialLine.waitForClose())
      expect(midValue.closed).toBe(false)
      const stats = yield* promise(() => active.request("stats\r\n"))
      expect(stat(stats, "idle_kicks")).toBe(2)
      expect(stat(stats, "curr_connections")).toBe(2)

      // Once its value is complete, the connection idles like any other.
      midValue.send("defghij\r\n")
      expect(yield* promise(() => midValue.read((s) => (s.startsWith("STORED\r\n") ? 8 : undefined)))).toBe(
        "STORED\r\n"
      )
      yield* TestClock.adjust("11 seconds")
      yield* promise(() => midValue.waitForClose())
      yield* promise(() => active.waitForClose())
      active.close()
    }).pipe(Effect.provide(Effcached.layer({ port: 0, idleTimeout: 10 }))))

  it.scoped("keeps every connection without a timeout", () =>
    Effect.gen(function*() {
      const { port } = (yield* Listener).address
      const conn = yield* promise(() => Connection.open(port))
      expect(yield* promise(() => conn.request("version\r\n"))).toMatch(/^VERSION /)
      yield* TestClock.adjust("100 seconds")
      const stats = yield* promise(() => conn.request("stats\r\n"))
      // As memcached, idle_kicks is reported only when a timeout is set.
      expect(stats).not.toContain("idle_kicks")
      expect(stat(stats, "curr_connections")).toBe(1)
      expect(conn.closed).toBe(false)
      conn.close()
    }).pipe(Effect.provide(Effcached.layer({ port: 0 }))))
})
