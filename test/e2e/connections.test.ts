import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import * as net from "node:net"
import { pollUntil } from "../support/poll.js"
import { startEffcached, useServer } from "../support/servers.js"
import { Connection, exchange, openServed, session } from "../support/wire.js"

describe("connections", () => {
  const server = useServer(() => startEffcached(["-I", "2m"]))

  it("never mixes up concurrent connections, however their bytes are split", async () => {
    const clients = 24
    const rounds = 40
    const run = async (c: number) => {
      const expected: Array<string> = []
      const parts: Array<string> = []
      for (let r = 0; r < rounds; r++) {
        const key = `c${c}:k${r % 5}`
        const value = `value-${c}-${r}-${"x".repeat((c * 7 + r) % 50)}`
        parts.push(`set ${key} ${c} 0 ${value.length}\r\n${value}\r\nget ${key} c${c}:none\r\n`)
        expected.push(`STORED\r\nVALUE ${key} ${c} ${value.length}\r\n${value}\r\nEND\r\n`)
      }
      const stream = parts.join("")
      // Split the stream at pseudo-random points so requests straddle TCP writes.
      const chunks: Array<string> = []
      for (let i = 0, n = 0; i < stream.length; n++) {
        const size = 1 + ((c * 31 + n * 17) % 97)
        chunks.push(stream.slice(i, i + size))
        i += size
      }
      const reply = await session(server.port, chunks, { gapMs: 0 })
      expect(reply).toBe(expected.join(""))
    }
    await Promise.all(Array.from({ length: clients }, (_, c) => run(c)))
  })

  it("keeps serving after clients vanish mid-request", async () => {
    for (const partial of ["set gone 0 0 10\r\nabc", "get gone", "set gone 0 0 5000000\r\nxxxx"]) {
      await new Promise<void>((resolve) => {
        const socket = net.connect(server.port, "127.0.0.1", () => {
          socket.write(partial)
          socket.destroy()
          resolve()
        })
      })
    }
    expect(await session(server.port, "set alive 0 0 2\r\nok\r\nget alive gone\r\n")).toBe(
      "STORED\r\nVALUE alive 0 2\r\nok\r\nEND\r\n"
    )
  })

  it("stores and returns values up to the raised item size limit, sent in pieces", async () => {
    const conn = await Connection.open(server.port)
    const value = Buffer.alloc(2 * 1024 * 1024 - 200, "v")
    value.write("start", 0)
    value.write("end", value.length - 3)
    conn.send(`set big 7 0 ${value.length}\r\n`)
    for (let i = 0; i < value.length; i += 300_000) conn.send(value.subarray(i, i + 300_000))
    conn.send("\r\n")
    expect(await conn.read((s) => (s.startsWith("STORED\r\n") ? 8 : undefined))).toBe("STORED\r\n")
    const reply = await conn.request("get big\r\n")
    expect(reply.startsWith(`VALUE big 7 ${value.length}\r\nstart`)).toBe(true)
    expect(reply.endsWith("end\r\nEND\r\n")).toBe(true)
    expect(reply.length).toBe(`VALUE big 7 ${value.length}\r\n`.length + value.length + 7)
    conn.close()
  })

  it("answers a multi-get naming one key thousands of times, in pieces, in full", async () => {
    // 6,000 hits of a 10 KB value: a 61 MB reply to a 12 KB line, written out 4 MB at a time.
    const value = "r".repeat(10 * 1024)
    const hits = 6000
    const reply = await exchange(
      server.port,
      `set r 3 0 ${value.length}\r\n${value}\r\nget${" r".repeat(hits)}\r\nquit\r\n`,
      {
        timeoutMs: 20_000
      }
    )
    const header = `VALUE r 3 ${value.length}\r\n`
    const one = header + value + "\r\n"
    expect(reply.length).toBe("STORED\r\n".length + hits * one.length + "END\r\n".length)
    const text = reply.toString("latin1")
    expect(text.startsWith("STORED\r\n" + one)).toBe(true)
    expect(text.endsWith(one + "END\r\n")).toBe(true)
    expect(text.split(header).length - 1).toBe(hits)
  })

  it.runIf(process.platform === "linux")(
    "does not build a huge reply in memory for a client that is not reading",
    async () => {
      const rss = () => {
        const status = readFileSync(`/proc/${server.process.pid}/status`, "utf8")
        return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024
      }
      const before = rss()
      // 100,000 hits of a 10 KB value: a 1 GB reply. The client never reads it.
      const value = "h".repeat(10 * 1024)
      const socket = net.connect(server.port, "127.0.0.1")
      await new Promise((resolve) => socket.once("connect", resolve))
      socket.pause()
      socket.write(`set huge 0 0 ${value.length}\r\n${value}\r\nget${" huge".repeat(100_000)}\r\n`)
      // Wait until the server has started writing the reply (its first pieces fill the socket buffers).
      const stats = await Connection.open(server.port)
      for (let i = 0; i < 200; i++) {
        const written = Number(/STAT bytes_written (\d+)/.exec(await stats.request("stats\r\n"))![1])
        if (written > 4 * 1024 * 1024) break
        await new Promise((r) => setTimeout(r, 10))
      }
      expect(rss() - before).toBeLessThan(200 * 1024 * 1024)
      socket.destroy()
      expect(await stats.request("version\r\n")).toMatch(/^VERSION /)
      stats.close()
    }
  )

  it.runIf(process.platform === "linux")(
    "stops reading from a client that pipelines large gets and never reads, and serves the others",
    async () => {
      const rss = () =>
        Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.process.pid}/status`, "utf8"))![1]) * 1024
      const statOf = async (conn: Connection, name: string) =>
        Number(new RegExp(`STAT ${name} (\\d+)\r\n`).exec(await conn.request("stats\r\n"))![1])
      const stats = await Connection.open(server.port)
      const value = Buffer.alloc(512 * 1024, "s")
      expect(
        await stats.request(
          Buffer.concat([Buffer.from(`set slow 0 0 ${value.length}\r\n`), value, Buffer.from("\r\n")])
        )
      )
        .toBe("STORED\r\n")
      const readBefore = await statOf(stats, "bytes_read")
      const rssBefore = rss()

      const socket = net.connect(server.port, "127.0.0.1")
      socket.on("error", () => {})
      await new Promise((resolve) => socket.once("connect", resolve))
      socket.pause()
      // 1 MB of get lines per write: each line asks for 512 KB. Keep writing until the server stops
      // taking them and they pile up in this client's own buffer (at most 200 MB of lines).
      const lines = Buffer.from("get slow\r\n".repeat(1024 * 1024 / 10))
      let written = 0
      while (socket.writableLength < 32 * 1024 * 1024 && written < 200 * 1024 * 1024) {
        socket.write(lines)
        written += lines.length
        await new Promise((r) => setImmediate(r))
      }
      expect(socket.writableLength).toBeGreaterThanOrEqual(32 * 1024 * 1024)
      // The server is serving that pipeline, and waiting for this client to read (memcached's conn_mwrite).
      let blocked = false
      for (let i = 0; i < 500 && !blocked; i++) {
        blocked = /STAT \d+:state conn_mwrite\r\n/.test(await stats.request("stats conns\r\n"))
        if (!blocked) await new Promise((r) => setTimeout(r, 10))
      }
      expect(blocked).toBe(true)
      // The server read a bounded amount of those lines (its read pause, kernel buffers aside) ...
      const taken = (await statOf(stats, "bytes_read")) - readBefore
      expect(taken).toBeLessThan(16 * 1024 * 1024)
      // ... and holds no more than a few replies' worth of memory for them.
      expect(rss() - rssBefore).toBeLessThan(150 * 1024 * 1024)
      // Other clients are served meanwhile.
      const other = await Connection.open(server.port)
      expect(await other.request("get slow\r\n")).toBe(
        `VALUE slow 0 ${value.length}\r\n${value.toString("latin1")}\r\nEND\r\n`
      )
      other.close()
      socket.destroy()
      stats.close()
    }
  )

  it("drops the rest of a pipeline once its client has gone, as memcached does", async () => {
    const statOf = async (conn: Connection, name: string) =>
      Number(new RegExp(`STAT ${name} (\\d+)\r\n`).exec(await conn.request("stats\r\n"))![1])
    const stats = await Connection.open(server.port)
    const value = Buffer.alloc(256 * 1024, "g")
    await stats.request(Buffer.concat([Buffer.from(`set gone 0 0 ${value.length}\r\n`), value, Buffer.from("\r\n")]))
    const getsBefore = await statOf(stats, "cmd_get")
    const socket = net.connect(server.port, "127.0.0.1")
    socket.on("error", () => {})
    await new Promise((resolve) => socket.once("connect", resolve))
    socket.pause()
    // 100,000 gets of a 256 KB value (25 GB of replies), never read: the server blocks on the first few.
    const lines = Buffer.from("get gone\r\n".repeat(100_000))
    socket.write(lines)
    await pollUntil(() => stats.request("stats conns\r\n"), (r) => /state conn_mwrite/.test(r), {
      deadlineMs: 10_000,
      what: "the pipelining client blocked on its replies"
    })
    socket.resetAndDestroy()
    await pollUntil(() => statOf(stats, "curr_connections"), (n) => n === 1, {
      deadlineMs: 10_000,
      what: "the reset connection closed"
    })
    // What ran is the batch in progress when the client went (1024 requests at most), not the
    // thousands of gets the server had already read from it.
    const executed = (await statOf(stats, "cmd_get")) - getsBefore
    expect(executed).toBeLessThanOrEqual(2 * 1024)
    expect(await statOf(stats, "bytes_read")).toBeGreaterThan(lines.length / 4)
    stats.close()
  })

  it("reports connections in stats", async () => {
    const reply = await session(server.port, "stats\r\n")
    expect(reply).toMatch(/^STAT pid \d+\r\n/)
    expect(reply).toMatch(/\r\nSTAT curr_connections [1-9]\d*\r\n/)
    expect(reply).toMatch(/\r\nSTAT total_connections \d+\r\n/)
    expect(reply.endsWith("END\r\n")).toBe(true)
  })
})

describe("connection limit (-c)", () => {
  const server = useServer(() => startEffcached(["-c", "2"]))

  it("refuses connections over the limit with memcached's error, and keeps the others", async () => {
    // Each answers version (the readiness probe's connection may still count for a moment).
    const a = await openServed(server.port)
    const b = await openServed(server.port)
    // openServed may have been refused while the readiness probe's connection still counted.
    const rejectedBefore = Number(/STAT rejected_connections (\d+)\r\n/.exec(await a.request("stats\r\n"))![1])
    const refused = await exchange(server.port, "version\r\n")
    expect(refused.toString("latin1")).toBe("ERROR Too many open connections\r\n")
    // The clients already connected carry on, unaffected.
    expect(await a.request("set k 0 0 1\r\nx\r\n")).toBe("STORED\r\n")
    expect(await b.request("get k\r\n")).toBe("VALUE k 0 1\r\nx\r\nEND\r\n")
    const counted = await b.request("stats\r\n")
    expect(counted).toMatch(new RegExp(`\r\nSTAT rejected_connections ${rejectedBefore + 1}\r\n`))
    expect(counted).toMatch(/\r\nSTAT curr_connections 2\r\n/)
    b.close()
    // Once a connection has gone, a new one is accepted.
    let accepted = ""
    for (let attempt = 0; attempt < 50 && !accepted.startsWith("VERSION"); attempt++) {
      accepted = (await exchange(server.port, "version\r\nquit\r\n")).toString("latin1")
      if (!accepted.startsWith("VERSION")) await new Promise((r) => setTimeout(r, 20))
    }
    expect(accepted).toMatch(/^VERSION /)
    const stats = await a.request("stats\r\n")
    expect(stats).toMatch(/\r\nSTAT rejected_connections [1-9]\d*\r\n/)
    a.close()
  })
})
