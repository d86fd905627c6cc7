/**
 * A node:net socket as Effects: read the next bytes, write a batch of buffers with backpressure.
 * Reads are one `Effect.async` per socket read, never per request; when a connection's unread input
 * piles up (the client sends faster than we answer), the socket is paused so TCP pushes back.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import type * as net from "node:net"

/**
 * Pause reading once this much input waits unprocessed. Enough for full batches of pipelined requests;
 * at 1 MB, forty clients pipelining without pause had the server read 40 MB per event-loop turn before
 * serving anyone, and new connections waited seconds to be accepted.
 */
const READ_HIGH_WATER = 128 * 1024

/** One connection's byte stream. */
export class SocketChannel {
  /**
   * The bytes received since the last read: nearly always one chunk (`first`), the rest in `more`;
   * no array is allocated per read for the usual case.
   */
  private first: Buffer | null = null
  private more: Array<Buffer> | null = null
  private queued = 0
  private ended = false
  private paused = false
  private inputShut = false
  /** Whether the client has ended its side (it sends nothing more). */
  private peerEnded = false
  private waiter: ((effect: Effect.Effect<Buffer | null>) => void) | null = null
  /**
   * What a woken reader runs: the bytes are taken when its fiber resumes, not when it is woken, so a
   * reader interrupted meanwhile (an idle timeout) leaves them unread. One effect for every read.
   */
  private readonly taken: Effect.Effect<Buffer | null> = Effect.sync(() => this.take())
  private drainWaiter: ((effect: Effect.Effect<void>) => void) | null = null
  /** The first error the socket reported, if any. */
  error: Error | undefined = undefined

  constructor(readonly socket: net.Socket) {
    socket.on("data", (chunk: Buffer) => {
      // Bytes arriving after shutdownInput were not read before the shutdown: they are not served.
      if (this.inputShut) return
      if (this.first === null) this.first = chunk
      else (this.more ??= []).push(chunk)
      this.queued += chunk.length
      if (this.queued > READ_HIGH_WATER && !this.paused) {
        this.paused = true
        socket.pause()
      }
      this.wake()
    })
    const end = () => {
      this.ended = true
      this.wake()
      this.wakeDrain()
    }
    socket.on("end", () => {
      this.peerEnded = true
      end()
    })
    socket.on("close", end)
    // Errors (ECONNRESET and the like) end the connection; 'close' follows and wakes the reader. The
    // connection logs the error when it ends (at -vv): a client vanishing is routine, not a failure.
    socket.on("error", (error) => {
      this.error ??= error
    })
    socket.on("drain", () => this.wakeDrain())
  }

  private wake(): void {
    const waiter = this.waiter
    if (waiter !== null) {
      this.waiter = null
      waiter(this.taken)
    }
  }

  private wakeDrain(): void {
    const waiter = this.drainWaiter
    if (waiter !== null) {
      this.drainWaiter = null
      waiter(Effect.void)
    }
  }

  private take(): Buffer | null {
    const first = this.first
    if (first === null) return null
    const chunk = this.more === null ? first : Buffer.concat([first, ...this.more], this.queued)
    this.first = null
    this.more = null
    this.queued = 0
    if (this.paused && !this.inputShut) {
      this.paused = false
      this.socket.resume()
    }
    return chunk
  }

  /** Whether the socket is gone (reset, closed or destroyed): nothing written can reach the client. */
  get gone(): boolean {
    return this.socket.destroyed
  }

  /** Whether the connection is waiting for the client's next bytes. */
  get waitingForInput(): boolean {
    return this.waiter !== null
  }

  /** Whether the connection is waiting for the client to read what was written (backpressure). */
  get waitingForDrain(): boolean {
    return this.drainWaiter !== null
  }

  /**
   * Stops reading (graceful shutdown): bytes already received are still returned by `read`, then it
   * answers end of input, so the requests already read are served and their replies flushed.
   */
  shutdownInput(): void {
    if (this.inputShut) return
    this.inputShut = true
    this.ended = true
    this.socket.pause()
    this.wake()
  }

  /**
   * The bytes received since the last read, waiting for some; null once the peer has closed.
   * It registers no canceler: Effect wraps an async effect that has one in an interruption handler
   * (several effects allocated and run per read, the hottest path there is). Without one, a reader
   * interrupted while waiting leaves a stale resume behind, which Effect ignores once the fiber has
   * moved on, and `taken` reads nothing for it.
   */
  readonly read: Effect.Effect<Buffer | null> = Effect.async((resume) => {
    if (this.first !== null || this.ended) return resume(this.taken)
    this.waiter = resume
  })

  /** Writes buffers in order as one batch; waits while the socket's send buffer is over its mark. */
  write(buffers: ReadonlyArray<Buffer>): Effect.Effect<void> {
    const socket = this.socket
    if (buffers.length === 0 || socket.destroyed) return Effect.void
    if (buffers.length === 1) {
      socket.write(buffers[0]!)
    } else {
      socket.cork()
      for (const b of buffers) socket.write(b)
      socket.uncork()
    }
    if (!socket.writableNeedDrain) return Effect.void
    return Effect.async<void>((resume) => {
      if (!socket.writableNeedDrain || socket.destroyed) return resume(Effect.void)
      this.drainWaiter = resume
      return Effect.sync(() => {
        this.drainWaiter = null
      })
    })
  }

  /**
   * Sends what is still buffered and half-closes, then reads and discards what the client still sends
   * until it closes too (a lingering close); completes once the socket is closed or `graceMs` have
   * passed (a client that never reads, or never closes). Closing a socket with input unread makes the
   * kernel reset the connection and drop the replies not yet delivered: exactly those a quit, a
   * graceful shutdown or a hang-up owes. When the client has closed its side first (the usual end),
   * there is nothing to linger for: it completes once the replies are flushed.
   * One timer, not a forked timeout: every connection ends here, thousands a second in a reconnect storm.
   * With `linger` false it does not wait for the client: once the replies are flushed the socket is
   * closed (memcached's close after a binary protocol error), so the client's next write is reset.
   */
  close(graceMs: number, linger = true): Effect.Effect<void> {
    return Effect.async((resume) => {
      const socket = this.socket
      if (socket.destroyed) return resume(Effect.void)
      let resumed = false
      const done = () => {
        if (!resumed) {
          resumed = true
          clearTimeout(timer)
          resume(Effect.void)
        }
      }
      const timer = setTimeout(done, graceMs)
      if (this.peerEnded || !linger) {
        // The client closed first (the usual end), or this close must not wait: no lingering.
        socket.once("finish", done)
      } else {
        this.inputShut = true
        socket.resume()
      }
      socket.once("close", done)
      socket.end()
      return Effect.sync(() => clearTimeout(timer))
    })
  }
}
