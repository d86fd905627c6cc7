/**
 * From the client's arguments to the domain's requests: keys (UTF-8 strings to the protocol's bytes),
 * values, TTLs (Durations to memcached's exptimes) and the meta commands' flags (typed options to the
 * flag list, in a fixed order). Arguments the protocol cannot carry fail here, before anything is sent.
 *
 * @module
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { MetaArithmetic, MetaDelete, MetaFlag, MetaGet, MetaSet } from "../domain/MetaRequest.js"
import { isBinaryKey, isKey, U32_MAX, U64_MAX } from "../domain/Primitives.js"
import { ClientError } from "./Errors.js"

/** memcached reads an exptime above 30 days as a Unix time. */
const MAX_RELATIVE_SECONDS = 60 * 60 * 24 * 30

const isAscii = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false
  return true
}

/** The protocol's form of a key: its UTF-8 bytes, one char per byte (ASCII keys are unchanged). */
export const toWire = (key: string): string => isAscii(key) ? key : Buffer.from(key, "utf8").toString("latin1")

/** A key as the user wrote it, from its wire form. */
export const fromWire = (key: string): string => isAscii(key) ? key : Buffer.from(key, "latin1").toString("utf8")

const invalid = (message: string) => new ClientError({ server: undefined, message })

/** A text-protocol key's wire form (1 to 250 bytes of UTF-8, no space, newline or NUL), or why not. */
export const checkKey = (key: string): string | ClientError => {
  const wire = toWire(key)
  return isKey(wire)
    ? wire
    : invalid(`invalid key ${JSON.stringify(key)}: 1 to 250 bytes without space, newline or NUL`)
}

/** A text-protocol key's wire form, as an Effect. */
export const textKey = (key: string): Effect.Effect<string, ClientError> => {
  const wire = checkKey(key)
  return typeof wire === "string" ? Effect.succeed(wire) : Effect.fail(wire)
}

/** A meta-protocol key: with `base64`, any 1 to 250 bytes (sent base64-encoded); else a text key. */
export const metaKey = (key: string | Uint8Array, base64: boolean): Effect.Effect<string, ClientError> => {
  if (typeof key === "string" && !base64) return textKey(key)
  const wire = typeof key === "string" ? toWire(key) : Buffer.from(key).toString("latin1")
  return isBinaryKey(wire) ? Effect.succeed(wire) : Effect.fail(invalid(`invalid key: 1 to 250 bytes`))
}

/** A value to store: bytes as given, strings as UTF-8. */
export type ValueInput = string | Uint8Array

/** The bytes of a value. */
export const toBytes = (value: ValueInput): Uint8Array => typeof value === "string" ? Buffer.from(value, "utf8") : value

/**
 * memcached's exptime for a time to live: 0 (never) when absent or zero, whole seconds rounded up, and
 * past 30 days the Unix time it ends at (memcached would read a larger count of seconds as one).
 */
export const exptime = (ttl: Duration.DurationInput | undefined): Effect.Effect<number> => {
  const relative = relativeExptime(ttl)
  if (relative !== undefined) return Effect.succeed(relative)
  const seconds = Math.ceil(Duration.toMillis(Duration.decode(ttl!)) / 1000)
  return Effect.map(Effect.clockWith((clock) => clock.currentTimeMillis), (now) => Math.ceil(now / 1000) + seconds)
}

/** The exptime of a TTL of 30 days or less (no clock needed), else undefined. */
export const relativeExptime = (ttl: Duration.DurationInput | undefined): number | undefined => {
  if (ttl === undefined) return 0
  const seconds = Math.ceil(Duration.toMillis(Duration.decode(ttl)) / 1000)
  return seconds <= MAX_RELATIVE_SECONDS ? seconds : undefined
}

/** Client flags (a 32-bit unsigned integer; 0 when absent), or why not. */
export const checkFlags = (flags: number | undefined): number | ClientError =>
  flags === undefined ? 0 : Number.isInteger(flags) && flags >= 0 && flags <= U32_MAX
    ? flags
    : invalid(`flags must be an integer from 0 to ${U32_MAX}, got ${flags}`)

/** Client flags, as an Effect. */
export const clientFlags = (flags: number | undefined): Effect.Effect<number, ClientError> => {
  const checked = checkFlags(flags)
  return typeof checked === "number" ? Effect.succeed(checked) : Effect.fail(checked)
}

