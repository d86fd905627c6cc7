/**
 * The byte formats of the data dir's two kinds of file (described in docs/persistence.md).
 *
 * A **log** (`log-<gen>.log`) is a 16-byte header (magic, generation, CRC) and then frames, one per
 * change: `u32 payload length, u32 CRC-32 of type+payload, u8 type, payload`. A torn or flipped frame
 * fails its CRC; nothing after it in that file is trusted (its length field may be what was hit).
 *
 * A **snapshot** (`snapshot-<gen>.snap`) is a 32-byte header (magic, generation, pending flush_all,
 * CRC) and then blocks of records: `u32 payload length, u32 record count, u32 CRC-32 of the payload,
 * u32 CRC-32 of those 12 bytes`, payload. A damaged payload loses its block only; a damaged block
 * header ends the file. An empty block whose count is the number of records written ends a complete
 * snapshot.
 *
 * Records, in both, are the store's own record layout (store/ItemRecord: header, key, value, padding),
 * so restoring one is a copy.
 *
 * @module
 */
import { crc32 } from "./Crc32.js"

/** A log file's first 8 bytes. */
export const LOG_MAGIC = "EFFCLOG1"
/** A snapshot file's first 8 bytes. */
export const SNAPSHOT_MAGIC = "EFFCSNP1"
/** Bytes of a log file's header. */
export const LOG_HEADER = 16
/** Bytes of a snapshot file's header. */
export const SNAPSHOT_HEADER = 32
/** Bytes before a log frame's payload. */
export const FRAME_HEADER = 9
/** Bytes before a snapshot block's payload. */
export const BLOCK_HEADER = 16

/** Kinds of log frame. */
export const Frame = {
  /** The payload is a record: now its key's item. */
  Stored: 1,
  /** The payload is a key a command removed. */
  Removed: 2,
  /** flush_all in one partition: u32 partition, u32 partitions, u32 oldest_live (0: everything at once). */
  Flushed: 3
} as const

/** A log file's header for generation `gen`. */
export const logHeader = (gen: number): Buffer => {
  const buf = Buffer.alloc(LOG_HEADER)
  buf.write(LOG_MAGIC, 0, "latin1")
  buf.writeUInt32LE(gen, 8)
  buf.writeUInt32LE(crc32(buf, 0, 12), 12)
  return buf
}

/** A snapshot's header: its generation and the delayed flush_all pending when it started. */
export const snapshotHeader = (gen: number, flushedUntil: number): Buffer => {
  const buf = Buffer.alloc(SNAPSHOT_HEADER)
  buf.write(SNAPSHOT_MAGIC, 0, "latin1")
  buf.writeUInt32LE(gen, 8)
  buf.writeUInt32LE(flushedUntil, 12)
  buf.writeUInt32LE(crc32(buf, 0, 28), 28)
  return buf
}

/** The generation of a log whose header is intact, or undefined. */
export const readLogHeader = (buf: Buffer): number | undefined =>
  buf.length >= LOG_HEADER && buf.toString("latin1", 0, 8) === LOG_MAGIC && buf.readUInt32LE(12) === crc32(buf, 0, 12)
    ? buf.readUInt32LE(8)
    : undefined

/** A snapshot header's fields if intact, or undefined. */
export const readSnapshotHeader = (buf: Buffer): { gen: number; flushedUntil: number } | undefined =>
  buf.length >= SNAPSHOT_HEADER && buf.toString("latin1", 0, 8) === SNAPSHOT_MAGIC &&
    buf.readUInt32LE(28) === crc32(buf, 0, 28)
    ? { gen: buf.readUInt32LE(8), flushedUntil: buf.readUInt32LE(12) }
    : undefined

/** Completes a frame whose type and payload are in place at `off` (payload `length` bytes): length and CRC. */
export const sealFrame = (buf: Buffer, off: number, length: number): void => {
  buf.writeUInt32LE(length, off)
  buf.writeUInt32LE(crc32(buf, off + 8, off + FRAME_HEADER + length), off + 4)
}

/** Completes a block whose payload (`length` bytes, `count` records) follows its header at `off`. */
export const sealBlock = (buf: Buffer, off: number, length: number, count: number): void => {
  buf.writeUInt32LE(length, off)
  buf.writeUInt32LE(count, off + 4)
  buf.writeUInt32LE(crc32(buf, off + BLOCK_HEADER, off + BLOCK_HEADER + length), off + 8)
  buf.writeUInt32LE(crc32(buf, off, off + 12), off + 12)
}

/** The snapshot's end: an empty block counting every record written. */
export const endBlock = (count: number): Buffer => {
  const buf = Buffer.alloc(BLOCK_HEADER)
  sealBlock(buf, 0, 0, count)
  return buf
}

/** What a frame at some offset of a log is: a good one, or damage. */
export type FrameAt =
  | { readonly _tag: "Frame"; readonly type: number; readonly start: number; readonly end: number }
  | { readonly _tag: "End" }
  | { readonly _tag: "Damaged"; readonly reason: string }

/** Reads the frame at `off` of a log (`start`..`end` is its payload). */
export const frameAt = (buf: Buffer, off: number): FrameAt => {
  if (off === buf.length) return { _tag: "End" }
  if (off + FRAME_HEADER > buf.length) return { _tag: "Damaged", reason: "truncated frame header" }
  const length = buf.readUInt32LE(off)
  const end = off + FRAME_HEADER + length
  if (end > buf.length) return { _tag: "Damaged", reason: "truncated frame" }
  if (buf.readUInt32LE(off + 4) !== crc32(buf, off + 8, end)) return { _tag: "Damaged", reason: "checksum mismatch" }
  return { _tag: "Frame", type: buf[off + 8]!, start: off + FRAME_HEADER, end }
}

/** What a block at some offset of a snapshot is. */
export type BlockAt =
  | { readonly _tag: "Block"; readonly start: number; readonly end: number; readonly count: number }
  | { readonly _tag: "Bad"; readonly end: number; readonly count: number }
  | { readonly _tag: "Last"; readonly count: number }
  | { readonly _tag: "Damaged"; readonly reason: string }

/** Reads the block at `off` of a snapshot: good, bad payload (skip to `end`), the end block, or damage. */
export const blockAt = (buf: Buffer, off: number): BlockAt => {
  if (off + BLOCK_HEADER > buf.length) {
    return { _tag: "Damaged", reason: off === buf.length ? "no end block (truncated)" : "truncated block header" }
  }
  if (buf.readUInt32LE(off + 12) !== crc32(buf, off, off + 12)) {
    return { _tag: "Damaged", reason: "block header checksum mismatch" }
  }
  const length = buf.readUInt32LE(off)
  const count = buf.readUInt32LE(off + 4)
  if (length === 0) return { _tag: "Last", count }
  const start = off + BLOCK_HEADER
  const end = start + length
  if (end > buf.length) return { _tag: "Damaged", reason: "truncated block" }
  if (buf.readUInt32LE(off + 8) !== crc32(buf, start, end)) return { _tag: "Bad", end, count }
  return { _tag: "Block", start, end, count }
}
