/**
 * memcached's operator commands (lru_crawler, slabs, lru, watch) against effcached and a real
 * memcached 1.6.18: the replies must be byte-identical, the settings they change must read back alike
 * in `stats settings`, and `watch`'s lines must match once the values that differ between any two
 * servers (timestamps, event ids, client ports and socket numbers) are normalised. Each suite has
 * servers of its own, since these commands change server-wide state.
 */
import { describe, expect, it } from "vitest"
import { memcachedPath, requireTool, startEffcached, startMemcached, useServer } from "../support/servers.js"
import { Connection, session } from "../support/wire.js"

/** Runs `scenario` on both servers and expects the same transcript. */
const same = async (ports: readonly [number, number], scenario: (port: number) => Promise<string>) => {
  const [eff, mem] = await Promise.all(ports.map(scenario))
  expect(eff).toBe(mem)
  return eff!
}

const VERSION_LINE = "VERSION 1.6.18\r\n"

/** The reply to each line, read up to a `version` sent after it (so a silent reply reads as nothing). */
const eachLine = async (port: number, lines: ReadonlyArray<string>): Promise<string> => {
  const connection = await Connection.open(port)
  try {
    let transcript = ""
    for (const line of lines) {
      connection.send(`${line}\r\nversion\r\n`)
      const reply = await connection.read((s) => {
        const at = s.indexOf(VERSION_LINE)
        return at < 0 ? undefined : at + VERSION_LINE.length
      })
      transcript += `> ${line}\n${reply.slice(0, -VERSION_LINE.length)}`
    }
    return transcript
  } finally {
    connection.close()
  }
}

/** The `stats settings` lines whose names are listed, in order. */
const settingsLines = async (port: number, names: ReadonlyArray<string>): Promise<string> => {
  const reply = await session(port, "stats settings\r\n")
  return reply.split("\r\n").filter((line) => names.includes(line.split(" ")[1] ?? "")).join("\n")
}

const operatorSettings = [
  "slab_reassign",
  "slab_automove",
  "slab_automove_ratio",
  "lru_crawler",
  "lru_crawler_sleep",
  "lru_crawler_tocrawl",
  "lru_maintainer_thread",
  "lru_segmented",
  "hot_lru_pct",
  "warm_lru_pct",
  "hot_max_factor",
  "warm_max_factor",
  "temp_lru",
  "temporary_ttl",
  "watcher_logbuf_size"
]

/** Runs `f` on a connection watching `streams` (after its OK, which is returned first), then closes it. */
const watching = async (port: number, streams: string, f: (watcher: Connection) => Promise<string>) => {
  const watcher = await Connection.open(port)
  try {
    watcher.send(`watch ${streams}\r\n`)
    const ok = await watcher.readLine()
    return ok + (await f(watcher))
  } finally {
    watcher.close()
  }
}

/** Time for memcached's crawler thread to start or stop (it does so in the background). */
const pause = () => new Promise((resolve) => setTimeout(resolve, 500))

/** Watch lines with what differs between two servers replaced: times, event ids, client ports, sockets. */
const normaliseWatch = (text: string): string =>
  text
    .replace(/ts=\d+\.\d+/g, "ts=<ts>")
    .replace(/gid=\d+/g, "gid=<gid>")
    .replace(/rport=\d+/g, "rport=<port>")
    .replace(/cfd=\d+/g, "cfd=<fd>")

/** The event ids of watch lines: they must only go up. */
const gids = (text: string): Array<number> => [...text.matchAll(/gid=(\d+)/g)].map((m) => Number(m[1]))

/** Watch lines sorted by event id. */
const byGid = (text: string): string =>
  text.split(/(?<=\n)/).sort((a, b) => (gids(a)[0] ?? 0) - (gids(b)[0] ?? 0)).join("")

const suite = describe.runIf(requireTool("memcached", memcachedPath !== undefined))

