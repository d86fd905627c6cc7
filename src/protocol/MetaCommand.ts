/**
 * Decoding of meta-protocol command lines (`mg`, `ms`, `md`, `ma`, `mn`, `me`) into typed requests.
 *
 * The line is framed by hand: the key and the flag words are split out, each flag's token is put under
 * its request field, and the tokens are decoded once with a Schema built from the domain scalars and the
 * token codecs. When anything is wrong, the error memcached 1.6.18 sends is worked out afresh by walking
 * the flags as its parser does (the last error wins, an unknown or repeated flag stops at once), so the
 * details cost nothing on a valid line.
 *
 * @module
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import {
  MAX_OPAQUE_LENGTH,
  type MetaArithmeticMode,
  MetaFlag,
  type MetaRequest,
  type MetaSet,
  type MetaSetMode,
  metaTokenFields,
  type MetaTokenFlag
} from "../domain/MetaRequest.js"
import { KEY_MAX_LENGTH } from "../domain/Primitives.js"
import * as Res from "../domain/Result.js"
import type { Result } from "../domain/Result.js"
import { decodeBase64Key } from "./Base64Key.js"
import { parseI32, parseU32, parseU64 } from "./Numbers.js"
import { ExptimeToken, FlagsToken, LengthToken, U64Token } from "./Tokens.js"

/** The line of an `ms`, waiting for its data block; `request.value` is empty until then. */
export interface MetaSetHeader {
  readonly _tag: "MetaSetHeader"
  readonly request: MetaSet
  readonly bytes: number
}

/**
 * An `ms` refused after its data length was read: memcached discards the `bytes` of data (and their
 * CRLF) unread, then sends `reply`.
 */
export interface DiscardData {
  readonly _tag: "DiscardData"
  readonly bytes: number
  readonly reply: Result
}

/** What a meta line decodes to. */
export type MetaDecoded = MetaRequest | MetaSetHeader | DiscardData | Result

/** memcached refuses a meta line of this many tokens or more (counting command and key). */
const MAX_META_TOKENS = 20

/** The wire form of the flag tokens: each present token decoded with memcached's number rules. */
const WireTokens = Schema.Struct({
  opaque: Schema.optional(Schema.String),
  vivify: Schema.optional(ExptimeToken),
  ttl: Schema.optional(ExptimeToken),
  recache: Schema.optional(ExptimeToken),
  clientFlags: Schema.optional(FlagsToken),
  compareCas: Schema.optional(U64Token),
  // memcached takes any single character here; ms and ma check it against their modes afterwards.
  mode: Schema.optional(Schema.String.pipe(Schema.length(1))),
  initial: Schema.optional(U64Token),
  delta: Schema.optional(U64Token),
  // ms only: the data length, the token after the key.
  bytes: Schema.optional(LengthToken)
})
type WireTokens = typeof WireTokens.Type
type RawTokens = { -readonly [K in keyof typeof WireTokens.Encoded]?: string }

const decodeTokens = Schema.decodeUnknownEither(WireTokens)

/** Each flag's bit in a set of flags. */
const flagBits: Readonly<Record<string, number>> = Object.fromEntries(
  MetaFlag.literals.map((flag, i) => [flag, 1 << i])
)

const clientError = (message: string): Result =>
  message === "bad command line format" ? Res.badCommandLine : Res.ClientError.make({ message })

interface Scanned {
  readonly flags: Array<MetaFlag>
  readonly raw: RawTokens
  readonly seen: number
}

/**
 * Splits the flag words from `start` on: the flags in order, and the tokens of those that carry one.
 * Undefined when a word starts with a character that is not a flag, or a flag repeats.
 */
