/**
 * The text protocol's request reader: turns a connection's byte stream into a sequence of decoded
 * requests (or the replies that malformed input earns), one at a time, across any split into reads.
 *
 * @module
 */
import { itemSize } from "../domain/ItemSize.js"
import type { Request } from "../domain/Request.js"
import * as Res from "../domain/Result.js"
import type { Result } from "../domain/Result.js"
import { completeStorage, decodeLine, type StorageHeader } from "./TextCommand.js"
import { TextFramer } from "./TextFramer.js"

const badDataChunk = Res.ClientError.make({ message: "bad data chunk" })

/** Limits the reader enforces while framing. */
export interface ReaderLimits {
  /** Largest item (as {@link itemSize} measures it) that may be stored; larger data is discarded. */
  readonly maxItemSize: number
}

/** Reads requests from one connection's bytes. */
export class TextReader {
  private readonly framer = new TextFramer()
  private header: StorageHeader | null = null
  private swallowing = 0
  private tooLarge: Request | null = null
  private closed = false

  constructor(private readonly limits: ReaderLimits) {}

  /** Adds bytes read from the connection. */
  push(chunk: Buffer): void {
    this.framer.push(chunk)
  }

  /**
   * Where the reader stands between requests: at a command line (`line`), inside a value's data
   * block (`data`), or discarding a too-large value (`swallow`). memcached's `stats conns` shows it,
   * and its idle timeout spares a client in the middle of a data block.
   */
  get phase(): "line" | "data" | "swallow" {
    return this.swallowing > 0 ? "swallow" : this.header !== null ? "data" : "line"
  }

  /** Bytes received and not yet consumed. */
  get buffered(): number {
    return this.framer.buffered
  }

  /**
   * The next complete request, or the reply to send for malformed input, or undefined when more bytes
   * are needed. After a `Close` result it returns undefined forever.
   */
  next(): Request | Result | undefined {
    const framer = this.framer
    for (;;) {
      if (this.closed) return undefined
      if (this.swallowing > 0) {
        // memcached answers a too-large store only once its data has been read and discarded.
        if (!framer.skipBlock(this.swallowing)) return undefined
        this.swallowing = 0
        const rejected = this.tooLarge!
        this.tooLarge = null
        return rejected
      }
      const header = this.header
      if (header !== null) {
        const status = framer.readBlock(header.bytes)
        if (status === "more") return undefined
        this.header = null
        if (status === "bad-chunk") return header.noreply ? Res.results.silent : badDataChunk
        return completeStorage(header, framer.blockOwned ? framer.block : copy(framer.block))
      }
      const status = framer.nextLine()
      if (status === "more") return undefined
      if (status === "too-long") {
        this.closed = true
        return Res.results.close
      }
      const decoded = decodeLine(framer.tokens)
      if (decoded._tag === "Close") this.closed = true
      if (decoded._tag !== "StorageHeader") return decoded
      if (itemSize(decoded.key.length, decoded.flags, decoded.bytes) > this.limits.maxItemSize) {
        // The data is discarded as it arrives, so a huge value costs no memory.
        this.swallowing = decoded.bytes + 2
        this.tooLarge = { _tag: "TooLarge", command: decoded.command, key: decoded.key, noreply: decoded.noreply }
        continue
      }
      this.header = decoded
    }
  }
}

/** Copies a value out of a socket read, so a small stored value never pins a whole read buffer. */
const copy = (view: Buffer): Buffer => {
  const owned = Buffer.allocUnsafeSlow(view.length)
  view.copy(owned)
  return owned
}