suite("operator commands: effcached vs memcached 1.6.18", () => {
  const eff = useServer(() => startEffcached())
  const mem = useServer(() => startMemcached())
  const ports = () => [eff.port, mem.port] as const

  it("lru_crawler: memcached's replies to bad lines, bad classes and crawls", async () => {
    await same(ports(), (port) =>
      eachLine(port, [
        "lru_crawler",
        "lru_crawler foo",
        "lru_crawler metadump",
        "lru_crawler metadump all extra",
        "lru_crawler crawl all noreply",
        "lru_crawler enable now",
        "lru_crawler sleep 1000001",
        "lru_crawler sleep x",
        "lru_crawler tocrawl -1",
        "lru_crawler metadump 0",
        "lru_crawler metadump 64",
        "lru_crawler metadump 1,99",
        "lru_crawler metadump foo",
        "lru_crawler crawl 0,1",
        "lru_crawler crawl 99",
        "lru_crawler crawl hash",
        "lru_crawler crawl ,",
        "lru_crawler crawl 1,,2"
      ]))
  })

  it("slabs automove and reassign: replies, noreply, and what stats settings then says", async () => {
    await same(ports(), async (port) =>
      (await eachLine(port, [
        "slabs automove 0",
        "slabs automove 2",
        "slabs automove 3",
        "slabs automove invalid",
        "slabs automove -1",
        "slabs automove",
        "slabs automove noreply",
        "slabs automove 1 noreply",
        "slabs automove 1 2",
        "slabs automove ratio 0.5",
        "slabs automove ratio x",
        "slabs automove ratio",
        "slabs reassign 1 2",
        "slabs reassign 1 1",
        "slabs reassign 99 99",
        "slabs reassign 0 1",
        "slabs reassign -1 1",
        "slabs reassign -2 1",
        "slabs reassign 1 39",
        "slabs reassign 1 40",
        "slabs reassign x 1",
        "slabs reassign 1",
        "slabs reassign 1 2 noreply",
        "slabs",
        "slabs foo bar",
        "slabs automove 2 noreply"
      ])) + (await settingsLines(port, operatorSettings)))
  })

  it("lru tune, mode and temp_ttl: checks, noreply, and what stats settings then says", async () => {
    await same(ports(), async (port) =>
      (await eachLine(port, [
        "lru",
        "lru foo",
        "lru tune 10 30 0.5 3",
        "lru tune 50 40 0.1 2.0",
        "lru tune 10 10 0 2.0",
        "lru tune 10 10 x 2.0",
        "lru tune 10 10 0.1",
        "lru tune 50 40 0.1 2.0 noreply",
        "lru mode flat",
        "lru mode foo",
        "lru mode",
        "lru mode foo noreply",
        "lru temp_ttl 30",
        "lru temp_ttl x",
        "lru temp_ttl noreply"
      ])) + (await settingsLines(port, operatorSettings)))
    await same(ports(), async (port) =>
      (await eachLine(port, ["lru temp_ttl -1", "lru mode segmented noreply"])) +
      (await settingsLines(port, ["temp_lru", "temporary_ttl", "lru_segmented"])))
  })

  it("lru_crawler sleep, tocrawl, disable and enable, as stats settings reports them", async () => {
    const scenario = async (port: number) => {
      let transcript = await eachLine(port, [
        "lru_crawler sleep 250",
        "lru_crawler tocrawl 7",
        "lru_crawler enable",
        "lru_crawler disable",
        "lru_crawler disable"
      ])
      // memcached stops its crawler thread in the background: give it time to stop before each step.
      await pause()
      transcript += await eachLine(port, ["lru_crawler crawl all", "lru_crawler metadump all"])
      transcript += await settingsLines(port, operatorSettings)
      await pause()
      transcript += await eachLine(port, ["lru_crawler enable", "lru_crawler enable"])
      return transcript + (await settingsLines(port, ["lru_crawler"]))
    }
    await same(ports(), scenario)
  })

  it("watch: unknown streams, noreply, and input ignored once watching", async () => {
    await same(ports(), (port) => eachLine(port, ["watch bogus", "watch fetchers bogus", "watch fetchers noreply"]))
    await same(ports(), (port) =>
      watching(port, "connevents", async (watcher) => {
        watcher.send("version\r\nstats\r\n")
        return watcher.readUntilQuiet(300)
      }))
  })

  it("watch: the twenty-first watcher is refused", async () => {
    const scenario = async (port: number) => {
      const watchers = await Promise.all(Array.from({ length: 21 }, () => Connection.open(port)))
      try {
        const replies: Array<string> = []
        for (const w of watchers) {
          w.send("watch\r\n")
          replies.push(await w.readLine())
        }
        return replies.join("")
      } finally {
        for (const w of watchers) w.close()
      }
    }
    expect(await same(ports(), scenario)).toBe("OK\r\n".repeat(20) + "WATCHER_TOO_MANY log watcher limit reached\r\n")
  })
})

// Fresh servers: connections of other tests may still be closing, and would show in the stream.
suite("watch connevents: effcached vs memcached 1.6.18", () => {
  const eff = useServer(() => startEffcached())
  const mem = useServer(() => startMemcached())
  const ports = () => [eff.port, mem.port] as const

  it("watch connevents: a connection opened and closed, in memcached's line format", async () => {
    const scenario = (port: number) =>
      watching(port, "connevents", async (watcher) => {
        // A client that quits, then one that just hangs up: each opened and closed, in that order.
        await session(port, "version\r\n")
        let lines = (await watcher.readLine()) + (await watcher.readLine())
        const idle = await Connection.open(port)
        idle.close()
        lines += (await watcher.readLine()) + (await watcher.readLine())
        // effcached writes each event as it happens, so its ids only go up. memcached's logger thread
        // drains one buffer per worker thread, so two connections' events may arrive out of id order:
        // its lines are put back in id order before the comparison.
        if (port === eff.port) expect(gids(lines), lines).toEqual([...gids(lines)].sort((a, b) => a - b))
        return normaliseWatch(byGid(lines))
      })
    const transcript = await same(ports(), scenario)
    expect(transcript.split("\n").filter((l) => l.includes("type=conn_"))).toHaveLength(4)
  })
})

