/**
 * The unparsed tail of one connection's replies, for the bench's reply parsers (text and binary): kept
 * as the reads that bring it, joined once enough has arrived.
 *
 * @module
 */

/** What a reply parser has not consumed yet. */
export class Leftover {
  private parts: Array<Buffer> = []
  private length = 0

  /**
   * The bytes to parse now: `chunk` after what was left over, or undefined while fewer than `need`
   * bytes are there (a large value arriving in many reads is joined once, when it is complete).
   */
  with(chunk: Buffer, need: number): Buffer | undefined {
    if (this.length === 0) return chunk
    this.parts.push(chunk)
    this.length += chunk.length
    if (this.length < need) return undefined
    const joined = Buffer.concat(this.parts, this.length)
    this.parts = []
    this.length = 0
    return joined
  }

  /** Keeps what `buffer` holds from `pos` on, for the next read. */
  keep(buffer: Buffer, pos: number): void {
    if (pos < buffer.length) {
      this.parts.push(pos === 0 ? buffer : buffer.subarray(pos))
      this.length = buffer.length - pos
    }
  }
}
