/**
 * One connection to a server, shared by every fiber that uses it, with automatic pipelining: requests
 * from many fibers are queued, written together once per event-loop turn (one socket write for the
 * batch), and their replies are matched to them in order as they arrive. Adjacent single-key gets of
 * a batch go out as one multi-key line, whose reply is dealt back to each (GetBatch.ts).
 *
 * A request whose fiber is interrupted keeps its place: it is still written if it was not yet, and its
 * reply is read and dropped, so the connection never loses step. (Registering an interruption handler
 * per request would let an unsent one be skipped, but it doubled the CPU cost of a request.) A request
 * that times out before it is written is never sent. Timeouts are deadlines kept in the queue,
 * watched by one fiber per connection that sleeps until the oldest one (on Effect's Clock, so tests
 * drive it with TestClock): no timer or fiber per request.
 *
 * @module
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as net from "node:net"
import * as tls from "node:tls"
import type { Request } from "../domain/Request.js"
import type { Result } from "../domain/Result.js"
import { ReplyBuffer } from "../protocol/ReplyBuffer.js"
import { isQuietRequest, ReplyDecoder } from "../protocol/ReplyDecoder.js"
import { NOOP, writeRequest } from "../protocol/RequestEncoder.js"
import { ConnectionLost, ProtocolError, Timeout } from "./Errors.js"
import { Fifo } from "./Fifo.js"
import { collect, deal, type Entry, GetBatch, isBatchable, waitersOf } from "./GetBatch.js"
import type { ServerAddress } from "./ServerAddress.js"

/** How a connection fails a request. */
export type ConnectionFailure = ConnectionLost | ProtocolError | Timeout

type Resume = (effect: Effect.Effect<unknown, unknown>) => void

/**
 * What a request's fiber resumes with, given the reply and the server (`host:port`) that sent it, so
 * no step follows the resumption.
 */
export type ReplyHandler<A, E> = (result: Result, server: string) => Effect.Effect<A, E>

/** A request waiting to be written, or written and waiting for its reply. */
export interface Waiter {
  readonly request: Request
  readonly handle: ReplyHandler<unknown, unknown>
  /** Clock millis after which it fails with Timeout. */
  readonly deadline: number
  /** Resumes its fiber; undefined once answered, failed or timed out (an interrupted fiber ignores it). */
  resume: Resume | undefined
}

/** How a connection is made. */
export interface ConnectionOptions {
  readonly address: ServerAddress
  readonly connectTimeoutMillis: number
  readonly requestTimeoutMillis: number
  /** TLS: node:tls connect options (certificates, servername...); plain TCP when undefined. */
  readonly tls: tls.ConnectionOptions | undefined
}

/** What a connection tells its pool. */
export interface ConnectionEvents {
  /** A reply arrived: the server is alive. */
  readonly onReply: () => void
  /** A request timed out, or the connection dropped while requests waited on it. */
  readonly onFailure: () => void
  /** The connection closed, for whatever reason. */
  readonly onClose: (connection: Connection) => void
}

/** A pipelined connection (see the module comment). Made by {@link connect}. */
export class Connection {
  private readonly decoder = new ReplyDecoder()
  private readonly out = new ReplyBuffer()
  private readonly queued = new Fifo<Waiter>()
  /** Written, oldest first: requests, and batches of gets (GetBatch.ts) answered by one reply. */
  private readonly inflight = new Fifo<Entry>()
  private flushScheduled = false
  private waitingForDrain = false
  private failure: ConnectionFailure | undefined = undefined
  private lastError: string | undefined = undefined
  /** Open while requests wait: the watchdog sleeps on it otherwise. */
  private readonly busy = Effect.unsafeMakeLatch(false)

  constructor(
    private readonly socket: net.Socket,
    private readonly options: ConnectionOptions,
    private readonly clock: Clock.Clock,
    private readonly events: ConnectionEvents
  ) {
    socket.on("data", (chunk: Buffer) => this.onData(chunk))
    socket.on("error", (error) => (this.lastError = error.message))
    socket.on("close", () =>
      this.fail(
        new ConnectionLost({
          server: options.address.label,
          reason: this.lastError ?? "the server closed the connection"
        })
      ))
  }

  /** Whether requests can still be sent on it. */
  get isOpen(): boolean {
    return this.failure === undefined
  }

