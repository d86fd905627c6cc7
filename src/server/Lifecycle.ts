/**
 * The server's lifecycle: what ends it besides a signal. A client's `shutdown` command (when `-A`
 * allows it) asks for a graceful stop; a store that can no longer serve (a partition actor stopped)
 * fails it, so the daemon exits with an error instead of leaving clients waiting. Stopping itself is
 * the server's scope closing: the listener stops accepting, connections drain within the grace period
 * (see Listener), and every fiber ends.
 *
 * @module
 */
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Store, type StoreFailure } from "../store/Store.js"

/** What the lifecycle offers. */
export interface LifecycleShape {
  /** Asks the server to shut down gracefully. */
  readonly requestShutdown: Effect.Effect<void>
  /** Completes once a shutdown has been requested; fails if the store stops being able to serve. */
  readonly shutdownRequested: Effect.Effect<void, StoreFailure>
}

/** The server's lifecycle, as a service. */
export class Lifecycle extends Context.Tag("effcached/Lifecycle")<Lifecycle, LifecycleShape>() {
  /** A lifecycle with no shutdown requested yet, watching the store. */
  static readonly layer: Layer.Layer<Lifecycle, never, Store> = Layer.effect(
    Lifecycle,
    Effect.gen(function*() {
      const store = yield* Store
      const requested = yield* Deferred.make<void>()
      return {
        requestShutdown: Effect.asVoid(Deferred.succeed(requested, undefined)),
        shutdownRequested: Effect.raceFirst(Deferred.await(requested), store.failure)
      }
    })
  )
}
