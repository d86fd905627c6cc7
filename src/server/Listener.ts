/**
 * The TCP listener: accepts connections, registers each and runs it as its own fiber in a FiberSet
 * scoped to the server. Closing the server's scope is a graceful shutdown: stop accepting, let every
 * connection serve what it has read and flush its replies within the grace period, then interrupt the
 * rest.
 *
 * @module
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as net from "node:net"
import { ServerConfig } from "../config/ServerConfig.js"
import { EFFCACHED_VERSION } from "../config/Version.js"
import { type CloseReason, Watchers } from "../operator/Watchers.js"
import { TextReader } from "../protocol/TextReader.js"
import type { Store } from "../store/Store.js"
import { connectionServer } from "./Connection.js"
import { ConnectionRegistry, type LiveConnection, type Registry } from "./ConnectionRegistry.js"
import type { PrefixStats } from "./PrefixStats.js"
import type { ServerCommands } from "./ServerCommands.js"
import { type ServerCounters, ServerStats } from "./ServerStats.js"
import { SocketChannel } from "./SocketChannel.js"

/** The server could not listen on its address. */
export class ListenError extends Data.TaggedError("ListenError")<{
  readonly host: string
  readonly port: number
  readonly cause: Error
}> {
  override get message(): string {
    return `cannot listen on ${this.host}:${this.port}: ${this.cause.message}`
  }
}

const tooManyConnections = Buffer.from("ERROR Too many open connections\r\n")

const listen = (server: net.Server, host: string, port: number, backlog: number) =>
  Effect.async<net.AddressInfo, ListenError>((resume) => {
    const onError = (cause: Error) => resume(Effect.fail(new ListenError({ host, port, cause })))
    server.once("error", onError)
    server.listen({ host, port, backlog }, () => {
      server.off("error", onError)
      resume(Effect.succeed(server.address() as net.AddressInfo))
    })
  })

// Stops accepting. Not waiting for the close callback: it fires only after every connection has
// ended, and connections are drained next.
const close = (server: net.Server, counters: ServerCounters) =>
  Effect.zipRight(
    Effect.sync(() => {
      counters.accepting = false
      server.close()
    }),
    Effect.logInfo("stopped accepting connections")
  )

/**
 * Graceful shutdown of the connections: each serves the requests it has already read, flushes the
 * replies and closes; those still open when the grace period ends are interrupted (their sockets are
 * destroyed) when the FiberSet is released.
 */
const drain = (registry: Registry, connections: FiberSet.FiberSet<void>, graceMs: number) =>
  Effect.gen(function*() {
    if (registry.size === 0) return
    yield* Effect.logInfo(`closing ${registry.size} connection(s), waiting up to ${graceMs} ms for their replies`)
    registry.drain()
    // Finalizers are uninterruptible; the wait must be interruptible for the timeout to end it.
    const drained = yield* FiberSet.awaitEmpty(connections).pipe(Effect.interruptible, Effect.timeoutOption(graceMs))
    if (Option.isNone(drained)) yield* Effect.logInfo(`grace period over: dropping ${registry.size} connection(s)`)
  })

/** What a connection fiber needs. */
type ConnectionServices = Store | ServerConfig | ServerStats | PrefixStats | ServerCommands | Watchers

/** Why a connection closed, as `watch connevents` reports it. */
const closeReason = (connection: LiveConnection, counters: ServerCounters): CloseReason =>
  connection.kicked
    ? "idle_timeout"
    : connection.channel.error !== undefined
    ? "error"
    : counters.accepting
    ? "normal"
    : "shutdown"

/** Listens and serves until the scope closes; yields the bound address. */
const make = Effect.gen(function*() {
  const settings = yield* ServerConfig
  const counters = yield* ServerStats
  const registry = yield* ConnectionRegistry
  const watchers = yield* Watchers
  const clock = yield* Effect.clock
  // Scope order (released in reverse): the FiberSet, the drain, the listening socket. So shutdown stops
  // accepting, then drains, then interrupts whatever outlived the grace period.
  const connections = yield* FiberSet.make<void>()
  const run = yield* FiberSet.runtime(connections)<ConnectionServices>()
  const serveConnection = yield* connectionServer
  yield* Effect.addFinalizer(() => drain(registry, connections, settings.shutdownGraceMs))
  // allowHalfOpen: a client that half-closes after its requests (as `printf ... | nc -N` does) still
  // gets every reply, as from memcached; by default Node would end our side too when the client's end
  // arrives, and replies not yet written were lost. The connection closes its side when it is done.
  const server = net.createServer({ noDelay: true, allowHalfOpen: true })
  server.on("connection", (socket) => {
    if (counters.currConnections >= settings.maxConnections) {
      counters.rejectedConnections++
      socket.on("error", () => {})
      // As memcached: write the error and close the socket. Not a half-close waiting for the client's
      // end: a socket holding unread input never sees that end and was never closed, one fd leaked
      // per refused client that had sent anything. What the client sends meanwhile is discarded.
      socket.resume()
      socket.write(tooManyConnections)
      socket.destroySoon()
      return
    }
    counters.currConnections++
    counters.totalConnections++
    const channel = new SocketChannel(socket)
    const reader = new TextReader({ maxItemSize: settings.maxItemSize })
    const connection = registry.add(socket, channel, reader, clock.unsafeCurrentTimeMillis())
    // Taken now for `watch connevents`: a closed socket no longer knows its peer.
    const peer = socket.remoteAddress ?? ""
    const peerPort = socket.remotePort ?? 0
    if (watchers.connevents) watchers.connNew(peer, peerPort, connection.id)
    connection.fiber = run(
      serveConnection(connection).pipe(
        Effect.ensuring(
          Effect.sync(() => {
            counters.currConnections--
            registry.remove(connection)
            if (watchers.connevents) {
              watchers.connClose(peer, peerPort, closeReason(connection, counters), connection.id)
            }
          })
        )
      )
    )
  })
  const address = yield* Effect.acquireRelease(
    listen(server, settings.host, settings.port, settings.listenBacklog),
    () => close(server, counters)
  )
  registry.setListening(address, clock.unsafeCurrentTimeMillis())
  yield* Effect.logInfo(`effcached ${EFFCACHED_VERSION} listening on ${address.address}:${address.port}`).pipe(
    Effect.annotateLogs({
      memory_limit_mb: settings.memoryLimit / 1024 / 1024,
      max_connections: settings.maxConnections,
      max_item_size: settings.maxItemSize,
      partitions: settings.partitions,
      idle_timeout: settings.idleTimeout,
      shutdown_command: settings.enableShutdown,
      shutdown_grace_ms: settings.shutdownGraceMs,
      verbosity: settings.verbosity
    })
  )
  return { address }
})

/** The listening server, as a service: where it listens. */
export class Listener extends Context.Tag("effcached/Listener")<Listener, {
  /** The bound address (the port the system chose, with `-p 0`). */
  readonly address: net.AddressInfo
}>() {
  /** Listens and serves connections until the layer's scope closes, then shuts them down gracefully. */
  static readonly layer: Layer.Layer<Listener, ListenError, ConnectionServices | ConnectionRegistry> = Layer.scoped(
    Listener,
    make
  )
}
