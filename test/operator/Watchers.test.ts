import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { BUFFER_BYTES, MAX_WATCHERS, uriencode, Watchers, WatchHub } from "../../src/operator/Watchers.js"

const hub = Effect.provide(Watchers, Watchers.layer)

describe("Watchers", () => {
  it("URI-encodes keys as memcached does: letters, digits and -._~ pass", () => {
    expect(uriencode("Az09-._~")).toBe("Az09-._~")
    expect(uriencode("a b:c/%\u00ff")).toBe("a%20b%3Ac%2F%25%FF")
  })

  it.effect("sets a stream's flag only while someone watches it", () =>
    Effect.gen(function*() {
      const watchers: WatchHub = yield* hub
      expect([watchers.connevents, watchers.fetchers, watchers.mutations, watchers.evictions]).toEqual([
        false,
        false,
        false,
        false
      ])
      const a = watchers.add(["fetchers"])!
      const b = watchers.add(["connevents", "mutations"])!
      expect([watchers.connevents, watchers.fetchers, watchers.mutations, watchers.evictions]).toEqual([
        true,
        true,
        true,
        false
      ])
      watchers.remove(b)
      expect([watchers.connevents, watchers.fetchers, watchers.mutations]).toEqual([false, true, false])
      watchers.remove(a)
      expect(watchers.fetchers).toBe(false)
    }))

  it.effect("writes memcached's line format, with the time from Effect's clock and rising ids", () =>
    Effect.gen(function*() {
      // A whole second: memcached prints the microseconds unpadded, so .0
      yield* TestClock.setTime(1_700_000_000_000)
      const watchers = yield* hub
      const w = watchers.add(["connevents"])!
      watchers.connNew("127.0.0.1", 5000, 7)
      watchers.log("fetchers", "type=item_get key=x status=found clsid=1 cfd=7 size=1")
      watchers.connClose("127.0.0.1", 5000, "idle_timeout", 7)
      expect(yield* w.take).toBe(
        "OK\r\n" +
          "ts=1700000000.0 gid=2 type=conn_new rip=127.0.0.1 rport=5000 transport=tcp cfd=7\n" +
          "ts=1700000000.0 gid=4 type=conn_close rip=127.0.0.1 rport=5000 transport=tcp reason=idle_timeout cfd=7\n"
      )
    }))

  it.effect("refuses a watcher past the limit", () =>
    Effect.gen(function*() {
      const watchers = yield* hub
      for (let i = 0; i < MAX_WATCHERS; i++) expect(watchers.add(["fetchers"])).toBeDefined()
      expect(watchers.add(["fetchers"])).toBeUndefined()
      expect(watchers.size).toBe(MAX_WATCHERS)
    }))

  it.effect("skips lines a slow watcher has no room for, then says how many", () =>
    Effect.gen(function*() {
      const watchers = yield* hub
      const w = watchers.add(["connevents"])!
      const line = "x".repeat(1000)
      const fits = Math.floor((BUFFER_BYTES - 4) / 1000)
      for (let i = 0; i < fits + 10; i++) watchers.log("connevents", line)
      // The first take starts with the OK line.
      const first = (yield* w.take).replace(/^OK\r\n/, "")
      expect(first.split("\n").length - 1).toBeLessThan(fits + 10)
      watchers.log("connevents", "type=last")
      const second = yield* w.take
      expect(second).toMatch(/^skipped=\d+\nts=\S+ gid=\d+ type=last\n$/)
      const skipped = Number(/^skipped=(\d+)/.exec(second)![1])
      expect(first.split("\n").length - 1 + skipped).toBe(fits + 10)
    }))
})
