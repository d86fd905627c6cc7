import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Either, FastCheck as fc, Schema } from "effect"
import { Exptime, Flags, U64 } from "../../src/domain/Primitives.js"
import { parseI32, parseU32, parseU64 } from "../../src/protocol/Numbers.js"
import { ExptimeToken, FlagsToken, LengthToken, MAX_BLOCK_LENGTH, U64Token } from "../../src/protocol/Tokens.js"

/** Token-like strings: numbers near every limit, signs, spaces, junk around digits. */
const tokenText = fc.oneof(
  fc.bigInt({ min: -(2n ** 65n), max: 2n ** 65n }).map(String),
  fc.constantFrom("0", "-0", "+5", "010", " 5", "5 ", "\t7", "4294967295", "4294967296", "2147483647", "2147483648"),
  fc.constantFrom("-1", "18446744073709551615", "18446744073709551616", "2147483645", "2147483646", ""),
  fc.string({ maxLength: 6 }),
  fc.tuple(fc.nat(), fc.string({ maxLength: 2 })).map(([n, s]) => `${n}${s}`)
)

// Each token schema is a declaration whose parser must keep to the domain type: checked here, since
// the schema itself does not run the domain's refinement after parsing.
const cases = [
  { name: "FlagsToken", schema: FlagsToken, domain: Flags as Schema.Schema<number | bigint>, parse: parseU32 },
  { name: "ExptimeToken", schema: ExptimeToken, domain: Exptime as Schema.Schema<number | bigint>, parse: parseI32 },
  { name: "U64Token", schema: U64Token, domain: U64 as Schema.Schema<number | bigint>, parse: parseU64 },
  {
    name: "LengthToken",
    schema: LengthToken,
    domain: Schema.Number.pipe(Schema.int(), Schema.between(0, MAX_BLOCK_LENGTH)) as Schema.Schema<number | bigint>,
    parse: (s: string) => {
      const n = parseI32(s)
      return n !== undefined && n >= 0 && n <= MAX_BLOCK_LENGTH ? n : undefined
    }
  }
] as const

describe("Tokens", () => {
  for (const { domain, name, parse, schema } of cases) {
    const decode = Schema.decodeUnknownEither(schema as Schema.Schema<number | bigint, string>)
    const encode = Schema.encodeEither(schema as Schema.Schema<number | bigint, string>)
    const isDomain = Schema.is(domain)

    it.prop(`${name} decodes exactly what memcached's parser accepts, to a value of the domain type`, [tokenText], ([
      text
    ]) => {
      const decoded = decode(text)
      const parsed = parse(text)
      if (parsed === undefined) {
        expect(Either.isLeft(decoded)).toBe(true)
      } else {
        expect(decoded).toEqual(Either.right(parsed))
        expect(isDomain(parsed)).toBe(true)
      }
    }, { fastCheck: { numRuns: 2000 } })

    it.prop(`${name} encodes every domain value to a token that decodes back`, [
      Arbitrary.make(schema as Schema.Schema<number | bigint, string>)
    ], ([value]) => {
      expect(isDomain(value)).toBe(true)
      const token = encode(value)
      expect(Either.isRight(token)).toBe(true)
      expect(decode(Either.getOrThrow(token))).toEqual(Either.right(value))
    })

    it(`${name} refuses a non-string on decoding and a value outside the domain on encoding`, () => {
      expect(Either.isLeft(decode(5))).toBe(true)
      expect(Either.isLeft(encode(-1.5))).toBe(true)
    })
  }
})