const scanFlags = (tokens: ReadonlyArray<string>, start: number, raw: RawTokens): Scanned | undefined => {
  const flags: Array<MetaFlag> = []
  let seen = 0
  for (let i = start; i < tokens.length; i++) {
    const word = tokens[i]!
    const flag = word[0]!
    const bit = flagBits[flag]
    if (bit === undefined || (seen & bit) !== 0) return undefined
    seen |= bit
    flags.push(flag as MetaFlag)
    const field = metaTokenFields[flag as MetaTokenFlag]
    if (field !== undefined) raw[field] = word.slice(1)
  }
  return { flags, raw, seen }
}

const has = (scanned: Scanned, flag: MetaFlag): boolean => (scanned.seen & flagBits[flag]!) !== 0

/**
 * The error memcached's flag parser reports for these flag words: the last token error wins, a
 * character that is not a flag or a repeated flag (or any byte from 127 up) stops at once, and a bad
 * `F` token fails without a message of its own. Undefined if the flags are fine.
 */
const flagError = (tokens: ReadonlyArray<string>, start: number): string | undefined => {
  let message: string | undefined
  let failed = false
  const fail = (m?: string) => {
    failed = true
    if (m !== undefined) message = m
  }
  const seen = new Set<number>()
  for (let i = start; i < tokens.length; i++) {
    const word = tokens[i]!
    const c = word.charCodeAt(0)
    if (c >= 127 || seen.has(c)) return "duplicate flag"
    seen.add(c)
    const rest = word.slice(1)
    switch (word[0]) {
      case "b":
        if (decodeBase64Key(tokens[1]!) === undefined) fail("error decoding key")
        break
      case "N":
      case "T":
      case "R":
        if (parseI32(rest) === undefined) fail("bad token in command line format")
        break
      case "F":
        if (parseU32(rest) === undefined) fail()
        break
      case "C":
        if (parseU64(rest) === undefined) fail("bad token in command line format")
        break
      case "M":
        if (rest.length !== 1) fail("incorrect length for M token")
        break
      case "J":
        if (parseU64(rest) === undefined) fail("invalid numeric initial value")
        break
      case "D":
        if (parseU64(rest) === undefined) fail("invalid numeric delta value")
        break
      default:
        if (flagBits[word[0]!] === undefined) return "invalid flag"
    }
  }
  return failed ? (message ?? "bad command line format") : undefined
}

const setModes: Readonly<Record<string, MetaSetMode>> = { E: "E", A: "A", P: "P", R: "R", S: "S" }
const arithmeticModes: Readonly<Record<string, MetaArithmeticMode>> = { I: "I", "+": "+", D: "D", "-": "-" }

/** Decodes `mn`, `me`, `mg`, `ms`, `md` or `ma` (the command is `tokens[0]`). */
export const decodeMeta = (tokens: ReadonlyArray<string>): MetaDecoded => {
  const command = tokens[0]!
  if (command === "mn") return { _tag: "MetaNoop" }
  if (command === "me") return decodeDebug(tokens)
  if (tokens.length < 2) return Res.results.unknownCommand
  if (tokens[1]!.length > KEY_MAX_LENGTH) return Res.badCommandLine
  if (command === "ms") return decodeSet(tokens)
  if (tokens.length >= MAX_META_TOKENS) {
    return clientError(command === "mg" ? "options flags are too long" : "options flags too long")
  }
  const decoded = decodeFlags(tokens, 2, {})
  if (typeof decoded === "string") {
    // md and ma report every flag error alike.
    return clientError(command === "mg" ? decoded : "invalid or duplicate flag")
  }
  const { scanned, key, values } = decoded
  const common = {
    key,
    flags: scanned.flags,
    base64: has(scanned, "b"),
    quiet: has(scanned, "q"),
    opaque: values.opaque
  }
  switch (command) {
    case "mg":
      return {
        _tag: "MetaGet",
        ...common,
        returnValue: has(scanned, "v"),
        noUpdate: has(scanned, "u"),
        ttl: values.ttl,
        vivify: values.vivify,
        recache: values.recache
      }
    case "md":
      if (common.opaque !== undefined && common.opaque.length > MAX_OPAQUE_LENGTH) return Res.errors.opaqueTooLong
      return {
        _tag: "MetaDelete",
        ...common,
        compareCas: values.compareCas,
        invalidate: has(scanned, "I"),
        ttl: values.ttl
      }
    default: {
      const mode = values.mode === undefined ? undefined : arithmeticModes[values.mode]
      if (values.mode !== undefined && mode === undefined) return clientError("invalid mode for ma M token")
      return {
        _tag: "MetaArithmetic",
        ...common,
        returnValue: has(scanned, "v"),
        compareCas: values.compareCas,
        vivify: values.vivify,
        initial: values.initial ?? 0n,
        delta: values.delta ?? 1n,
        mode,
        ttl: values.ttl
      }
    }
  }
}

