/**
 * The abuse suite: what a hostile or broken crowd of clients does to the daemon, bounded in time and
 * in what it asserts. Each bound is a robustness property the reliability issue sets (the fd count
 * returns to its baseline, RSS comes back after a burst, a neighbour keeps its latency under a
 * slowloris); the margins are generous because the machine is shared and noisy, and every wait polls
 * toward a deadline instead of sleeping. Timing figures themselves (how long a churn takes, against
 * memcached) are measured by `npm run abuse`, not asserted here (docs/reliability.md).
 *
 * Elsewhere: a client that never reads its replies is in connections.test.ts, SIGTERM with replies in
 * flight in shutdown.test.ts.
 */
import type { ChildProcess } from "node:child_process"
import * as net from "node:net"
import { describe, expect, it } from "vitest"
import { connect, inParallel, oneShot } from "../../src/abuse/Clients.js"
import { slowloris } from "../../src/abuse/Slowloris.js"
import { pollUntil } from "../support/poll.js"
import { hasProcfs, openFds, residentBytes } from "../support/procfs.js"
import { startEffcached, useServer } from "../support/servers.js"
import { Connection, openServed } from "../support/wire.js"

const MB = 1024 * 1024

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
    // The one connection allowed (the readiness probe's may not have been closed yet: openServed retries).
    const keeper = await openServed(server.port)
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

describe("clients that half-close", () => {
  const server = useServer(() => startEffcached())

  it("answers every request of a client that sends them and half-closes at once", async () => {
    const script = "set half 0 0 1\r\n1\r\nget half\r\nversion\r\n"
    const expected = "STORED\r\nVALUE half 0 1\r\n1\r\nEND\r\nVERSION 1.6.18\r\n"
    // The client's end of input can arrive before the replies are written; many tries, since it is a race.
    const replies = await Promise.all(Array.from({ length: 100 }, () =>
      new Promise<string>((resolve) => {
        const socket = net.connect(server.port, "127.0.0.1")
        let received = ""
        socket.on("data", (chunk) => (received += chunk.toString("latin1")))
        socket.on("error", () => {})
        socket.on("close", () => resolve(received))
        socket.once("connect", () => socket.end(script))
      })))
    expect(replies.filter((r) => r !== expected)).toEqual([])
  })
})

describe.runIf(hasProcfs)("churn and bursts", () => {
  const server = useServer(() => startEffcached(["-c", "8192"]))

  it("serves 2,000 connections used once, 50 at a time, and holds no fd for any of them afterwards", async () => {
    const pid = server.process.pid!
    await inParallel(50, 50, () => oneShot(server.port))
    const baseline = openFds(pid)
    await inParallel(2000, 50, () => oneShot(server.port))
    await pollUntil(async () => openFds(pid), (fds) => fds <= baseline + 2, {
      deadlineMs: 10_000,
      intervalMs: 50,
      what: `open fds back to the baseline of ${baseline}`
    })
  })

  it("comes back within idle + 64 MB of RSS within 10 s after 2,000 connections open at once close", async () => {
    const pid = server.process.pid!
    const idle = residentBytes(pid)
    const sockets: Array<net.Socket> = []
    await inParallel(2000, 200, async () => {
      const socket = await connect(server.port)
      sockets.push(socket)
      await new Promise<void>((resolve) => {
        socket.once("data", () => resolve())
        socket.write("version\r\n")
      })
    })
    for (const socket of sockets) socket.destroy()
    // The bound for 3,000 connections (npm run abuse measures those: about idle + 55 MB);
    // 2,000 here leave a margin for a noisy machine (about idle + 42 MB measured).
    await pollUntil(async () => residentBytes(pid), (rss) => rss <= idle + 64 * MB, {
      deadlineMs: 10_000,
      intervalMs: 250,
      what: `RSS within idle (${(idle / MB).toFixed(0)} MB) + 64 MB`
    })
    const after = await Connection.open(server.port)
    expect(await after.request("version\r\n")).toMatch(/^VERSION /)
    after.close()
  })
})

