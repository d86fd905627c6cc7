/**
 * Generators of requests paired with a reply the server may give them, for the reply decoder's
 * property tests. Each result is canonical: it holds only what its bytes carry (a meta reply's fields
 * that its request's flags do not ask for keep their defaults), so decoding its encoding gives it back.
 */
import { Arbitrary, FastCheck as fc } from "effect"
import type { FlaggedMetaRequest, MetaDebug } from "../../src/domain/MetaRequest.js"
import type { MetaReply, MetaStatus } from "../../src/domain/MetaResult.js"
import { isKey, Key, U32_MAX, U64_MAX } from "../../src/domain/Primitives.js"
import type { Request } from "../../src/domain/Request.js"
import * as Res from "../../src/domain/Result.js"
import type { Result } from "../../src/domain/Result.js"
import { isQuietRequest } from "../../src/protocol/ReplyDecoder.js"
import { isStreamingRequest } from "../../src/protocol/ReplyLines.js"
import { request as anyRequest } from "./arbitraries.js"

/** A request and a reply to it. */
export interface Exchange {
  readonly request: Request
  readonly result: Result
}

/** Text that fits on a reply line: printable ASCII, spaces included. */
const text = (minLength = 0) =>
  fc.string({ unit: fc.constantFrom(..."abcdefgh xyz0123456789_-:.()'\""), minLength, maxLength: 40 })
const word = fc.string({ unit: fc.constantFrom(..."abcdefgh_xyz0123456789:."), minLength: 1, maxLength: 20 })
const casUnique = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2 ** 40 }), fc.constant(Number.MAX_SAFE_INTEGER))
const flags = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: U32_MAX }))
const value = fc.uint8Array({ maxLength: 80 })

/** The replies any command may get instead of its own. */
const errorResult: fc.Arbitrary<Result> = fc.oneof(
  fc.constant(Res.results.unknownCommand),
  text().map((message) => Res.ClientError.make({ message })),
  text().map((message) => Res.ServerError.make({ message })),
  word.map((feature) => Res.NotEnabled.make({ feature }))
)

const hits = (withCas: boolean) =>
  fc.array(
    fc.record({ key: Arbitrary.make(Key), flags, value, cas: withCas ? casUnique : fc.constant(0) }),
    { maxLength: 5 }
  )

const entries = fc.array(fc.tuple(word, text()), { maxLength: 8 })

/** Replies to `stats <args>`. */
const statsResult = (args: ReadonlyArray<string>): fc.Arbitrary<Result> => {
  switch (args[0]) {
    case "reset":
      return fc.constant(Res.results.statsReset)
    case "detail":
      return args[1] === "dump"
        ? fc.array(
          fc.record({ prefix: word, gets: fc.nat(), hits: fc.nat(), sets: fc.nat(), deletes: fc.nat() }),
          { maxLength: 5 }
        ).map((prefixes) => Res.PrefixDump.make({ prefixes }))
        : fc.constant(Res.results.ok)
    case "cachedump":
      return fc.array(fc.record({ key: word, bytes: fc.nat(), exptime: fc.nat() }), { maxLength: 5 })
        .map((items) => Res.CacheDump.make({ items }))
    case "sizes_enable":
    case "sizes_disable":
      return fc.tuple(word, text()).map((entry) => Res.StatsReply.make({ entries: [entry], terminated: false }))
    default:
      return entries.map((es) => Res.StatsReply.make({ entries: es }))
  }
}

const statuses = (request: FlaggedMetaRequest): ReadonlyArray<MetaStatus> => {
  switch (request._tag) {
    case "MetaGet":
      return [request.returnValue ? "VA" : "HD", "EN"]
    case "MetaSet":
      return ["HD", "NS", "EX", "NF"]
    case "MetaDelete":
      return ["HD", "NF", "EX"]
    case "MetaArithmetic":
      return [request.returnValue ? "VA" : "HD", "NF", "NS", "EX"]
  }
}

/** The flags whose fields come back, as MetaReplyEncoder decides. */
const returned = (request: FlaggedMetaRequest, status: MetaStatus): string => {
  switch (request._tag) {
    case "MetaGet":
      return status === "EN" ? "Ok" : "stcflhOk"
    case "MetaSet":
      return "Okc"
    case "MetaDelete":
      return "Ok"
    case "MetaArithmetic":
      return status === "VA" || status === "HD" ? "ctOk" : "Ok"
  }
}

/** A canonical reply to a flagged meta request. */
const metaResult = (request: FlaggedMetaRequest): fc.Arbitrary<MetaReply> =>
  fc.record({
    status: fc.constantFrom(...statuses(request)),
    value,
    size: fc.nat({ max: 1 << 20 }),
    ttl: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
    cas: casUnique,
    clientFlags: flags,
    fetched: fc.boolean(),
    lastAccess: fc.nat(),
    keyBase64: fc.boolean(),
    tokenSent: fc.boolean(),
    stale: fc.boolean(),
    won: fc.boolean()
  }).map((r) => {
    const asked = (flag: string) => request.flags.includes(flag as never) && returned(request, r.status).includes(flag)
    // A key that is not a text key can only come back base64-encoded.
    const keyBase64 = asked("k") ? (r.keyBase64 || !isKey(request.key)) : request.base64
    return {
      _tag: "MetaReply",
      status: r.status,
      request,
      value: r.status === "VA" ? r.value : new Uint8Array(0),
      ...(asked("s") && r.status !== "VA" ? { size: r.size } : {}),
      ttl: asked("t") ? r.ttl : -1,
      cas: asked("c") ? r.cas : 0,
      clientFlags: asked("f") ? r.clientFlags : 0,
      fetched: asked("h") ? r.fetched : false,
      lastAccess: asked("l") ? r.lastAccess : 0,
      keyBase64,
      tokenSent: r.tokenSent,
      stale: r.stale,
      won: r.won
    }
  })

