import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, TestClock } from "effect"
import { ServerConfig } from "../../src/config/ServerConfig.js"
import * as Effcached from "../../src/server/Effcached.js"
import { Listener } from "../../src/server/Listener.js"
import { observedStore } from "../support/store.js"
import { Connection } from "../support/wire.js"

/** The partitioned store, counting the requests it executes. */
const countingStore = (counter: { requests: number }) =>
  observedStore((batch) => {
    counter.requests += batch.requests.filter((r, i) => r !== undefined && batch.results[i] === undefined).length
  })

const withClient = <A>(f: (conn: Connection) => Promise<A>) =>
  Effect.gen(function*() {
    const { port } = (yield* Listener).address
    const conn = yield* Effect.promise(() => Connection.open(port))
    return yield* Effect.promise(() => f(conn)).pipe(Effect.ensuring(Effect.sync(() => conn.close())))
  })

describe("Effcached layers", () => {
  it.scoped("serve runs over any Store layer, and the store's clock is Effect's (TestClock here)", () => {
    const counter = { requests: 0 }
    const server = Effcached.serve.pipe(
      Layer.provide(countingStore(counter)),
      Layer.provide(ServerConfig.layer({ port: 0 }))
    )
    const session = Effect.gen(function*() {
      const first = yield* withClient(async (conn) => [
        await conn.request("set soon 0 10 1\r\na\r\n"),
        await conn.request("set later 0 100 1\r\nb\r\n"),
        await conn.request("get soon later\r\n")
      ])
      expect(first).toEqual(["STORED\r\n", "STORED\r\n", "VALUE soon 0 1\r\na\r\nVALUE later 0 1\r\nb\r\nEND\r\n"])
      yield* TestClock.adjust("11 seconds")
      const second = yield* withClient((conn) => conn.request("get soon later\r\n"))
      expect(second).toBe("VALUE later 0 1\r\nb\r\nEND\r\n")
      yield* TestClock.adjust("100 seconds")
      const third = yield* withClient((conn) => conn.request("get soon later\r\nversion\r\n"))
      expect(third).toBe("END\r\n")
      expect(counter.requests).toBe(5)
    })
    return Effect.zipRight(TestClock.setTime(1_700_000_000_000), Effect.provide(session, server))
  })
})
