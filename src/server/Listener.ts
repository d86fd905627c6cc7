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
import type * as tls from "node:tls"
import type { Authenticator } from "../auth/Authenticator.js"
import { parseListen } from "../config/ListenAddresses.js"
import { ServerConfig } from "../config/ServerConfig.js"
import { EFFCACHED_VERSION } from "../config/Version.js"
import { type CloseReason, Watchers } from "../operator/Watchers.js"
import { TextReader } from "../protocol/TextReader.js"
import type { Store } from "../store/Store.js"
import { Tls } from "../tls/Tls.js"
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

/**
 * Refuses a plain connection as memcached does: writes the error and closes the socket. Not a
 * half-close waiting for the client's end: a socket holding unread input never sees that end and was
 * never closed, one fd leaked per refused client that had sent anything. What the client sends
 * meanwhile is discarded.
 */
const refusePlain = (socket: net.Socket): void => {
  socket.resume()
  socket.write(tooManyConnections)
  socket.destroySoon()
}

const listen = (server: net.Server, host: string | undefined, port: number, backlog: number) =>
  Effect.async<net.AddressInfo, ListenError>((resume) => {
    const onError = (cause: Error) => resume(Effect.fail(new ListenError({ host: host ?? "*", port, cause })))
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
type ConnectionServices = Store | ServerConfig | ServerStats | PrefixStats | ServerCommands | Watchers | Authenticator

/** Why a connection closed, as `watch connevents` reports it. */
const closeReason = (connection: LiveConnection, counters: ServerCounters): CloseReason =>
  connection.kicked
    ? "idle_timeout"
    : connection.channel.error !== undefined
    ? "error"
    : counters.accepting
    ? "normal"
    : "shutdown"

/**
 * How long a TLS handshake may take: the idle timeout when one is set (a handshaking connection is
 * idle as far as the cache is concerned), else this.
 */
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 60_000

/** A connection's peer, which its raw socket and its TLS socket share. */
const peer = (socket: net.Socket) => `${socket.remoteAddress}|${socket.remotePort}`

/** One bound listener. */
export interface BoundListener {
  readonly address: net.AddressInfo
  /** Whether connections accepted here start with a TLS handshake. */
  readonly tls: boolean
}

/** Listens and serves until the scope closes; yields the bound addresses. */
const make = Effect.gen(function*() {
  const settings = yield* ServerConfig
  const counters = yield* ServerStats
  const registry = yield* ConnectionRegistry
  const tlsService = yield* Tls
  const watchers = yield* Watchers
  const clock = yield* Effect.clock
  const specs = parseListen(settings.host, settings.port, settings.tls.enabled)
  if (typeof specs === "string") {
    return yield* new ListenError({ host: settings.host, port: settings.port, cause: new Error(specs) })
  }
  // Scope order (released in reverse): the FiberSet, the drain, the listening sockets. So shutdown stops
  // accepting, then drains, then interrupts whatever outlived the grace period.
  const connections = yield* FiberSet.make<void>()
  const run = yield* FiberSet.runtime(connections)<ConnectionServices>()
  const serveConnection = yield* connectionServer
  // TLS connections still in their handshake, by peer: counted as connections, not yet served.
  const handshaking = new Map<string, net.Socket>()
  yield* Effect.addFinalizer(() =>
    Effect.zipRight(
      Effect.sync(() => {
        for (const socket of handshaking.values()) socket.destroy()
      }),
      drain(registry, connections, settings.shutdownGraceMs)
    )
  )

  /** Counts a new connection, or refuses it when the limit is reached. */
  const admit = (socket: net.Socket, refuse: (socket: net.Socket) => void): boolean => {
    if (counters.currConnections >= settings.maxConnections) {
      counters.rejectedConnections++
      socket.on("error", () => {})
      refuse(socket)
      return false
    }
    counters.currConnections++
    counters.totalConnections++
    return true
  }

  /** Serves an admitted connection as its own fiber. */
  const serve = (socket: net.Socket) => {
    const channel = new SocketChannel(socket)
    const reader = new TextReader({ maxItemSize: settings.maxItemSize })
    const connection = registry.add(socket, channel, reader, clock.unsafeCurrentTimeMillis())
    // Taken now for `watch connevents`: a closed socket no longer knows its peer.
    const peerAddress = socket.remoteAddress ?? ""
    const peerPort = socket.remotePort ?? 0
    if (watchers.connevents) watchers.connNew(peerAddress, peerPort, connection.id)
    connection.fiber = run(
      serveConnection(connection).pipe(
        Effect.ensuring(
          Effect.sync(() => {
            counters.currConnections--
            registry.remove(connection)
            if (watchers.connevents) {
              watchers.connClose(peerAddress, peerPort, closeReason(connection, counters), connection.id)
            }
          })
        )
      )
    )
  }

  // allowHalfOpen: a client that half-closes after its requests (as `printf ... | nc -N` does) still
  // gets every reply, as from memcached; by default Node would end our side too when the client's end
  // arrives, and replies not yet written were lost. The connection closes its side when it is done.
  const plainServer = () => {
    const server = net.createServer({ noDelay: true, allowHalfOpen: true })
    server.on("connection", (socket) => {
      if (admit(socket, refusePlain)) serve(socket)
    })
    return server
  }

  // A TLS connection counts from its TCP accept, so the connection limit and the handshake timeout
  // (the idle timeout) hold it while it handshakes; it is served once the handshake is done.
  const tlsServer = () => {
    const server = tlsService.createServer({
      handshakeTimeoutMs: settings.idleTimeout > 0 ? settings.idleTimeout * 1000 : DEFAULT_HANDSHAKE_TIMEOUT_MS
    })
    server.on("connection", (raw: net.Socket) => {
      // Over the limit, memcached writes its error in clear text, which a TLS client cannot read.
      if (!admit(raw, (s) => s.destroy())) return
      const key = peer(raw)
      handshaking.set(key, raw)
      raw.once("close", () => {
        if (handshaking.get(key) !== raw) return
        handshaking.delete(key)
        counters.currConnections--
      })
    })
    server.on("secureConnection", (socket: tls.TLSSocket) => {
      if (!tlsService.accepts(socket)) {
        counters.sslHandshakeErrors++
        socket.destroy()
        return
      }
      const key = peer(socket)
      // Gone already (closed, or destroyed by a shutdown) while the handshake finished.
      if (!handshaking.delete(key)) return void socket.destroy()
      serve(socket)
    })
    server.on("tlsClientError", (_error, socket) => {
      counters.sslHandshakeErrors++
      socket.destroy()
    })
    return server
  }

  const bound: Array<BoundListener> = []
  for (const spec of specs) {
    const server = spec.tls ? tlsServer() : plainServer()
    const address = yield* Effect.acquireRelease(
      listen(server, spec.host ?? undefined, spec.port, settings.listenBacklog),
      () => close(server, counters)
    )
    registry.setListening(address, clock.unsafeCurrentTimeMillis())
    bound.push({ address, tls: spec.tls })
  }
  const where = bound.map((b) => `${b.address.address}:${b.address.port}${b.tls ? " (TLS)" : ""}`).join(", ")
  yield* Effect.logInfo(`effcached ${EFFCACHED_VERSION} listening on ${where}`).pipe(
    Effect.annotateLogs({
      memory_limit_mb: settings.memoryLimit / 1024 / 1024,
      max_connections: settings.maxConnections,
      max_item_size: settings.maxItemSize,
      partitions: settings.partitions,
      idle_timeout: settings.idleTimeout,
      shutdown_command: settings.enableShutdown,
      shutdown_grace_ms: settings.shutdownGraceMs,
      verbosity: settings.verbosity,
      ascii_auth: settings.authFile !== null
    })
  )
  return { address: bound[0]!.address, listeners: bound }
})

/** The listening server, as a service: where it listens. */
export class Listener extends Context.Tag("effcached/Listener")<Listener, {
  /** The first bound address (the port the system chose, with `-p 0`). */
  readonly address: net.AddressInfo
  /** Every listener, in `-l` order. */
  readonly listeners: ReadonlyArray<BoundListener>
}>() {
  /** Listens and serves connections until the layer's scope closes, then shuts them down gracefully. */
  static readonly layer: Layer.Layer<Listener, ListenError, ConnectionServices | ConnectionRegistry | Tls> = Layer
    .scoped(
      Listener,
      make
    )
}
