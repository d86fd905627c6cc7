/**
 * Number parsing with memcached's rules. memcached parses tokens with libc's strtoul/strtol/strtoull
 * and then its `safe_strto*` checks; clients rely on the exact edges (a leading `+` or whitespace is
 * fine, `-1` is not a valid unsigned number, trailing garbage is an error), so these reproduce them.
 *
 * All parsers take a latin1 string and return `undefined` where memcached would reject the token.
 *
 * @module
 */

const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d)

/** After the digits, only the end of the string, a NUL or whitespace may follow. */
const endsCleanly = (s: string, i: number): boolean =>
  i >= s.length || s.charCodeAt(i) === 0 || isSpace(s.charCodeAt(i))

interface Scan {
  readonly negative: boolean
  /** The digits' value when there are at most 15 of them (exact as a double), else -1. */
  readonly small: number
  /** The digits' value when there are more than 15. */
  readonly big: bigint
  readonly end: number
}

const MAX_SMALL_DIGITS = 15

/** strtoX's scan: leading whitespace, an optional sign, then decimal digits. Undefined if no digits. */
const scan = (s: string): Scan | undefined => {
  let i = 0
  while (i < s.length && isSpace(s.charCodeAt(i))) i++
  let negative = false
  const sign = s.charCodeAt(i)
  if (sign === 0x2b || sign === 0x2d) {
    negative = sign === 0x2d
    i++
  }
  const start = i
  while (s.charCodeAt(i) === 0x30) i++
  const significant = i
  let small = 0
  while (i < s.length) {
    const c = s.charCodeAt(i)
    if (c < 0x30 || c > 0x39) break
    small = small * 10 + (c - 0x30)
    i++
  }
  if (i === start) return undefined
  if (i - significant <= MAX_SMALL_DIGITS) return { negative, small, big: 0n, end: i }
  return { negative, small: -1, big: BigInt(s.slice(significant, i)), end: i }
}

const magnitude = (r: Scan): bigint => (r.small >= 0 ? BigInt(r.small) : r.big)

const U64_LIMIT = 1n << 64n
const U64_MAX = U64_LIMIT - 1n
const I64_MAX = (1n << 63n) - 1n

/**
 * memcached's `safe_strtoull`: an unsigned 64-bit decimal. As with strtoull, `-N` wraps around 2^64,
 * and memcached then refuses a result that looks negative as a signed number if the token holds a
 * `-` anywhere (its strchr looks past the digits: `18446744073709551615\r-1` is refused).
 */
export const parseU64 = (s: string): bigint | undefined => {
  const r = scan(s)
  if (r === undefined || !endsCleanly(s, r.end)) return undefined
  const m = magnitude(r)
  if (m > U64_MAX) return undefined
  const value = r.negative && m !== 0n ? U64_LIMIT - m : m
  if (value > I64_MAX && s.includes("-")) return undefined
  return value
}

/**
 * memcached's `safe_strtoul` for 32-bit values (client flags, verbosity): strtoul on a 64-bit long
 * with the same checks as {@link parseU64}, then truncated to 32 bits, so 2^32 reads as 0.
 */
export const parseU32 = (s: string): number | undefined => {
  const r = scan(s)
  if (r === undefined || !endsCleanly(s, r.end)) return undefined
  if (r.small >= 0 && !r.negative) return r.small > 0xffff_ffff ? r.small % 0x1_0000_0000 : r.small
  const value = parseU64(s)
  return value === undefined ? undefined : Number(BigInt.asUintN(32, value))
}

/**
 * memcached's `safe_strtol` for 32-bit values (exptimes, lengths, delays): strtol on a 64-bit long,
 * failing outside that range, then truncated to a signed 32-bit value as C's cast does.
 */
export const parseI32 = (s: string): number | undefined => {
  const r = scan(s)
  if (r === undefined || !endsCleanly(s, r.end)) return undefined
  if (r.small >= 0) {
    const value = r.negative ? -r.small : r.small
    return value <= 0x7fff_ffff && value >= -0x8000_0000 ? value + 0 : Number(BigInt.asIntN(32, BigInt(value)))
  }
  const value = r.negative ? -r.big : r.big
  if (value > I64_MAX || value < -I64_MAX - 1n) return undefined
  return Number(BigInt.asIntN(32, value))
}

/** strtod's decimal and hexadecimal forms, infinities and NaN, after optional leading whitespace. */
const DOUBLE =
  /^[ \t\n\v\f\r]*[+-]?(?:0[xX](?:[\da-fA-F]+\.?[\da-fA-F]*|\.[\da-fA-F]+)(?:[pP][+-]?\d+)?|inf(?:inity)?|nan|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/i

/**
 * memcached's `safe_strtod` (ratios, LRU age factors): strtod, which must consume something and be
 * followed by the end or whitespace, and must not overflow.
 */
export const parseDouble = (s: string): number | undefined => {
  const match = DOUBLE.exec(s)
  if (match === null || !endsCleanly(s, match[0].length)) return undefined
  const text = match[0].trim()
  const unsigned = text.replace(/^[+-]/, "")
  const sign = text.startsWith("-") ? -1 : 1
  let value: number
  if (/^inf/i.test(unsigned)) value = Infinity
  else if (/^nan/i.test(unsigned)) value = NaN
  else if (/^0x/i.test(unsigned)) {
    const [, mantissa, exponent] = /^0x([^pP]*)(?:[pP]([+-]?\d+))?$/i.exec(unsigned)!
    const [whole, fraction = ""] = mantissa!.split(".")
    value = (parseInt(whole || "0", 16) + (fraction === "" ? 0 : parseInt(fraction, 16) / 16 ** fraction.length)) *
      2 ** Number(exponent ?? 0)
  } else value = Number(unsigned)
  // strtod reports ERANGE for a finite number too large for a double.
  if (!Number.isFinite(value) && !/^(inf|nan)/i.test(unsigned)) return undefined
  return sign * value
}
