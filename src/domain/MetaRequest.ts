/**
 * Typed meta-protocol requests: memcached's `mg`, `ms`, `md`, `ma`, `mn` and `me`.
 *
 * A keyed meta request carries its key, its flags in the order the client gave them (replies return
 * fields in that order) and each flag's token decoded into a typed field. memcached 1.6.18 validates
 * the flags of mg, ms, md and ma with one parser, so all four accept the same vocabulary; each command
 * keeps the fields it acts on and ignores the rest.
 *
 * @module
 */
import * as Schema from "effect/Schema"
import { BinaryKey, Exptime, Flags, U64, Value } from "./Primitives.js"

/** Every flag memcached 1.6.18 accepts on mg, ms, md and ma. */
export const MetaFlag = Schema.Literal(
  "b",
  "c",
  "f",
  "h",
  "k",
  "l",
  "O",
  "P",
  "L",
  "q",
  "s",
  "t",
  "u",
  "v",
  "N",
  "R",
  "T",
  "F",
  "C",
  "M",
  "J",
  "D",
  "I"
)
/** @see MetaFlag */
export type MetaFlag = typeof MetaFlag.Type

/** The flags that carry a token (the rest of the flag's word), and the request field it decodes into. */
export const metaTokenFields = {
  O: "opaque",
  N: "vivify",
  T: "ttl",
  R: "recache",
  F: "clientFlags",
  C: "compareCas",
  M: "mode",
  J: "initial",
  D: "delta"
} as const

/** A flag that carries a token. */
export type MetaTokenFlag = keyof typeof metaTokenFields

/** The longest opaque memcached echoes: it refuses an `O` word of more than 32 bytes. */
export const MAX_OPAQUE_LENGTH = 31

const MetaFlags = Schema.Array(MetaFlag).pipe(
  Schema.filter((flags) => new Set(flags).size === flags.length, { message: () => "a meta flag is repeated" })
)

/** `ms` modes: E add, A append, P prepend, R replace, S set. */
export const MetaSetMode = Schema.Literal("E", "A", "P", "R", "S")
/** @see MetaSetMode */
export type MetaSetMode = typeof MetaSetMode.Type

/** `ma` modes: I or + increment, D or - decrement. */
export const MetaArithmeticMode = Schema.Literal("I", "+", "D", "-")
/** @see MetaArithmeticMode */
export type MetaArithmeticMode = typeof MetaArithmeticMode.Type

const keyed = {
  /** The key's bytes; with `base64` the client sent them base64-encoded. */
  key: BinaryKey,
  /** The flags as given (each at most once). */
  flags: MetaFlags,
  base64: Schema.Boolean,
  quiet: Schema.Boolean,
  /** The `O` token, echoed back in the reply. */
  opaque: Schema.UndefinedOr(Schema.String)
}
const optionalExptime = Schema.UndefinedOr(Exptime)
const optionalU64 = Schema.UndefinedOr(U64)

/** Which boolean field each flag without a token sets. */
const booleanFields = { b: "base64", q: "quiet", v: "returnValue", u: "noUpdate", I: "invalidate" } as const

/**
 * Whether a request's typed fields agree with its flags: a boolean field is true exactly when its flag
 * is present, a token field is set exactly when its flag is present, or else holds the command's
 * default for it (given in `defaults`).
 */
const agreesWithFlags = (defaults: Partial<Record<string, unknown>>) => (request: Record<string, unknown>): boolean => {
  const flags = request["flags"] as ReadonlyArray<string>
  for (const [flag, field] of Object.entries(booleanFields)) {
    if (field in request && request[field] !== flags.includes(flag)) return false
  }
  for (const [flag, field] of Object.entries(metaTokenFields)) {
    if (!(field in request)) continue
    const value = request[field]
    if (flags.includes(flag) ? value === undefined : value !== (field in defaults ? defaults[field] : undefined)) {
      return false
    }
  }
  return true
}

/** `mg <key> <flags>*`: read an item's value and metadata; may touch (T), vivify (N) or win a recache (R). */
export const MetaGet = Schema.TaggedStruct("MetaGet", {
  ...keyed,
  returnValue: Schema.Boolean,
  noUpdate: Schema.Boolean,
  ttl: optionalExptime,
  vivify: optionalExptime,
  recache: optionalExptime
}).pipe(Schema.filter(agreesWithFlags({})))
/** @see MetaGet */
export type MetaGet = typeof MetaGet.Type

/** `ms <key> <datalen> <flags>*` + data: store, in the mode given (set by default). */
export const MetaSet = Schema.TaggedStruct("MetaSet", {
  ...keyed,
  opaque: Schema.UndefinedOr(Schema.String.pipe(Schema.maxLength(MAX_OPAQUE_LENGTH))),
  value: Value,
  clientFlags: Flags,
  ttl: Exptime,
  compareCas: optionalU64,
  invalidate: Schema.Boolean,
  mode: Schema.UndefinedOr(MetaSetMode)
}).pipe(Schema.filter(agreesWithFlags({ ttl: 0, clientFlags: 0 })))
/** @see MetaSet */
export type MetaSet = typeof MetaSet.Type

/** `md <key> <flags>*`: delete, or with I mark the item stale. */
export const MetaDelete = Schema.TaggedStruct("MetaDelete", {
  ...keyed,
  opaque: Schema.UndefinedOr(Schema.String.pipe(Schema.maxLength(MAX_OPAQUE_LENGTH))),
  compareCas: optionalU64,
  invalidate: Schema.Boolean,
  ttl: optionalExptime
}).pipe(Schema.filter(agreesWithFlags({})))
/** @see MetaDelete */
export type MetaDelete = typeof MetaDelete.Type

/** `ma <key> <flags>*`: add a delta to a counter, or subtract it; may create it (N, J). */
export const MetaArithmetic = Schema.TaggedStruct("MetaArithmetic", {
  ...keyed,
  returnValue: Schema.Boolean,
  compareCas: optionalU64,
  vivify: optionalExptime,
  initial: U64,
  delta: U64,
  mode: Schema.UndefinedOr(MetaArithmeticMode),
  ttl: optionalExptime
}).pipe(Schema.filter(agreesWithFlags({ initial: 0n, delta: 1n })))
/** @see MetaArithmetic */
export type MetaArithmetic = typeof MetaArithmetic.Type

/** `mn`: no operation; its `MN` reply marks the end of a pipelined (quiet) batch. */
export const MetaNoop = Schema.TaggedStruct("MetaNoop", {})
/** @see MetaNoop */
export type MetaNoop = typeof MetaNoop.Type

/** `me <key> [b]`: an item's internal metadata, for debugging. */
export const MetaDebug = Schema.TaggedStruct("MetaDebug", { key: BinaryKey, base64: Schema.Boolean })
/** @see MetaDebug */
export type MetaDebug = typeof MetaDebug.Type

/** The meta requests that take flags (everything but mn and me). */
export const FlaggedMetaRequest = Schema.Union(MetaGet, MetaSet, MetaDelete, MetaArithmetic)
/** @see FlaggedMetaRequest */
export type FlaggedMetaRequest = typeof FlaggedMetaRequest.Type

/** Every meta request. */
export const MetaRequest = Schema.Union(MetaGet, MetaSet, MetaDelete, MetaArithmetic, MetaNoop, MetaDebug)
/** @see MetaRequest */
export type MetaRequest = typeof MetaRequest.Type
