/**
 * Runs domain requests on the cluster: a keyed request on the server owning its key, a multi-key
 * retrieval split by server and merged back in request order, a keyless one on every server. Each
 * runs in a span (`memcache.<command>`, with OpenTelemetry's database attributes), and error replies
 * can be turned into failures ({@link replyFailure}).
 *
 * Spans are made only when the fiber's tracer exports them: Effect's built-in tracer (the default)
 * records nothing anywhere, and making a span and adding it to the context cost more than the rest of
 * a request. Install a tracer (e.g. @effect/opentelemetry) and every request shows up.
 *
 * @module
 */
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Effect from "effect/Effect"
import * as Tracer from "effect/Tracer"
import type { Request } from "../domain/Request.js"
import type { Hit, Result } from "../domain/Result.js"
import * as Res from "../domain/Result.js"
import { isStreamingRequest } from "../protocol/ReplyLines.js"
import type { Cluster } from "./Cluster.js"
import type { ReplyHandler } from "./Connection.js"
import { ClientError, type MemcachedError, ServerError, ServerUnavailable } from "./Errors.js"
import type { ServerAddress } from "./ServerAddress.js"
import type { PoolFailure, ServerPool } from "./ServerPool.js"

/** Effect's built-in tracer, which keeps spans in memory only. */
const builtInTracer = Context.get(DefaultServices.liveServices, Tracer.Tracer)

/** A server's result for a request sent to every server. */
export interface ServerResult<A> {
  readonly server: ServerAddress
  readonly result: A
}

/** The requests that name keys, and the key that routes them. */
export const routingKey = (request: Request): string | undefined =>
  "key" in request ? request.key : "keys" in request ? request.keys[0] : undefined

const spanAttributes = (command: string, server: ServerAddress | undefined, keys: number) => ({
  "db.system": "memcached",
  "db.system.name": "memcached",
  "db.operation.name": command,
  "db.operation.batch.size": keys,
  ...(server === undefined ? {} : { "server.address": server.host, "server.port": server.port })
})

/** The protocol's name of a request (`get`, `ms`...), for spans and messages. */
export const commandName = (request: Request): string => {
  switch (request._tag) {
    case "MetaGet":
      return "mg"
    case "MetaSet":
      return "ms"
    case "MetaDelete":
      return "md"
    case "MetaArithmetic":
      return "ma"
    case "MetaNoop":
      return "mn"
    case "MetaDebug":
      return "me"
    case "FlushAll":
      return "flush_all"
    case "CacheMemlimit":
      return "cache_memlimit"
    case "TooLarge":
      return request.command
    case "LruCrawlerMetadump":
      return "lru_crawler metadump"
    case "LruCrawlerCrawl":
    case "LruCrawlerSwitch":
    case "LruCrawlerTune":
      return "lru_crawler"
    case "SlabsAutomove":
    case "SlabsReassign":
      return "slabs"
    case "LruTune":
      return "lru"
    default:
      return request._tag.toLowerCase()
  }
}

/** Sends requests through the cluster. */
export class Executor {
  constructor(readonly cluster: Cluster, private readonly spans: boolean) {}

  /** `effect` in a span named after `request`'s command (named only then: it costs a string per request). */
  private traced<A, E>(
    effect: Effect.Effect<A, E>,
    request: Request,
    server: ServerAddress | undefined
  ): Effect.Effect<A, E> {
    if (!this.spans) return effect
    return Effect.tracerWith((tracer) => {
      if (tracer === builtInTracer) return effect
      const command = commandName(request)
      return Effect.withSpan(effect, `memcache.${command}`, {
        kind: "client",
        captureStackTrace: false,
        attributes: spanAttributes(command, server, "keys" in request ? request.keys.length : 1)
      })
    })
  }

  /** Sends `request` to `pool`, in a span; continues with `handle(reply)`. */
  sendTo<A, E>(pool: ServerPool, request: Request, handle: ReplyHandler<A, E>): Effect.Effect<A, E | PoolFailure> {
    return this.traced(pool.send(request, handle), request, pool.address)
  }

  /**
   * Runs a request as the server answers it (error replies are results): on the server owning its key,
   * a multi-key retrieval on each server owning some of its keys, a keyless one on the only server
   * (with several servers, use {@link broadcast}).
   */
  execute(request: Request): Effect.Effect<Result, MemcachedError> {
    return this.run(request, Effect.succeed, false)
  }

