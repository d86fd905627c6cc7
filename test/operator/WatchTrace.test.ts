import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { ServerConfig } from "../../src/config/ServerConfig.js"
import { Watchers, WatchHub } from "../../src/operator/Watchers.js"
import { WatchTrace } from "../../src/operator/WatchTrace.js"
import * as Effcached from "../../src/server/Effcached.js"
import { Listener } from "../../src/server/Listener.js"
import { observedStore } from "../support/store.js"
import { Connection } from "../support/wire.js"

describe("WatchTrace", () => {
  it.effect("logs a batch's events in request and key order, whatever order the partitions reported", () =>
    Effect.gen(function*() {
      const hub = yield* Effect.provide(Watchers, Watchers.layer)
      const watcher = hub.add(["fetchers", "mutations"])!
      const trace = new WatchTrace(hub, 9)
      // Partition 1 runs request 1 and key 1 of request 0 before partition 0 runs key 0 of request 0.
      trace.at(1, 0)
      trace.fetched("c", "not_found", 0, 0)
      trace.stored("c", "stored", "set", 0, 1, 1)
      trace.at(0, 1)
      trace.fetched("b", "found", 1, 2)
      trace.at(0, 0)
      trace.fetched("a", "expired", 0, 0)
      trace.flush()
      const lines = (yield* watcher.take).split("\n").map((line) => line.replace(/^ts=\S+ gid=\d+ /, ""))
      expect(lines).toEqual([
        "OK\r",
        "type=item_get key=a status=expired clsid=0 cfd=9 size=0",
        "type=item_get key=b status=found clsid=1 cfd=9 size=2",
        "type=item_get key=c status=not_found clsid=0 cfd=9 size=0",
        "type=item_store key=c status=stored cmd=set ttl=0 clsid=1 cfd=9 size=1",
        ""
      ])
    }))

  it.effect("reports only the streams someone watches", () =>
    Effect.gen(function*() {
      const hub: WatchHub = yield* Effect.provide(Watchers, Watchers.layer)
      const watcher = hub.add(["mutations"])!
      const trace = new WatchTrace(hub, 1)
      trace.fetched("a", "found", 1, 1)
      trace.evicted("a", true, -1, 5, 1, 1)
      trace.stored("a", "stored", "set", 0, 1, 1)
      trace.flush()
      expect((yield* watcher.take).match(/type=\w+/g)).toEqual(["type=item_store"])
    }))

  it.scoped("a connection's batches carry a trace only while someone watches the store's events", () =>
    Effect.gen(function*() {
      const traced: Array<boolean> = []
      const server = Effcached.serve.pipe(
        Layer.provide(observedStore((batch) => traced.push(batch.trace !== undefined))),
        Layer.provide(ServerConfig.layer({ port: 0 }))
      )
      yield* Effect.gen(function*() {
        const { address } = yield* Listener
        const client = yield* Effect.promise(() => Connection.open(address.port))
        const watcher = yield* Effect.promise(() => Connection.open(address.port))
        const request = (line: string) => Effect.promise(() => client.request(line))
        yield* request("get a\r\n")
        // connevents are not the store's: batches still go untraced.
        yield* Effect.promise(() => watcher.request("watch connevents\r\n"))
        yield* request("get a\r\n")
        const fetchers = yield* Effect.promise(() => Connection.open(address.port))
        yield* Effect.promise(() => fetchers.request("watch fetchers\r\n"))
        yield* request("get a\r\n")
        fetchers.close()
        // The watcher's connection ends when the server sees the close: poll until batches go untraced.
        for (let i = 0; i < 200 && traced.at(-1) !== false; i++) yield* request("get a\r\n")
        client.close()
        watcher.close()
      }).pipe(Effect.provide(server))
      expect(traced.slice(0, 3)).toEqual([false, false, true])
      expect(traced.at(-1)).toBe(false)
    }))
})
