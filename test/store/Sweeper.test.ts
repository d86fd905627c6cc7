import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, TestClock } from "effect"
import { ServerConfig } from "../../src/config/ServerConfig.js"
import { Store, type StoreShape } from "../../src/store/Store.js"
import { Sweeper } from "../../src/store/Sweeper.js"

/** A store whose sweeps fail while `failing` holds, and which counts the sweeps it is asked for. */
const sweepingStore = (state: { failing: boolean; sweeps: number }) =>
  Layer.succeed(Store, {
    sweep: (budget: number) =>
      Effect.suspend(() => {
        state.sweeps++
        return state.failing ? Effect.die(new Error("injected sweep failure")) : Effect.succeed(budget)
      })
  } as unknown as StoreShape)

describe("Sweeper", () => {
  it.scoped("sweeps on its schedule, and goes on after a sweep fails", () => {
    const state = { failing: true, sweeps: 0 }
    const layer = Sweeper.layer.pipe(
      Layer.provide(Layer.merge(sweepingStore(state), ServerConfig.layer({ sweepIntervalMs: 1000, sweepBudget: 7 })))
    )
    return Effect.gen(function*() {
      const sweeper = yield* Sweeper
      yield* TestClock.adjust("1 second")
      const failedSweeps = state.sweeps
      expect(failedSweeps).toBeGreaterThanOrEqual(1)
      state.failing = false
      yield* TestClock.adjust("3 seconds")
      expect(state.sweeps).toBeGreaterThanOrEqual(failedSweeps + 3)
      expect(yield* sweeper.sweep).toBe(7)
    }).pipe(Effect.provide(layer))
  })
})
