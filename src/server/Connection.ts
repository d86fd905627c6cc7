/**
 * The connection fiber: one per client. It loops over socket reads; each read is framed and decoded
 * into as many requests as it holds, those become one batch for the store (one mailbox offer per
 * partition involved, one resume when all are done), and the replies go out in one write. What the
 * server answers itself (version, stats, quit, ...) comes from {@link ServerCommands}, in order with
 * the rest. A connection whose first byte is 0x80 (or any, under `-B binary`) is served by the binary
 * protocol's loop instead (BinaryConnection.ts); the text path pays one test per connection for it.
 *
 * @module
 */
import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { AsciiAuthReader } from "../auth/AsciiAuth.js"
import { Authenticator } from "../auth/Authenticator.js"
import { ServerConfig } from "../config/ServerConfig.js"
import { isQuiet, type Request } from "../domain/Request.js"
import * as Res from "../domain/Result.js"
import type { Result } from "../domain/Result.js"
import type { StreamCommand, StreamIo } from "../operator/Stream.js"
import { Watchers } from "../operator/Watchers.js"
import { ReplyBuffer } from "../protocol/ReplyBuffer.js"
import { encodeReply, encodeValues } from "../protocol/ReplyEncoder.js"
import { type Batch, Store } from "../store/Store.js"
import { BatchExecution } from "./BatchExecution.js"
import { serveBinary } from "./BinaryConnection.js"
import type { LiveConnection } from "./ConnectionRegistry.js"
import { PrefixStats } from "./PrefixStats.js"
import { isServerRequest, ServerCommands } from "./ServerCommands.js"
import { type ServerCounters, ServerStats } from "./ServerStats.js"

/** Reply bytes buffered before they are written out and the socket drained, even within one reply. */
const OUTPUT_HIGH_WATER = 4 * 1024 * 1024

/** How long a closing connection may take to flush its last replies. */
const CLOSE_GRACE_MS = 5000

/** The first byte of a binary-protocol request. */
const BINARY_MAGIC = 0x80

/** Why `ingest` stopped. */
const enum Stop {
  InputDrained,
  BatchFull,
  Stats,
  Run,
  Stream,
  Close
}

/** What every connection uses: resolved once, when the server starts, not per connection. */
export interface Services {
  readonly store: Store["Type"]
  readonly settings: ServerConfig["Type"]
  readonly counters: ServerStats["Type"]
  readonly prefixes: PrefixStats["Type"]
  readonly commands: ServerCommands["Type"]
  readonly watchers: Watchers["Type"]
  readonly authenticator: Authenticator["Type"]
  readonly clock: Clock.Clock
}

/**
 * The `-Y` handshake: reads the client's bytes through memcached's ASCII authentication until it
 * authenticates, answering each attempt. Yields the bytes that followed the handshake (the first
 * commands), or null when the connection ends or must close first.
 */
const authenticate = (
  connection: LiveConnection,
  auth: AsciiAuthReader,
  counters: ServerCounters,
  clock: Clock.Clock
) =>
  Effect.gen(function*() {
    const { channel } = connection
    for (;;) {
      const chunk = yield* channel.read
      if (chunk === null) return null
      counters.bytesRead += chunk.length
      auth.push(chunk)
      const replies: Array<Buffer> = []
      let close = false
      for (let step = auth.next(); step !== undefined; step = auth.next()) {
        connection.lastCommandAt = clock.unsafeCurrentTimeMillis()
        if (step._tag === "Close") {
          yield* Effect.logDebug(`closing an unauthenticated connection: ${step.reason}`)
          close = true
          break
        }
        if (step.outcome !== "none") counters.authCmds++
        if (step.outcome === "failure") counters.authErrors++
        replies.push(Buffer.from(`${step.line}\r\n`, "latin1"))
      }
      for (const reply of replies) counters.bytesWritten += reply.length
      yield* channel.write(replies)
      if (close) return null
      if (auth.authenticated) {
        const rest = auth.takeRest()
        // The serving loop counts these bytes when it reads them.
        counters.bytesRead -= rest.length
        return rest
      }
    }
  })