  /** Requests queued or waiting for their replies. */
  get pending(): number {
    return this.queued.length + this.inflight.length
  }

  /**
   * Sends a request and waits for its reply, then continues with `handle(reply)` (see the module
   * comment for interruption and timeouts).
   */
  send<A, E>(request: Request, handle: ReplyHandler<A, E>): Effect.Effect<A, E | ConnectionFailure> {
    return Effect.async<A, E | ConnectionFailure>((resume) => {
      if (this.failure !== undefined) return resume(Effect.fail(this.failure))
      const waiter: Waiter = {
        request,
        handle: handle as ReplyHandler<unknown, unknown>,
        deadline: this.clock.unsafeCurrentTimeMillis() + this.options.requestTimeoutMillis,
        resume: resume as Resume
      }
      this.queued.push(waiter)
      this.busy.unsafeOpen()
      if (!this.flushScheduled) {
        this.flushScheduled = true
        setImmediate(this.flush)
      }
    })
  }

  /** Closes the connection; waiting requests fail with ConnectionLost. */
  close(reason: string): void {
    this.fail(new ConnectionLost({ server: this.options.address.label, reason }))
  }

  /** Writes every request queued since the last flush in one write. */
  private readonly flush = (): void => {
    this.flushScheduled = false
    if (this.failure !== undefined) return
    if (this.socket.writableNeedDrain) {
      // The kernel's buffer is full: write the batch (and what joins it meanwhile) once it drains.
      if (!this.waitingForDrain) {
        this.waitingForDrain = true
        this.socket.once("drain", () => {
          this.waitingForDrain = false
          this.flush()
        })
      }
      return
    }
    const out = this.out
    const queued = this.queued
    for (let waiter = queued.shift(); waiter !== undefined; waiter = queued.shift()) {
      // Timed out before it was written: never sent.
      if (waiter.resume === undefined) continue
      if (isBatchable(waiter.request)) {
        // Adjacent gets go out as one line, answered by one reply.
        const entry = collect(waiter, queued)
        writeRequest(entry.request, out)
        this.inflight.push(entry)
        continue
      }
      writeRequest(waiter.request, out)
      // A quiet request may get no reply: the no-op's MN ends whatever it gets.
      if (isQuietRequest(waiter.request)) out.latin1(NOOP)
      this.inflight.push(waiter)
    }
    const chunks = out.take()
    if (chunks.length === 1) {
      this.socket.write(chunks[0]!)
    } else if (chunks.length > 1) {
      this.socket.cork()
      for (const chunk of chunks) this.socket.write(chunk)
      this.socket.uncork()
    }
  }

  private onData(chunk: Buffer): void {
    const decoder = this.decoder
    decoder.push(chunk)
    const inflight = this.inflight
    const server = this.options.address.label
    for (let entry = inflight.peek(); entry !== undefined; entry = inflight.peek()) {
      const decoded = decoder.next(entry.request)
      if (decoded === undefined) return
      if (decoded._tag === "Malformed") {
        return this.fail(new ProtocolError({ server, reason: decoded.reason }))
      }
      if (entry instanceof GetBatch) {
        const shares = deal(entry, decoded)
        if (shares === undefined) {
          return this.fail(new ProtocolError({ server, reason: "a multi-key get answered keys it did not ask for" }))
        }
        inflight.shift()
        this.events.onReply()
        const members = entry.members
        for (let i = 0; i < members.length; i++) this.answer(members[i]!, shares[i]!, server)
        continue
      }
      inflight.shift()
      this.events.onReply()
      this.answer(entry, decoded, server)
    }
    if (decoder.buffered > 0) {
      const reason = `${decoder.buffered} bytes that answer no request`
      this.fail(new ProtocolError({ server: this.options.address.label, reason }))
    }
  }

  /** Resumes a request still waiting (not timed out; an interrupted fiber ignores it) with its reply. */
  private answer(waiter: Waiter, result: Result, server: string): void {
    const resume = waiter.resume
    if (resume === undefined) return
    waiter.resume = undefined
    resume(waiter.handle(result, server))
  }

