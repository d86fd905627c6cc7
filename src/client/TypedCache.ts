/**
 * A typed view of the cache: the keys under a prefix, holding values of one type, encoded with a
 * Schema on the way in and decoded on the way out. A stored value that does not decode (written by
 * other code, or by an older version of the type) fails with DecodeError rather than passing through
 * as something it is not.
 *
 * ```ts
 * const User = Schema.Struct({ id: Schema.Number, name: Schema.String })
 * const users = yield* TypedCache.make({ prefix: "user:", schema: User, ttl: "1 hour" })
 * yield* users.set("42", { id: 42, name: "Ada" })
 * const user = yield* users.get("42") // Option<{ id: number, name: string }>
 * ```
 *
 * @module
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import type * as Schema from "effect/Schema"
import { DecodeError, EncodeError, type MemcachedError } from "./Errors.js"
import { MemcachedClient } from "./MemcachedClient.js"
import type { StampedeOptions } from "./Stampede.js"
import * as ValueCodec from "./ValueCodec.js"

/** What a typed view is made of. */
export type TypedCacheOptions<A, I> =
  & {
    /** Prepended to every key of the view (e.g. `user:`). */
    readonly prefix: string
    /** Time to live of what the view stores (none by default). */
    readonly ttl?: Duration.DurationInput
    /** getOrCompute's stampede settings besides the TTL. */
    readonly stampede?: Omit<StampedeOptions, "ttl">
  }
  & (
    /** Values stored as JSON through this Schema. */
    | { readonly schema: Schema.Schema<A, I>; readonly codec?: never }
    /** Values stored through this codec (ValueCodec.string, ValueCodec.bytes...). */
    | { readonly codec: ValueCodec.ValueCodec<A>; readonly schema?: never }
  )

/** A typed view of the keys under a prefix. */
export interface TypedCache<A> {
  /** The value at `key`, if any. */
  readonly get: (key: string) => Effect.Effect<Option.Option<A>, MemcachedError | DecodeError>
  /** The values at `keys` that exist, by key. */
  readonly getMany: (keys: Iterable<string>) => Effect.Effect<ReadonlyMap<string, A>, MemcachedError | DecodeError>
  /** Stores `value` at `key`. */
  readonly set: (key: string, value: A) => Effect.Effect<void, MemcachedError | EncodeError>
  /** Stores `value` if `key` has none; whether it did. */
  readonly add: (key: string, value: A) => Effect.Effect<boolean, MemcachedError | EncodeError>
  /** Deletes `key`; whether it existed. */
  readonly delete: (key: string) => Effect.Effect<boolean, MemcachedError>
  /**
   * The value at `key`, or the result of `compute` stored there, with stampede protection: one
   * caller computes while the others wait or get the value being replaced.
   */
  readonly getOrCompute: <E, R>(
    key: string,
    compute: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | MemcachedError | DecodeError | EncodeError, R>
}

const message = (error: ParseResult.ParseError) => ParseResult.TreeFormatter.formatErrorSync(error)

/** A typed view over the client in context. */
export const make = <A, I = A>(
  options: TypedCacheOptions<A, I>
): Effect.Effect<TypedCache<A>, never, MemcachedClient> =>
  Effect.map(MemcachedClient, (client): TypedCache<A> => {
    const codec = options.codec ?? ValueCodec.json(options.schema!)
    const full = (key: string) => options.prefix + key
    const encode = (key: string, value: A) =>
      Effect.mapError(codec.encode(value), (error) => new EncodeError({ key: full(key), message: message(error) }))
    const decode = (key: string, bytes: Uint8Array) =>
      Effect.mapError(codec.decode(bytes), (error) => new DecodeError({ key: full(key), message: message(error) }))
    const store = { ...(options.ttl === undefined ? {} : { ttl: options.ttl }) }
    return {
      get: (key) =>
        Effect.flatMap(client.get(full(key)), (hit) =>
          Option.isNone(hit)
            ? Effect.succeed(Option.none())
            : Effect.map(decode(key, hit.value.value), Option.some)),
      getMany: (keys) =>
        Effect.suspend(() => {
          const given = [...keys]
          return Effect.flatMap(client.getMany(given.map(full)), (hits) =>
            Effect.map(
              Effect.forEach(
                given.filter((key) => hits.has(full(key))),
                (key) => Effect.map(decode(key, hits.get(full(key))!.value), (value) => [key, value] as const)
              ),
              (entries) => new Map(entries) as ReadonlyMap<string, A>
            ))
        }),
      set: (key, value) =>
        Effect.flatMap(encode(key, value), (bytes) => Effect.asVoid(client.set(full(key), bytes, store))),
      add: (key, value) =>
        Effect.flatMap(
          encode(key, value),
          (bytes) => Effect.map(client.add(full(key), bytes, store), (result) => result._tag === "Stored")
        ),
      delete: (key) => Effect.map(client.delete(full(key)), (result) => result._tag === "Deleted"),
      getOrCompute: (key, compute) =>
        Effect.flatMap(
          client.getOrCompute(
            full(key),
            Effect.flatMap(compute, (value) => encode(key, value)),
            { ...options.stampede, ttl: options.ttl ?? 0 }
          ),
          (bytes) => decode(key, bytes)
        )
    }
  })
