/**
 * `stats items`, `stats slabs` and `stats sizes` against a fresh memcached 1.6.18 given the same
 * commands: the per-class figures must agree (ages and total_malloced are the server's own).
 */
import { describe, expect, it } from "vitest"
import { setLine } from "../support/commands.js"
import { memcachedPath, requireTool, startEffcached, startMemcached, useServer } from "../support/servers.js"
import { session } from "../support/wire.js"

const set = (key: string, size: number, flags = 0) => setLine(key, "x".repeat(size), flags)

const script = set("a", 1) + set("b", 10, 5) + set("c", 100) + set("d", 1000) + set("e", 5000, 1) + set("f", 20_000) +
  set("g", 200_000) + set("n", 2) + "get a b c d zz\r\ngets e\r\ndelete b\r\nincr n 5\r\ntouch c 100\r\n" +
  "cas d 0 0 1 999\r\nx\r\nappend a 0 0 3\r\nyyy\r\n" +
  // Meta reads count per class as text reads do (a touching mg as a touch).
  "mg a v\r\nmg c v T30\r\nmg zz v\r\nmg e\r\n"

/**
 * The reply with the server-specific figures blanked: ages, memory held, and memcached's
 * segmented-LRU bookkeeping (its background maintainer moves items between hot, warm and cold on its
 * own schedule; effcached has one CLOCK list).
 */
const comparable = (reply: string) =>
  reply
    .replace(
      /(STAT items:\d+:(?:age|age_hot|age_warm|number_hot|number_warm|number_cold|moves_\w+|hits_to_\w+|lrutail_reflocked|crawler_items_checked|direct_reclaims)) \d+/g,
      "$1 _"
    )
    .replace(/STAT total_malloced \d+/, "STAT total_malloced _")

describe.runIf(requireTool("memcached", memcachedPath !== undefined))("per-class statistics, as memcached", () => {
  const effcached = useServer(() => startEffcached())
  const memcached = useServer(() => startMemcached())

  it("stats items, stats slabs and stats sizes agree after the same commands", async () => {
    const sizes = "stats sizes\r\nstats sizes_enable\r\n"
    for (const server of [effcached, memcached]) await session(server.port, sizes + script)
    const report = "stats items\r\nstats slabs\r\nstats sizes\r\nstats sizes_disable\r\nstats sizes\r\n"
    const [ours, theirs] = await Promise.all([effcached, memcached].map((s) => session(s.port, report)))
    expect(comparable(ours!)).toBe(comparable(theirs!))
    expect(ours).toMatch(/STAT items:1:number 2\r\n/)
    expect(ours).toMatch(/STAT \d+ 1\r\nEND\r\nSTAT sizes_status disabled\r\nSTAT sizes_status disabled\r\nEND\r\n$/)
  })
})
