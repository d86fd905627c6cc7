import { describe, expect, it } from "@effect/vitest"
import { memcachedPath, requireTool, startEffcached, startMemcached, useServer } from "../support/servers.js"
import { Connection, session } from "../support/wire.js"

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

  it("stats settings: every name is memcached's, in memcached's order (partitions is effcached's own)", async () => {
    const [e, m] = await Promise.all([session(eff.port, "stats settings\r\n"), session(mem.port, "stats settings\r\n")])
    const effNames = [...parseStats(e).keys()].filter((name) => name !== "partitions")
    const memOrder = [...parseStats(m).keys()]
    expect(effNames).toEqual(memOrder.filter((name) => effNames.includes(name)))
    for (
      const name of [
        "maxconns",
        "tcpport",
        "inter",
        "shutdown_command",
        "detail_enabled",
        "idle_timeout",
        "item_size_max"
      ]
    ) {
      expect(effNames, name).toContain(name)
    }
    expect(parseStats(e).get("tcpport")).toBe(String(eff.port))
  })

  it("stats conns: the same lines and states as memcached, for idle, mid-line and mid-value clients", async () => {
    const run = async (port: number) => {
      const idle = await Connection.open(port)
      await idle.request("version\r\n")
      const partialLine = await Connection.open(port)
      partialLine.send("get k")
      const midValue = await Connection.open(port)
      midValue.send("set k 0 0 10\r\nabc")
      const asker = await Connection.open(port)
      let shape: Array<string> = []
      // Until both servers have read the partial requests (they arrive asynchronously).
      for (let i = 0; i < 200; i++) {
        shape = connsShape(await asker.request("stats conns\r\n"))
        if (
          shape.some((line) => line.includes("conn_nread")) && shape.filter((l) => l.includes("conn_read")).length >= 2
        ) break
        await new Promise((r) => setTimeout(r, 10))
      }
      for (const c of [idle, partialLine, midValue, asker]) c.close()
      return shape
    }
    const [e, m] = await Promise.all([run(eff.port), run(mem.port)])
    expect(e).toEqual(m)
    expect(e).toContain("addr listen_addr state=conn_nread secs_since_last_cmd")
  })
})

/**
 * `stats conns` as one line per connection: its stat names and state, sorted. Ids (memcached's are
 * file descriptors), addresses and seconds differ between servers and are left out.
 */
const connsShape = (reply: string): Array<string> => {
  const byId = new Map<string, Array<string>>()
  for (const line of reply.split("\r\n")) {
    const match = /^STAT (\d+):(\S+) (.*)$/.exec(line)
    if (match === null) continue
    const [, id, name, value] = match
    const parts = byId.get(id!) ?? []
    parts.push(name === "state" ? `state=${value}` : name!)
    byId.set(id!, parts)
  }
  return [...byId.values()].map((parts) => parts.join(" ")).sort()
}

describe.runIf(requireTool("memcached", memcachedPath !== undefined))(
  "stats with an idle timeout, as memcached 1.6.18",
  () => {
    const eff = useServer(() => startEffcached(["-o", "idle_timeout=600"]))
    const mem = useServer(() => startMemcached(["-o", "idle_timeout=600"]))

    it("reports idle_kicks in memcached's place, and idle_timeout in stats settings", async () => {
      const [e, m] = await Promise.all([session(eff.port, "stats\r\n"), session(mem.port, "stats\r\n")])
      const effNames = [...parseStats(e).keys()]
      expect(effNames).toContain("idle_kicks")
      expect(effNames).toEqual([...parseStats(m).keys()].filter((name) => effNames.includes(name)))
      const [es, ms] = await Promise.all([
        session(eff.port, "stats settings\r\n"),
        session(mem.port, "stats settings\r\n")
      ])
      expect(parseStats(es).get("idle_timeout")).toBe("600")
      expect(parseStats(ms).get("idle_timeout")).toBe("600")
    })
  }
)
