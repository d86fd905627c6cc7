/**
 * The scalar vocabulary of the memcached data model, as Schemas: keys, client flags, expiry times,
 * CAS uniques and arithmetic deltas. Protocols decode into these and stores consume them.
 *
 * @module
 */
import type { LazyArbitrary } from "effect/Arbitrary"
import * as Schema from "effect/Schema"

/** The longest key memcached accepts, in bytes. */
export const KEY_MAX_LENGTH = 250

/** Largest unsigned 64-bit integer: incr wraps above it, CAS uniques and deltas stay within it. */
export const U64_MAX = 0xffff_ffff_ffff_ffffn

/** Largest 32-bit client flags value. */
export const U32_MAX = 0xffff_ffff

const keyChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-:.!#$%&*+/=?@^|~"

/**
 * Whether a string is a valid key. Keys are byte strings carried as latin1 JS strings (one char per
 * byte), 1 to 250 bytes, without space, newline or NUL, which the text protocol cannot carry. Other
 * control bytes are accepted, as memcached accepts them.
 */
export const isKey = (s: string): boolean => {
  if (s.length < 1 || s.length > KEY_MAX_LENGTH) return false
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x20 || c === 0x0a || c === 0 || c > 0xff) return false
  }
  return true
}

/** Keys for property tests: mostly short, some up to the limit, some with any byte a line can carry. */
const keyArbitrary: LazyArbitrary<string> = (fc) =>
  fc.oneof(
    { weight: 8, arbitrary: fc.stringMatching(/^[a-z]{1,3}$/) },
    {
      weight: 2,
      arbitrary: fc.array(fc.constantFrom(...keyChars), { minLength: 1, maxLength: KEY_MAX_LENGTH }).map((cs) =>
        cs.join("")
      )
    },
    {
      // Any byte the protocol can carry: control bytes, CR, high latin1.
      weight: 1,
      arbitrary: fc
        .array(fc.integer({ min: 1, max: 0xff }).filter((c) => c !== 0x0a && c !== 0x20), {
          minLength: 1,
          maxLength: 20
        })
        .map((cs) => String.fromCharCode(...cs))
    }
  )

/** Whether a value is a string that is a key (the guard of Key and Keys). */
const isKeyValue = (input: unknown): input is string => typeof input === "string" && isKey(input)

/**
 * An item key (see {@link isKey}). A declaration (one guard) rather than `String.pipe(filter(isKey))`:
 * a refinement decodes through ParseResult's combinators in three steps, and every key of every
 * request is decoded; declared, a key decodes in ~40 ns instead of ~100.
 */
export const Key = Schema.declare(
  isKeyValue,
  {
    identifier: "Key",
    description: "a memcached key: 1..250 bytes, no space, newline or NUL",
    arbitrary: () => keyArbitrary
  }
)
/** @see Key */
export type Key = typeof Key.Type

/**
 * The keys of a retrieval: one or more {@link Key}s. Declared with one guard for the same reason as
 * Key: a tuple schema builds a new array and an Either per element, for every get.
 */
export const Keys = Schema.declare(
  (input: unknown): input is readonly [Key, ...Array<Key>] =>
    Array.isArray(input) && input.length > 0 && input.every(isKeyValue),
  {
    identifier: "Keys",
    description: "one or more memcached keys",
    arbitrary: () => (fc) =>
      fc.tuple(keyArbitrary(fc), fc.array(keyArbitrary(fc), { maxLength: 7 })).map(([first, rest]) => [first, ...rest])
  }
)

/**
 * Whether a string is a valid binary key: 1 to 250 bytes of any value (latin1, one char per byte). The
 * meta protocol's base64 keys (`b` flag) decode to such keys, which may hold spaces, newlines or NULs.
 */
export const isBinaryKey = (s: string): boolean => {
  if (s.length < 1 || s.length > KEY_MAX_LENGTH) return false
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return false
  return true
}

/** A key as the meta protocol carries it: any bytes (see {@link isBinaryKey}). Every text {@link Key} is one. */
export const BinaryKey = Schema.String.pipe(
  Schema.filter(isBinaryKey, {
    identifier: "BinaryKey",
    description: "a key of 1..250 bytes of any value",
    arbitrary: () => (fc) =>
      fc.array(fc.integer({ min: 0, max: 0xff }), { minLength: 1, maxLength: 40 }).map((cs) =>
        String.fromCharCode(...cs)
      )
  })
)
/** @see BinaryKey */
export type BinaryKey = typeof BinaryKey.Type

/**
 * An integer from `min` to `max` as a single refinement. Every number of every command line is
 * decoded through one of these; `int()` then `between()` were two nested refinements, each its own
 * parser step and Either, and a set line's three numbers cost a quarter of its decoding that way.
 */
export const integerIn = (min: number, max: number, identifier: string, description: string) =>
  Schema.Number.pipe(
    Schema.filter((n) => Number.isInteger(n) && n >= min && n <= max, {
      identifier,
      description,
      arbitrary: () => (fc) => fc.bigInt({ min: BigInt(min), max: BigInt(max) }).map(Number)
    })
  )

/** Opaque 32-bit client flags stored with an item. */
export const Flags = integerIn(0, U32_MAX, "Flags", "an unsigned 32-bit integer")
/** @see Flags */
export type Flags = typeof Flags.Type

/**
 * An expiry time as the client sent it (a signed 32-bit integer): 0 = never, 1..2592000 = seconds from
 * now, larger = absolute Unix time, negative = already expired. The store resolves it against its clock.
 */
export const Exptime = integerIn(-(2 ** 31), 2 ** 31 - 1, "Exptime", "a signed 32-bit integer")
/** @see Exptime */
export type Exptime = typeof Exptime.Type

/** An unsigned 64-bit integer: CAS uniques, incr/decr deltas and counter values. */
export const U64 = Schema.BigIntFromSelf.pipe(
  Schema.betweenBigInt(0n, U64_MAX),
  Schema.annotations({ identifier: "U64", arbitrary: () => (fc) => fc.bigInt({ min: 0n, max: U64_MAX }) })
)
/** @see U64 */
export type U64 = typeof U64.Type

/** An item's value: raw bytes, owned by the holder (never a view into a socket buffer). */
export const Value = Schema.Uint8ArrayFromSelf.pipe(
  Schema.annotations({
    identifier: "Value",
    arbitrary: () => (fc) => fc.uint8Array({ maxLength: 64 })
  })
)
/** @see Value */
export type Value = typeof Value.Type

/**
 * A CAS unique as items carry it. One server-wide counter hands them out; a JS number stays exact up to
 * 2^53, which a counter bumped a million times a second reaches in 285 years.
 */
export const CasUnique = Schema.Number.pipe(
  Schema.int(),
  Schema.between(0, Number.MAX_SAFE_INTEGER),
  Schema.annotations({ identifier: "CasUnique" })
)
/** @see CasUnique */
export type CasUnique = typeof CasUnique.Type