const metaDebugResult = (request: MetaDebug): fc.Arbitrary<Result> =>
  fc.oneof(
    fc.constant(Res.results.metaDebugMiss),
    fc.record({
      keyBase64: fc.boolean(),
      exp: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      lastAccess: fc.nat(),
      cas: casUnique,
      fetched: fc.boolean(),
      slabClass: fc.nat({ max: 63 }),
      size: fc.nat()
    }).map((r): Result => ({
      _tag: "MetaDebugReply",
      ...r,
      key: request.key,
      keyBase64: r.keyBase64 || !isKey(request.key)
    }))
  )

/** The replies `request` may get, errors aside. */
const own = (request: Request): fc.Arbitrary<Result> => {
  switch (request._tag) {
    case "Get":
    case "Gat":
      return hits(false).map((hs) => Res.values(hs, false))
    case "Gets":
    case "Gats":
      return hits(true).map((hs) => Res.values(hs, true))
    case "Set":
    case "Add":
    case "Replace":
    case "Append":
    case "Prepend":
    case "Cas":
    case "TooLarge":
      return fc.constantFrom(Res.results.stored, Res.results.notStored, Res.results.exists, Res.results.notFound)
    case "Delete":
      return fc.constantFrom(Res.results.deleted, Res.results.notFound)
    case "Incr":
    case "Decr":
      return fc.oneof(fc.bigInt({ min: 0n, max: U64_MAX }).map(Res.counter), fc.constant(Res.results.notFound))
    case "Touch":
      return fc.constantFrom(Res.results.touched, Res.results.notFound)
    case "FlushAll":
    case "Verbosity":
      return fc.constant(Res.results.ok)
    case "CacheMemlimit":
      return fc.oneof(
        fc.constant(Res.results.ok),
        fc.constantFrom("too_small" as const, "megabytes_not_bytes" as const).map((reason) =>
          Res.MemlimitRejected.make({ reason })
        )
      )
    case "Version":
      return text().map((version) => Res.VersionReply.make({ version }))
    case "Quit":
      return fc.constant(Res.results.close)
    case "Shutdown":
      return word.map((feature) => Res.NotEnabled.make({ feature }))
    case "Stats":
      return statsResult(request.args)
    case "MetaGet":
    case "MetaSet":
    case "MetaDelete":
    case "MetaArithmetic":
      return metaResult(request)
    case "MetaNoop":
      return fc.constant(Res.results.metaNoop)
    case "MetaDebug":
      return metaDebugResult(request)
    case "LruCrawlerCrawl":
    case "LruCrawlerSwitch":
    case "LruCrawlerTune":
    case "SlabsAutomove":
    case "SlabsReassign":
    case "LruTune":
      return fc.oneof(
        fc.constant(Res.results.ok),
        fc.record({
          status: fc.constantFrom("BADCLASS" as const, "BUSY" as const, "NOTSTARTED" as const, "NOSPARE" as const),
          message: text(1)
        }).map((fields) => Res.StatusLine.make(fields))
      )
    case "RefreshCerts":
      return fc.oneof(
        fc.constant(Res.results.ok),
        text(1).map((reason) => Res.Line.make({ line: `Error ${reason}` }))
      )
    case "LruCrawlerMetadump":
    case "Watch":
      // Streams, which the decoder does not read (the client refuses to send them): not generated.
      return fc.constant(Res.results.ok)
  }
}

/** A reply to `request`: its own kind, an error, or for a quiet request possibly none. */
export const resultFor = (request: Request): fc.Arbitrary<Result> => {
  if (request._tag === "Quit") return own(request)
  const arbitraries = [{ weight: 6, arbitrary: own(request) }, { weight: 1, arbitrary: errorResult }]
  if (isQuietRequest(request)) arbitraries.push({ weight: 2, arbitrary: fc.constant(Res.results.silent) })
  return fc.oneof(...arbitraries)
}

/** A request with a reply the server may give it (not the streaming ones: metadump, watch). */
export const exchange: fc.Arbitrary<Exchange> = anyRequest.filter((request) => !isStreamingRequest(request)).chain((
  request
) => resultFor(request).map((result) => ({ request, result })))

/** A form `toEqual` compares by content: every byte array, however deep, as a hex string. */
export const deepComparable = (u: unknown): unknown => {
  if (u instanceof Uint8Array) return Buffer.from(u.buffer, u.byteOffset, u.length).toString("hex")
  if (Array.isArray(u)) return u.map(deepComparable)
  if (u !== null && typeof u === "object") {
    return Object.fromEntries(Object.entries(u).map(([k, v]) => [k, deepComparable(v)]))
  }
  return u
}
