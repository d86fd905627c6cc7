/**
 * The server's lifecycle: a request to stop, made by a client's `shutdown` command (when `-A` allows
 * it), which the daemon awaits. Stopping itself is the server's scope closing: the listener stops
 * accepting, connections drain within the grace period (see Listener), and every fiber ends.
 *
 * @module
 */
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/** What the lifecycle offers. */
export interface LifecycleShape {
  /** Asks the server to shut down gracefully. */
  readonly requestShutdown: Effect.Effect<void>
  /** Completes once a shutdown has been requested. */
  readonly shutdownRequested: Effect.Effect<void>
}

/** The server's lifecycle, as a service. */
export class Lifecycle extends Context.Tag("effcached/Lifecycle")<Lifecycle, LifecycleShape>() {
  /** A lifecycle with no shutdown requested yet. */
  static readonly layer: Layer.Layer<Lifecycle> = Layer.effect(
    Lifecycle,
    Effect.map(Deferred.make<void>(), (requested) => ({
      requestShutdown: Effect.asVoid(Deferred.succeed(requested, undefined)),
      shutdownRequested: Deferred.await(requested)
    }))
  )
}
