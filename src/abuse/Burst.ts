/**
 * A burst of connections: thousands opened at once, each asking one thing, all closed together; the
 * server's resident memory before, at the peak, and over the seconds after they closed. The target
 * is to be back within idle + 64 MB ten seconds after.
 *
 * @module
 */
import type * as net from "node:net"
import { residentBytes } from "../bench/Servers.js"
import { connect, inParallel } from "./Clients.js"

/** Memory around a burst, in bytes. */
export interface BurstResult {
  readonly connections: number
  readonly idle: number
  readonly peak: number
  /** RSS each second after the close, the last ten seconds after it. */
  readonly after: ReadonlyArray<number>
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const rss = (pid: number) => residentBytes(pid) ?? NaN

/** Opens `connections` at once (200 connects in flight at a time), each sends `version`; then closes them all. */
export const burst = async (port: number, pid: number, connections: number, settleSeconds = 10) => {
  const idle = rss(pid)
  const sockets: Array<net.Socket> = []
  let peak = idle
  await inParallel(connections, 200, async () => {
    const socket = await connect(port)
    sockets.push(socket)
    await new Promise<void>((resolve) => {
      socket.once("data", () => resolve())
      socket.write("version\r\n")
    })
  })
  peak = Math.max(peak, rss(pid))
  for (const socket of sockets) socket.destroy()
  const after: Array<number> = []
  for (let s = 0; s < settleSeconds; s++) {
    await sleep(1000)
    after.push(rss(pid))
    peak = Math.max(peak, after[after.length - 1]!)
  }
  return { connections, idle, peak, after } satisfies BurstResult
}
