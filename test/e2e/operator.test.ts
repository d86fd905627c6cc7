/**
 * What the operator commands do on effcached alone, where memcached's answer cannot be compared line
 * for line: eviction events (effcached evicts by CLOCK per partition, memcached by LRU per class), a
 * metadump of many items written in slices, and commands sent after a metadump (memcached drops them).
 */
import { describe, expect, it } from "vitest"
import { setAll } from "../support/bulk.js"
import { startEffcached, useServer } from "../support/servers.js"
import { Connection } from "../support/wire.js"

const stat = (reply: string, name: string) => Number(new RegExp(`^STAT ${name} (\\d+)\\r$`, "m").exec(reply)?.[1])

describe("watch evictions", () => {
  const server = useServer(() => startEffcached(["-m", "4", "-I", "64k", "--partitions", "1"]))

  it("logs every item evicted to make room, in memcached's line format", async () => {
    const watcher = await Connection.open(server.port)
    try {
      watcher.send("watch evictions\r\n")
      expect(await watcher.readLine()).toBe("OK\r\n")
      const value = "e".repeat(60_000)
      const replies = await setAll(server.port, Array.from({ length: 200 }, (_, i) => [`ev:${i}`, value]), 20)
      expect(new Set(replies)).toEqual(new Set(["STORED"]))
      const connection = await Connection.open(server.port)
      const evictions = stat(await connection.request("stats\r\n"), "evictions")
      connection.close()
      expect(evictions).toBeGreaterThan(100)
      const lines: Array<string> = []
      while (lines.length < evictions) lines.push(await watcher.readLine())
      for (const line of lines) {
        expect(line).toMatch(
          /^ts=\d+\.\d+ gid=\d+ type=eviction key=ev%3A\d+ fetch=no ttl=-1 la=\d+ clsid=\d+ size=60000\n$/
        )
      }
      // The oldest items went first.
      expect(lines[0]).toContain("key=ev%3A0 ")
    } finally {
      watcher.close()
    }
  })
})

describe("lru_crawler metadump of many items", () => {
  const server = useServer(() => startEffcached())

  it("lists them all, a slice at a time, and the connection goes on serving afterwards", async () => {
    const count = 30_000
    await setAll(server.port, Array.from({ length: count }, (_, i) => [`many:${i}`, `v${i}`]))
    const connection = await Connection.open(server.port)
    try {
      connection.send("lru_crawler metadump all\r\nversion\r\n")
      const dump = await connection.read((s) => {
        const end = s.indexOf("END\r\nVERSION ")
        return end < 0 ? undefined : s.indexOf("\r\n", end + 5) + 2
      }, 30_000)
      const keys = new Set([...dump.matchAll(/^key=many%3A(\d+) /gm)].map((m) => Number(m[1])))
      expect(keys.size).toBe(count)
      expect(dump).toMatch(/VERSION 1\.6\.18\r\n$/)
    } finally {
      connection.close()
    }
  })
})
