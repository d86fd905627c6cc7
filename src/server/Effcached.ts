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
import { Authenticator } from "../auth/Authenticator.js"
import type { AuthFileError } from "../auth/AuthFile.js"
import { ServerConfig, type Settings } from "../config/ServerConfig.js"
import { Operator } from "../operator/Operator.js"
import { Watchers } from "../operator/Watchers.js"
import { PartitionedStore } from "../store/PartitionedStore.js"
import type { Store } from "../store/Store.js"
import { Sweeper } from "../store/Sweeper.js"
import { Tls } from "../tls/Tls.js"
import type { TlsConfigError } from "../tls/TlsContext.js"
import { ConnectionRegistry } from "./ConnectionRegistry.js"
import { IdleTimeout } from "./IdleTimeout.js"
import { Lifecycle } from "./Lifecycle.js"
import { Listener, type ListenError } from "./Listener.js"
import { PrefixStats } from "./PrefixStats.js"
import { ServerCommands } from "./ServerCommands.js"
import { ServerStats } from "./ServerStats.js"

/** The server's own state: counters, live connections, per-prefix statistics, watchers. */
const serverState = Layer.mergeAll(ServerStats.layer, ConnectionRegistry.layer, PrefixStats.layer, Watchers.layer)

/** What a running server provides. */
export type Services = Listener | Lifecycle | Sweeper | IdleTimeout | Tls | Authenticator

/** Why a server could not start: an address it cannot listen on, TLS files or options, the `-Y` file. */
export type StartupError = ListenError | TlsConfigError | AuthFileError

/** What an add-on of the server (the metrics endpoint, ...) may use: the server's own services. */
export type AddOnServices = Store | ServerConfig | ServerStats | ConnectionRegistry | PrefixStats | ServerCommands

/** A capability added to the server, running for its lifetime over the server's services. */
export type AddOn<E = never> = Layer.Layer<never, E, AddOnServices>

/**
 * The server (listener, idle timeout, sweeper, statistics) and `addOn`, around whatever Store and
 * settings are provided; the listener accepts connections once the add-on has started. It provides the Listener (the bound address) and the Lifecycle, whose
 * `shutdownRequested` completes when a client sends `shutdown` (with `-A`); closing the layer's scope
 * shuts the server down gracefully.
 */
export const serveWith = <E>(addOn: AddOn<E>): Layer.Layer<Services, StartupError | E, Store | ServerConfig> =>
  // The add-on starts first (a metrics port is bound before clients can connect) and stops last.
  Layer
    .flatMap(addOn, () => Layer.merge(Listener.layer, IdleTimeout.layer))
    .pipe(
      Layer.provide(ServerCommands.layer),
      Layer.provide(Operator.layer),
      Layer.provideMerge(Layer.merge(Tls.layer, Authenticator.layer)),
      Layer.provide(serverState),
      Layer.provideMerge(Lifecycle.layer),
      Layer.merge(Sweeper.layer)
    )

/** The server with no add-on (see {@link serveWith}). */
export const serve: Layer.Layer<Services, StartupError, Store | ServerConfig> = serveWith(Layer.empty)

/**
 * A complete effcached server with the in-memory partitioned store, and `addOn` if given. `store`
 * replaces the store's Layer (persistence with `--data-dir`); it is built before the listener accepts.
 */
export const layer = <E = never, S = never>(
  settings: Partial<Settings> = {},
  addOn: AddOn<E> = Layer.empty,
  store: Layer.Layer<Store, S, ServerConfig> = PartitionedStore.layer
): Layer.Layer<Services, StartupError | E | S> =>
  serveWith(addOn).pipe(Layer.provide(store), Layer.provide(ServerConfig.layer(settings)))
