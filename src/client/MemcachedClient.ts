/**
 * The client service: a `Context.Tag` whose Layer connects to a list of servers. Every text and meta
 * command, with results as the domain's types and failures as tagged errors (see Errors.ts).
 *
 * ```ts
 * const program = Effect.gen(function*() {
 *   const cache = yield* MemcachedClient
 *   yield* cache.set("greeting", "hello", { ttl: "1 hour" })
 *   const hit = yield* cache.get("greeting") // Option<Hit>
 * })
 * program.pipe(Effect.provide(MemcachedClient.layer({ servers: ["127.0.0.1:11211"] })))
 * ```
 *
 * @module
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type * as tls from "node:tls"
import type { MetaDebugReply, MetaReply } from "../domain/MetaResult.js"
import type { Request } from "../domain/Request.js"
import type * as Res from "../domain/Result.js"
import type { Hit, Result } from "../domain/Result.js"
import { makeClient } from "./ClientCommands.js"
import type { ClientError, MemcachedError } from "./Errors.js"
import type { ServerResult } from "./Executor.js"
import type {
  MetaArithmeticOptions,
  MetaDeleteOptions,
  MetaGetOptions,
  MetaSetOptions,
  ValueInput
} from "./Requests.js"
import type { ServerAddress, ServerOptions } from "./ServerAddress.js"
import type { StampedeOptions } from "./Stampede.js"

/** How the client connects. Only `servers` is required. */
export interface ClientOptions {
  /** The servers: `host[:port[:weight]]` strings (libmemcached's spelling) or objects. */
  readonly servers: ReadonlyArray<string | ServerOptions>
  /** Connections per server (default 1: requests are pipelined, so one is usually enough). */
  readonly poolSize?: number
  /** How long a connect may take (default 2 seconds). */
  readonly connectTimeout?: Duration.DurationInput
  /** How long a request may wait for its reply (default 2 seconds). */
  readonly timeout?: Duration.DurationInput
  /** Consecutive failures that mark a server down (default 2). */
  readonly failureLimit?: number
  /** When to probe a server marked down (default: exponential from 100 ms, at most 5 s apart). */
  readonly retrySchedule?: Schedule.Schedule<unknown, unknown>
  /**
   * What happens to the keys of a server marked down: false (default), they fail at once with
   * ServerUnavailable; true, they move to the other servers until it is back (twemproxy's
   * `auto_eject_hosts`). See docs/deployment.md.
   */
  readonly autoEject?: boolean
  /** TLS for every connection: node:tls connect options (ca, cert, key, servername...). */
  readonly tls?: tls.ConnectionOptions
  /** Effect spans per request, `memcache.<command>` (default true). */
  readonly spans?: boolean
}

/** `set`'s reply. */
export type Stored = typeof Res.Stored.Type
/** A conditional store that did not happen. */
export type NotStored = typeof Res.NotStored.Type
/** A cas whose unique no longer matched. */
export type Exists = typeof Res.Exists.Type
/** The key does not exist. */
export type NotFound = typeof Res.NotFound.Type
/** `delete`'s reply. */
export type Deleted = typeof Res.Deleted.Type
/** `touch`'s reply. */
export type Touched = typeof Res.Touched.Type
/** A counter's new value. */
export type Counter = typeof Res.Counter.Type
/** `me` on a missing key. */
export type MetaDebugMiss = Extract<Result, { readonly _tag: "MetaDebugMiss" }>
/** What the `stats` groups answer. */
export type StatsResult =
  | typeof Res.StatsReply.Type
  | typeof Res.PrefixDump.Type
  | typeof Res.CacheDump.Type
  | typeof Res.StatsReset.Type
  | typeof Res.Ok.Type

/** How to store an item. */
export interface StoreOptions {
  /** Time to live (none by default); whole seconds, rounded up. A number is milliseconds, as in Effect. */
  readonly ttl?: Duration.DurationInput
  /** Opaque 32-bit client flags. */
  readonly flags?: number
}

/** The client's operations. Keys are strings (sent as UTF-8); values are bytes or strings (UTF-8). */
export interface MemcachedClientShape {
  /** The servers, as configured. */
  readonly servers: ReadonlyArray<ServerAddress>
  /** The server that owns `key` now (undefined when every server is down or the key is invalid). */
  readonly serverFor: (key: string) => ServerAddress | undefined
  /** Whether each server is up or marked down. */
  readonly health: Effect.Effect<ReadonlyArray<ServerResult<"up" | "down">>>

  /** `get`: the item, if the key exists. */
  readonly get: (key: string) => Effect.Effect<Option.Option<Hit>, MemcachedError>
  /** `gets`: the item with its CAS unique. */
  readonly gets: (key: string) => Effect.Effect<Option.Option<Hit>, MemcachedError>
  /** `gat`: get and set a new TTL. */
  readonly gat: (key: string, ttl: Duration.DurationInput) => Effect.Effect<Option.Option<Hit>, MemcachedError>
  /** `gats`: get with the CAS unique and set a new TTL. */
  readonly gats: (key: string, ttl: Duration.DurationInput) => Effect.Effect<Option.Option<Hit>, MemcachedError>
  /** A multi-key `get` (split by server): the items found, by the keys given. */
  readonly getMany: (keys: Iterable<string>) => Effect.Effect<ReadonlyMap<string, Hit>, MemcachedError>
  /** A multi-key `gets`. */
  readonly getsMany: (keys: Iterable<string>) => Effect.Effect<ReadonlyMap<string, Hit>, MemcachedError>

