/**
 * The memory limit over the wire: eviction under -m, refusal under -M (compared with memcached), run
 * time changes with cache_memlimit, and the process's RSS under a load that overfills the cache many
 * times.
 */
import { readFileSync } from "node:fs"
import * as net from "node:net"
import { describe, expect, it } from "vitest"
import {
  memcachedPath,
  requireTool,
  type RunningServer,
  startEffcached,
  startMemcached,
  useServer
} from "../support/servers.js"
import { exchange, session } from "../support/wire.js"

/** Sends `count` sets of `size`-byte values, `window` at a time; returns the reply lines. */
const fill = (port: number, prefix: string, count: number, size: number, window = 200): Promise<Array<string>> =>
  new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1")
    const value = "v".repeat(size)
    const replies: Array<string> = []
    let sent = 0
    let pending = ""
    const sendWindow = () => {
      const parts: Array<string> = []
      for (const end = Math.min(count, sent + window); sent < end; sent++) {
        parts.push(`set ${prefix}${sent} 0 0 ${size}\r\n${value}\r\n`)
      }
      socket.write(parts.join(""))
    }
    socket.on("connect", sendWindow)
    socket.on("error", reject)
    socket.on("data", (chunk) => {
      pending += chunk.toString("latin1")
      const lines = pending.split("\r\n")
      pending = lines.pop()!
      replies.push(...lines)
      if (replies.length === count) {
        socket.destroy()
        resolve(replies)
      } else if (replies.length === sent) {
        sendWindow()
      }
    })
  })

const stat = async (port: number, name: string): Promise<number> => {
  const reply = await session(port, "stats\r\n")
  const match = new RegExp(`STAT ${name} (\\d+)\\r\\n`).exec(reply)
  if (match === null) throw new Error(`no ${name} in stats`)
  return Number(match[1])
}

const rssOf = (server: RunningServer): number => {
  const status = readFileSync(`/proc/${server.process.pid}/status`, "utf8")
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024
}

const MB = 1024 * 1024

describe("memory limit", () => {
  const server = useServer(() => startEffcached(["-m", "8"]))

  it("evicts to stay within -m: bytes never exceeds limit_maxbytes, the newest items are readable", async () => {
    const replies = await fill(server.port, "e", 8000, 4000)
    expect(replies.every((line) => line === "STORED")).toBe(true)
    const [bytes, limit, evictions, items] = await Promise.all(
      ["bytes", "limit_maxbytes", "evictions", "curr_items"].map((name) => stat(server.port, name))
    )
    expect(limit).toBe(8 * MB)
    expect(bytes).toBeLessThanOrEqual(limit)
    expect(bytes).toBeGreaterThan(limit / 2)
    expect(evictions).toBe(8000 - items)
    const newest = await session(server.port, "get e7999\r\n")
    expect(newest).toBe(`VALUE e7999 0 4000\r\n${"v".repeat(4000)}\r\nEND\r\n`)
    expect(await session(server.port, "get e0\r\n")).toBe("END\r\n")
  })

  it("cache_memlimit lowers and raises the limit at run time", async () => {
    expect(await session(server.port, "cache_memlimit 16\r\n")).toBe("OK\r\n")
    expect(await stat(server.port, "limit_maxbytes")).toBe(16 * MB)
    await fill(server.port, "m", 6000, 4000)
    expect(await stat(server.port, "bytes")).toBeGreaterThan(8 * MB)
    expect(await session(server.port, "cache_memlimit 8\r\n")).toBe("OK\r\n")
    expect(await stat(server.port, "bytes")).toBeLessThanOrEqual(8 * MB)
  })

  it.runIf(process.platform === "linux")(
    "RSS stays bounded under writes that overfill the cache 20 times",
    async () => {
      const rss = () => rssOf(server)
      await fill(server.port, "a", 20_000, 8000)
      const afterOne = rss()
      for (let round = 0; round < 4; round++) await fill(server.port, `r${round}`, 10_000, 8000)
      // 480 MB written into an 8 MB cache: memory does not grow with what was written.
      expect(rss() - afterOne).toBeLessThan(64 * MB)
      expect(await stat(server.port, "bytes")).toBeLessThanOrEqual(8 * MB)
    }
  )
})

describe("large items (-I 64m)", () => {
  const server = useServer(() => startEffcached(["-m", "256", "-I", "64m"]))

  it.runIf(process.platform === "linux")(
    "stores and serves 60 MB values, and overwriting them does not balloon memory",
    async () => {
      const size = 60 * MB
      const before = rssOf(server)
      for (let round = 0; round < 6; round++) {
        const value = Buffer.alloc(size, 97 + round)
        const key = `big${round % 2}`
        const reply = await exchange(server.port, [
          Buffer.from(`set ${key} 0 0 ${size}\r\n`),
          value,
          Buffer.from(`\r\nget ${key}\r\nquit\r\n`)
        ], {
          timeoutMs: 20_000
        })
        const header = `STORED\r\nVALUE ${key} 0 ${size}\r\n`
        expect(reply.subarray(0, header.length).toString("latin1")).toBe(header)
        expect(reply.subarray(header.length, header.length + size).equals(value)).toBe(true)
        expect(reply.subarray(header.length + size).toString("latin1")).toBe("\r\nEND\r\n")
      }
      // Two 60 MB items are held; six were written. Allow for the value being read and written once each.
      expect(rssOf(server) - before).toBeLessThan(2 * size + 3 * size)
      expect(await stat(server.port, "curr_items")).toBe(2)
    },
    // 720 MB through loopback (about 10 s here alone, 30 s on a loaded 2-core machine): not a timing check.
    90_000
  )
})

describe.runIf(requireTool("memcached", memcachedPath !== undefined))("-M (no evictions), as memcached", () => {
  const effcached = useServer(() => startEffcached(["-m", "8", "-M"]))
  const memcached = useServer(() => startMemcached(["-m", "8", "-M"]))

  it("refuses stores with memcached's error once memory is full, and keeps what it has", async () => {
    for (const server of [effcached, memcached]) {
      const replies = await fill(server.port, "x", 3000, 10_000)
      const firstRefusal = replies.findIndex((line) => line !== "STORED")
      expect(firstRefusal).toBeGreaterThan(300)
      expect(replies[firstRefusal]).toBe("SERVER_ERROR out of memory storing object")
      expect(await stat(server.port, "evictions")).toBe(0)
      expect(await stat(server.port, "store_no_memory")).toBe(replies.filter((line) => line !== "STORED").length)
      expect(await session(server.port, "get x0\r\n")).toBe(`VALUE x0 0 10000\r\n${"v".repeat(10_000)}\r\nEND\r\n`)
    }
  })
})
