/**
 * The whole server as Layers, composed from the services' own Layers: configuration, stats, the
 * connection registry, the lifecycle, the server's own commands, the store (partition actors), the
 * sweeper, the idle timeout and the listener.
 *
 * `serve` is the server around any Store; `layer` adds the default in-memory partitioned store. To run
 * effcached over another store, provide a different Layer for the `Store` tag to `serve`. Logging and
 * the scheduler are left to the caller (see `main.ts`, `Logging.layer`, `EventLoopScheduler`).
 *
 * This module only composes: every Layer it uses is the static `layer` of its service's class.
 *
 * @module
 */
import * as Layer from "effect/Layer"
import { ServerConfig, type Settings } from "../config/ServerConfig.js"
import { PartitionedStore } from "../store/PartitionedStore.js"
import type { Store } from "../store/Store.js"
import { Sweeper } from "../store/Sweeper.js"
import { ConnectionRegistry } from "./ConnectionRegistry.js"
import { IdleTimeout } from "./IdleTimeout.js"
import { Lifecycle } from "./Lifecycle.js"
import { Listener, type ListenError } from "./Listener.js"
import { PrefixStats } from "./PrefixStats.js"
import { ServerCommands } from "./ServerCommands.js"
import { ServerStats } from "./ServerStats.js"

/** The server's own state: counters, live connections, per-prefix statistics. */
const serverState = Layer.mergeAll(ServerStats.layer, ConnectionRegistry.layer, PrefixStats.layer)

/** What a running server provides. */
export type Services = Listener | Lifecycle | Sweeper | IdleTimeout

/**
 * The server (listener, idle timeout, sweeper, statistics) around whatever Store and settings are
 * provided. It provides the Listener (the bound address) and the Lifecycle, whose
 * `shutdownRequested` completes when a client sends `shutdown` (with `-A`); closing the layer's scope
 * shuts the server down gracefully.
 */
export const serve: Layer.Layer<Services, ListenError, Store | ServerConfig> = Layer
  .merge(Listener.layer, IdleTimeout.layer)
  .pipe(
    Layer.provide(ServerCommands.layer),
    Layer.provide(serverState),
    Layer.provideMerge(Lifecycle.layer),
    Layer.merge(Sweeper.layer)
  )

/** A complete effcached server with the in-memory partitioned store. */
export const layer = (settings: Partial<Settings> = {}): Layer.Layer<Services, ListenError> =>
  serve.pipe(Layer.provide(PartitionedStore.layer), Layer.provide(ServerConfig.layer(settings)))
