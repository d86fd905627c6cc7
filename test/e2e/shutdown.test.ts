/**
 * Shutting down: the `shutdown` command (off unless -A, as memcached), and the graceful drain on
 * SIGTERM: requests already read are answered in full, idle clients are closed, the process exits 0.
 */
import { describe, expect, it } from "@effect/vitest"
import type { ChildProcess } from "node:child_process"
import * as net from "node:net"
import { memcachedPath, requireTool, startEffcached, startMemcached, useServer } from "../support/servers.js"
import { Connection, exchange } from "../support/wire.js"

/** The process's exit code, once it has exited. */
const exitCode = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once("exit", (code) => resolve(code)))

const reply = async (port: number, script: string) =>
  (await exchange(port, script, { timeoutMs: 3000 })).toString("latin1")

/** Waits until some connection is blocked writing to a client that does not read (`conn_mwrite`). */
const untilWriteBlocked = async (port: number): Promise<void> => {
  const stats = await Connection.open(port)
  let blocked = false
  for (let i = 0; i < 500 && !blocked; i++) {
    blocked = /STAT \d+:state conn_mwrite\r\n/.test(await stats.request("stats conns\r\n"))
    if (!blocked) await new Promise((r) => setTimeout(r, 10))
  }
  stats.close()
  expect(blocked).toBe(true)
}

const invalidModes =
  "shutdown foo\r\nshutdown graceful x\r\nshutdown noreply\r\nshutdown GRACEFUL\r\nversion\r\nquit\r\n"

describe.runIf(requireTool("memcached", memcachedPath !== undefined))("shutdown with -A, as memcached 1.6.18", () => {
  const eff = useServer(() => startEffcached(["-A"]))
  const mem = useServer(() => startMemcached(["-A"]))

  it("answers an unknown shutdown mode as memcached does", async () => {
    const [e, m] = await Promise.all([reply(eff.port, invalidModes), reply(mem.port, invalidModes)])
    expect(e).toBe(m)
    expect(e).toContain("CLIENT_ERROR invalid shutdown mode\r\n")
  })

  it("shutdown graceful: answers what came before, closes the connection, and the server exits 0", async () => {
    const script = "get nothing\r\nshutdown graceful\r\nversion\r\n"
    const [e, m] = await Promise.all([reply(eff.port, script), reply(mem.port, script)])
    expect(e).toBe(m)
    expect(e).toBe("END\r\n")
    expect(await exitCode(eff.process)).toBe(0)
  })
})

describe("shutdown with -A", () => {
  const eff = useServer(() => startEffcached(["-A"]))

  it("plain shutdown stops the server too", async () => {
    expect(await reply(eff.port, "version\r\nshutdown\r\nversion\r\n")).toBe("VERSION 1.6.18\r\n")
    expect(await exitCode(eff.process)).toBe(0)
    expect(eff.stderr()).toContain("shutdown requested by a client")
  })
})

describe("graceful shutdown on SIGTERM", () => {
  const eff = useServer(() => startEffcached(["-I", "1m"]))

  it("delivers the replies to requests already read, closes idle clients, refuses new ones, exits 0", async () => {
    const value = Buffer.alloc(512 * 1024, "v")
    const hits = 60 // a 30 MB reply: still being written when the signal arrives
    const busy = await Connection.open(eff.port)
    expect(
      await busy.request(Buffer.concat([Buffer.from(`set big 0 0 ${value.length}\r\n`), value, Buffer.from("\r\n")]))
    ).toBe(
      "STORED\r\n"
    )
    const idle = await Connection.open(eff.port)
    expect(await idle.request("version\r\n")).toMatch(/^VERSION /)

    // Not reading: the server fills the socket and waits for this client with the reply half written.
    const received: Array<Buffer> = []
    const socket = net.connect(eff.port, "127.0.0.1")
    await new Promise((resolve) => socket.once("connect", resolve))
    socket.on("data", (d: Buffer) => received.push(d))
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()))
    socket.pause()
    socket.write(`get${" big".repeat(hits)}\r\nversion\r\n`)
    await untilWriteBlocked(eff.port)

    eff.process.kill("SIGTERM")
    await idle.waitForClose()
    // Accepting stopped before the connections were drained.
    await expect(Connection.open(eff.port)).rejects.toThrow()
    socket.resume()
    await closed
    const all = Buffer.concat(received).toString("latin1")
    const one = `VALUE big 0 ${value.length}\r\n${value.toString("latin1")}\r\n`
    expect(all.length).toBe(one.length * hits + "END\r\nVERSION 1.6.18\r\n".length)
    expect(all.endsWith(`${one}END\r\nVERSION 1.6.18\r\n`)).toBe(true)
    expect(await exitCode(eff.process)).toBe(0)
    busy.close()
  })
})

describe("graceful shutdown, a client that never reads", () => {
  const eff = useServer(() => startEffcached(["--shutdown-grace", "1"]))

  it("is dropped at the end of the grace period, and the process still exits 0", async () => {
    const value = "w".repeat(500 * 1024)
    const socket = net.connect(eff.port, "127.0.0.1")
    socket.on("error", () => {})
    await new Promise((resolve) => socket.once("connect", resolve))
    socket.pause()
    socket.write(`set w 0 0 ${value.length}\r\n${value}\r\nget${" w".repeat(200)}\r\n`)
    await untilWriteBlocked(eff.port)
    eff.process.kill("SIGTERM")
    expect(await exitCode(eff.process)).toBe(0)
    expect(eff.stderr()).toContain("grace period over")
    socket.destroy()
  })
})