interface DecodedFlags {
  readonly scanned: Scanned
  readonly key: string
  readonly values: WireTokens
}

/** Scans and decodes the flags from `start`, and the key; the error message if anything is wrong. */
const decodeFlags = (tokens: ReadonlyArray<string>, start: number, raw: RawTokens): DecodedFlags | string => {
  const scanned = scanFlags(tokens, start, raw)
  const key = scanned !== undefined && has(scanned, "b") ? decodeBase64Key(tokens[1]!) : tokens[1]!
  const values = scanned === undefined || key === undefined ? undefined : decodeTokens(scanned.raw)
  if (values === undefined || key === undefined || Either.isLeft(values)) {
    return flagError(tokens, start) ?? "bad command line format"
  }
  return { scanned: scanned!, key, values: values.right }
}

const EMPTY = new Uint8Array(0)

/** `ms <key> <datalen> <flags>*`: errors found after the length is known discard the data first. */
const decodeSet = (tokens: ReadonlyArray<string>): MetaDecoded => {
  if (tokens.length === 2) return Res.badCommandLine
  if (tokens.length >= MAX_META_TOKENS) return clientError("options flags too long")
  const decoded = decodeFlags(tokens, 3, { bytes: tokens[2]! })
  const length = typeof decoded === "string" ? parseI32(tokens[2]!) : decoded.values.bytes
  if (length === undefined || length < 0 || length > 0x7fff_fffd) return Res.badCommandLine
  if (typeof decoded === "string") return { _tag: "DiscardData", bytes: length, reply: clientError(decoded) }
  const { scanned, key, values } = decoded
  const mode = values.mode === undefined ? undefined : setModes[values.mode]
  // memcached checks the opaque, then the mode, and reports the mode first.
  if (values.mode !== undefined && mode === undefined) {
    return { _tag: "DiscardData", bytes: length, reply: clientError("invalid mode for ms M token") }
  }
  if (values.opaque !== undefined && values.opaque.length > MAX_OPAQUE_LENGTH) {
    return { _tag: "DiscardData", bytes: length, reply: Res.errors.opaqueTooLong }
  }
  return {
    _tag: "MetaSetHeader",
    bytes: length,
    request: {
      _tag: "MetaSet",
      key,
      flags: scanned.flags,
      base64: has(scanned, "b"),
      quiet: has(scanned, "q"),
      opaque: values.opaque,
      value: EMPTY,
      clientFlags: values.clientFlags ?? 0,
      ttl: values.ttl ?? 0,
      compareCas: values.compareCas,
      invalidate: has(scanned, "I"),
      mode
    }
  }
}

/** The request an `ms` header and its data make. */
export const completeMetaSet = (header: MetaSetHeader, value: Uint8Array): MetaSet => ({ ...header.request, value })

/** `me <key> [b]`: memcached looks at the third token only for `b`, and ignores the rest. */
const decodeDebug = (tokens: ReadonlyArray<string>): MetaDecoded => {
  if (tokens.length < 2 || tokens[1]!.length > KEY_MAX_LENGTH) return Res.badCommandLine
  const base64 = tokens[2] === "b"
  const key = base64 ? decodeBase64Key(tokens[1]!) : tokens[1]!
  if (key === undefined) return Res.badCommandLine
  return { _tag: "MetaDebug", key, base64 }
}