  /** Fails every waiting request and closes the socket; the first failure wins. */
  private fail(error: ConnectionFailure): void {
    if (this.failure !== undefined) return
    this.failure = error
    this.socket.destroy()
    let failed = 0
    const head = this.inflight.peek()
    // quit and shutdown are answered by the end of the connection.
    const ended = head === undefined ? undefined : ReplyDecoder.atEnd(head.request)
    if (ended !== undefined && !this.decoder.midReply && !(head instanceof GetBatch)) {
      this.inflight.shift()
      head!.resume?.(head!.handle(ended, this.options.address.label))
    }
    for (const fifo of [this.inflight, this.queued] as const) {
      for (let entry = fifo.shift(); entry !== undefined; entry = fifo.shift()) {
        for (const waiter of waitersOf(entry)) {
          const resume = waiter.resume
          if (resume === undefined) continue
          waiter.resume = undefined
          failed++
          resume(Effect.fail(error))
        }
      }
    }
    this.busy.unsafeOpen()
    if (failed > 0) this.events.onFailure()
    this.events.onClose(this)
  }

  /** The deadline of the oldest request still waiting, if any. */
  private nextDeadline(): number | undefined {
    for (const fifo of [this.inflight, this.queued] as const) {
      let deadline: number | undefined = undefined
      fifo.find((entry) => {
        deadline = waitersOf(entry).find((w) => w.resume !== undefined)?.deadline
        return deadline !== undefined
      })
      if (deadline !== undefined) return deadline
    }
    return undefined
  }

  /** Fails the requests whose deadline has passed (the oldest first: deadlines are in queue order). */
  private expire(now: number): void {
    let expired = 0
    for (const fifo of [this.inflight, this.queued] as const) {
      const stop = fifo.find((entry) =>
        waitersOf(entry).some((waiter) => {
          if (waiter.resume === undefined) return false
          if (waiter.deadline > now) return true
          const resume = waiter.resume
          waiter.resume = undefined
          expired++
          resume(Effect.fail(this.timeout(waiter.request)))
          return false
        })
      )
      if (stop !== undefined) break
    }
    if (expired > 0) this.events.onFailure()
  }

  private timeout(request: Request): Timeout {
    return new Timeout({
      server: this.options.address.label,
      operation: request._tag,
      millis: this.options.requestTimeoutMillis
    })
  }

  /** Times requests out while the connection is open: sleeps until the oldest deadline, or until work arrives. */
  readonly watchdog: Effect.Effect<void> = Effect.suspend(() => {
    if (this.failure !== undefined) return Effect.void
    const deadline = this.nextDeadline()
    if (deadline === undefined) {
      this.busy.unsafeClose()
      return Effect.zipRight(this.busy.await, this.watchdog)
    }
    const now = this.clock.unsafeCurrentTimeMillis()
    if (now < deadline) return Effect.zipRight(Effect.sleep(deadline - now), this.watchdog)
    this.expire(now)
    return this.watchdog
  })
}

/**
 * Opens a connection (TCP, or TLS when `options.tls` is set) within the connect timeout, and runs its
 * watchdog in `scope`.
 */
export const connect = (
  options: ConnectionOptions,
  events: ConnectionEvents,
  scope: Scope.Scope
): Effect.Effect<Connection, ConnectionLost | Timeout> =>
  Effect.gen(function*() {
    const clock = yield* Effect.clock
    const { address } = options
    const socket = yield* Effect.async<net.Socket, ConnectionLost>((resume) => {
      const socket = options.tls === undefined
        ? net.connect({ host: address.host, port: address.port })
        : tls.connect({ host: address.host, port: address.port, ...options.tls })
      const onError = (error: Error) =>
        resume(Effect.fail(new ConnectionLost({ server: address.label, reason: error.message })))
      socket.once("error", onError)
      socket.once(options.tls === undefined ? "connect" : "secureConnect", () => {
        socket.off("error", onError)
        resume(Effect.succeed(socket))
      })
      return Effect.sync(() => socket.destroy())
    }).pipe(
      Effect.timeoutFail({
        duration: options.connectTimeoutMillis,
        onTimeout: () =>
          new Timeout({ server: address.label, operation: "connect", millis: options.connectTimeoutMillis })
      })
    )
    socket.setNoDelay(true)
    socket.setKeepAlive(true, 60_000)
    const connection = new Connection(socket, options, clock, events)
    yield* Effect.forkIn(connection.watchdog, scope)
    return connection
  })
