/**
 * The sweeper: a fiber on a fixed schedule that asks the store to remove expired items, a bounded
 * slice per run, so memory held by expired items that nobody reads again is reclaimed without ever
 * stalling a partition.
 *
 * @module
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import { ServerConfig } from "../config/ServerConfig.js"
import { Store } from "./Store.js"

/** The expiry sweep, as a service: its layer runs it every `sweepIntervalMs`; `sweep` runs it now. */
export class Sweeper extends Context.Tag("effcached/Sweeper")<Sweeper, {
  /** One sweep of `sweepBudget` items over all partitions; the number of expired items removed. */
  readonly sweep: Effect.Effect<number>
}>() {
  /** Sweeps on the configured schedule for the lifetime of the layer. */
  static readonly layer: Layer.Layer<Sweeper, never, Store | ServerConfig> = Layer.scoped(
    Sweeper,
    Effect.gen(function*() {
      const store = yield* Store
      const settings = yield* ServerConfig
      const sweep = store.sweep(settings.sweepBudget)
      // A failed sweep is logged and the next one runs on schedule: the sweeper outlives its bugs.
      const contained = Effect.catchAllDefect(
        sweep,
        (defect) => Effect.as(Effect.logError("the expiry sweep failed", Cause.die(defect)), 0)
      )
      yield* contained.pipe(
        Effect.schedule(Schedule.spaced(Duration.millis(settings.sweepIntervalMs))),
        Effect.forever,
        Effect.forkScoped
      )
      return { sweep }
    })
  )
}
