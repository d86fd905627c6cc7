/**
 * The commands the server answers itself, never the store: `version`, `verbosity`, `quit`,
 * `shutdown`, `mn` and `stats`. A connection asks {@link ServerCommands} what to do with each and
 * keeps the answers in order with the store's results; every protocol the server speaks shares them.
 *
 * `stats` is not answered on the spot: statistics must see every request before them on their
 * connection, so the connection runs it as a barrier, once the store has executed the batch before it.
 *
 * @module
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ServerConfig } from "../config/ServerConfig.js"
import { PROTOCOL_VERSION } from "../config/Version.js"
import type { OperatorRequest } from "../domain/OperatorRequest.js"
import type { Request } from "../domain/Request.js"
import * as Res from "../domain/Result.js"
import type { Result } from "../domain/Result.js"
import { metadump } from "../operator/Metadump.js"
import { Operator } from "../operator/Operator.js"
import type { StreamCommand } from "../operator/Stream.js"
import { Watchers } from "../operator/Watchers.js"
import { watchSession } from "../operator/WatchSession.js"
import { Store } from "../store/Store.js"
import { ConnectionRegistry } from "./ConnectionRegistry.js"
import { Lifecycle } from "./Lifecycle.js"
import { PrefixStats } from "./PrefixStats.js"
import { ServerStats } from "./ServerStats.js"
import { statsCommand } from "./StatsCommand.js"

/** The requests the server answers itself: its own commands and the operator's. */
export type ServerRequest =
  | Extract<Request, { readonly _tag: "Version" | "Verbosity" | "Quit" | "Shutdown" | "MetaNoop" | "Stats" }>
  | OperatorRequest

const serverTags: Record<ServerRequest["_tag"], true> = {
  Version: true,
  Verbosity: true,
  Quit: true,
  Shutdown: true,
  MetaNoop: true,
  Stats: true,
  LruCrawlerMetadump: true,
  LruCrawlerCrawl: true,
  LruCrawlerSwitch: true,
  LruCrawlerTune: true,
  SlabsAutomove: true,
  SlabsReassign: true,
  LruTune: true,
  Watch: true
}

/** Whether the server answers `request` itself (a record lookup: this runs for every request). */
export const isServerRequest = (request: Request): request is ServerRequest =>
  Object.prototype.hasOwnProperty.call(serverTags, request._tag)

/** What a connection does with a server request. */
export type ServerAction =
  /** Answer `result` in its place among the batch's replies. */
  | { readonly _tag: "Reply"; readonly result: Result }
  /** Send the replies before it, then close the connection (`quit`). */
  | { readonly _tag: "Close" }
  /** Send the replies before it, close the connection, then ask the server to stop (`shutdown`, with `-A`). */
  | { readonly _tag: "Shutdown" }
  /** Execute the requests before it, then answer {@link ServerCommandsShape.stats} with these arguments. */
  | { readonly _tag: "Stats"; readonly args: ReadonlyArray<string> }
  /** Execute the requests before it, then answer with what `run` gives (an operator command). */
  | { readonly _tag: "Run"; readonly run: Effect.Effect<Result> }
  /** Send the replies before it, then let `run` write to the connection (`watch`, `lru_crawler metadump`). */
  | { readonly _tag: "Stream"; readonly run: StreamCommand }

/** What the server's own commands offer a connection. */
export interface ServerCommandsShape {
  /** What to do with a server request; synchronous, and allocation-free for all but `stats`. */
  readonly answer: (request: ServerRequest) => ServerAction
  /** The reply to `stats <args>`. */
  readonly stats: (args: ReadonlyArray<string>) => Effect.Effect<Result>
  /** Asks the server to shut down gracefully (after a `shutdown` connection has closed). */
  readonly requestShutdown: Effect.Effect<void>
}

const reply = (result: Result): ServerAction => ({ _tag: "Reply", result })
const version = reply(Res.VersionReply.make({ version: PROTOCOL_VERSION }))
const ok = reply(Res.results.ok)
const silent = reply(Res.results.silent)
const metaNoop = reply(Res.results.metaNoop)
const close: ServerAction = { _tag: "Close" }
const shutdown: ServerAction = { _tag: "Shutdown" }
const shutdownDisabled = reply(Res.NotEnabled.make({ feature: "shutdown" }))
const invalidShutdownMode = reply(Res.ClientError.make({ message: "invalid shutdown mode" }))

/** Whether `shutdown <args>` names a mode memcached knows: none, or `graceful`. */
const isShutdownMode = (args: ReadonlyArray<string>) =>
  args.length === 0 || (args.length === 1 && args[0] === "graceful")

/** The server's own commands, as a service. */
export class ServerCommands extends Context.Tag("effcached/ServerCommands")<ServerCommands, ServerCommandsShape>() {
  /** The commands over this server's settings, statistics, registry and lifecycle. */
  static readonly layer: Layer.Layer<
    ServerCommands,
    never,
    Store | ServerConfig | ServerStats | ConnectionRegistry | PrefixStats | Lifecycle | Operator | Watchers
  > = Layer.effect(
    ServerCommands,
    Effect.gen(function*() {
      const settings = yield* ServerConfig
      const lifecycle = yield* Lifecycle
      const operator = yield* Operator
      const watchers = yield* Watchers
      const sources = {
        store: yield* Store,
        settings,
        counters: yield* ServerStats,
        registry: yield* ConnectionRegistry,
        prefixes: yield* PrefixStats,
        operator: operator.settings
      }
      const answer = (request: ServerRequest): ServerAction => {
        switch (request._tag) {
          case "Version":
            return version
          case "Verbosity":
            // Accepted and answered as memcached does; effcached's log level is set by -v at startup.
            return request.noreply ? silent : ok
          case "Quit":
            return close
          case "Shutdown":
            if (!settings.enableShutdown) return shutdownDisabled
            // As memcached: this connection closes after its earlier replies; the server then drains.
            return isShutdownMode(request.args) ? shutdown : invalidShutdownMode
          case "MetaNoop":
            // Replies go out in request order, so MN follows everything before it.
            return metaNoop
          case "Stats":
            return { _tag: "Stats", args: request.args }
          case "Watch":
            return { _tag: "Stream", run: watchSession(watchers, request.streams) }
          case "LruCrawlerMetadump": {
            const refused = operator.refuse(request)
            return refused !== undefined
              ? reply(refused)
              : { _tag: "Stream", run: metadump(sources.store, request.classes) }
          }
          default:
            return operator.answer(request)
        }
      }
      return {
        answer,
        // A statistics group that fails (a bug in the store) answers an error; the connection goes on.
        stats: (args) =>
          Effect.catchAllDefect(
            statsCommand(args, sources),
            (defect) =>
              Effect.as(
                Effect.logError(`stats ${args.join(" ")} failed`, Cause.die(defect)),
                Res.errors.internalError
              )
          ),
        requestShutdown: lifecycle.requestShutdown
      }
    })
  )
}
