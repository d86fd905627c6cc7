/**
 * A slowloris: many connections each trickling one byte a second of a command line that never ends,
 * and one neighbour doing set/get round trips meanwhile. The figures are the neighbour's round-trip
 * percentiles; the target is a p99 of at most 20 ms and a maximum of at most 100 ms.
 *
 * @module
 */
import type * as net from "node:net"
import { connect, Conversation, getReply, inParallel, line, percentile } from "./Clients.js"

/** The neighbour's round trips, in milliseconds. */
export interface SlowlorisResult {
  readonly attackers: number
  readonly roundTrips: number
  readonly p50: number
  readonly p99: number
  readonly max: number
}

/** `attackers` slow connections for `seconds`, with a neighbour measured throughout. */
export const slowloris = async (port: number, attackers: number, seconds: number): Promise<SlowlorisResult> => {
  const slow: Array<net.Socket> = []
  await inParallel(attackers, 100, async () => {
    const socket = await connect(port)
    socket.on("error", () => {})
    slow.push(socket)
  })
  // Each sends one byte a second, spread over the second; the line is a get whose newline never comes.
  const line0 = Buffer.from("get " + "k".repeat(4000))
  let position = 0
  const trickle = setInterval(() => {
    const byte = line0.subarray(position % line0.length, (position % line0.length) + 1)
    position++
    for (let i = (position * 7) % 20; i < slow.length; i += 20) slow[i]!.write(byte)
  }, 50)
  const neighbour = await Conversation.open(port)
  // Measured once the server has accepted them all (a client's connect completes in the kernel's
  // backlog first): accepting a thousand connections at once is the burst case, measured apart.
  const statsEnd = (b: Buffer) => {
    const end = b.indexOf("END\r\n")
    return end < 0 ? -1 : end + 5
  }
  for (const deadline = performance.now() + 30_000; performance.now() < deadline;) {
    const stats = (await neighbour.send("stats\r\n", statsEnd)).toString("latin1")
    if (Number(/STAT curr_connections (\d+)/.exec(stats)?.[1] ?? 0) > attackers) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const value = "v".repeat(100)
  const samples: Array<number> = []
  const deadline = performance.now() + seconds * 1000
  let n = 0
  while (performance.now() < deadline) {
    const key = `neighbour:${n++ % 100}`
    const started = performance.now()
    await neighbour.send(`set ${key} 0 0 ${value.length}\r\n${value}\r\n`, line)
    await neighbour.send(`get ${key}\r\n`, getReply)
    samples.push(performance.now() - started)
  }
  clearInterval(trickle)
  neighbour.close()
  for (const socket of slow) socket.destroy()
  samples.sort((a, b) => a - b)
  return {
    attackers,
    roundTrips: samples.length,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    max: samples[samples.length - 1] ?? NaN
  }
}
