/**
 * The text protocol's request reader: turns a connection's byte stream into a sequence of decoded
 * requests (or the replies that malformed input earns), one at a time, across any split into reads.
 *
 * @module
 */
import { itemSize } from "../domain/ItemSize.js"
import type { BinaryKey } from "../domain/Primitives.js"
import type { Request, StorageCommand } from "../domain/Request.js"
import * as Res from "../domain/Result.js"
import type { Result } from "../domain/Result.js"
import { completeMetaSet, type MetaSetHeader } from "./MetaCommand.js"
import { completeStorage, decodeLine, type StorageHeader } from "./TextCommand.js"
import { TextFramer } from "./TextFramer.js"

const badDataChunk = Res.ClientError.make({ message: "bad data chunk" })
const tooLarge = Res.ServerError.make({ message: "object too large for cache" })

/** Limits the reader enforces while framing. */
export interface ReaderLimits {
  /** Largest item (as {@link itemSize} measures it) that may be stored; larger data is discarded. */
  readonly maxItemSize: number
}

/** Reads requests from one connection's bytes. */
export class TextReader {
  private readonly framer = new TextFramer()
  private header: StorageHeader | MetaSetHeader | null = null
  private swallowing = 0
  /** What to yield once the data being swallowed is gone (nothing for a quiet too-large store). */
  private afterSwallow: Request | Result | null = null
  /** A reply owed after the request just yielded (the error ending a get line with a bad key). */
  private pendingReply: Result | null = null
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
      if (this.pendingReply !== null) {
        const reply = this.pendingReply
        this.pendingReply = null
        return reply
      }
      if (this.swallowing > 0) {
        // memcached answers a refused store only once its data has been read and discarded.
        if (!framer.skipBlock(this.swallowing)) return undefined
        this.swallowing = 0
        const rejected = this.afterSwallow
        this.afterSwallow = null
        if (rejected === null) continue
        return rejected
      }
      const header = this.header
      if (header !== null) {
        const status = framer.readBlock(header.bytes)
        if (status === "more") return undefined
        this.header = null
        // A view into the socket's read, not a copy: the store copies a value into its segments and
        // nothing keeps a request past its batch, so no read buffer stays pinned by a stored value.
        const value = status === "block" ? framer.block : undefined
        if (header._tag === "MetaSetHeader") {
          // memcached sends a meta set's errors even in quiet mode.
          return value === undefined ? badDataChunk : completeMetaSet(header, value)
        }
        if (value === undefined) return header.noreply ? Res.results.silent : badDataChunk
        return completeStorage(header, value)
      }
      const status = framer.nextLine()
      if (status === "more") return undefined
      if (status === "too-long") {
        this.closed = true
        return Res.results.close
      }
      const decoded = decodeLine(framer.tokens)
      switch (decoded._tag) {
        case "StorageHeader":
          if (itemSize(decoded.key.length, decoded.flags, decoded.bytes) > this.limits.maxItemSize) {
            return this.tooLarge(decoded.command, decoded.key, decoded.bytes, decoded.noreply)
          }
          this.header = decoded
          continue
        case "MetaSetHeader": {
          const { key, clientFlags } = decoded.request
          if (itemSize(key.length, clientFlags, decoded.bytes) > this.limits.maxItemSize) {
            // An ms too large for the cache removes the old item whatever its mode, as a set does; its
            // error is sent even in quiet mode.
            return this.tooLarge("set", key, decoded.bytes, false)
          }
          this.header = decoded
          continue
        }
        case "DiscardData":
          this.swallow(decoded.bytes, decoded.reply)
          continue
        case "LookupsThenError":
          this.pendingReply = decoded.reply
          return decoded.request
        case "Close":
          this.closed = true
          return decoded
        default:
          return decoded
      }
    }
  }

  /** Discards the next `bytes` bytes of data and their CRLF, then yields `then`. */
  private swallow(bytes: number, then: Request | Result | null): void {
    this.swallowing = bytes + 2
    this.afterSwallow = then
  }

  /**
   * A store too large for the cache. memcached acts on the header (a `set` drops the key's old value
   * there and then, and `store_too_large` counts it), discards the data as it arrives, so a huge value
   * costs no memory, and answers once the data is gone. So the request goes to the store now, quiet,
   * and the reply follows the data; a client that hangs up mid-value has still removed the old value.
   */
  private tooLarge(command: StorageCommand, key: BinaryKey, bytes: number, noreply: boolean): Request {
    this.swallow(bytes, noreply ? null : tooLarge)
    return { _tag: "TooLarge", command, key, noreply: true }
  }
}
