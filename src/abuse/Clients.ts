/**
 * Small raw clients for the abuse measurements: a request/response connection that times each round
 * trip, and one-shot connections. Plain node:net and promises: what is measured is the server, and
 * these add the same cost whichever server they talk to.
 *
 * @module
 */
import * as net from "node:net"

/** Opens a connection to 127.0.0.1:`port`. */
export const connect = (port: number): Promise<net.Socket> =>
  new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1", noDelay: true })
    socket.once("connect", () => {
      socket.off("error", reject)
      resolve(socket)
    })
    socket.once("error", reject)
  })

/** One connection, used once: connect, `version`, read the reply, close; resolves when closed. */
export const oneShot = (port: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1", noDelay: true })
    socket.on("error", reject)
    socket.once("connect", () => socket.write("version\r\n"))
    socket.once("data", () => socket.end())
    socket.once("close", () => resolve())
  })

/**
 * A connection for request/response: `send` writes a request and resolves with its reply once
 * `complete` says the bytes received hold all of it.
 */
export class Conversation {
  private buffered: Buffer = Buffer.alloc(0)
  private pending: { readonly complete: (b: Buffer) => number; readonly resolve: (b: Buffer) => void } | null = null

  private constructor(readonly socket: net.Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk])
      this.check()
    })
    socket.on("error", () => {})
  }

  /** Opens one. */
  static async open(port: number): Promise<Conversation> {
    return new Conversation(await connect(port))
  }

  private check(): void {
    const pending = this.pending
    if (pending === null) return
    const end = pending.complete(this.buffered)
    if (end < 0) return
    this.pending = null
    const reply = this.buffered.subarray(0, end)
    this.buffered = this.buffered.subarray(end)
    pending.resolve(reply)
  }

  /** Sends `request`; resolves with the reply (`complete` returns its length, or -1 while incomplete). */
  send(request: string | Buffer, complete: (b: Buffer) => number): Promise<Buffer> {
    return new Promise((resolve) => {
      this.pending = { complete, resolve }
      this.socket.write(request)
      this.check()
    })
  }

  /** Closes it. */
  close(): void {
    this.socket.destroy()
  }
}

/** The length of a one-line reply, or -1. */
export const line = (b: Buffer): number => {
  const eol = b.indexOf("\r\n")
  return eol < 0 ? -1 : eol + 2
}

/** The length of a get reply (VALUE blocks then END), or -1. */
export const getReply = (b: Buffer): number => {
  let pos = 0
  for (;;) {
    const eol = b.indexOf("\r\n", pos)
    if (eol < 0) return -1
    if (b.toString("latin1", pos, pos + 6) !== "VALUE ") return eol + 2
    const bytes = Number(b.toString("latin1", pos, eol).split(" ")[3])
    pos = eol + 2 + bytes + 2
    if (pos > b.length) return -1
  }
}

/** Runs `task` `count` times, at most `concurrency` at once. */
export const inParallel = async (count: number, concurrency: number, task: (i: number) => Promise<void>) => {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await task(next++)
  }))
}

/** The p-th percentile (0..100) of sorted numbers. */
export const percentile = (sorted: ReadonlyArray<number>, p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
