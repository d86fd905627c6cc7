/**
 * An incremental parser of memcached text-protocol replies, for the load generator: bytes in, in any
 * split, and one call per reply element out (a `VALUE` block, `END`, or a one-line reply). It knows the
 * replies to get and storage commands; anything else is a protocol error, after which the stream can no
 * longer be trusted.
 *
 * Hand-written over bytes because it runs for every reply of a load run: a VALUE block is handed over
 * as a slice of the socket's buffer, not copied, and a large value arriving in many reads is joined once.
 *
 * @module
 */
import { Leftover } from "./Leftover.js"

/** The one-line replies the parser knows, first word only. */
export type LineReply =
  | "STORED"
  | "NOT_STORED"
  | "EXISTS"
  | "NOT_FOUND"
  | "DELETED"
  | "TOUCHED"
  | "ERROR"
  | "CLIENT_ERROR"
  | "SERVER_ERROR"

const LINE_REPLIES: ReadonlySet<string> = new Set<LineReply>([
  "STORED",
  "NOT_STORED",
  "EXISTS",
  "NOT_FOUND",
  "DELETED",
  "TOUCHED",
  "ERROR",
  "CLIENT_ERROR",
  "SERVER_ERROR"
])

/** Whether a one-line reply reports a failure (an error, or a storage command that did not store). */
export const isFailure = (reply: LineReply): boolean => reply !== "STORED" && reply !== "DELETED" && reply !== "TOUCHED"

/** Receives the reply elements in stream order. It may throw ReplyProtocolError to reject one. */
export interface ReplySink {
  /** One `VALUE <key> <flags> <bytes>` block of a get reply; the value is `data[start, end)`, valid during the call. */
  onValue(key: string, flags: number, data: Buffer, start: number, end: number): void
  /** `END`, closing a get reply. */
  onEnd(): void
  /** Any other reply line, by its first word, with the whole line. */
  onLine(reply: LineReply, line: string): void
}

/** The server sent something that is not a valid reply. */
export class ReplyProtocolError extends Error {
  override readonly name = "ReplyProtocolError"
}

/** The longest reply line accepted (memcached's are far shorter). */
export const MAX_LINE = 4096
/** The largest value accepted in a reply. */
export const MAX_VALUE = 256 * 1024 * 1024

const CR = 13
const LF = 10
const VALUE_PREFIX = Buffer.from("VALUE ")

const digitsAt = (buffer: Buffer, from: number, to: number): number => {
  if (from >= to || to - from > 15) return -1
  let n = 0
  for (let i = from; i < to; i++) {
    const d = buffer[i]! - 48
    if (d < 0 || d > 9) return -1
    n = n * 10 + d
  }
  return n
}

// The first space in buffer[from, end), or -1.
const spaceIn = (buffer: Buffer, from: number, end: number): number => {
  const i = buffer.indexOf(32, from)
  return i < end ? i : -1
}

const isWord = (buffer: Buffer, start: number, end: number, word: string): boolean => {
  if (end - start !== word.length) return false
  for (let i = 0; i < word.length; i++) if (buffer[start + i] !== word.charCodeAt(i)) return false
  return true
}

/** Parses one connection's reply stream. */
export class ReplyParser {
  private readonly leftover = new Leftover()
  /** Bytes of the pending VALUE block including its CRLF, or -1 while a line is expected. */
  private need = -1
  private key = ""
  private flags = 0

  constructor(private readonly sink: ReplySink) {}

  /** Consumes a chunk; throws ReplyProtocolError on invalid replies (or whatever the sink throws). */
  feed(chunk: Buffer): void {
    const buffer = this.leftover.with(chunk, this.need)
    if (buffer === undefined) return
    let pos = 0
    while (pos < buffer.length) {
      if (this.need >= 0) {
        if (buffer.length - pos < this.need) break
        const end = pos + this.need - 2
        if (buffer[end] !== CR || buffer[end + 1] !== LF) throw new ReplyProtocolError("value not followed by CRLF")
        this.need = -1
        this.sink.onValue(this.key, this.flags, buffer, pos, end)
        pos = end + 2
        continue
      }
      const lf = buffer.indexOf(LF, pos)
      if (lf < 0) {
        if (buffer.length - pos > MAX_LINE) throw new ReplyProtocolError(`reply line longer than ${MAX_LINE} bytes`)
        break
      }
      if (lf === pos || buffer[lf - 1] !== CR) {
        throw new ReplyProtocolError(`line not ended by CRLF: ${buffer.toString("latin1", pos, lf)}`)
      }
      this.line(buffer, pos, lf - 1)
      pos = lf + 1
    }
    this.leftover.keep(buffer, pos)
  }

  private line(buffer: Buffer, start: number, end: number): void {
    if (
      end - start > VALUE_PREFIX.length &&
      buffer.compare(VALUE_PREFIX, 0, VALUE_PREFIX.length, start, start + VALUE_PREFIX.length) === 0
    ) {
      this.valueLine(buffer, start, end)
    } else if (isWord(buffer, start, end, "END")) {
      this.sink.onEnd()
    } else if (isWord(buffer, start, end, "STORED")) {
      this.sink.onLine("STORED", "STORED")
    } else {
      const line = buffer.toString("latin1", start, end)
      const word = line.split(" ", 1)[0]!
      if (!LINE_REPLIES.has(word)) throw new ReplyProtocolError(`unexpected reply: ${line.slice(0, 100)}`)
      this.sink.onLine(word as LineReply, line)
    }
  }

  // VALUE <key> <flags> <bytes>[ <cas>]
  private valueLine(buffer: Buffer, start: number, end: number): void {
    const keyStart = start + VALUE_PREFIX.length
    const keyEnd = spaceIn(buffer, keyStart, end)
    const flagsEnd = keyEnd < 0 ? -1 : spaceIn(buffer, keyEnd + 1, end)
    const casStart = flagsEnd < 0 ? -1 : spaceIn(buffer, flagsEnd + 1, end)
    const flags = flagsEnd < 0 ? -1 : digitsAt(buffer, keyEnd + 1, flagsEnd)
    const bytes = flagsEnd < 0 ? -1 : digitsAt(buffer, flagsEnd + 1, casStart < 0 ? end : casStart)
    if (keyEnd === keyStart || flags < 0 || bytes < 0 || bytes > MAX_VALUE) {
      throw new ReplyProtocolError(`malformed VALUE line: ${buffer.toString("latin1", start, end).slice(0, 100)}`)
    }
    this.key = buffer.toString("latin1", keyStart, keyEnd)
    this.flags = flags
    this.need = bytes + 2
  }
}