/** An unsigned 64-bit number (deltas, CAS uniques). */
export const u64 = (n: number | bigint, what: string): Effect.Effect<bigint, ClientError> => {
  const big = typeof n === "bigint" ? n : Number.isInteger(n) ? BigInt(n) : -1n
  return big >= 0n && big <= U64_MAX
    ? Effect.succeed(big)
    : Effect.fail(invalid(`${what} must be an integer from 0 to 2^64-1, got ${n}`))
}

/** What every keyed meta command takes. */
export interface MetaCommon {
  /** Send the key base64-encoded (`b`): it may then be any bytes. */
  readonly base64?: boolean
  /** Return the key (`k`). */
  readonly returnKey?: boolean
  /** An opaque token echoed in the reply (`O`), up to 31 characters without spaces. */
  readonly opaque?: string
  /** Quiet mode (`q`): the reply of the command's common outcome is suppressed (the result is then `Silent`). */
  readonly quiet?: boolean
}

/** `mg` flags. */
export interface MetaGetOptions extends MetaCommon {
  /** Return the value (`v`). */
  readonly value?: boolean
  /** Return the CAS unique (`c`), client flags (`f`), TTL left (`t`), size (`s`). */
  readonly returnCas?: boolean
  readonly returnFlags?: boolean
  readonly returnTtl?: boolean
  readonly returnSize?: boolean
  /** Return seconds since last access (`l`) and whether fetched before (`h`). */
  readonly returnLastAccess?: boolean
  readonly returnFetched?: boolean
  /** Don't bump the item in the LRU or update its access time (`u`). */
  readonly noUpdate?: boolean
  /** Update the TTL (`T`). */
  readonly touch?: Duration.DurationInput
  /** On a miss, create an empty item with this TTL and win the right to recache it (`N`). */
  readonly vivify?: Duration.DurationInput
  /** Win the right to recache when the TTL left is below this (`R`). */
  readonly recache?: Duration.DurationInput
}

/** `ms` flags. */
export interface MetaSetOptions extends MetaCommon {
  readonly ttl?: Duration.DurationInput
  readonly flags?: number
  /** Store only if the item's CAS unique is this one (`C`). */
  readonly compareCas?: number | bigint
  /** With `compareCas`: an older CAS still stores, marking the item stale (`I`). */
  readonly invalidate?: boolean
  /** `M`: set (default), add, replace, append or prepend. */
  readonly mode?: "set" | "add" | "replace" | "append" | "prepend"
  readonly returnCas?: boolean
}

/** `md` flags. */
export interface MetaDeleteOptions extends MetaCommon {
  readonly compareCas?: number | bigint
  /** Mark the item stale instead of deleting it (`I`); with `ttl`, it then expires after it (`T`). */
  readonly invalidate?: boolean
  readonly ttl?: Duration.DurationInput
}

/** `ma` flags. */
export interface MetaArithmeticOptions extends MetaCommon {
  readonly mode?: "incr" | "decr"
  /** The amount (`D`), 1 by default. */
  readonly delta?: number | bigint
  /** On a miss, create the counter with `initial` (`J`, default 0) and this TTL (`N`). */
  readonly vivify?: Duration.DurationInput
  readonly initial?: number | bigint
  /** Update the TTL (`T`). */
  readonly ttl?: Duration.DurationInput
  readonly compareCas?: number | bigint
  /** Return the new value (`v`), CAS unique (`c`), TTL left (`t`). */
  readonly value?: boolean
  readonly returnCas?: boolean
  readonly returnTtl?: boolean
}

type Common = Pick<MetaGet, "key" | "base64" | "quiet" | "opaque">

const common = (
  key: string | Uint8Array,
  options: MetaCommon,
  flags: Array<MetaFlag>
): Effect.Effect<Common, ClientError> => {
  const base64 = options.base64 === true
  if (options.opaque !== undefined && !/^[^\s]{0,31}$/.test(options.opaque)) {
    return Effect.fail(invalid(`opaque must be up to 31 characters without spaces`))
  }
  if (base64) flags.push("b")
  if (options.returnKey === true) flags.push("k")
  if (options.opaque !== undefined) flags.push("O")
  if (options.quiet === true) flags.push("q")
  return Effect.map(metaKey(key, base64), (wire) => ({
    key: wire,
    base64,
    quiet: options.quiet === true,
    opaque: options.opaque
  }))
}

/** Adds `flag` when `on`. */
const when = (flags: Array<MetaFlag>, on: boolean | undefined, flag: MetaFlag): boolean => {
  if (on === true) flags.push(flag)
  return on === true
}

/** A TTL option as an exptime, with its flag added when given. */
const ttlFlag = (flags: Array<MetaFlag>, ttl: Duration.DurationInput | undefined, flag: MetaFlag) => {
  if (ttl === undefined) return Effect.succeed(undefined)
  flags.push(flag)
  return exptime(ttl)
}

