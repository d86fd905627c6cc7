/**
 * Schemas for single text-protocol tokens: each decodes a token string into a domain scalar with
 * memcached's parsing rules, and encodes it back, so command lines are described declaratively.
 *
 * @module
 */
import type { LazyArbitrary } from "effect/Arbitrary"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { Exptime, Flags, integerIn, U32_MAX, U64, U64_MAX } from "../domain/Primitives.js"
import { parseI32, parseU32, parseU64 } from "./Numbers.js"

/**
 * A token schema: decoding parses the string with memcached's rules in one step (the parser enforces
 * the domain type's range, which test/protocol/Tokens.test.ts checks against the domain schema);
 * encoding checks the value against the domain schema and prints it.
 *
 * It is a declaration rather than `transformOrFail(String, to)`: a transformation runs the string's
 * check, the parse and then the domain's refinement, each through ParseResult's combinators, and every
 * number of every command line goes through one (a set line has three). Declared, a set line decodes
 * ~3x faster (1.36 -> 0.43 µs alone; docs/benchmarks.md, "Second round, continued").
 */
const token = <A extends number | bigint>(
  to: Schema.Schema<A>,
  parse: (s: string) => A | undefined,
  identifier: string,
  arbitrary: LazyArbitrary<A>
): Schema.Schema<A, string> => {
  const is = Schema.is(to)
  return Schema.declare([], {
    decode: () => (input, _, ast) => {
      const value = typeof input === "string" ? parse(input) : undefined
      return value === undefined ? ParseResult.fail(new ParseResult.Type(ast, input)) : ParseResult.succeed(value)
    },
    encode: () => (value, _, ast) =>
      is(value) ? ParseResult.succeed(String(value)) : ParseResult.fail(new ParseResult.Type(ast, value))
  }, { identifier, arbitrary: () => arbitrary })
}

/** Client flags: a 32-bit unsigned decimal. */
export const FlagsToken = token(Flags, parseU32, "FlagsToken", (fc) => fc.integer({ min: 0, max: U32_MAX }))

/** An exptime or delay: a signed 32-bit decimal. */
export const ExptimeToken = token(
  Exptime,
  parseI32,
  "ExptimeToken",
  (fc) => fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
)

/** A CAS unique or delta: an unsigned 64-bit decimal. */
export const U64Token = token(U64, parseU64, "U64Token", (fc) => fc.bigInt({ min: 0n, max: U64_MAX }))

/** The largest data block length memcached accepts on a command line (INT_MAX - 2). */
export const MAX_BLOCK_LENGTH = 0x7fff_ffff - 2

/** A data block's length: a signed 32-bit decimal that must be within 0..INT_MAX-2. */
export const LengthToken = token(
  integerIn(0, MAX_BLOCK_LENGTH, "Length", "a data block's length"),
  (s) => {
    const n = parseI32(s)
    return n === undefined || n < 0 || n > MAX_BLOCK_LENGTH ? undefined : n
  },
  "LengthToken",
  (fc) => fc.integer({ min: 0, max: MAX_BLOCK_LENGTH })
)
