/**
 * Byte-level framing of the binary protocol: 24-byte headers, then extras, key and value, across any
 * split of the stream into reads. Like the text protocol's TextFramer it knows nothing of what a
 * packet means; the reader asks it for a header, for the bytes after it, or to discard bytes.
 *
 * The header's fields are read into the framer's own properties (no object per packet). Reads are
 * kept as they arrive and joined only when a packet spans them, once it is complete.
 *
 * @module
 */
import { HEADER_SIZE } from "./Opcodes.js"

const EMPTY = Buffer.alloc(0)

/** A streaming framer over one connection's bytes. */
export class BinaryFramer {
  private buf: Buffer = EMPTY
  private pos = 0
  // Reads that arrived while the front of `buf` still waits for more, joined once a packet is whole.
  private later: Array<Buffer> = []
  private laterBytes = 0

  /** The last header read by {@link header}: its fields in host order. */
  magic = 0
  opcode = 0
  keyLength = 0
  extrasLength = 0
  bodyLength = 0
  /** The opaque, as the client's four bytes read big-endian (written back the same way). */
  opaque = 0
  /** The CAS field's high and low 32 bits (a bigint is made only when it is not zero). */
  casHigh = 0
  casLow = 0

  /** Adds bytes read from the socket. */
  push(chunk: Buffer): void {
    if (this.pos >= this.buf.length && this.later.length === 0) {
      this.buf = chunk
      this.pos = 0
    } else {
      this.later.push(chunk)
      this.laterBytes += chunk.length
    }
  }

  /** Bytes buffered and not yet consumed. */
  get buffered(): number {
    return this.buf.length - this.pos + this.laterBytes
  }

  /** Whether `n` bytes are buffered; if so they are contiguous in {@link bytes} from {@link offset}. */
  ensure(n: number): boolean {
    const here = this.buf.length - this.pos
    if (here >= n) return true
    if (here + this.laterBytes < n) return false
    this.buf = Buffer.concat([this.buf.subarray(this.pos), ...this.later])
    this.pos = 0
    this.later = []
    this.laterBytes = 0
    return true
  }

  /** The buffer holding the bytes {@link ensure} promised. */
  get bytes(): Buffer {
    return this.buf
  }

  /** Where the unconsumed bytes start in {@link bytes}. */
  get offset(): number {
    return this.pos
  }

  /** Reads the next header's fields without consuming it; false when fewer than 24 bytes are buffered. */
  header(): boolean {
    if (!this.ensure(HEADER_SIZE)) return false
    const b = this.buf
    const o = this.pos
    this.magic = b[o]!
    this.opcode = b[o + 1]!
    this.keyLength = b.readUInt16BE(o + 2)
    this.extrasLength = b[o + 4]!
    this.bodyLength = b.readUInt32BE(o + 8)
    this.opaque = b.readUInt32BE(o + 12)
    this.casHigh = b.readUInt32BE(o + 16)
    this.casLow = b.readUInt32BE(o + 20)
    return true
  }

  /** The CAS field of the last header. */
  get cas(): bigint {
    return this.casHigh === 0 && this.casLow === 0 ? 0n : (BigInt(this.casHigh) << 32n) | BigInt(this.casLow)
  }

  /** Consumes `n` bytes that {@link ensure} promised. */
  consume(n: number): void {
    this.pos += n
  }

  /** Copies out `n` bytes that {@link ensure} promised and consumes them (values never pin a read). */
  take(n: number): Buffer {
    const owned = Buffer.allocUnsafeSlow(n)
    this.buf.copy(owned, 0, this.pos, this.pos + n)
    this.pos += n
    return owned
  }

  /** Discards up to `n` bytes, however they were split; returns how many are still to discard. */
  skip(n: number): number {
    for (;;) {
      const here = this.buf.length - this.pos
      if (n <= here) {
        this.pos += n
        return 0
      }
      n -= here
      this.pos = this.buf.length
      const next = this.later.shift()
      if (next === undefined) return n
      this.laterBytes -= next.length
      this.buf = next
      this.pos = 0
    }
  }
}
