/**
 * The byte layout of a stored item inside a segment: a 32-byte header, the key, the value. Items live
 * as records in large buffers rather than as objects, so a million small items cost a million records
 * in a few hundred buffers, not a million objects for the garbage collector to trace.
 *
 * ```
 *  0 u32 value length     4 u8 key length   5 u8 bits   6 u8 size class   7 (unused)
 *  8 u32 client flags    12 u32 exptime (Unix s, 0 = never)
 * 16 u32 time (last store or touch, Unix s)   20 u32 last access (Unix s)
 * 24 f64 CAS unique      32 key bytes (latin1), then value bytes; padded to 8
 * ```
 *
 * @module
 */

import { itemSize } from "../domain/ItemSize.js"

/** Header size in bytes. */
export const HEADER = 32

/** Bits of the header's `bits` byte. */
export const Bit = {
  /** The record is the current item for its key (not overwritten, deleted or evicted). */
  Live: 1,
  /** Read at least once since stored (memcached's ITEM_FETCHED). */
  Fetched: 2,
  /** Read since it was last written or given a second chance: the eviction clock's reference bit. */
  Accessed: 4,
  /** Marked stale by a meta invalidation. */
  Stale: 8,
  /** A meta client has been handed the win token for it. */
  WinSent: 16,
  /** Stored through a base64 (binary) meta key: meta replies show the key base64-encoded. */
  BinaryKey: 32
} as const

/** The record length for a key and value, 8-aligned. */
export const recordLength = (keyLength: number, valueLength: number): number =>
  (HEADER + keyLength + valueLength + 7) & ~7

/** The fields of a new record. */
export interface RecordFields {
  readonly flags: number
  readonly exptime: number
  readonly time: number
  readonly atime: number
  readonly cas: number
  readonly sizeClass: number
  /** Bits besides Live. */
  readonly bits: number
}

/** Writes a record's header and key at `off`; the caller writes the value at {@link valueStart}. */
export const writeHeader = (buf: Buffer, off: number, key: string, valueLength: number, fields: RecordFields): void => {
  buf.writeUInt32LE(valueLength, off)
  buf[off + 4] = key.length
  buf[off + 5] = Bit.Live | fields.bits
  buf[off + 6] = fields.sizeClass
  buf[off + 7] = 0
  buf.writeUInt32LE(fields.flags, off + 8)
  buf.writeUInt32LE(fields.exptime, off + 12)
  buf.writeUInt32LE(fields.time, off + 16)
  buf.writeUInt32LE(fields.atime, off + 20)
  buf.writeDoubleLE(fields.cas, off + 24)
  const keyStart = off + HEADER
  for (let i = 0; i < key.length; i++) buf[keyStart + i] = key.charCodeAt(i)
}

/** Value length. */
export const valueLength = (buf: Buffer, off: number): number => buf.readUInt32LE(off)
/** Key length. */
export const keyLength = (buf: Buffer, off: number): number => buf[off + 4]!
/** The bits byte. */
export const bits = (buf: Buffer, off: number): number => buf[off + 5]!
/** Sets bits. */
export const setBits = (buf: Buffer, off: number, mask: number): void => {
  buf[off + 5] = buf[off + 5]! | mask
}
/** Clears bits. */
export const clearBits = (buf: Buffer, off: number, mask: number): void => {
  buf[off + 5] = buf[off + 5]! & ~mask
}
/** Size class (for per-class statistics). */
export const sizeClass = (buf: Buffer, off: number): number => buf[off + 6]!
/** Client flags. */
export const flags = (buf: Buffer, off: number): number => buf.readUInt32LE(off + 8)
/** Absolute expiry, 0 = never. */
export const exptime = (buf: Buffer, off: number): number => buf.readUInt32LE(off + 12)
/** Sets the absolute expiry. */
export const setExptime = (buf: Buffer, off: number, value: number): void => void buf.writeUInt32LE(value, off + 12)
/** Last store or touch. */
export const time = (buf: Buffer, off: number): number => buf.readUInt32LE(off + 16)
/** Sets the last store or touch time. */
export const setTime = (buf: Buffer, off: number, value: number): void => void buf.writeUInt32LE(value, off + 16)
/** Last access. */
export const accessTime = (buf: Buffer, off: number): number => buf.readUInt32LE(off + 20)
/** Sets the last access time. */
export const setAccessTime = (buf: Buffer, off: number, value: number): void => void buf.writeUInt32LE(value, off + 20)
/** CAS unique. */
export const cas = (buf: Buffer, off: number): number => buf.readDoubleLE(off + 24)
/** Sets the CAS unique. */
export const setCas = (buf: Buffer, off: number, value: number): void => void buf.writeDoubleLE(value, off + 24)
/** Where the key starts. */
export const keyStart = (off: number): number => off + HEADER
/** Where the value starts. */
export const valueStart = (buf: Buffer, off: number): number => off + HEADER + buf[off + 4]!
/** The record's total length. */
export const length = (buf: Buffer, off: number): number => recordLength(buf[off + 4]!, buf.readUInt32LE(off))

/** Whether the record's key is `key`. */
export const hasKey = (buf: Buffer, off: number, key: string): boolean => {
  if (buf[off + 4] !== key.length) return false
  const start = off + HEADER
  for (let i = 0; i < key.length; i++) if (buf[start + i] !== key.charCodeAt(i)) return false
  return true
}

/** The record's item size as memcached measures it (see ItemSize). */
export const memcachedSize = (buf: Buffer, off: number): number =>
  itemSize(keyLength(buf, off), flags(buf, off), valueLength(buf, off))
