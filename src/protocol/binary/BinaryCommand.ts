/**
 * Decoding of a binary packet's fields into the domain's requests. Packets become meta requests:
 * their keys are any bytes, their replies carry the CAS unique and client flags a binary response
 * needs, and memcached's binary semantics are meta's (a set, add or replace with a CAS is a cas;
 * append with a CAS compares it; incr creates a missing counter from an initial value). The fields
 * are decoded by wire Schemas built from the domain's scalars; `undefined` means they did not decode.
 *
 * @module
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type { MetaArithmetic, MetaDelete, MetaFlag, MetaGet, MetaSet } from "../../domain/MetaRequest.js"
import { BinaryKey, Exptime, Flags, isKey, U64 } from "../../domain/Primitives.js"
import type { Request } from "../../domain/Request.js"
import { NO_CREATE, Op } from "./Opcodes.js"

/**
 * A binary expiry: an unsigned 32-bit number, which memcached reads as a time_t, so values past 2^31
 * are absolute times after 2038. Decoded to the domain's signed expiry by holding them at 2^31 - 1,
 * also an absolute time decades ahead: the item lives as long either way.
 */
export const WireExptime = Schema.transform(Schema.Number.pipe(Schema.int(), Schema.between(0, 0xffff_ffff)), Exptime, {
  strict: true,
  decode: (n) => Math.min(n, 2 ** 31 - 1),
  encode: (n) => (n < 0 ? n + 2 ** 32 : n)
})

/**
 * Wire schemas: the fields a packet carries, as the domain's scalars. Each field is decoded on its
 * own (a packet's fields are already apart, read from fixed offsets), not as a Struct: that saves an
 * input and an output object and the Struct's per-property walk on every packet, and a get decodes
 * only its key.
 */
export const fields = {
  key: BinaryKey,
  flags: Flags,
  exptime: WireExptime,
  /** A CAS, a delta or an initial value; a CAS of 0 ("none") is not decoded. */
  u64: U64
} as const

const decodeKey = Schema.decodeUnknownEither(fields.key)
const decodeFlags = Schema.decodeUnknownEither(fields.flags)
const decodeExptime = Schema.decodeUnknownEither(fields.exptime)
const decodeU64 = Schema.decodeUnknownEither(fields.u64)

/** A CAS field: 0 ("none") as is, else decoded; undefined when it does not decode. */
const decodeCas = (cas: bigint): bigint | undefined => {
  if (cas === 0n) return cas
  const decoded = decodeU64(cas)
  return Either.isRight(decoded) ? decoded.right : undefined
}

const getFlags: ReadonlyArray<MetaFlag> = ["v", "f", "c"]
const gatFlags: ReadonlyArray<MetaFlag> = ["v", "f", "c", "T"]
const touchFlags: ReadonlyArray<MetaFlag> = ["f", "c", "T"]
const setFlags: ReadonlyArray<MetaFlag> = ["F", "T", "M", "c"]
const casSetFlags: ReadonlyArray<MetaFlag> = ["F", "T", "M", "C", "c"]
const deleteFlags: ReadonlyArray<MetaFlag> = []
const casDeleteFlags: ReadonlyArray<MetaFlag> = ["C"]

const modeOf: Readonly<Record<number, "S" | "E" | "R" | "A" | "P">> = {
  [Op.Set]: "S",
  [Op.Add]: "E",
  [Op.Replace]: "R",
  [Op.Append]: "A",
  [Op.Prepend]: "P"
}

/** Whether a string decodes as a binary key (the check a too-large set's key gets). */
export const binaryKey = (key: string): string | undefined => {
  const decoded = decodeKey(key)
  return Either.isRight(decoded) ? decoded.right : undefined
}

/**
 * get/getk (quiet or not) as a one-key gets; touch/gat/gatk as a one-key gat (a touch drops the value
 * when encoding), which count hits and misses as memcached's binary protocol does (a touch or gat as a
 * touch only). A key the text protocol cannot carry (a space, newline or NUL) goes as an mg with v, f, c
 * (and T), which counts the same but for a touch's miss (a get miss).
 */
export const retrievalRequest = (opcode: number, key: string, exptime: number | undefined): Request | undefined => {
  const decodedKey = decodeKey(key)
  if (Either.isLeft(decodedKey)) return undefined
  let ttl: number | undefined
  if (exptime !== undefined) {
    const decoded = decodeExptime(exptime)
    if (Either.isLeft(decoded)) return undefined
    ttl = decoded.right
  }
  if (isKey(key)) {
    return ttl === undefined ? { _tag: "Gets", keys: [key] } : { _tag: "Gat", exptime: ttl, keys: [key] }
  }
  const flags = exptime === undefined ? getFlags : opcode === Op.Touch ? touchFlags : gatFlags
  const request: MetaGet = {
    _tag: "MetaGet",
    key: decodedKey.right,
    flags,
    base64: false,
    quiet: false,
    opaque: undefined,
    returnValue: flags !== touchFlags,
    noUpdate: false,
    ttl,
    vivify: undefined,
    recache: undefined
  }
  return request
}

