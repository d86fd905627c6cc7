/**
 * Counter values as incr/decr (and meta arithmetic) read and compute them, with memcached's rules.
 *
 * @module
 */
import { itemSize } from "../domain/ItemSize.js"
import { U64_MAX } from "../domain/Primitives.js"

/** memcached stores values above this size in chunks and refuses to do arithmetic on them. */
export const LARGEST_NUMERIC_ITEM = 512 * 1024

/** incr/decr on unsigned 64-bit: incr wraps at 2^64, decr stops at 0. */
export const applyDelta = (current: bigint, incr: boolean, delta: bigint): bigint =>
  incr ? (current + delta) & U64_MAX : delta > current ? 0n : current - delta

/**
 * Whether memcached would try to read an item as a number: not empty, and not so large that it is
 * stored in chunks. The one check every arithmetic command makes before parsing.
 */
export const mayBeCounter = (keyLength: number, flags: number, valueLength: number): boolean =>
  valueLength > 0 && itemSize(keyLength, flags, valueLength) <= LARGEST_NUMERIC_ITEM

/** An item's value as incr/decr read it, or undefined if it is not a number. */
export const counterValue = (keyLength: number, flags: number, value: Uint8Array): bigint | undefined =>
  mayBeCounter(keyLength, flags, value.length) ? parseCounter(value) : undefined

/**
 * A stored value as incr/decr read it: memcached's strtoull on the value (whitespace, then an
 * optional sign and digits, then a space, NUL or the value's end). Undefined if it is not a number.
 */
export const parseCounter = (value: Uint8Array): bigint | undefined => {
  let i = 0
  const n = value.length
  while (i < n && (value[i] === 0x20 || (value[i]! >= 0x09 && value[i]! <= 0x0d))) i++
  let negative = false
  if (i < n && (value[i] === 0x2b || value[i] === 0x2d)) {
    negative = value[i] === 0x2d
    i++
  }
  const start = i
  while (i < n && value[i]! >= 0x30 && value[i]! <= 0x39) i++
  if (i === start) return undefined
  if (i < n && !(value[i] === 0 || value[i] === 0x20 || (value[i]! >= 0x09 && value[i]! <= 0x0d))) return undefined
  const magnitude = BigInt(Buffer.from(value.buffer, value.byteOffset + start, i - start).toString("latin1"))
  if (magnitude > U64_MAX) return undefined
  if (!negative || magnitude === 0n) return magnitude
  // strtoull wraps a negative number around 2^64; memcached then refuses it if it looks negative.
  const wrapped = (1n << 64n) - magnitude
  return wrapped >= 1n << 63n ? undefined : wrapped
}
