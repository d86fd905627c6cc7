import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { cells, human, monitor, sampleOf } from "../../src/cli/StatMonitor.js"
import { MemcachedClient } from "../../src/client/index.js"
import { eventually, inProcess } from "../support/client.js"

describe("StatMonitor", () => {
  it("sums the servers' counters and turns them into rates", () => {
    const a = sampleOf(0, [[["curr_items", "3"], ["get_hits", "10"], ["get_misses", "10"], ["cmd_get", "20"]], [
      [
        "curr_items",
        "2"
      ],
      ["bytes", "2048"],
      ["limit_maxbytes", "67108864"],
      ["curr_connections", "4"]
    ]])
    expect(a).toMatchObject({
      items: 5,
      bytes: 2048,
      limit: 67108864,
      connections: 4,
      hits: 10,
      misses: 10,
      commands: 20
    })
    const b = { ...a, at: 2000, hits: 19, misses: 11, commands: 60 }
    expect(cells(undefined, a)).toEqual(["5", "2.0K/64.0M", "4", "-", "-"])
    expect(cells(a, b)).toEqual(["5", "2.0K/64.0M", "4", "90.0%", "20"])
    expect([human(512), human(1536), human(5 * 2 ** 30)]).toEqual(["512B", "1.5K", "5.0G"])
  })

  it.scoped("prints a header and a line every second of the clock, with the traffic in between", () =>
    Effect.gen(function*() {
      const client = yield* MemcachedClient
      const lines: Array<string> = []
      const fiber = yield* Effect.fork(monitor(client, (line) => lines.push(line)))
      yield* eventually(Effect.sync(() => lines.length === 2))
      yield* Effect.forEach(["a", "b", "c", "d"], (key) => client.set(key, "v"))
      yield* Effect.forEach(["a", "b", "c", "x"], (key) => client.get(key))
      yield* TestClock.adjust("1 second")
      yield* eventually(Effect.sync(() => lines.length === 3))
      expect(lines[0]).toMatch(/^items\s+memory\s+conns\s+hit rate\s+ops\/s\n$/)
      expect(lines[1]).toMatch(/^0\s+0B\/64\.0M\s+1\s+-\s+-\n$/)
      expect(lines[2]).toMatch(/^4\s+\S+\/64\.0M\s+1\s+75\.0%\s+8\n$/)
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(inProcess())))
})
