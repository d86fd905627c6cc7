import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import * as net from "node:net"
import { framingHeavyBytes, mutatedStream, oddArguments, tokenSoup } from "../support/arbitraries.js"
import { startEffcached, useServer } from "../support/servers.js"
import { session } from "../support/wire.js"

/** Sends bytes on a fresh connection in a few writes, waits briefly for the server, then hangs up. */
const throwAt = (port: number, parts: ReadonlyArray<Uint8Array>): Promise<void> =>
  new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1")
    socket.on("error", () => resolve())
    socket.on("close", () => resolve())
    socket.on("data", () => {})
    socket.once("connect", () => {
      for (const part of parts) socket.write(part)
      setTimeout(() => socket.destroy(), 5)
    })
  })

const garbage = fc.oneof(fc.uint8Array({ maxLength: 4096 }), framingHeavyBytes, tokenSoup, oddArguments, mutatedStream)

describe("whatever clients send", () => {
  const server = useServer(() => startEffcached(["-I", "64k", "-m", "1", "-v"]))

  it("the server stays up, logs no error, and answers the next client correctly", async () => {
    expect(await session(server.port, "set keep 5 0 4\r\nsafe\r\n")).toBe("STORED\r\n")
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(garbage, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
        async (clients) => {
          await Promise.all(clients.map((parts) => throwAt(server.port, parts)))
          expect(server.process.exitCode).toBeNull()
        }
      ),
      { numRuns: 60, seed: 2026 }
    )
    // Garbage may legitimately have flushed or overwritten "keep": only the shape of the reply is fixed.
    const reply = await session(server.port, "version\r\nget keep\r\n")
    expect(reply).toMatch(/^VERSION 1\.6\.18\r\n/)
    expect(reply.endsWith("END\r\n")).toBe(true)
    expect(server.stderr()).not.toMatch(/Error|defect|unhandled/i)
  })
})