/** set/add/replace/append/prepend with its value, as an ms in the matching mode (or a cas). */
export const storeRequest = (
  opcode: number,
  key: string,
  flags: number,
  exptime: number,
  cas: bigint,
  value: Uint8Array
): Request | undefined => {
  const decodedKey = decodeKey(key)
  const decodedFlags = decodeFlags(flags)
  const decodedExptime = decodeExptime(exptime)
  const compareCas = decodeCas(cas)
  if (
    Either.isLeft(decodedKey) || Either.isLeft(decodedFlags) || Either.isLeft(decodedExptime) ||
    compareCas === undefined
  ) return undefined
  // memcached turns a set, add or replace with a CAS into a cas; append and prepend compare it.
  const isCas = cas !== 0n && opcode !== Op.Append && opcode !== Op.Prepend
  const request: MetaSet = {
    _tag: "MetaSet",
    key: decodedKey.right,
    flags: cas === 0n ? setFlags : casSetFlags,
    base64: false,
    quiet: false,
    opaque: undefined,
    value,
    clientFlags: decodedFlags.right,
    ttl: decodedExptime.right,
    compareCas: cas === 0n ? undefined : compareCas,
    invalidate: false,
    mode: isCas ? "S" : modeOf[opcode]
  }
  return request
}

/** delete, comparing the CAS when one is given. */
export const deleteRequest = (key: string, cas: bigint): Request | undefined => {
  const decoded = decodeKey(key)
  const compareCas = decodeCas(cas)
  if (Either.isLeft(decoded) || compareCas === undefined) return undefined
  const request: MetaDelete = {
    _tag: "MetaDelete",
    key: decoded.right,
    flags: cas === 0n ? deleteFlags : casDeleteFlags,
    base64: false,
    quiet: false,
    opaque: undefined,
    compareCas: cas === 0n ? undefined : compareCas,
    invalidate: false,
    ttl: undefined
  }
  return request
}

/**
 * incr or decr as an ma: the delta, the initial value a missing counter starts from, created with
 * the expiry unless it is 0xffffffff ("do not create"), and the CAS to compare when not zero.
 */
export const arithmeticRequest = (
  incr: boolean,
  key: string,
  delta: bigint,
  initial: bigint,
  exptime: number,
  cas: bigint
): Request | undefined => {
  const decodedKey = decodeKey(key)
  const decodedDelta = decodeU64(delta)
  const decodedInitial = decodeU64(initial)
  const compareCas = decodeCas(cas)
  if (
    Either.isLeft(decodedKey) || Either.isLeft(decodedDelta) || Either.isLeft(decodedInitial) ||
    compareCas === undefined
  ) return undefined
  const create = exptime !== NO_CREATE
  const vivify = create ? decodeExptime(exptime) : undefined
  if (vivify !== undefined && Either.isLeft(vivify)) return undefined
  const flags: Array<MetaFlag> = ["v", "c", "J", "D", "M"]
  if (create) flags.push("N")
  if (cas !== 0n) flags.push("C")
  const request: MetaArithmetic = {
    _tag: "MetaArithmetic",
    key: decodedKey.right,
    flags,
    base64: false,
    quiet: false,
    opaque: undefined,
    returnValue: true,
    compareCas: cas === 0n ? undefined : compareCas,
    vivify: vivify?.right,
    initial: decodedInitial.right,
    delta: decodedDelta.right,
    mode: incr ? "I" : "D",
    ttl: undefined
  }
  return request
}

/** flush with its delay (0 when the packet has no extras). */
export const flushRequest = (delay: number): Request | undefined => {
  const decoded = decodeExptime(delay)
  return Either.isRight(decoded) ? { _tag: "FlushAll", delay: decoded.right, noreply: false } : undefined
}

const statsGroups = new Set(["items", "slabs", "sizes", "sizes_enable", "sizes_disable"])

/**
 * A stat packet's key as memcached's process_bin_stat reads it: none for the general statistics;
 * `reset`, `settings` and `detail` matched as prefixes (`detail` followed by ` dump`, ` on` or ` off`);
 * the groups of get_stats by their exact name; anything else (undefined) is Not found.
 */
export const statsRequest = (key: string): Request | undefined => {
  if (key.length === 0) return { _tag: "Stats", args: [] }
  if (key.startsWith("reset")) return { _tag: "Stats", args: ["reset"] }
  if (key.startsWith("settings")) return { _tag: "Stats", args: ["settings"] }
  if (key.startsWith("detail")) {
    const rest = key.slice(6)
    for (const mode of ["dump", "on", "off"]) {
      if (rest.startsWith(` ${mode}`)) return { _tag: "Stats", args: ["detail", mode] }
    }
    return undefined
  }
  return statsGroups.has(key) ? { _tag: "Stats", args: [key] } : undefined
}
