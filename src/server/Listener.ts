/**
 * The TCP listener: accepts connections and runs each as its own fiber in a FiberSet scoped to the
 * server, so closing the server's scope stops accepting and then interrupts every connection.
 *
 * @module
 */
import { Data, Effect, FiberSet, Layer } from "effect"
import * as net from "node:net"
import { ServerConfig } from "../config/ServerConfig.js"
import { EFFCACHED_VERSION } from "../config/Version.js"
import { Store } from "../store/Store.js"
import { serveConnection } from "./Connection.js"
import { ServerStats } from "./ServerStats.js"

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

const listen = (server: net.Server, host: string, port: number) =>
  Effect.async<net.AddressInfo, ListenError>((resume) => {
    const onError = (cause: Error) => resume(Effect.fail(new ListenError({ host, port, cause })))
    server.once("error", onError)
    server.listen({ host, port, backlog: 1024 }, () => {
      server.off("error", onError)
      resume(Effect.succeed(server.address() as net.AddressInfo))
    })
  })

// Stops accepting. Not waiting for the close callback: it fires only after every connection has
// ended, and connections are ended next, when the FiberSet is released.
const close = (server: net.Server) =>
  Effect.zipRight(Effect.sync(() => void server.close()), Effect.logInfo("stopped accepting connections; closing"))

/** Listens and serves until the scope closes; yields the bound address. */
export const make = Effect.gen(function*() {
  const settings = yield* ServerConfig
  const counters = yield* ServerStats
  // Acquired before the socket, so released after it: stop accepting first, then end connections.
  const run = yield* FiberSet.makeRuntime<Store | ServerConfig | ServerStats>()
  const server = net.createServer({ noDelay: true })
  server.on("connection", (socket) => {
    if (counters.currConnections >= settings.maxConnections) {
      counters.rejectedConnections++
      socket.on("error", () => {})
      socket.end(tooManyConnections)
      return
    }
    counters.currConnections++
    counters.totalConnections++
    run(serveConnection(socket).pipe(Effect.ensuring(Effect.sync(() => counters.currConnections--))))
  })
  const address = yield* Effect.acquireRelease(listen(server, settings.host, settings.port), () => close(server))
  yield* Effect.logInfo(`effcached ${EFFCACHED_VERSION} listening on ${address.address}:${address.port}`).pipe(
    Effect.annotateLogs({
      memory_limit_mb: settings.memoryLimit / 1024 / 1024,
      max_connections: settings.maxConnections,
      max_item_size: settings.maxItemSize,
      partitions: settings.partitions,
      verbosity: settings.verbosity
    })
  )
  return address
})

/** The address the server is listening on. */
export class ListenAddress extends Effect.Tag("effcached/ListenAddress")<ListenAddress, net.AddressInfo>() {}

/** Serves connections; provides the bound address (useful with port 0). */
export const layer = Layer.scoped(ListenAddress, make)
