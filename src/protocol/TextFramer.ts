/**
 * Byte-level framing of the text protocol: command lines and the data blocks that follow storage
 * commands, across any split of the stream into reads. It knows nothing of what a command means;
 * the reader tells it when a data block of a given size follows a line.
 *
 * @module
 */

/** memcached closes a connection whose pending line has no newline after this many bytes... */
export const MAX_LINE_LENGTH = 2048
/** ...unless it is a get/gets, whose key lists are unbounded in memcached; we stop them here. */
export const MAX_GET_LINE_LENGTH = 1 << 20

/** Line feed, carriage return and space: the bytes that frame and split the text protocol's lines. */
export const LF = 0x0a
/** Carriage return. */
export const CR = 0x0d
/** Space. */
export const SPACE = 0x20
const EMPTY = Buffer.alloc(0)

/** What `nextLine` found. */
export type LineStatus = "line" | "more" | "too-long"

/** What `readBlock` found. */
export type BlockStatus = "block" | "bad-chunk" | "more"

/**
 * A streaming framer over one connection's bytes. `push` adds a read; `nextLine` and `readBlock` /
 * `skipBlock` consume from the front. Incomplete input stays buffered for the next read.
 */
export class TextFramer {
  private buf: Buffer = EMPTY
  private pos = 0
  /** The tokens of the line found by the last `nextLine` that returned "line". */
  tokens: Array<string> = []
  /** The data block completed by the last `readBlock` that returned "block" (a view; caller copies). */
  block: Buffer = EMPTY
  /** Whether `block` lives in a buffer of its own (else it is a view into a socket read: copy it). */
  blockOwned = false
  // A block larger than what one read holds is assembled here, in a buffer it owns from the start.
  private partial: Buffer | null = null
  private partialFilled = 0
  private skipping = 0

  /** Adds bytes read from the socket. */
  push(chunk: Buffer): void {
    if (this.pos >= this.buf.length) {
      this.buf = chunk
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk])
    }
    this.pos = 0
  }

  /** Bytes buffered and not yet consumed. */
  get buffered(): number {
    return this.buf.length - this.pos
  }

  /**
   * Finds the next command line and splits it into tokens the way memcached does: on single spaces,
   * ignoring runs of them, the line ending at LF or CRLF and at its first NUL byte.
   */
  nextLine(): LineStatus {
    const buf = this.buf
    const start = this.pos
    const eol = buf.indexOf(LF, start)
    if (eol < 0) {
      const pending = buf.length - start
      if (pending <= MAX_LINE_LENGTH) return "more"
      return this.isGetPrefix(start) && pending <= MAX_GET_LINE_LENGTH ? "more" : "too-long"
    }
    this.pos = eol + 1
    let end = eol > start && buf[eol - 1] === CR ? eol - 1 : eol
    const tokens: Array<string> = []
    let s = start
    // The line ends at its first NUL. Looked for here, within the line: searching the buffer for it
    // would scan all the pipelined input after the line, for every line (quadratic in the input).
    for (let i = start; i < end; i++) {
      const byte = buf[i]
      if (byte === SPACE) {
        if (i > s) tokens.push(buf.toString("latin1", s, i))
        s = i + 1
      } else if (byte === 0) {
        end = i
        break
      }
    }
    if (end > s) tokens.push(buf.toString("latin1", s, end))
    this.tokens = tokens
    return "line"
  }

  /**
   * The next line as latin1, without its LF or CRLF and untokenized (a client reading replies, whose
   * lines may hold runs of spaces); undefined until it has fully arrived.
   */
  nextRawLine(): string | undefined {
    const buf = this.buf
    const start = this.pos
    const eol = buf.indexOf(LF, start)
    if (eol < 0) return undefined
    this.pos = eol + 1
    return buf.toString("latin1", start, eol > start && buf[eol - 1] === CR ? eol - 1 : eol)
  }

  /** The buffered bytes; the unconsumed ones start at `offset` (a client parses reply lines in place). */
  get bytes(): Buffer {
    return this.buf
  }

  /** Where the unconsumed bytes of `bytes` start. */
  get offset(): number {
    return this.pos
  }

  /** Consumes the bytes of `bytes` before `offset` (a line its caller parsed in place). */
  consumeTo(offset: number): void {
    this.pos = offset
  }

  /** memcached lets an over-long line through only if it starts (after at most 100 spaces) with get/gets. */
  private isGetPrefix(start: number): boolean {
    const buf = this.buf
    let i = start
    while (i < buf.length && buf[i] === SPACE) i++
    if (i - start > 100) return false
    const head = buf.toString("latin1", i, Math.min(i + 5, buf.length))
    return head.startsWith("get ") || head === "gets "
  }

  /**
   * Reads a data block of `length` bytes plus its CRLF terminator. On "block", `block` holds the
   * bytes; on "bad-chunk", the length+2 bytes were consumed but did not end in CRLF.
   */
  readBlock(length: number): BlockStatus {
    const total = length + 2
    if (this.partial === null) {
      const available = this.buf.length - this.pos
      if (available >= total) {
        const start = this.pos
        this.pos += total
        if (this.buf[start + length] !== CR || this.buf[start + length + 1] !== LF) return "bad-chunk"
        this.block = this.buf.subarray(start, start + length)
        this.blockOwned = false
        return "block"
      }
      // Not all here yet: assemble it in a buffer of its own so large values are copied once.
      this.partial = Buffer.allocUnsafeSlow(total)
      this.partialFilled = 0
    }
    const take = Math.min(total - this.partialFilled, this.buf.length - this.pos)
    this.buf.copy(this.partial, this.partialFilled, this.pos, this.pos + take)
    this.pos += take
    this.partialFilled += take
    if (this.partialFilled < total) return "more"
    const block = this.partial
    this.partial = null
    if (block[length] !== CR || block[length + 1] !== LF) return "bad-chunk"
    this.block = block.subarray(0, length)
    this.blockOwned = true
    return "block"
  }

  /** Discards `length` bytes (a value too large to store) without buffering them; true when done. */
  skipBlock(length: number): boolean {
    if (this.skipping === 0) this.skipping = length
    const take = Math.min(this.skipping, this.buf.length - this.pos)
    this.pos += take
    this.skipping -= take
    return this.skipping === 0
  }
}
