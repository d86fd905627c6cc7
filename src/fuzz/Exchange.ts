/**
 * One fuzz input on one server: connect, write the input in its pieces, half-close, and collect every
 * byte until the server closes. Half-closing is what makes this fast and exact: both memcached and
 * effcached answer everything they have read, then close when they see the end of input, so no
 * quiet period has to be waited out. A server that has not closed by the deadline hangs.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import * as net from "node:net"

/** How the connection ended. */
export type End =
  /** The server closed it (after the end of input, or before: quit, a line too long). */
  | "closed"
  /** Reset (the server closed with input unread, or died). */
  | "reset"
  /** Still open at the deadline. */
  | "timeout"
  /** Nothing was listening. */
  | "refused"

/** What one server did with one input. */
export interface Outcome {
  readonly bytes: Buffer
  readonly end: End
  readonly ms: number
}

/** Sends `writes` (one socket write each) to 127.0.0.1:`port`, half-closes, collects the replies. */
export const exchange = (port: number, writes: ReadonlyArray<Buffer>, deadlineMs: number): Effect.Effect<Outcome> =>
  Effect.async<Outcome>((resume) => {
    const started = performance.now()
    const received: Array<Buffer> = []
    let connected = false
    let reset = false
    let done = false
    const socket = net.connect({ port, host: "127.0.0.1", noDelay: true })
    const finish = (end: End) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resume(Effect.succeed({ bytes: Buffer.concat(received), end, ms: performance.now() - started }))
    }
    const timer = setTimeout(() => finish("timeout"), deadlineMs)
    socket.on("data", (chunk: Buffer) => received.push(chunk))
    socket.on("error", () => {
      reset = true
    })
    socket.on("close", () => finish(!connected ? "refused" : reset ? "reset" : "closed"))
    socket.once("connect", () => {
      connected = true
      for (const piece of writes) socket.write(piece)
      socket.end()
    })
    return Effect.sync(() => {
      done = true
      clearTimeout(timer)
      socket.destroy()
    })
  })

/** Cuts `bytes` into writes at the given (sorted) positions. */
export const cutAt = (bytes: Buffer, cuts: ReadonlyArray<number>): Array<Buffer> => {
  const pieces: Array<Buffer> = []
  let from = 0
  for (const cut of cuts) {
    if (cut <= from || cut >= bytes.length) continue
    pieces.push(bytes.subarray(from, cut))
    from = cut
  }
  pieces.push(bytes.subarray(from))
  return pieces
}
