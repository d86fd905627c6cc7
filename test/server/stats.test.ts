import { describe, expect, it } from "@effect/vitest"
import { memcachedPath, requireTool, startEffcached, startMemcached, useServer } from "../support/servers.js"
import { session } from "../support/wire.js"

/** The counters whose values must agree with memcached's after the same commands. */
const compared = [
  "cmd_get",
  "cmd_set",
  "cmd_flush",
  "cmd_touch",
  "cmd_meta",
  "get_hits",
  "get_misses",
  "get_expired",
  "delete_misses",
  "delete_hits",
  "incr_misses",
  "incr_hits",
  "decr_misses",
  "decr_hits",
  "cas_misses",
  "cas_hits",
  "cas_badval",
  "touch_hits",
  "touch_misses",
  "store_too_large",
  "curr_items",
  "total_items"
]
// Not curr_connections: whether the previous session's connection has been closed yet when the next
// one asks is a race on both servers.

const parseStats = (reply: string): Map<string, string> =>
  new Map(
    reply
      .split("\r\n")
      .filter((line) => line.startsWith("STAT "))
      .map((line) => {
        const [, name, ...value] = line.split(" ")
        return [name!, value.join(" ")] as const
      })
  )

// flush_all comes first: afterwards memcached counts flushed items in curr_items until its crawler or
// an access reclaims them (a race), where effcached drops them at once (docs/compatibility.md).
const script = [
  "flush_all 0 noreply\r\n",
  "set a 0 0 1\r\n1\r\n",
  "set b 0 0 1\r\nx\r\n",
  "add a 0 0 1\r\n2\r\n",
  "add c 0 0 1\r\n3\r\n",
  "replace nope 0 0 1\r\n4\r\n",
  "append a 0 0 1\r\n0\r\n",
  "prepend nope 0 0 1\r\n0\r\n",
  "get a b nope a\r\n",
  "gets c\r\n",
  "gat 100 a nope\r\n",
  "touch b 100\r\n",
  "touch nope 100\r\n",
  "incr a 5\r\n",
  "incr nope 1\r\n",
  "decr a 100\r\n",
  "decr nope 1\r\n",
  "incr b 1\r\n",
  "cas nope 0 0 1 1\r\nz\r\n",
  "cas a 0 0 1 999999\r\nz\r\n",
  "delete c\r\n",
  "delete c\r\n",
  "set gone 0 -1 1\r\nz\r\n",
  "get gone\r\n",
  `set huge 0 0 ${2 * 1024 * 1024}\r\n${"h".repeat(2 * 1024 * 1024)}\r\n`,
  "set n 0 0 1\r\n5\r\n",
  "get a\r\n",
  // The meta protocol counts in the same counters (cmd_meta counts me only).
  "ms m1 1\r\nx\r\n",
  "ms m1 1 ME\r\ny\r\n",
  "ms m2 1 C1\r\nz\r\n",
  "ms m1 1 C1\r\nz\r\n",
  "ms m1 1 MA\r\nz\r\n",
  "mg m1 v\r\n",
  "mg nope v\r\n",
  "mg m1 T100\r\n",
  "mg nope T100\r\n",
  "mg viv N30\r\n",
  "mg m1 Z\r\n",
  "md m1 I\r\n",
  "md m1 C1\r\n",
  "md m1\r\n",
  "md m1\r\n",
  "ma cnt N0\r\n",
  "ma cnt\r\n",
  "ma cnt MD\r\n",
  "ma nope\r\n",
  "ma nope MD\r\n",
  "ma cnt C1\r\n",
  "me cnt\r\n",
  "me nope\r\n",
  "me\r\n",
  `ms big ${2 * 1024 * 1024}\r\n${"h".repeat(2 * 1024 * 1024)}\r\n`,
  "mn\r\n"
].join("")

describe.runIf(requireTool("memcached", memcachedPath !== undefined))("stats agree with memcached 1.6.18", () => {
  const eff = useServer(() => startEffcached())
  const mem = useServer(() => startMemcached())

  it("counts every command as memcached does", async () => {
    const run = async (port: number) => {
      await session(port, script)
      return parseStats(await session(port, "stats\r\n"))
    }
    const [e, m] = await Promise.all([run(eff.port), run(mem.port)])
    const pick = (stats: Map<string, string>) => Object.fromEntries(compared.map((name) => [name, stats.get(name)]))
    expect(pick(e)).toEqual(pick(m))
    // Every statistic effcached reports is one memcached reports, in memcached's order.
    const memOrder = [...m.keys()]
    const effNames = [...e.keys()]
    for (const name of effNames) expect(memOrder, name).toContain(name)
    expect(effNames).toEqual(memOrder.filter((name) => e.has(name)))
  })

  it("stats reset clears the counters as memcached does", async () => {
    const run = async (port: number) => {
      await session(port, "stats reset\r\nget a\r\nset r 0 0 1\r\nr\r\n")
      return parseStats(await session(port, "stats\r\n"))
    }
    const [e, m] = await Promise.all([run(eff.port), run(mem.port)])
    const pick = (stats: Map<string, string>) => Object.fromEntries(compared.map((name) => [name, stats.get(name)]))
    expect(pick(e)).toEqual(pick(m))
  })
})
