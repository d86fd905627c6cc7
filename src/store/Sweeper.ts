/**
 * The sweeper: a fiber on a fixed schedule that asks the store to remove expired items, a bounded
 * slice per run, so memory held by expired items that nobody reads again is reclaimed without ever
 * stalling a partition.
 *
 * @module
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import { ServerConfig } from "../config/ServerConfig.js"
import { Store } from "./Store.js"

/** Runs the sweeper for the lifetime of the layer. */
export const layer: Layer.Layer<never, never, Store | ServerConfig> = Layer.scopedDiscard(
  Effect.gen(function*() {
    const store = yield* Store
    const settings = yield* ServerConfig
    yield* store.sweep(settings.sweepBudget).pipe(
      Effect.schedule(Schedule.spaced(Duration.millis(settings.sweepIntervalMs))),
      Effect.forever,
      Effect.forkScoped
    )
  })
)