const casFlag = (flags: Array<MetaFlag>, cas: number | bigint | undefined) => {
  if (cas === undefined) return Effect.succeed(undefined)
  flags.push("C")
  return u64(cas, "compareCas")
}

/** The `mg` request for `key` with these options. */
export const metaGet = (key: string | Uint8Array, o: MetaGetOptions = {}): Effect.Effect<MetaGet, ClientError> => {
  const flags: Array<MetaFlag> = []
  const returnValue = when(flags, o.value, "v")
  when(flags, o.returnCas, "c")
  when(flags, o.returnFlags, "f")
  when(flags, o.returnTtl, "t")
  when(flags, o.returnSize, "s")
  when(flags, o.returnLastAccess, "l")
  when(flags, o.returnFetched, "h")
  const noUpdate = when(flags, o.noUpdate, "u")
  return Effect.all([ttlFlag(flags, o.touch, "T"), ttlFlag(flags, o.vivify, "N"), ttlFlag(flags, o.recache, "R")])
    .pipe(Effect.flatMap(([ttl, vivify, recache]) =>
      Effect.map(common(key, o, flags), (c): MetaGet => ({
        _tag: "MetaGet",
        ...c,
        flags,
        returnValue,
        noUpdate,
        ttl,
        vivify,
        recache
      }))
    ))
}

const setModes = { set: "S", add: "E", replace: "R", append: "A", prepend: "P" } as const

/** The `ms` request storing `value` at `key`. */
export const metaSet = (
  key: string | Uint8Array,
  value: Uint8Array,
  o: MetaSetOptions = {}
): Effect.Effect<MetaSet, ClientError> => {
  const flags: Array<MetaFlag> = []
  when(flags, o.returnCas, "c")
  const invalidate = when(flags, o.invalidate, "I")
  if (o.mode !== undefined) flags.push("M")
  if (o.flags !== undefined) flags.push("F")
  return Effect.all([ttlFlag(flags, o.ttl, "T"), casFlag(flags, o.compareCas), clientFlags(o.flags)]).pipe(
    Effect.flatMap(([ttl, compareCas, f]) =>
      Effect.map(common(key, o, flags), (c): MetaSet => ({
        _tag: "MetaSet",
        ...c,
        flags,
        value,
        clientFlags: f,
        ttl: ttl ?? 0,
        compareCas,
        invalidate,
        mode: o.mode === undefined ? undefined : setModes[o.mode]
      }))
    )
  )
}

/** The `md` request for `key`. */
export const metaDelete = (
  key: string | Uint8Array,
  o: MetaDeleteOptions = {}
): Effect.Effect<MetaDelete, ClientError> => {
  const flags: Array<MetaFlag> = []
  const invalidate = when(flags, o.invalidate, "I")
  return Effect.all([ttlFlag(flags, o.ttl, "T"), casFlag(flags, o.compareCas)]).pipe(
    Effect.flatMap(([ttl, compareCas]) =>
      Effect.map(common(key, o, flags), (c): MetaDelete => ({
        _tag: "MetaDelete",
        ...c,
        flags,
        compareCas,
        invalidate,
        ttl
      }))
    )
  )
}

/** The `ma` request for `key`. */
export const metaArithmetic = (
  key: string | Uint8Array,
  o: MetaArithmeticOptions = {}
): Effect.Effect<MetaArithmetic, ClientError> => {
  const flags: Array<MetaFlag> = []
  const returnValue = when(flags, o.value, "v")
  when(flags, o.returnCas, "c")
  when(flags, o.returnTtl, "t")
  if (o.mode !== undefined) flags.push("M")
  if (o.delta !== undefined) flags.push("D")
  if (o.initial !== undefined) flags.push("J")
  return Effect.all([
    ttlFlag(flags, o.ttl, "T"),
    ttlFlag(flags, o.vivify, "N"),
    casFlag(flags, o.compareCas),
    u64(o.delta ?? 1, "delta"),
    u64(o.initial ?? 0, "initial")
  ]).pipe(
    Effect.flatMap(([ttl, vivify, compareCas, delta, initial]) =>
      Effect.map(common(key, o, flags), (c): MetaArithmetic => ({
        _tag: "MetaArithmetic",
        ...c,
        flags,
        returnValue,
        compareCas,
        vivify,
        initial,
        delta,
        mode: o.mode === undefined ? undefined : o.mode === "incr" ? "I" : "D",
        ttl
      }))
    )
  )
}
