/**
 * The client's operations over an Executor: arguments checked and turned into domain requests
 * (Requests.ts), results narrowed to what each command can answer. A result a command cannot get
 * means the connection is out of step: it fails with ProtocolError.
 *
 * @module
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type { Request } from "../domain/Request.js"
import type { Hit, Result } from "../domain/Result.js"
import { Cluster } from "./Cluster.js"
import type { ReplyHandler } from "./Connection.js"
import { ClientError, type MemcachedError, ProtocolError } from "./Errors.js"
import { Executor, replyFailure, type ServerResult } from "./Executor.js"
import type { ClientOptions, MemcachedClientShape, StatsResult, StoreOptions } from "./MemcachedClient.js"
import * as Req from "./Requests.js"
import { address, parseAddress, type ServerAddress } from "./ServerAddress.js"
import { defaultRetrySchedule, ServerPool } from "./ServerPool.js"
import { getOrCompute } from "./Stampede.js"

type Tagged<T extends Result["_tag"]> = Extract<Result, { readonly _tag: T }>

/** The result if its tag is one of `tags`, else a ProtocolError. */
const narrow =
  <T extends Result["_tag"]>(command: string, ...tags: ReadonlyArray<T>) =>
  (result: Result, server: string): Effect.Effect<Tagged<T>, ProtocolError> =>
    (tags as ReadonlyArray<string>).includes(result._tag)
      ? Effect.succeed(result as Tagged<T>)
      : Effect.fail(new ProtocolError({ server, reason: `${command} answered ${result._tag}` }))

const millis = (input: Duration.DurationInput | undefined, fallback: number): number =>
  input === undefined ? fallback : Duration.toMillis(Duration.decode(input))

const invalid = (message: string) => new ClientError({ server: undefined, message })

/** Parses and checks the options: the servers and the numbers. */
const serversOf = (options: ClientOptions): Either.Either<ReadonlyArray<ServerAddress>, ClientError> => {
  if (options.servers.length === 0) return Either.left(invalid("no server given"))
  return Either.mapLeft(
    Either.all(
      options.servers.map((spec) => typeof spec === "string" ? parseAddress(spec) : Either.right(address(spec)))
    ),
    invalid
  )
}

/** Builds the client: its pools live in the scope. */
export const makeClient = (options: ClientOptions): Effect.Effect<MemcachedClientShape, ClientError, Scope.Scope> =>
  Effect.gen(function*() {
    const servers = yield* serversOf(options)
    const size = options.poolSize ?? 1
    const failureLimit = options.failureLimit ?? 2
    if (!Number.isInteger(size) || size < 1) return yield* invalid(`poolSize must be a positive integer, got ${size}`)
    if (!Number.isInteger(failureLimit) || failureLimit < 1) {
      return yield* invalid(`failureLimit must be a positive integer, got ${failureLimit}`)
    }
    const scope = yield* Effect.scope
    const runtime = yield* Effect.runtime<never>()
    const pools = servers.map((server) =>
      new ServerPool(
        {
          address: server,
          size,
          failureLimit,
          retrySchedule: options.retrySchedule ?? defaultRetrySchedule,
          connectTimeoutMillis: millis(options.connectTimeout, 2000),
          requestTimeoutMillis: millis(options.timeout, 2000),
          tls: options.tls
        },
        scope,
        runtime,
        // A server marked down or up rebuilds the ring (never during construction).
        () => cluster.rebuild()
      )
    )
    const cluster = new Cluster(pools, options.autoEject ?? false)
    yield* Effect.addFinalizer(() => Effect.sync(() => pools.forEach((pool) => pool.close("the client was closed"))))
    return commands(new Executor(cluster, options.spans ?? true))
  })

