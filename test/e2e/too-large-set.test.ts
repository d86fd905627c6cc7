/**
 * An abandoned too-large set: memcached drops the key's old value when it reads the header of a `set`
 * (or `ms`) too large for the cache, before the data arrives, so a client that gives up half-way (or
 * dies) does not leave a stale value readable. The same steps run against effcached and a real
 * memcached 1.6.18; the point where the header has been read is seen in `stats conns` (the connection
 * in `conn_swallow`), not guessed with a sleep.
 */
import { describe, expect, it } from "vitest"
import { pollUntil } from "../support/poll.js"
import {
  memcachedPath,
  requireTool,
  type RunningServer,
  startEffcached,
  startMemcached,
  useServer
} from "../support/servers.js"
import { Connection, replyLength } from "../support/wire.js"

const servers: ReadonlyArray<readonly [string, () => Promise<RunningServer>]> = [
  ["effcached", () => startEffcached()],
  ...(requireTool("memcached", memcachedPath !== undefined)
    ? [["memcached", () => startMemcached()] as const]
    : [])
]

/** Waits until some connection of the server is discarding a too-large value. */
const untilSwallowing = (observer: Connection) =>
  pollUntil(() => observer.request("stats conns\r\n"), (reply) => /:state conn_swallow\r\n/.test(reply), {
    deadlineMs: 10_000,
    what: "a connection in conn_swallow"
  })

for (const [name, start] of servers) {
  describe(`${name}: a too-large store abandoned half-way`, () => {
    const server = useServer(start)

    it.each([
      ["set", (key: string) => `set ${key} 0 0 2000000\r\n`],
      ["ms", (key: string) => `ms ${key} 2000000 MR\r\n`]
    ])("%s drops the old value on reading the header, before the data arrives", async (command, header) => {
      const key = `abandoned_${command}`
      const observer = await Connection.open(server.port)
      expect(await observer.request(`set ${key} 0 0 3\r\nold\r\n`)).toBe("STORED\r\n")
      const writer = await Connection.open(server.port)
      writer.send(`${header(key)}only a few bytes of two megabytes`)
      await untilSwallowing(observer)
      expect(await observer.request(`get ${key}\r\n`)).toBe("END\r\n")
      // The writer disconnects without sending the rest: the old value stays gone, the server serves on.
      writer.close()
      expect(await observer.request(`get ${key}\r\nversion\r\n`)).toBe("END\r\n")
      expect(await observer.read((s) => (s.startsWith("VERSION ") ? s.indexOf("\r\n") + 2 : undefined))).toMatch(
        /^VERSION /
      )
      observer.close()
    })

    it("answers the too-large error only once the data is gone, and add keeps the old value", async () => {
      const conn = await Connection.open(server.port)
      expect(await conn.request("set kept 0 0 3\r\nold\r\n")).toBe("STORED\r\n")
      conn.send("add kept 0 0 2000000\r\n")
      conn.send(Buffer.alloc(1_000_000, 0x61))
      conn.send("get kept\r\n")
      // Still inside the value: "get kept" is data, and nothing has been answered.
      conn.send(Buffer.alloc(1_000_000 - "get kept\r\n".length, 0x61))
      conn.send("\r\nget kept\r\n")
      expect(await conn.read(replyLength)).toBe("SERVER_ERROR object too large for cache\r\n")
      expect(await conn.read((s) => (s.endsWith("END\r\n") ? s.length : undefined))).toBe(
        "VALUE kept 0 3\r\nold\r\nEND\r\n"
      )
      conn.close()
    })
  })
}
