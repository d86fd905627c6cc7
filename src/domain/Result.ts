/**
 * Typed results: what the cache answers, independent of the protocol that will encode it.
 *
 * Tag-only results are shared singletons so the hot path allocates nothing for them.
 *
 * @module
 */
import * as Schema from "effect/Schema"
import { MetaDebugMiss, MetaDebugReply, MetaNoopReply, MetaReply } from "./MetaResult.js"
import { CasUnique, Flags, Key, U64, Value } from "./Primitives.js"

/** One item found by a retrieval. Store items may be passed as hits directly: they have these fields. */
export const Hit = Schema.Struct({ key: Key, flags: Flags, value: Value, cas: CasUnique })
/** @see Hit */
export type Hit = typeof Hit.Type

/** The items a retrieval found, in request order; `withCas` for gets/gats. */
export const Values = Schema.TaggedStruct("Values", { hits: Schema.Array(Hit), withCas: Schema.Boolean })
/** The stored item. */
export const Stored = Schema.TaggedStruct("Stored", {})
/** A conditional store whose condition failed (add on an existing key, replace/append on a missing one). */
export const NotStored = Schema.TaggedStruct("NotStored", {})
/** A cas whose unique did not match. */
export const Exists = Schema.TaggedStruct("Exists", {})
/** The key does not exist. */
export const NotFound = Schema.TaggedStruct("NotFound", {})
/** The key was deleted. */
export const Deleted = Schema.TaggedStruct("Deleted", {})
/** The key's expiry was updated. */
export const Touched = Schema.TaggedStruct("Touched", {})
/** The new value of a counter after incr/decr. */
export const Counter = Schema.TaggedStruct("Counter", { value: U64 })
/** Plain success (flush_all, verbosity). */
export const Ok = Schema.TaggedStruct("Ok", {})
/** The server's version. */
export const VersionReply = Schema.TaggedStruct("VersionReply", { version: Schema.String })
/** Named statistics, in reporting order. */
export const StatsReply = Schema.TaggedStruct("StatsReply", {
  entries: Schema.Array(Schema.Tuple(Schema.String, Schema.String)),
  /** false: no END line (memcached's `stats sizes_enable` and `sizes_disable` send none). */
  terminated: Schema.optional(Schema.Literal(false))
})
/** One key prefix's counts in `stats detail dump`. */
export const PrefixLine = Schema.Struct({
  prefix: Schema.String,
  gets: Schema.Number,
  hits: Schema.Number,
  sets: Schema.Number,
  deletes: Schema.Number
})
/** @see PrefixLine */
export type PrefixLine = typeof PrefixLine.Type
/** Counts per key prefix (`stats detail dump`), in reporting order. */
export const PrefixDump = Schema.TaggedStruct("PrefixDump", { prefixes: Schema.Array(PrefixLine) })
/** The request was not understood (an unknown command or a wrong number of tokens). */
export const UnknownCommand = Schema.TaggedStruct("UnknownCommand", {})
/** The client sent something invalid; the message follows `CLIENT_ERROR `. */
export const ClientError = Schema.TaggedStruct("ClientError", { message: Schema.String })
/** The server could not do it; the message follows `SERVER_ERROR `. */
export const ServerError = Schema.TaggedStruct("ServerError", { message: Schema.String })
/** The statistics were reset (`stats reset`). */
export const StatsReset = Schema.TaggedStruct("StatsReset", {})
/** A command the operator has not enabled (e.g. `shutdown` without `-A`). */
export const NotEnabled = Schema.TaggedStruct("NotEnabled", { feature: Schema.String })
/** A `cache_memlimit` the server refused: below 8 MB, or so large it must have been given in bytes. */
export const MemlimitRejected = Schema.TaggedStruct("MemlimitRejected", {
  reason: Schema.Literal("too_small", "megabytes_not_bytes")
})
/** One item listed by `stats cachedump`: its key, value length and absolute expiry (0 = never). */
export const DumpedItem = Schema.Struct({ key: Schema.String, bytes: Schema.Number, exptime: Schema.Number })
/** @see DumpedItem */
export type DumpedItem = typeof DumpedItem.Type
/**
 * What a scan of the store reports about one live item (`stats cachedump`, and memcached's crawler
 * dumps): its key (latin1; `binaryKey` when stored through a base64 meta key), value length, times
 * (Unix seconds; `exptime` 0 = never), CAS unique, whether it was fetched since stored, its size class
 * and its size as memcached measures it.
 */
