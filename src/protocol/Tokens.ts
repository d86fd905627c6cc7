/**
 * Schemas for single text-protocol tokens: each decodes a token string into a domain scalar with
 * memcached's parsing rules, and encodes it back, so command lines are described declaratively.
 *
 * @module
 */
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { Exptime, Flags, integerIn, U64 } from "../domain/Primitives.js"
import { parseI32, parseU32, parseU64 } from "./Numbers.js"

const token = <A, I>(
  to: Schema.Schema<A, I>,
  parse: (s: string) => I | undefined,
  show: (i: I) => string
) =>
  Schema.transformOrFail(Schema.String, to, {
    strict: true,
    decode: (s, _, ast) => {
      const value = parse(s)
      return value === undefined ? ParseResult.fail(new ParseResult.Type(ast, s)) : ParseResult.succeed(value)
    },
    encode: (value) => ParseResult.succeed(show(value))
  })

/** Client flags: a 32-bit unsigned decimal. */
export const FlagsToken = token(Flags, parseU32, String)

/** An exptime or delay: a signed 32-bit decimal. */
export const ExptimeToken = token(Exptime, parseI32, String)

/** A CAS unique or delta: an unsigned 64-bit decimal. */
export const U64Token = token(U64, parseU64, String)

/** The largest data block length memcached accepts on a command line (INT_MAX - 2). */
export const MAX_BLOCK_LENGTH = 0x7fff_ffff - 2

/** A data block's length: a signed 32-bit decimal that must be within 0..INT_MAX-2. */
export const LengthToken = token(
  integerIn(0, MAX_BLOCK_LENGTH, "Length", "a data block's length"),
  (s) => {
    const n = parseI32(s)
    return n === undefined || n < 0 || n > MAX_BLOCK_LENGTH ? undefined : n
  },
  String
)