/** The same items on both servers: plain, with flags and an absolute expiry, a key to encode, a large one. */
const items = [
  "set md:a 0 0 1\r\nx\r\n",
  "set md:b 5 2000000000 2\r\nhi\r\n",
  "set md:c%d 7 0 3\r\nabc\r\n",
  `set md:big 0 0 2000\r\n${"v".repeat(2000)}\r\n`,
  "get md:a md:big\r\n",
  "set md:gone 0 0 1\r\ng\r\n",
  "delete md:gone\r\n"
].join("")

/**
 * Metadump lines sorted (the servers walk their items in different orders), the access time checked
 * then hidden, and CAS uniques checked to be distinct then hidden: effcached numbers the items of a
 * pipelined batch partition by partition, not in request order (see docs/compatibility.md).
 */
const dumpLines = (reply: string): string => {
  const now = Date.now() / 1000
  for (const m of reply.matchAll(/ la=(\d+) /g)) expect(Math.abs(Number(m[1]) - now)).toBeLessThan(10)
  const cas = [...reply.matchAll(/ cas=(\d+) /g)].map((m) => m[1])
  expect(new Set(cas).size).toBe(cas.length)
  return reply.split("\n").map((line) => line.replace(/ la=\d+ cas=\d+ /, " la=<t> cas=<n> ")).sort().join("\n")
}

suite("lru_crawler metadump: effcached vs memcached 1.6.18", () => {
  const eff = useServer(() => startEffcached())
  const mem = useServer(() => startMemcached())
  const ports = () => [eff.port, mem.port] as const

  it("lists every live item in memcached's line format, all classes or the ones named", async () => {
    await same(ports(), (port) => session(port, items))
    for (const classes of ["all", "hash", "1", "1,2,3", "63"]) {
      const transcript = await same(ports(), async (port) => {
        const connection = await Connection.open(port)
        try {
          connection.send(`lru_crawler metadump ${classes}\r\n`)
          return dumpLines(await connection.read((s) => (s.endsWith("END\r\n") ? s.length : undefined)))
        } finally {
          connection.close()
        }
      })
      if (classes === "all") {
        expect(transcript).toContain("key=md%3Ac%25d exp=-1 la=<t> cas=<n> fetch=no cls=1 size=72")
        expect(transcript).not.toContain("md%3Agone")
      }
    }
  })
})

suite("watch fetchers and mutations: effcached vs memcached 1.6.18", () => {
  const eff = useServer(() => startEffcached())
  const mem = useServer(() => startMemcached())
  const ports = () => [eff.port, mem.port] as const

  // Each command's lookups and stores, as memcached logs them (a set looks its key up first, incr and
  // touch and delete only look it up, a failed add and a bad cas log the item they carried).
  const workload = [
    "set w:k 0 0 1\r\nx\r\n",
    "get w:k w:nokey\r\n",
    "gets w:k\r\n",
    "add w:k 0 0 1\r\ny\r\n",
    "append w:k 0 0 1\r\ny\r\n",
    "prepend w:k 0 100 2\r\nzz\r\n",
    "cas w:k 0 0 1 999\r\nz\r\n",
    "cas w:none 0 0 1 1\r\nz\r\n",
    "replace w:none 0 0 1\r\nz\r\n",
    "set w:n 0 1000 1\r\n5\r\n",
    "incr w:n 1\r\n",
    "touch w:k 10\r\n",
    "delete w:k\r\n",
    "gat 10 w:k w:n\r\n",
    "mg w:k v\r\n",
    "ms w:k 2\r\nab\r\n",
    "ms w:k 2 MA\r\ncd\r\n",
    "ms w:k 2 C1\r\nef\r\n",
    "md w:k\r\n",
    "ma w:k\r\n",
    `set w:big 0 0 2000000\r\n${"b".repeat(2_000_000)}\r\n`
  ]

  it("logs each command's lookups and stores in memcached's line format and order", async () => {
    const scenario = (port: number) =>
      watching(port, "fetchers mutations", async (watcher) => {
        const client = await Connection.open(port)
        try {
          for (const request of workload) await client.request(request)
          // The last command's lookup marks the end of the stream.
          await client.request("get w:end\r\n")
        } finally {
          client.close()
        }
        let lines = ""
        while (!lines.includes("key=w%3Aend ")) lines += await watcher.readLine()
        expect(gids(lines), lines).toEqual([...gids(lines)].sort((a, b) => a - b))
        // memcached prints its socket number as the class of a too-large store, and 0 as its socket.
        return normaliseWatch(lines).replace(
          /status=too_large cmd=set ttl=0 clsid=\d+/,
          "status=too_large cmd=set ttl=0 clsid=<fd>"
        )
      })
    const transcript = await same(ports(), scenario)
    expect(transcript).toContain("type=item_store key=w%3Ak status=stored cmd=prepend ttl=0 clsid=1 cfd=<fd> size=4")
  })
})
