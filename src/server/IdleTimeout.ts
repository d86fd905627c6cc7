/**
 * The idle timeout (`--idle-timeout`, memcached's `-o idle_timeout`): one fiber, every second, closes
 * the connections that have sent no command for longer than the timeout, by interrupting their fibers
 * (which destroys their sockets). Connections keep no timer of their own: serving a read costs one
 * timestamp. As in memcached, only a connection waiting for a command line is idle: one in the middle
 * of a value's data block, or waiting for the client to read its replies, is left alone.
 *
 * @module
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import { ServerConfig } from "../config/ServerConfig.js"
import { ConnectionRegistry } from "./ConnectionRegistry.js"
import { ServerStats } from "./ServerStats.js"

/** How often connections are checked. */
const CHECK_INTERVAL = "1 second"

/** The idle timeout, as a service: its layer checks every second when a timeout is set. */
export class IdleTimeout extends Context.Tag("effcached/IdleTimeout")<IdleTimeout, {
  /** Closes the connections idle for longer than the timeout now; how many it closed. */
  readonly check: Effect.Effect<number>
}>() {
  /** Checks on a schedule for the lifetime of the layer, when `idleTimeout` is set (else `check` does nothing). */
  static readonly layer: Layer.Layer<IdleTimeout, never, ServerConfig | ConnectionRegistry | ServerStats> = Layer
    .scoped(
      IdleTimeout,
      Effect.gen(function*() {
        const settings = yield* ServerConfig
        if (settings.idleTimeout === 0) return { check: Effect.succeed(0) }
        const registry = yield* ConnectionRegistry
        const counters = yield* ServerStats
        const limitMs = settings.idleTimeout * 1000
        const check = Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          let closed = 0
          for (const connection of registry.connections()) {
            const fiber = connection.fiber
            if (fiber === undefined || connection.kicked) continue
            if (connection.state !== "conn_read" || now - connection.lastCommandAt <= limitMs) continue
            connection.kicked = true
            counters.idleKicks++
            closed++
            yield* Effect.logDebug("closing idle connection").pipe(Effect.annotateLogs("client", connection.address))
            yield* Fiber.interruptFork(fiber)
          }
          return closed
        })
        yield* check.pipe(Effect.repeat(Schedule.spaced(CHECK_INTERVAL)), Effect.forkScoped)
        return { check }
      })
    )
}