  /**
   * Runs a request, turns an error reply into its failure ({@link replyFailure}) and hands any other
   * result to `onResult`.
   */
  run<A, E>(
    request: Request,
    onResult: ReplyHandler<A, E>,
    failOnErrorReply = true
  ): Effect.Effect<A, E | MemcachedError> {
    return Effect.suspend((): Effect.Effect<A, E | MemcachedError> => {
      if (isStreamingRequest(request)) return Effect.fail(streaming(request))
      if ("keys" in request && request.keys.length > 1 && this.cluster.pools.length > 1) {
        const servers = this.cluster.pools.map((pool) => pool.address.label).join(",")
        const handle = handler(onResult, failOnErrorReply)
        return this.traced(
          Effect.flatMap(this.retrieve(request), (result) => handle(result, servers)),
          request,
          undefined
        )
      }
      const key = routingKey(request)
      if (key === undefined && this.cluster.pools.length > 1) {
        return Effect.fail(
          new ClientError({
            server: undefined,
            message: `${commandName(request)} names no key: with several servers, send it to each (broadcast)`
          })
        )
      }
      const pool = this.cluster.poolFor(key ?? "")
      if (pool instanceof ServerUnavailable) return Effect.fail(pool)
      return this.sendTo(pool, request, handler(onResult, failOnErrorReply))
    })
  }

  /** Runs a request on every server, concurrently; each server's outcome. */
  broadcast(request: Request): Effect.Effect<ReadonlyArray<ServerResult<Result>>, PoolFailure | ClientError> {
    if (isStreamingRequest(request)) return Effect.fail(streaming(request))
    return Effect.forEach(
      this.cluster.pools,
      (pool) => this.sendTo(pool, request, (result) => Effect.succeed({ server: pool.address, result })),
      { concurrency: "unbounded" }
    )
  }

  /** A multi-key retrieval over several servers: one request per server, hits merged in key order. */
  private retrieve(request: Extract<Request, { keys: ReadonlyArray<string> }>): Effect.Effect<Result, PoolFailure> {
    const byPool = new Map<ServerPool, Array<string>>()
    for (const key of request.keys) {
      const pool = this.cluster.poolFor(key)
      if (pool instanceof ServerUnavailable) return Effect.fail(pool)
      const keys = byPool.get(pool)
      if (keys === undefined) byPool.set(pool, [key])
      else keys.push(key)
    }
    return Effect.map(
      Effect.forEach(
        byPool,
        ([pool, keys]) => pool.send({ ...request, keys: keys as [string, ...Array<string>] }, Effect.succeed),
        { concurrency: "unbounded" }
      ),
      (results) => {
        const failed = results.find((result) => result._tag !== "Values")
        if (failed !== undefined) return failed
        // Each server answers its keys in order, one hit per occurrence: deal them back out in request order.
        const hits = new Map<string, Array<Hit>>()
        for (const result of results) {
          for (const hit of (result as Extract<Result, { _tag: "Values" }>).hits) {
            const list = hits.get(hit.key)
            if (list === undefined) hits.set(hit.key, [hit])
            else list.push(hit)
          }
        }
        const merged: Array<Hit> = []
        for (const key of request.keys) {
          const hit = hits.get(key)?.shift()
          if (hit !== undefined) merged.push(hit)
        }
        return Res.values(merged, request._tag === "Gets" || request._tag === "Gats")
      }
    )
  }
}

/** Why a streaming request (metadump, watch) is not sent: its reply would take over the connection. */
const streaming = (request: Request) =>
  new ClientError({
    server: undefined,
    message: `${commandName(request)} streams its reply, which would take over the connection: not sent`
  })

/** Continues with `onResult`, or fails on an error reply when asked to. */
const handler = <A, E>(
  onResult: ReplyHandler<A, E>,
  failOnErrorReply: boolean
): ReplyHandler<A, E | ServerError | ClientError> =>
  failOnErrorReply
    ? (result, server) => {
      const failure = replyFailure(server, result)
      return failure === undefined ? onResult(result, server) : Effect.fail(failure)
    }
    : onResult

/**
 * The failure an error reply stands for, if it is one: SERVER_ERROR is ServerError, CLIENT_ERROR and
 * ERROR (a command the server does not know) are ClientError.
 */
export const replyFailure = (server: string, result: Result): ServerError | ClientError | undefined => {
  switch (result._tag) {
    case "ServerError":
      return new ServerError({ server, message: result.message })
    case "ClientError":
      return new ClientError({ server, message: result.message })
    case "UnknownCommand":
      return new ClientError({ server, message: "ERROR: the server does not know this command" })
    case "NotEnabled":
      return new ClientError({ server, message: `${result.feature} not enabled` })
    default:
      return undefined
  }
}
