/**
 * The daemon's logging as an operator sees it: the log file and format, what each -v level adds, and
 * the one-line fatal errors at startup (Logging's levels and formats are unit-tested in
 * test/server/Logging.test.ts).
 */
import { describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import { tempFile } from "../support/files.js"
import { pollUntil } from "../support/poll.js"
import { startEffcached } from "../support/servers.js"
import { Connection } from "../support/wire.js"

describe("the daemon's logging", () => {
  it("--log-file with --log-format json: the startup line with the settings, connection events at -vv", async () => {
    const logFile = tempFile("daemon.log", "effcached-log-")
    const server = await startEffcached(["-vv", "--log-format", "json", "--log-file", logFile, "--idle-timeout", "60"])
    const conn = await Connection.open(server.port)
    expect(await conn.request("version\r\n")).toMatch(/^VERSION/)
    conn.close()
    await conn.waitForClose()
    expect(await server.stop()).toBe(0)
    expect(server.stderr()).toBe("")
    const lines = fs.readFileSync(logFile, "utf8").trimEnd().split("\n").map((l) =>
      JSON.parse(l) as Record<string, unknown>
    )
    // The startup line is written once listening; the readiness probe's connection may log first.
    const startup = lines.find((l) => String(l["message"]).includes("listening on"))
    expect(startup).toMatchObject({
      logLevel: "INFO",
      message: expect.stringContaining(`listening on 127.0.0.1:${server.port}`),
      annotations: expect.objectContaining({ max_connections: 1024, idle_timeout: 60, verbosity: 2 })
    })
    const messages = lines.map((l) => l["message"])
    expect(messages).toContain("connection opened")
    expect(messages).toContain("connection closed")
    expect(messages).toContain("stopped")
  })

  it("at -vv, logs a socket error (a client resetting its connection) when the connection closes", async () => {
    const logFile = tempFile("reset.log", "effcached-log-")
    const server = await startEffcached(["-vv", "--log-format", "json", "--log-file", logFile])
    const socket = net.connect(server.port, "127.0.0.1")
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()))
    // A reset (RST) instead of a close: the server's socket sees ECONNRESET.
    socket.resetAndDestroy()
    const lines = await pollUntil(
      async () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : ""),
      (text) => text.includes("connection closed after a socket error"),
      { deadlineMs: 10_000, what: "the socket error's log line" }
    )
    const line = lines.at(-1)!.split("\n").find((l) => l.includes("socket error"))!
    expect(JSON.parse(line)).toMatchObject({
      logLevel: "DEBUG",
      annotations: expect.objectContaining({ code: "ECONNRESET", error: expect.stringContaining("ECONNRESET") })
    })
    expect(await server.stop()).toBe(0)
  })

  it("logs nothing but startup and shutdown by default", async () => {
    const server = await startEffcached()
    const conn = await Connection.open(server.port)
    expect(await conn.request("version\r\n")).toMatch(/^VERSION/)
    conn.close()
    expect(await server.stop()).toBe(0)
    const lines = server.stderr().trimEnd().split("\n")
    expect(lines[0]).toMatch(/level=INFO .*listening on/)
    expect(server.stderr()).not.toContain("connection opened")
    expect(lines.at(-1)).toMatch(/message=stopped/)
  })

  it("-vvv logs the commands of each batch", async () => {
    const server = await startEffcached(["-vvv"])
    const conn = await Connection.open(server.port)
    expect(await conn.request("set a 0 0 1\r\nx\r\nget a b\r\n")).toBe("STORED\r\n")
    conn.close()
    expect(await server.stop()).toBe(0)
    expect(server.stderr()).toMatch(/level=TRACE .*message="Set Get"/)
  })

  it("logs a port it cannot listen on at every verbosity, and exits 71 as memcached does", async () => {
    const holder = net.createServer()
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve))
    const { port } = holder.address() as net.AddressInfo
    const result = spawnSync(process.execPath, ["dist/main.js", "-p", String(port)], { encoding: "utf8" })
    holder.close()
    expect(result.status).toBe(71)
    expect(result.stderr.trim()).toMatch(
      /^timestamp=\S+ level=FATAL .*message="cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/
    )
    expect(result.stderr).not.toContain("stopped")
  })

  it("exits 73 with a one-line message when the log file cannot be opened", () => {
    const result = spawnSync(process.execPath, ["dist/main.js", "-p", "0", "--log-file", "/nonexistent/dir/x.log"], {
      encoding: "utf8"
    })
    expect(result.status).toBe(73)
    expect(result.stderr.trim()).toBe(
      "effcached: cannot open log file /nonexistent/dir/x.log: ENOENT: no such file or directory, open '/nonexistent/dir/x.log'"
    )
  })
})
