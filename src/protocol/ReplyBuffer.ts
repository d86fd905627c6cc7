/**
 * An append-only output buffer for one batch of replies: small pieces are packed into one buffer,
 * large values are passed through by reference, so a batch goes out in one write without copying
 * megabyte values.
 *
 * @module
 */

/** Values at least this large are sent by reference instead of copied into the packed buffer. */
const BY_REFERENCE = 16 * 1024
/**
 * The first block is small and comes from Node's shared pool: most connections of a reconnect storm
 * answer a request or two, and thousands of idle connections would otherwise hold 16 KB each.
 */
const FIRST_BLOCK = 512
/** Blocks double from the first up to this size while a connection keeps writing. */
const BLOCK = 16 * 1024
const EMPTY = Buffer.alloc(0)

/** Collects the bytes of replies. */
export class ReplyBuffer {
  private chunks: Array<Buffer> = []
  private current: Buffer = EMPTY
  private offset = 0
  private total = 0
  private nextBlock = FIRST_BLOCK

  /** Bytes written since the last `take`. */
  get size(): number {
    return this.total
  }

  private reserve(n: number): void {
    if (this.current.length - this.offset >= n) return
    this.seal()
    this.current = Buffer.allocUnsafe(Math.max(this.nextBlock, n))
    this.nextBlock = Math.min(BLOCK, this.nextBlock * 2)
  }

  private seal(): void {
    if (this.offset > 0) {
      this.chunks.push(this.current.subarray(0, this.offset))
      this.current = this.current.subarray(this.offset)
      this.offset = 0
    }
  }

  /** Appends a string of single-byte characters. */
  latin1(s: string): void {
    this.reserve(s.length)
    this.offset += this.current.write(s, this.offset, "latin1")
    this.total += s.length
  }

  /** Appends bytes. Large ones are kept by reference: they must not change until the write is done. */
  bytes(b: Uint8Array): void {
    if (b.length >= BY_REFERENCE) {
      this.seal()
      this.chunks.push(Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length))
    } else {
      this.reserve(b.length)
      this.current.set(b, this.offset)
      this.offset += b.length
    }
    this.total += b.length
  }

  /**
   * Reserves `n` bytes for the caller to fill in place (the binary protocol's headers): they are
   * {@link claimed}'s bytes from {@link claimedAt}.
   */
  claim(n: number): void {
    this.reserve(n)
    this.claimedAt = this.offset
    this.offset += n
    this.total += n
  }

  /** Where the last {@link claim}'s bytes start in {@link claimed}. */
  claimedAt = 0

  /** The buffer holding the last {@link claim}'s bytes (valid until the next write). */
  get claimed(): Buffer {
    return this.current
  }

  /** Takes everything written so far, as buffers to write in order. */
  take(): Array<Buffer> {
    this.seal()
    const chunks = this.chunks
    this.chunks = []
    this.total = 0
    return chunks
  }
}
