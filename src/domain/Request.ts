/**
 * Typed requests: what a client asks of the cache, independent of the protocol that carried it.
 * Every protocol decodes into this union; every store executes it.
 *
 * @module
 */
import * as Schema from "effect/Schema"
import { MetaArithmetic, MetaDebug, MetaDelete, MetaGet, MetaNoop, MetaSet } from "./MetaRequest.js"
import { OperatorRequest } from "./OperatorRequest.js"
import { BinaryKey, Exptime, Flags, Key, Keys, U64, Value } from "./Primitives.js"

const noreply = Schema.Boolean
/**
 * On a retrieval, set by the server and never sent by a client: memcached looks up (and for gat,
 * touches) the keys of a get line one by one and, at a key over 250 bytes, drops the replies of those
 * before it for the error's. The lookups still happen, so they are executed with their replies dropped.
 */
const repliesDropped = Schema.optionalWith(Schema.Boolean, { exact: true })

/** `get <key>+`: values of the keys that exist, in request order. */
export const Get = Schema.TaggedStruct("Get", { keys: Keys, noreply: repliesDropped })
/** `gets <key>+`: like Get, with CAS uniques. */
export const Gets = Schema.TaggedStruct("Gets", { keys: Keys, noreply: repliesDropped })
/** `gat <exptime> <key>+`: get and touch. */
export const Gat = Schema.TaggedStruct("Gat", { exptime: Exptime, keys: Keys, noreply: repliesDropped })
/** `gats <exptime> <key>+`: get and touch, with CAS uniques. */
export const Gats = Schema.TaggedStruct("Gats", { exptime: Exptime, keys: Keys, noreply: repliesDropped })

const storageFields = { key: Key, flags: Flags, exptime: Exptime, value: Value, noreply }
/** `set`: store unconditionally. */
export const Set = Schema.TaggedStruct("Set", storageFields)
/** `add`: store only if the key does not exist. */
export const Add = Schema.TaggedStruct("Add", storageFields)
/** `replace`: store only if the key exists. */
export const Replace = Schema.TaggedStruct("Replace", storageFields)
/** `append`: add bytes after an existing item's value, keeping its flags and exptime. */
export const Append = Schema.TaggedStruct("Append", storageFields)
/** `prepend`: add bytes before an existing item's value, keeping its flags and exptime. */
export const Prepend = Schema.TaggedStruct("Prepend", storageFields)
/** `cas`: store only if the item's CAS unique is still `cas`. */
export const Cas = Schema.TaggedStruct("Cas", { ...storageFields, cas: U64 })

/** The storage command names, as the text protocol spells them. */
export const StorageCommand = Schema.Literal("set", "add", "replace", "append", "prepend", "cas")
/** @see StorageCommand */
export type StorageCommand = typeof StorageCommand.Type

/**
 * A storage command whose value exceeds the item size limit. Its data was discarded unread; memcached
 * replies `SERVER_ERROR object too large for cache` and, for `set` (and every `ms`), also drops the
 * key's old value so that a stale value does not outlive a failed overwrite. The key may be an `ms`
 * binary key.
 */
export const TooLarge = Schema.TaggedStruct("TooLarge", { command: StorageCommand, key: BinaryKey, noreply })

/** `delete <key>`. */
export const Delete = Schema.TaggedStruct("Delete", { key: Key, noreply })
/** `incr <key> <delta>`: unsigned 64-bit add, wrapping at 2^64. */
export const Incr = Schema.TaggedStruct("Incr", { key: Key, delta: U64, noreply })
/** `decr <key> <delta>`: unsigned 64-bit subtract, stopping at 0. */
export const Decr = Schema.TaggedStruct("Decr", { key: Key, delta: U64, noreply })
/** `touch <key> <exptime>`. */
export const Touch = Schema.TaggedStruct("Touch", { key: Key, exptime: Exptime, noreply })
/** `flush_all [delay]`: invalidate every item now, or `delay` seconds from now (0 = now). */
export const FlushAll = Schema.TaggedStruct("FlushAll", { delay: Exptime, noreply })
/** `version`. */
export const Version = Schema.TaggedStruct("Version", {})
/** `verbosity <level>`: set the logging level. */
export const Verbosity = Schema.TaggedStruct("Verbosity", { level: Flags, noreply })
/** `cache_memlimit <MB>`: change the memory limit at run time (8 MB to 1,000,000,000 MB). */
export const CacheMemlimit = Schema.TaggedStruct("CacheMemlimit", {
  megabytes: Flags.pipe(Schema.between(8, 1_000_000_000)),
  noreply
})
/** `quit`: close the connection. */
export const Quit = Schema.TaggedStruct("Quit", {})
/** `shutdown [graceful]`: stop the server, when the operator has enabled it (`args`: the tokens after it). */
export const Shutdown = Schema.TaggedStruct("Shutdown", { args: Schema.Array(Schema.NonEmptyString) })
/** `stats [group...]`: counters, or a named group of them (`reset` clears them). */
export const Stats = Schema.TaggedStruct("Stats", { args: Schema.Array(Schema.NonEmptyString) })

/** `refresh_certs [noreply]`: reload the TLS certificates (`noreply` silences only the `OK`). */
export const RefreshCerts = Schema.TaggedStruct("RefreshCerts", { noreply })

/** Every request a client can make. */
export const Request = Schema.Union(
  Get,
  Gets,
  Gat,
  Gats,
  Set,
  Add,
  Replace,
  Append,
  Prepend,
  Cas,
  TooLarge,
  Delete,
  Incr,
  Decr,
  Touch,
  FlushAll,
  Version,
  Verbosity,
  CacheMemlimit,
  Quit,
  Shutdown,
  Stats,
  RefreshCerts,
  MetaGet,
  MetaSet,
  MetaDelete,
  MetaArithmetic,
  MetaNoop,
  MetaDebug,
  ...OperatorRequest.members
)
/** @see Request */
export type Request = typeof Request.Type

/** Text-protocol requests that carry a value to store. */
export type Storage = Extract<Request, { readonly _tag: "Set" | "Add" | "Replace" | "Append" | "Prepend" | "Cas" }>

/** Requests that read items by key. */
export type Retrieval = Extract<Request, { readonly keys: ReadonlyArray<Key> }>

/** Whether a request asked for no reply (`noreply`). */
export const isQuiet = (request: Request): boolean => "noreply" in request && request.noreply === true
