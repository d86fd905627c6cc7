/**
 * memcached's ASCII authentication handshake (`-Y`), as memcached 1.6.18's
 * `try_read_command_asciiauth` reads it. Until a connection has authenticated, every line it sends is
 * read here and nowhere else:
 *
 * - a line that is not `set <key> <flags> <exptime> <bytes> ...` with a valid `<bytes>` (the key,
 *   flags and exptime are never looked at) answers `CLIENT_ERROR unauthenticated`; this is what every
 *   other command gets, `get`, `quit`, meta commands, a binary-protocol packet and `version` included;
 * - otherwise `<bytes>` + 2 bytes of data follow. Data not ending in CRLF answers `CLIENT_ERROR bad
 *   command line termination`; data with fewer than two space-separated tokens `CLIENT_ERROR bad
 *   authentication token format`; then the first two tokens are the user and password: `STORED`
 *   when they are an entry of the file (and the connection is authenticated from the next byte on),
 *   `CLIENT_ERROR authentication failure` when not;
 * - 2048 bytes without a newline close the connection, as memcached does for any command line.
 *
 * The reader is pure (bytes in, steps out): the connection writes the replies and, once
 * authenticated, hands the bytes after the handshake to its command reader.
 *
 * @module
 */
import { parseU32 } from "../protocol/Numbers.js"

/** What one step of the handshake produced. */
export type AuthStep =
  /** Answer this line; `outcome` tells the statistics whether credentials were checked. */
  | { readonly _tag: "Reply"; readonly line: string; readonly outcome: AuthOutcome }
  /** Close the connection: a line too long, or an authentication token too large to hold. */
  | { readonly _tag: "Close"; readonly reason: string }

/** `success` and `failure` count as `auth_cmds` (failures also as `auth_errors`); `none` counts nothing. */
export type AuthOutcome = "success" | "failure" | "none"

/** A command line still without a newline after this many bytes closes the connection (memcached's rule). */
export const MAX_LINE = 2048

/**
 * The largest `user password` data block accepted. memcached reads it into its 16 KB read buffer and
 * stalls the connection when it cannot fit; effcached closes it instead.
 */
export const MAX_TOKEN = 16 * 1024

const reply = (line: string, outcome: AuthOutcome = "none"): AuthStep => ({ _tag: "Reply", line, outcome })
const unauthenticated = reply("CLIENT_ERROR unauthenticated")
const badTermination = reply("CLIENT_ERROR bad command line termination")
const badFormat = reply("CLIENT_ERROR bad authentication token format")
const failure = reply("CLIENT_ERROR authentication failure", "failure")
const success = reply("STORED", "success")

/** memcached's tokenizer: space-separated, runs of spaces skipped, stopping at the first NUL. */
const tokens = (bytes: Buffer): Array<Buffer> => {
  const nul = bytes.indexOf(0)
  const text = nul < 0 ? bytes : bytes.subarray(0, nul)
  const out: Array<Buffer> = []
  let start = 0
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || text[i] === 0x20) {
      if (i > start) out.push(text.subarray(start, i))
      start = i + 1
    }
  }
  return out
}

/** One connection's side of the handshake. */
export class AsciiAuthReader {
  private pending: Buffer = Buffer.alloc(0)
  /** While a `set` line has been read: the data block's length with its CRLF. */
  private dataLength = -1
  /** Set once credentials were accepted: bytes after the handshake belong to the command reader. */
  authenticated = false

  constructor(private readonly check: (user: Buffer, password: Buffer) => boolean) {}

  /** Adds bytes received from the client. */
  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
  }

  /** The bytes received after the handshake (call once authenticated). */
  takeRest(): Buffer {
    const rest = this.pending
    this.pending = Buffer.alloc(0)
    return rest
  }

  /** The next step, or undefined when more bytes are needed (or the connection is authenticated). */
  next(): AuthStep | undefined {
    if (this.authenticated) return undefined
    if (this.dataLength < 0) {
      const newline = this.pending.indexOf(0x0a)
      if (newline < 0) {
        return this.pending.length > MAX_LINE ? { _tag: "Close", reason: "command line too long" } : undefined
      }
      const line = tokens(this.pending.subarray(0, newline))
      this.pending = this.pending.subarray(newline + 1)
      const size = line.length >= 5 && line[0]!.toString("latin1") === "set"
        ? parseU32(line[4]!.toString("latin1"))
        : undefined
      if (size === undefined) return unauthenticated
      if (size > MAX_TOKEN) return { _tag: "Close", reason: "authentication token too large" }
      this.dataLength = size + 2
    }
    if (this.pending.length < this.dataLength) return undefined
    const data = this.pending.subarray(0, this.dataLength)
    this.pending = this.pending.subarray(this.dataLength)
    this.dataLength = -1
    if (data[data.length - 2] !== 0x0d || data[data.length - 1] !== 0x0a) return badTermination
    const credentials = tokens(data.subarray(0, data.length - 2))
    if (credentials.length < 2) return badFormat
    if (!this.check(credentials[0]!, credentials[1]!)) return failure
    this.authenticated = true
    return success
  }
}
