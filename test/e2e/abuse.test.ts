/**
 * The abuse suite: what a hostile or broken crowd of clients does to the daemon, bounded in time and
 * in what it asserts. Each bound is a robustness property the reliability issue sets (the fd count
 * returns to its baseline, RSS comes back after a burst, a neighbour keeps its latency under a
 * slowloris); the margins are generous because the machine is shared and noisy, and every wait polls
 * toward a deadline instead of sleeping. Timing figures themselves are measured by
 * `node benchmarks/...` scripts, not asserted here (docs/reliability.md).
 */
import * as net from "node:net"
import { describe, expect, it } from "vitest"
import { pollUntil } from "../support/poll.js"
import { hasProcfs, openFds } from "../support/procfs.js"
import { startEffcached, useServer } from "../support/servers.js"
import { Connection } from "../support/wire.js"

/** Connects, sends `payload`, reads until the server's first line, then closes its side. */
const refused = (port: number, payload: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1")
    let received = ""
    socket.on("error", reject)
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1")
      if (received.endsWith("\r\n")) socket.end()
    })
    socket.once("connect", () => socket.write(payload))
    socket.on("close", () => resolve(received))
  })

describe.runIf(hasProcfs)("refused connections (-c 1)", () => {
  const server = useServer(() => startEffcached(["-c", "1"]))

  it("close every refused socket, whatever the client sent, so the fd count returns to its baseline", async () => {
    // The one connection allowed (the readiness probe's may not have been closed yet: try again).
    const [keeper] = (await pollUntil(
      async () => {
        const c = await Connection.open(server.port)
        const first = await c.request("version\r\n").catch(() => "")
        if (first.startsWith("VERSION ")) return c
        c.close()
        return undefined
      },
      (c) => c !== undefined,
      { deadlineMs: 5000, what: "the one connection -c 1 allows" }
    )).slice(-1) as [Connection]
    const baseline = openFds(server.process.pid!)
    for (const payload of ["version\r\n", "", "set k 0 0 100\r\npartial"]) {
      for (let i = 0; i < 40; i++) {
        expect(await refused(server.port, payload)).toBe("ERROR Too many open connections\r\n")
      }
    }
    // 120 refusals: a leak leaves ~120 more fds. Closing is asynchronous, so poll (a few, not all, may
    // still be closing at the first look); memcached's count does not move at all.
    await pollUntil(async () => openFds(server.process.pid!), (fds) => fds <= baseline + 2, {
      deadlineMs: 10_000,
      intervalMs: 50,
      what: `open fds back to the baseline of ${baseline}`
    })
    expect(await keeper.request("version\r\n")).toMatch(/^VERSION /)
    keeper.close()
  })
})
