import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer } from "effect"
import { Lifecycle } from "../../src/server/Lifecycle.js"
import { Store, StoreFailure, type StoreShape } from "../../src/store/Store.js"

/** A store that does nothing but fail (or not) the way a stopped partition fails it. */
const storeFailing = (failure: Effect.Effect<never, StoreFailure>) =>
  Layer.succeed(Store, { failure } as unknown as StoreShape)

describe("Lifecycle", () => {
  it.effect("completes when a client asks for a shutdown", () =>
    Effect.gen(function*() {
      const lifecycle = yield* Lifecycle
      yield* lifecycle.requestShutdown
      expect(Exit.isSuccess(yield* Effect.exit(lifecycle.shutdownRequested))).toBe(true)
    }).pipe(Effect.provide(Lifecycle.layer.pipe(Layer.provide(storeFailing(Effect.never))))))

  it.effect("fails with the store's failure when the store can no longer serve", () =>
    Effect.gen(function*() {
      const lifecycle = yield* Lifecycle
      const error = yield* Effect.flip(lifecycle.shutdownRequested)
      expect(error).toBeInstanceOf(StoreFailure)
      expect(error.message).toBe("store partition 2 stopped: gone")
    }).pipe(
      Effect.provide(
        Lifecycle.layer.pipe(
          Layer.provide(storeFailing(Effect.fail(new StoreFailure({ partition: 2, cause: new Error("gone") }))))
        )
      )
    ))
})
