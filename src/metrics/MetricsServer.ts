/**
 * The metrics endpoint (`--metrics-port`): an HTTP server on the listen address answering
 * `GET /metrics` in the Prometheus text format, every other path 404. Each scrape asks the server's
 * own `stats` command (the store's statistics through the partitions' mailboxes, the server's
 * counters, the settings) and renders its replies, so the request path does no extra work for it; the
 * runtime monitors (event-loop delay, GC) run only while the endpoint is on. The daemon imports this
 * module only when the flag is given, so a daemon without it loads no HTTP server at all.
 *
 * @module
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { createServer } from "node:http"
import { ServerConfig } from "../config/ServerConfig.js"
import { EFFCACHED_VERSION } from "../config/Version.js"
import type { Result } from "../domain/Result.js"
import { ListenError } from "../server/Listener.js"
import { ServerCommands } from "../server/ServerCommands.js"
import { Store, type StoreShape } from "../store/Store.js"
import { CONTENT_TYPE, type Family, family, render } from "./Exposition.js"
import { memcachedFamilies, type StatLines } from "./MemcachedFamilies.js"
import { partitionFamilies } from "./PartitionFamilies.js"
import * as RuntimeMonitor from "./RuntimeMonitor.js"
import { securityFamilies } from "./SecurityFamilies.js"

/** The path Prometheus scrapes. */
export const METRICS_PATH = "/metrics"

const entries = (result: Result): StatLines => (result._tag === "StatsReply" ? result.entries : [])

/**
 * Every family: the replies to `stats`, `stats settings`, `stats items` and `stats slabs` (with
 * the TLS and authentication figures of `stats`), the store's partitions, and the runtime's.
 */
export const scrape = (
  stats: (args: ReadonlyArray<string>) => Effect.Effect<Result>,
  store: StoreShape,
  runtime: RuntimeMonitor.RuntimeMonitor
): Effect.Effect<Array<Family>> =>
  Effect.map(
    Effect.all([stats([]), stats(["settings"]), stats(["items"]), stats(["slabs"])]),
    ([generalReply, settings, items, slabs]) => {
      const general = entries(generalReply)
      return [
        ...memcachedFamilies({
          general,
          settings: entries(settings),
          items: entries(items),
          slabs: entries(slabs)
        }),
        family("effcached_info", "gauge", "effcached's version, as a label.", [{
          labels: { version: EFFCACHED_VERSION },
          value: 1
        }]),
        ...securityFamilies(general),
        ...(store.load === undefined ? [] : partitionFamilies(store.load())),
        ...runtime.families()
      ]
    }
  )

/** The HTTP app: `GET /metrics`, and 404 for anything else (the router's default). */
const app = Effect.gen(function*() {
  const commands = yield* ServerCommands
  const store = yield* Store
  const runtime = yield* RuntimeMonitor.make
  const metrics = Effect.map(
    scrape(commands.stats, store, runtime),
    (families) => HttpServerResponse.text(render(families), { contentType: CONTENT_TYPE })
  )
  return HttpRouter.empty.pipe(HttpRouter.get(METRICS_PATH, metrics))
})

/** What the endpoint reads: the server's statistics, as `stats` answers them, its settings, the store's load. */
export type MetricsSources = ServerCommands | ServerConfig | Store

/** The metrics endpoint, as a service: where it listens (undefined when `--metrics-port` is not set). */
export class MetricsServer extends Context.Tag("effcached/MetricsServer")<MetricsServer, {
  readonly address: HttpServer.Address | undefined
}>() {
  /**
   * Serves the metrics endpoint on the listen address and `--metrics-port` for the lifetime of the
   * layer; nothing when the port is not set. A port that cannot be listened on fails with a ListenError.
   */
  static readonly layer: Layer.Layer<MetricsServer, ListenError, MetricsSources> = Layer.unwrapScoped(
    Effect.gen(function*() {
      const settings = yield* ServerConfig
      const port = settings.metricsPort
      if (port === null) return Layer.succeed(MetricsServer, { address: undefined })
      const router = yield* app
      const host = settings.host
      const server = NodeHttpServer.layerServer(createServer, { host, port }).pipe(
        Layer.mapError((e) =>
          new ListenError({ host, port, cause: e.cause instanceof Error ? e.cause : new Error(String(e.cause)) })
        )
      )
      const announce = Layer.effectDiscard(
        HttpServer.addressFormattedWith((address) => Effect.logInfo(`metrics on ${address}${METRICS_PATH}`))
      )
      const bound = Layer.effect(
        MetricsServer,
        Effect.map(HttpServer.HttpServer, (http) => ({ address: http.address }))
      )
      return Layer.mergeAll(HttpServer.serve(router), announce, bound).pipe(Layer.provide(server))
    })
  )
}