describe("slowloris", () => {
  const server = useServer(() => startEffcached(["-c", "8192"]))

  it("keeps a neighbour's round trips short while 1,000 connections trickle a byte a second", async () => {
    const result = await slowloris(server.port, 1000, 5)
    const summary = JSON.stringify(result)
    // The targets are a p99 of 20 ms and a maximum of 100 ms, measured by npm run abuse
    // (about 1 ms and tens of ms there). Here the suite shares two cores with another test file and
    // other work, where scheduling stalls of a second or more hit any process, memcached included, so
    // the bound is 5 times the target p99 (the campaign's 160 ms would fail it) and there is none on
    // the maximum, which one sample decides. The neighbour must also have kept going.
    expect(result.p99, summary).toBeLessThanOrEqual(100)
    expect(result.roundTrips, summary).toBeGreaterThan(500)
  })
})

/** Resolves with the exit code once the process has exited. */
const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once("exit", (code) => resolve(code)))

describe("SIGTERM under load", () => {
  const server = useServer(() => startEffcached(["-c", "8192", "--shutdown-grace", "5"]))

  it("answers every request it read in whole replies, closes every connection, and exits 0 within the grace period", async () => {
    const clients = 40
    const value = "v".repeat(1000)
    let stop = false
    let receivedBytes = 0
    let served = 0
    let replies = 0
    // Each client pipelines set+get pairs for its own keys. When the connection closes, what it received
    // must be whole replies, in order: requests the server had read are answered in full, and the rest
    // (not read before the shutdown) get nothing, never half a reply.
    const run = async (c: number) => {
      const socket = await connect(server.port)
      let received = ""
      let expected = ""
      socket.on("data", (chunk: Buffer) => {
        if (received === "") served++
        received += chunk.toString("latin1")
        receivedBytes += chunk.length
      })
      socket.on("error", () => {})
      // As clients do: when the server closes, stop sending and close too.
      let serverClosed = false
      socket.on("end", () => {
        serverClosed = true
        socket.end()
      })
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()))
      for (let n = 0; !stop && !serverClosed && !socket.destroyed; n++) {
        const key = `sigterm:${c}:${n % 50}`
        socket.write(`set ${key} 0 0 ${value.length}\r\n${value}\r\nget ${key}\r\n`)
        expected += `STORED\r\nVALUE ${key} 0 ${value.length}\r\n${value}\r\nEND\r\n`
        if (n % 10 === 9) await new Promise((resolve) => setImmediate(resolve))
      }
      await closed
      expect(expected.startsWith(received), `client ${c}: a reply differs from the one expected`).toBe(true)
      expect(received === "" || /(STORED|END)\r\n$/.test(received), `client ${c}: the last reply is cut`).toBe(true)
      replies += received.split("\r\n").filter((l) => l === "STORED" || l === "END").length
    }
    const all = Promise.all(Array.from({ length: clients }, (_, c) => run(c)))
    // Under load first: every client served (a connection not yet accepted is reset when the listener
    // closes, as in memcached) and a few megabytes of replies delivered, then the signal.
    await pollUntil(async () => ({ served, receivedBytes }), (p) => p.served === clients && p.receivedBytes > 4 * MB, {
      deadlineMs: 20_000,
      what: "every client served and 4 MB of replies before the signal"
    })
    const signalled = Date.now()
    server.process.kill("SIGTERM")
    const code = await exited(server.process)
    const exitMs = Date.now() - signalled
    stop = true
    await all
    expect(code).toBe(0)
    // The clients close when the server does, so the drain ends well within the 5 s grace period; the
    // bound is the grace period plus margin for a loaded machine.
    expect(exitMs).toBeLessThan(15_000)
    expect(replies).toBeGreaterThan(1000)
  })
})
