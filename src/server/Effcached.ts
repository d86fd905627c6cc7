/**
 * The whole server as one Layer, composed from the services' own Layers: configuration, stats, the
 * store (partition actors), the sweeper and the listener. Swap a piece by composing a different Layer
 * for its tag (e.g. another Store).
 *
 * @module
 */
import { Layer } from "effect"
import { ServerConfig, type Settings } from "../config/ServerConfig.js"
import * as PartitionedStore from "../store/PartitionedStore.js"
import * as Sweeper from "../store/Sweeper.js"
import * as Listener from "./Listener.js"
import { ServerStats } from "./ServerStats.js"

/** A complete effcached server with the given settings; provides the address it listens on. */
export const layer = (settings: Partial<Settings> = {}): Layer.Layer<Listener.ListenAddress, Listener.ListenError> => {
  const config = ServerConfig.layer(settings)
  const store = PartitionedStore.layer.pipe(Layer.provide(config))
  const services = Layer.mergeAll(config, store, ServerStats.layer)
  return Listener.layer.pipe(Layer.provide(Layer.merge(services, Sweeper.layer.pipe(Layer.provide(services)))))
}