/**
 * The function that serves one client (registered by the listener) until it quits or disconnects,
 * its input is shut for a graceful shutdown, or its fiber is interrupted (idle timeout, end of the
 * grace period). A reconnect storm opens thousands of connections a second, so what they share is
 * looked up here, once.
 */
export const connectionServer = Effect.gen(function*() {
  const services: Services = {
    store: yield* Store,
    settings: yield* ServerConfig,
    counters: yield* ServerStats,
    prefixes: yield* PrefixStats,
    commands: yield* ServerCommands,
    watchers: yield* Watchers,
    authenticator: yield* Authenticator,
    clock: yield* Effect.clock
  }
  return (connection: LiveConnection) => serveConnection(connection, services)
})

const serveConnection = (connection: LiveConnection, services: Services) => {
  const { authenticator, clock, commands, counters, prefixes, settings, store, watchers } = services
  const served = Effect.gen(function*() {
    const execution = new BatchExecution(
      store,
      watchers,
      prefixes,
      connection.id,
      (prefixes, batch) => prefixes.record(batch)
    )
    const { channel, reader } = connection
    const out = new ReplyBuffer()
    const logCommands = settings.verbosity >= 3
    const batchLimit = settings.reqsPerEvent
    const batch: Batch = { requests: [], results: [] }
    const { requests, results } = batch
    let storeRequests = 0

    // Where encoding stopped when the output filled up: the result, and the hit within it.
    let encoded = 0
    let nextHit = 0

    /**
     * Encodes the batch's replies (quiet requests have none) and empties it; returns false when the
     * output reached its high-water mark first: write it out, then call again to go on.
     */
    const encodeBatch = (): boolean => {
      for (; encoded < results.length; encoded++) {
        if (out.size >= OUTPUT_HIGH_WATER) return false
        const request = requests[encoded]
        if (request !== undefined && isQuiet(request)) continue
        const result = results[encoded]!
        if (result._tag === "Values") {
          nextHit = encodeValues(result, out, nextHit, OUTPUT_HIGH_WATER)
          if (nextHit >= 0) return false
          nextHit = 0
        } else {
          encodeReply(result, out)
        }
      }
      encoded = 0
      requests.length = 0
      results.length = 0
      storeRequests = 0
      return true
    }

    const flush = () => {
      counters.bytesWritten += out.size
      return channel.write(out.take())
    }

    const push = (request: Request | undefined, result: Result | undefined) => {
      requests.push(request)
      results.push(result)
    }
    let statsArgs: ReadonlyArray<string> = []
    // The operator command that stopped `ingest` (Stop.Run, Stop.Stream).
    let operatorRun: Effect.Effect<Result> = Effect.succeed(Res.results.ok)
    let stream: StreamCommand = () => Effect.succeed("continue")
    const io: StreamIo = {
      write: (bytes) => {
        counters.bytesWritten += bytes.length
        return channel.write([bytes])
      },
      read: channel.read
    }
    const traced: Array<string> = []
    // Whether a command arrived since the idle clock was last reset; the clock is read once per batch.
    let sawCommand = false
    let shutdownRequested = false

    /**
     * Moves decoded requests into the batch, answering server-level ones in place, until the input
     * is used up or the batch must be run first (full, a stats barrier, or the connection closing).
     * Plain synchronous code: the per-request path schedules nothing.
     */
    const ingest = (): Stop => {
      for (;;) {
        if (requests.length >= batchLimit) return Stop.BatchFull
        const next = reader.next()
        if (next === undefined) return Stop.InputDrained
        sawCommand = true
        if (logCommands) traced.push(next._tag)
        if (Res.isResult(next)) {
          push(undefined, next)
          if (next._tag === "Close") return Stop.Close
        } else if (isServerRequest(next)) {
          const action = commands.answer(next)
          switch (action._tag) {
            case "Reply":
              push(undefined, action.result)
              break
            case "Close":
              return Stop.Close
            case "Shutdown":
              shutdownRequested = true
              return Stop.Close
            case "Stats":
              statsArgs = action.args
              return Stop.Stats
            case "Run":
              operatorRun = action.run
              return Stop.Run
            case "Stream":
              stream = action.run
              return Stop.Stream
          }
        } else {
          if (next._tag === "FlushAll") counters.cmdFlush++
          push(next, undefined)
          storeRequests++
        }
      }
    }

    // Log calls below the level are dropped by Effect, but building them is not free: at -vv only.
    const logConnections = settings.verbosity >= 2
    if (logConnections) yield* Effect.logDebug("connection opened")
    // Under -Y every connection is read as text until it authenticates, binary packets included
    // (memcached's binding protocol is then ASCII).
    let first = !authenticator.enabled
    // Whether the close lingers (see SocketChannel.close); a binary protocol error closes at once.
    let linger = true
    let chunk: Buffer | null = authenticator.enabled
      ? yield* authenticate(connection, authenticator.reader(), counters, clock)
      : yield* channel.read
    for (; chunk !== null; chunk = yield* channel.read) {
      counters.bytesRead += chunk.length
      if (first) {
        first = false
        // As memcached: `-B binary` (or -S) takes every connection as binary, `auto` looks at its first byte.
        if (settings.protocol === "binary" || (settings.protocol === "auto" && chunk[0] === BINARY_MAGIC)) {
          counters.bytesRead -= chunk.length
          linger = (yield* serveBinary(connection, services, chunk)) === "linger"
          break
        }
      }
      reader.push(chunk)
      // Serve everything the reader holds (inline, not a sub-effect: this runs once per socket read).
      let stop: Stop
      do {
        stop = ingest()
        if (sawCommand) {
          sawCommand = false
          connection.lastCommandAt = clock.unsafeCurrentTimeMillis()
        }
        if (traced.length > 0) yield* Effect.logTrace(traced.splice(0).join(" "))
        if (storeRequests > 0) {
          yield* execution.run(batch)
        }
        while (!encodeBatch()) {
          if (channel.gone) break
          yield* flush()
        }
        if (channel.gone) break
        if (stop === Stop.Stats) {
          encodeReply(yield* commands.stats(statsArgs), out)
        } else if (stop === Stop.Run) {
          encodeReply(yield* operatorRun, out)
        } else if (stop === Stop.Stream) {
          // The command writes to the client itself, after the replies before it.
          yield* flush()
          if ((yield* stream(io)) === "close") stop = Stop.Close
        } else if (stop === Stop.BatchFull) {
          // A long pipeline goes out in pieces, and waits while the client is not reading.
          counters.connYields++
          yield* flush()
        }
      } while (stop === Stop.Stats || stop === Stop.Run || stop === Stop.Stream || stop === Stop.BatchFull)
      yield* flush()
      // A client that has gone gets nothing more done for it: the rest of its pipeline is dropped, as
      // memcached drops it, instead of being executed for nobody.
      if (stop === Stop.Close || channel.gone) break
    }
    if (shutdownRequested) {
      yield* Effect.logInfo("shutdown requested by a client")
      yield* commands.requestShutdown
    }
    // A client that never reads its last replies cannot hold the fiber: the socket is destroyed below.
    yield* channel.close(CLOSE_GRACE_MS, linger)
  })
  const closed = Effect.suspend(() => {
    connection.socket.destroy()
    if (settings.verbosity < 2) return Effect.void
    const error = connection.channel.error
    return error === undefined
      ? Effect.logDebug("connection closed")
      : Effect.logDebug("connection closed after a socket error").pipe(
        Effect.annotateLogs({ error: error.message, code: (error as NodeJS.ErrnoException).code ?? "" })
      )
  })
  const serving = Effect.ensuring(served, closed)
  // Warnings and errors (from -v) name the client.
  return settings.verbosity < 1
    ? serving
    : Effect.annotateLogs(serving, "client", `${connection.socket.remoteAddress}:${connection.socket.remotePort}`)
}