  /** `set`: store unconditionally. */
  readonly set: (key: string, value: ValueInput, options?: StoreOptions) => Effect.Effect<Stored, MemcachedError>
  /** `add`: store if the key does not exist. */
  readonly add: (
    key: string,
    value: ValueInput,
    options?: StoreOptions
  ) => Effect.Effect<Stored | NotStored, MemcachedError>
  /** `replace`: store if the key exists. */
  readonly replace: (
    key: string,
    value: ValueInput,
    options?: StoreOptions
  ) => Effect.Effect<Stored | NotStored, MemcachedError>
  /** `append`: add bytes after an existing value. */
  readonly append: (key: string, value: ValueInput) => Effect.Effect<Stored | NotStored, MemcachedError>
  /** `prepend`: add bytes before an existing value. */
  readonly prepend: (key: string, value: ValueInput) => Effect.Effect<Stored | NotStored, MemcachedError>
  /** `cas`: store if the item's CAS unique is still `cas` (from `gets`). */
  readonly cas: (
    key: string,
    value: ValueInput,
    cas: number | bigint,
    options?: StoreOptions
  ) => Effect.Effect<Stored | Exists | NotFound, MemcachedError>
  /** `delete`. */
  readonly delete: (key: string) => Effect.Effect<Deleted | NotFound, MemcachedError>
  /** `incr`: add to a counter (a decimal value), wrapping at 2^64. */
  readonly incr: (key: string, delta?: number | bigint) => Effect.Effect<Counter | NotFound, MemcachedError>
  /** `decr`: subtract from a counter, stopping at 0. */
  readonly decr: (key: string, delta?: number | bigint) => Effect.Effect<Counter | NotFound, MemcachedError>
  /** `touch`: set a new TTL. */
  readonly touch: (key: string, ttl: Duration.DurationInput) => Effect.Effect<Touched | NotFound, MemcachedError>
  /** `flush_all` on every server: invalidate every item, now or after `delay`. */
  readonly flushAll: (delay?: Duration.DurationInput) => Effect.Effect<void, MemcachedError>
  /** `version` of every server. */
  readonly version: Effect.Effect<ReadonlyArray<ServerResult<string>>, MemcachedError>
  /** `stats [group...]` of every server. */
  readonly stats: (
    ...args: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<ServerResult<StatsResult>>, MemcachedError>

  /** `mg`: an item's value and metadata, as the options ask (status `EN` on a miss). */
  readonly mg: (key: string | Uint8Array, options?: MetaGetOptions) => Effect.Effect<MetaReply, MemcachedError>
  /** `ms`: store, in the mode the options give. */
  readonly ms: (
    key: string | Uint8Array,
    value: ValueInput,
    options?: MetaSetOptions
  ) => Effect.Effect<MetaReply, MemcachedError>
  /** `md`: delete, or mark stale. */
  readonly md: (key: string | Uint8Array, options?: MetaDeleteOptions) => Effect.Effect<MetaReply, MemcachedError>
  /** `ma`: increment or decrement, possibly creating the counter. */
  readonly ma: (key: string | Uint8Array, options?: MetaArithmeticOptions) => Effect.Effect<MetaReply, MemcachedError>
  /** `mn` on every server: a no-op, answered once everything sent before it is. */
  readonly mn: Effect.Effect<void, MemcachedError>
  /** `me`: an item's internal metadata. */
  readonly me: (
    key: string | Uint8Array,
    options?: { readonly base64?: boolean }
  ) => Effect.Effect<MetaDebugReply | MetaDebugMiss, MemcachedError>

  /**
   * Stampede protection: the value at `key`, or `compute`d and stored when it is missing or about to
   * expire, with only one caller computing while the others wait or get the stale value (see Stampede.ts).
   */
  readonly getOrCompute: <E, R>(
    key: string,
    compute: Effect.Effect<Uint8Array, E, R>,
    options: StampedeOptions
  ) => Effect.Effect<Uint8Array, E | MemcachedError, R>

  /**
   * Any request, answered as the server answers it: error replies are results here (ClientError,
   * ServerError, UnknownCommand), not failures. Keyed requests go to their key's server, a multi-key
   * retrieval to each server holding some keys; a keyless one needs a single server (else see `broadcast`).
   */
  readonly execute: (request: Request) => Effect.Effect<Result, MemcachedError>
  /** Any request on every server, as each answers it. */
  readonly broadcast: (request: Request) => Effect.Effect<ReadonlyArray<ServerResult<Result>>, MemcachedError>
}

/** The client service. */
export class MemcachedClient extends Context.Tag("effcached/MemcachedClient")<MemcachedClient, MemcachedClientShape>() {
  /** A client whose connections live as long as the scope. */
  static make(options: ClientOptions): Effect.Effect<MemcachedClientShape, ClientError, Scope.Scope> {
    return makeClient(options)
  }

  /** The client as a Layer: connections close when the Layer is released. */
  static layer(options: ClientOptions): Layer.Layer<MemcachedClient, ClientError> {
    return Layer.scoped(MemcachedClient, makeClient(options))
  }
}