export const ItemMetadata = Schema.Struct({
  key: Schema.String,
  binaryKey: Schema.Boolean,
  valueLength: Schema.Number,
  exptime: Schema.Number,
  time: Schema.Number,
  lastAccess: Schema.Number,
  cas: Schema.Number,
  fetched: Schema.Boolean,
  sizeClass: Schema.Number,
  size: Schema.Number
})
/** @see ItemMetadata */
export type ItemMetadata = typeof ItemMetadata.Type
/** The items `stats cachedump <class> <limit>` lists. */
export const CacheDump = Schema.TaggedStruct("CacheDump", { items: Schema.Array(DumpedItem) })
/**
 * An operator command's status line, worded as memcached words it: `BADCLASS invalid class id`,
 * `NOSPARE source class has no spare pages`, `ERROR hot and warm pcts must not exceed 80`, ...
 */
export const StatusLine = Schema.TaggedStruct("StatusLine", {
  status: Schema.Literal("BADCLASS", "BUSY", "NOTSTARTED", "SAME", "NOSPARE", "ERROR", "WATCHER_TOO_MANY"),
  message: Schema.String
})
/** @see StatusLine */
export type StatusLine = typeof StatusLine.Type
/** Close the connection after the replies before this one are sent (quit, or an unrecoverable input). */
export const Close = Schema.TaggedStruct("Close", {})
/** Nothing to send (a quiet request, or a request whose reply is suppressed). */
export const Silent = Schema.TaggedStruct("Silent", {})

/** Every result. */
export const Result = Schema.Union(
  Values,
  Stored,
  NotStored,
  Exists,
  NotFound,
  Deleted,
  Touched,
  Counter,
  Ok,
  VersionReply,
  StatsReply,
  PrefixDump,
  CacheDump,
  StatsReset,
  UnknownCommand,
  ClientError,
  ServerError,
  NotEnabled,
  MemlimitRejected,
  StatusLine,
  Close,
  Silent,
  MetaReply,
  MetaDebugReply,
  MetaDebugMiss,
  MetaNoopReply
)
/** @see Result */
export type Result = typeof Result.Type

/** Shared instances of the tag-only results. */
export const results = {
  stored: Stored.make({}),
  notStored: NotStored.make({}),
  exists: Exists.make({}),
  notFound: NotFound.make({}),
  deleted: Deleted.make({}),
  touched: Touched.make({}),
  ok: Ok.make({}),
  statsReset: StatsReset.make({}),
  unknownCommand: UnknownCommand.make({}),
  close: Close.make({}),
  silent: Silent.make({}),
  metaDebugMiss: MetaDebugMiss.make({}),
  metaNoop: MetaNoopReply.make({})
} as const

/** memcached's reply to a malformed command line. */
export const badCommandLine = ClientError.make({ message: "bad command line format" })

/**
 * The error replies more than one module gives, made once: the store's semantics and the protocols'
 * decoders answer with the same instances.
 */
export const errors = {
  /** A store that does not fit and cannot evict (`-M`), or a failed allocation. */
  outOfMemory: ServerError.make({ message: "out of memory storing object" }),
  /** A value over the item size limit. */
  tooLarge: ServerError.make({ message: "object too large for cache" }),
  /** incr/decr on a value that is not a number. */
  nonNumeric: ClientError.make({ message: "cannot increment or decrement non-numeric value" }),
  /** A meta command's opaque (O) token over 32 bytes. */
  opaqueTooLong: ClientError.make({ message: "opaque token too long" }),
  /** A bug inside the server, contained: the request failed, the server goes on. */
  internalError: ServerError.make({ message: "internal error" })
} as const

/** Builds a Values result without validation (hot path: the store's items are valid by construction). */
export const values = (hits: ReadonlyArray<Hit>, withCas: boolean): Result => ({ _tag: "Values", hits, withCas })

/** Builds a Counter result without validation (hot path). */
export const counter = (value: bigint): Result => ({ _tag: "Counter", value })

// A record keyed by every tag, so adding a result without listing it here fails to compile.
const resultTags: Record<Result["_tag"], true> = {
  Values: true,
  Stored: true,
  NotStored: true,
  Exists: true,
  NotFound: true,
  Deleted: true,
  Touched: true,
  Counter: true,
  Ok: true,
  VersionReply: true,
  StatsReply: true,
  PrefixDump: true,
  CacheDump: true,
  StatsReset: true,
  UnknownCommand: true,
  ClientError: true,
  ServerError: true,
  NotEnabled: true,
  MemlimitRejected: true,
  StatusLine: true,
  Close: true,
  Silent: true,
  MetaReply: true,
  MetaDebugReply: true,
  MetaDebugMiss: true,
  MetaNoopReply: true
}

/** Whether a value is a result (as opposed to a request: their tags are disjoint). */
export const isResult = <A extends { readonly _tag: string }>(u: A | Result): u is Result =>
  Object.prototype.hasOwnProperty.call(resultTags, u._tag)