const commands = (executor: Executor): MemcachedClientShape => {
  const cluster = executor.cluster
  const run = <A, E>(request: Request, onResult: ReplyHandler<A, E>) => executor.run(request, onResult)
  /** Checks a key (at once: it is pure), then builds and runs a request with it. */
  const withKey = <A, E>(
    key: string,
    use: (wire: string) => Effect.Effect<A, E>
  ): Effect.Effect<A, E | ClientError> => {
    const wire = Req.checkKey(key)
    return typeof wire === "string" ? use(wire) : Effect.fail(wire)
  }

  const firstHit =
    (tag: string) => (result: Result, server: string): Effect.Effect<Option.Option<Hit>, ProtocolError> =>
      result._tag === "Values"
        ? Effect.succeed(Option.fromNullable<Hit>(result.hits[0]))
        : Effect.as(narrow(tag, "Values")(result, server), Option.none<Hit>())
  const firstGet = firstHit("Get")
  const firstGets = firstHit("Gets")

  const single = (tag: "Gat" | "Gats", key: string, ttl: Duration.DurationInput) =>
    withKey(
      key,
      (wire) => Effect.flatMap(Req.exptime(ttl), (exptime) => run({ _tag: tag, exptime, keys: [wire] }, firstHit(tag)))
    )

  const many = (tag: "Get" | "Gets", keys: Iterable<string>) =>
    Effect.suspend(() => {
      const users = [...keys]
      if (users.length === 0) return Effect.succeed(new Map<string, Hit>() as ReadonlyMap<string, Hit>)
      const wires: Array<string> = []
      for (const user of users) {
        const wire = Req.checkKey(user)
        if (typeof wire !== "string") return Effect.fail(wire)
        wires.push(wire)
      }
      return run({ _tag: tag, keys: wires as [string, ...Array<string>] }, (result, server) =>
        Effect.map(narrow(tag, "Values")(result, server), (values) => {
          const byWire = new Map(values.hits.map((hit) => [hit.key, hit]))
          const found = new Map<string, Hit>()
          users.forEach((user, i) => {
            const hit = byWire.get(wires[i]!)
            if (hit !== undefined) {
              found.set(user, hit)
            }
          })
          return found as ReadonlyMap<string, Hit>
        }))
    })

  type StorageTag = "Set" | "Add" | "Replace" | "Append" | "Prepend"
  const storage =
    <A>(tag: StorageTag, answers: ReplyHandler<A, ProtocolError>) =>
    (key: string, value: Req.ValueInput, options?: StoreOptions) =>
      withKey(key, (wire) => {
        const flags = Req.checkFlags(options?.flags)
        if (typeof flags !== "number") return Effect.fail(flags)
        const send = (exptime: number) =>
          run({ _tag: tag, key: wire, flags, exptime, value: Req.toBytes(value), noreply: false }, answers)
        const exptime = Req.relativeExptime(options?.ttl)
        return exptime !== undefined ? send(exptime) : Effect.flatMap(Req.exptime(options?.ttl), send)
      })
  const set = storage("Set", narrow("Set", "Stored"))
  const add = storage("Add", narrow("Add", "Stored", "NotStored"))
  const replace = storage("Replace", narrow("Replace", "Stored", "NotStored"))
  const append = storage("Append", narrow("Append", "Stored", "NotStored"))
  const prepend = storage("Prepend", narrow("Prepend", "Stored", "NotStored"))

  const arithmetic = (tag: "Incr" | "Decr", key: string, delta: number | bigint) =>
    withKey(key, (wire) =>
      Effect.flatMap(
        Req.u64(delta, "delta"),
        (d) => run({ _tag: tag, key: wire, delta: d, noreply: false }, narrow(tag, "Counter", "NotFound"))
      ))

  /** A keyless request on every server; each server's result. */
  const everywhere = <A>(request: Request, onResult: ReplyHandler<A, ProtocolError>) =>
    Effect.flatMap(
      executor.broadcast(request),
      (results) =>
        Effect.forEach(results, ({ result, server }) =>
          Effect.map(
            Effect.flatMap(expectNoError(server.label, result), (checked) => onResult(checked, server.label)),
            (value): ServerResult<A> => ({ server, result: value })
          ))
    )

  const asMetaReply = narrow("meta", "MetaReply")
  const runMeta = (request: Request) => executor.run(request, asMetaReply)
  const meta = <R extends Request, E>(build: Effect.Effect<R, E>) => Effect.flatMap(build, runMeta)

  return {
    servers: cluster.pools.map((pool) => pool.address),
    serverFor: (key) => {
      const owner = cluster.poolFor(Req.toWire(key))
      return owner instanceof ServerPool ? owner.address : undefined
    },
    health: Effect.sync(() =>
      cluster.pools.map((pool) => ({ server: pool.address, result: pool.isUp ? "up" as const : "down" as const }))
    ),
    get: (key) => withKey(key, (wire) => run({ _tag: "Get", keys: [wire] }, firstGet)),
    gets: (key) => withKey(key, (wire) => run({ _tag: "Gets", keys: [wire] }, firstGets)),
    gat: (key, ttl) => single("Gat", key, ttl),
    gats: (key, ttl) => single("Gats", key, ttl),
    getMany: (keys) => many("Get", keys),
    getsMany: (keys) => many("Gets", keys),
    set,
    add,
    replace,
    append: (key, value) => append(key, value),
    prepend: (key, value) => prepend(key, value),
    cas: (key, value, cas, options) =>
      withKey(key, (wire) =>
        Effect.flatMap(
          Effect.all([Req.exptime(options?.ttl), Req.clientFlags(options?.flags), Req.u64(cas, "cas")]),
          ([exptime, flags, unique]) =>
            run(
              { _tag: "Cas", key: wire, flags, exptime, value: Req.toBytes(value), cas: unique, noreply: false },
              narrow("Cas", "Stored", "Exists", "NotFound")
            )
        )),
    delete: (key) =>
      withKey(
        key,
        (wire) => run({ _tag: "Delete", key: wire, noreply: false }, narrow("Delete", "Deleted", "NotFound"))
      ),
    incr: (key, delta = 1) => arithmetic("Incr", key, delta),
    decr: (key, delta = 1) => arithmetic("Decr", key, delta),
    touch: (key, ttl) =>
      withKey(
        key,
        (wire) =>
          Effect.flatMap(Req.exptime(ttl), (exptime) =>
            run({ _tag: "Touch", key: wire, exptime, noreply: false }, narrow("Touch", "Touched", "NotFound")))
      ),
    flushAll: (delay) =>
      Effect.flatMap(
        Req.exptime(delay),
        (d) => Effect.asVoid(everywhere({ _tag: "FlushAll", delay: d, noreply: false }, narrow("flush_all", "Ok")))
      ),
    version: everywhere(
      { _tag: "Version" },
      (result, server) => Effect.map(narrow("version", "VersionReply")(result, server), (reply) => reply.version)
    ),
    stats: (...args) =>
      everywhere(
        { _tag: "Stats", args },
        narrow("stats", "StatsReply", "PrefixDump", "CacheDump", "StatsReset", "Ok") as ReplyHandler<
          StatsResult,
          ProtocolError
        >
      ),
    mg: (key, options) => meta(Req.metaGet(key, options)),
    ms: (key, value, options) => meta(Req.metaSet(key, Req.toBytes(value), options)),
    md: (key, options) => meta(Req.metaDelete(key, options)),
    ma: (key, options) => meta(Req.metaArithmetic(key, options)),
    mn: Effect.asVoid(everywhere({ _tag: "MetaNoop" }, narrow("mn", "MetaNoopReply"))),
    me: (key, options) =>
      Effect.flatMap(
        Req.metaKey(key, options?.base64 === true),
        (wire) =>
          run(
            { _tag: "MetaDebug", key: wire, base64: options?.base64 === true },
            narrow("me", "MetaDebugReply", "MetaDebugMiss")
          )
      ),
    getOrCompute: (key, compute, options) => getOrCompute(runMeta, key, compute, options),
    execute: (request) => executor.execute(request),
    broadcast: (request) => executor.broadcast(request)
  }
}

/** Fails on an error reply from `server`. */
const expectNoError = (server: string, result: Result): Effect.Effect<Result, MemcachedError> => {
  const failure = replyFailure(server, result)
  return failure === undefined ? Effect.succeed(result) : Effect.fail(failure)
}
