/**
 * The whole server as Layers, composed from the services' own Layers: configuration, stats, the
 * store (partition actors), the sweeper and the listener.
 *
 * `serve` is the server around any Store; `layer` adds the default in-memory partitioned store. To run
 * effcached over another store, provide a different Layer for the `Store` tag to `serve`. Logging and
 * the scheduler are left to the caller (see `main.ts`, `Logging.layer`, `EventLoopScheduler.layer`).
 *
 * @module
 */
import { Layer } from "effect"
import { ServerConfig, type Settings } from "../config/ServerConfig.js"
import * as PartitionedStore from "../store/PartitionedStore.js"
import type { Store } from "../store/Store.js"
import * as Sweeper from "../store/Sweeper.js"
import * as Listener from "./Listener.js"
import { ServerStats } from "./ServerStats.js"

/** The server (listener, sweeper, statistics) around whatever Store and settings are provided. */
export const serve: Layer.Layer<Listener.ListenAddress, Listener.ListenError, Store | ServerConfig> = Listener.layer.pipe(
  Layer.provide(ServerStats.layer),
  Layer.merge(Sweeper.layer)
)

/** A complete effcached server with the in-memory partitioned store; provides the bound address. */
export const layer = (settings: Partial<Settings> = {}): Layer.Layer<Listener.ListenAddress, Listener.ListenError> => {
  const config = ServerConfig.layer(settings)
  return serve.pipe(Layer.provide(PartitionedStore.layer), Layer.provide(config))
}
