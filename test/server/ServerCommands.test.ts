import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { ServerConfig } from "../../src/config/ServerConfig.js"
import { Operator } from "../../src/operator/Operator.js"
import { Watchers } from "../../src/operator/Watchers.js"
import { ConnectionRegistry } from "../../src/server/ConnectionRegistry.js"
import { Lifecycle } from "../../src/server/Lifecycle.js"
import { PrefixStats } from "../../src/server/PrefixStats.js"
import { ServerCommands } from "../../src/server/ServerCommands.js"
import { ServerStats } from "../../src/server/ServerStats.js"
import { Store, type StoreShape } from "../../src/store/Store.js"

/** A store whose statistics fail, as a store with a bug would. */
const brokenStore = Layer.succeed(Store, {
  stats: Effect.die(new Error("injected stats failure")),
  failure: Effect.never
} as unknown as StoreShape)

const commands = (enableShutdown: boolean) =>
  ServerCommands.layer.pipe(
    Layer.provide(Layer.merge(Lifecycle.layer, Operator.layer)),
    Layer.provide(Layer.mergeAll(
      brokenStore,
      ServerConfig.layer({ enableShutdown }),
      ServerStats.layer,
      ConnectionRegistry.layer,
      PrefixStats.layer,
      Watchers.layer
    ))
  )

describe("ServerCommands", () => {
  it.effect("answers version, verbosity, mn and quit in place; stats as a barrier", () =>
    Effect.gen(function*() {
      const { answer } = yield* ServerCommands
      expect(answer({ _tag: "Version" })).toMatchObject({ _tag: "Reply", result: { _tag: "VersionReply" } })
      expect(answer({ _tag: "Verbosity", level: 1, noreply: false })).toEqual({ _tag: "Reply", result: { _tag: "Ok" } })
      expect(answer({ _tag: "Verbosity", level: 1, noreply: true })).toEqual({
        _tag: "Reply",
        result: { _tag: "Silent" }
      })
      expect(answer({ _tag: "MetaNoop" })).toEqual({ _tag: "Reply", result: { _tag: "MetaNoopReply" } })
      expect(answer({ _tag: "Quit" })).toEqual({ _tag: "Close" })
      expect(answer({ _tag: "Stats", args: ["items"] })).toEqual({ _tag: "Stats", args: ["items"] })
      expect(answer({ _tag: "Shutdown", args: [] })).toEqual({
        _tag: "Reply",
        result: { _tag: "NotEnabled", feature: "shutdown" }
      })
    }).pipe(Effect.provide(commands(false))))

  it.effect("with -A, shutdown closes the connection and asks the server to stop; a bad mode is an error", () =>
    Effect.gen(function*() {
      const { answer } = yield* ServerCommands
      expect(answer({ _tag: "Shutdown", args: ["graceful"] })).toEqual({ _tag: "Shutdown" })
      expect(answer({ _tag: "Shutdown", args: ["now"] })).toEqual({
        _tag: "Reply",
        result: { _tag: "ClientError", message: "invalid shutdown mode" }
      })
    }).pipe(Effect.provide(commands(true))))

  it.effect("a stats group that fails answers SERVER_ERROR internal error instead of ending the connection", () =>
    Effect.gen(function*() {
      const { stats } = yield* ServerCommands
      expect(yield* stats([])).toEqual({ _tag: "ServerError", message: "internal error" })
    }).pipe(Effect.provide(commands(false))))
})
