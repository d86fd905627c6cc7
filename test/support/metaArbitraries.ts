/**
 * Generators of valid meta-protocol requests, built from generated flag sets: any subset of the flags
 * memcached 1.6.18 accepts, in any order, within its token limit, each with a valid token, and a key
 * sent plain or base64-encoded.
 */
import { Arbitrary, FastCheck as fc } from "effect"
import {
  type FlaggedMetaRequest,
  type MetaArithmeticMode,
  MetaFlag,
  type MetaRequest,
  type MetaSetMode
} from "../../src/domain/MetaRequest.js"
import { Key, U32_MAX, U64_MAX } from "../../src/domain/Primitives.js"

type Tag = FlaggedMetaRequest["_tag"]

/** Most flags memcached takes: 20 tokens counting the command, the key, ms's length and a terminator. */
export const maxFlags = (tag: Tag): number => (tag === "MetaSet" ? 16 : 17)

/** The longest key that still fits in 250 characters once base64-encoded. */
const MAX_BASE64_KEY = 186

const int32 = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  fc.constantFrom(0, -1, 1, 100, 2592000, 2592001)
)
const u64 = fc.oneof(fc.bigInt({ min: 0n, max: U64_MAX }), fc.constantFrom(0n, 1n, U64_MAX))
const opaqueUnit = fc.constantFrom(..."abcXYZ0189-_.")

/** The token values a request may carry; each command keeps those of the flags it was given. */
const tokens = (tag: Tag) =>
  fc.record({
    ttl: int32,
    vivify: int32,
    recache: int32,
    clientFlags: fc.oneof(fc.integer({ min: 0, max: U32_MAX }), fc.constant(0)),
    compareCas: u64,
    initial: u64,
    delta: u64,
    // ms and md refuse opaques over 31 characters while decoding; mg and ma only when they run.
    opaque: fc.string({ unit: opaqueUnit, maxLength: tag === "MetaSet" || tag === "MetaDelete" ? 31 : 40 }),
    setMode: fc.constantFrom<MetaSetMode>("E", "A", "P", "R", "S"),
    arithmeticMode: fc.constantFrom<MetaArithmeticMode>("I", "+", "D", "-")
  })

const flagsBesidesB = MetaFlag.literals.filter((flag) => flag !== "b")

/** A flagged meta request of the given command. */
export const flaggedMetaRequest = (tag: Tag): fc.Arbitrary<FlaggedMetaRequest> =>
  fc
    .record({
      base64: fc.boolean(),
      plainKey: Arbitrary.make(Key),
      binaryKey: fc.uint8Array({ minLength: 1, maxLength: MAX_BASE64_KEY }).map((b) =>
        Buffer.from(b).toString("latin1")
      ),
      others: fc.shuffledSubarray(flagsBesidesB, { maxLength: maxFlags(tag) - 1 }),
      at: fc.nat(),
      tokens: tokens(tag),
      value: fc.uint8Array({ maxLength: 64 })
    })
    .map(({ at, base64, binaryKey, others, plainKey, tokens: t, value }) => {
      const flags: Array<MetaFlag> = [...others]
      if (base64) flags.splice(at % (flags.length + 1), 0, "b")
      const given = (flag: MetaFlag) => flags.includes(flag)
      const ifGiven = <A>(flag: MetaFlag, value: A): A | undefined => (given(flag) ? value : undefined)
      const common = {
        key: base64 ? binaryKey : plainKey,
        flags,
        base64,
        quiet: given("q"),
        opaque: ifGiven("O", t.opaque)
      }
      const ttl = ifGiven("T", t.ttl)
      const compareCas = ifGiven("C", t.compareCas)
      const vivify = ifGiven("N", t.vivify)
      switch (tag) {
        case "MetaGet":
          return {
            _tag: tag,
            ...common,
            returnValue: given("v"),
            noUpdate: given("u"),
            ttl,
            vivify,
            recache: ifGiven("R", t.recache)
          }
        case "MetaSet": {
          const clientFlags = ifGiven("F", t.clientFlags) ?? 0
          return {
            _tag: tag,
            ...common,
            value,
            clientFlags,
            ttl: ttl ?? 0,
            compareCas,
            invalidate: given("I"),
            mode: ifGiven("M", t.setMode)
          }
        }
        case "MetaDelete":
          return { _tag: tag, ...common, compareCas, invalidate: given("I"), ttl }
        case "MetaArithmetic": {
          const [initial, delta] = [ifGiven("J", t.initial) ?? 0n, ifGiven("D", t.delta) ?? 1n]
          return {
            _tag: tag,
            ...common,
            returnValue: given("v"),
            compareCas,
            vivify,
            initial,
            delta,
            mode: ifGiven("M", t.arithmeticMode),
            ttl
          }
        }
      }
    })

/** Any meta request a client sends. */
export const metaRequest: fc.Arbitrary<MetaRequest> = fc.oneof(
  { weight: 3, arbitrary: flaggedMetaRequest("MetaGet") },
  { weight: 3, arbitrary: flaggedMetaRequest("MetaSet") },
  { weight: 2, arbitrary: flaggedMetaRequest("MetaDelete") },
  { weight: 2, arbitrary: flaggedMetaRequest("MetaArithmetic") },
  { weight: 1, arbitrary: fc.constant({ _tag: "MetaNoop" as const }) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      Arbitrary.make(Key).map((key) => ({ _tag: "MetaDebug" as const, key, base64: false })),
      fc.uint8Array({ minLength: 1, maxLength: MAX_BASE64_KEY }).map((b) => ({
        _tag: "MetaDebug" as const,
        key: Buffer.from(b).toString("latin1"),
        base64: true
      }))
    )
  }
)
