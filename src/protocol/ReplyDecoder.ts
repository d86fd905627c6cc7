/**
 * Decoding of replies into typed results: the client side of ReplyEncoder and MetaReplyEncoder.
 *
 * Replies do not say which request they answer; they come back in request order, so the decoder is
 * told the request whose reply is next and decodes exactly that reply, across any split of the stream
 * into reads (a reply half-read stays decoded so far until the rest arrives). A reply that is not a
 * valid answer to its request is malformed: the stream is out of step, and the connection must go.
 *
 * Quiet requests (`noreply`, the meta `q` flag) may have no reply at all, so a client that sends one
 * follows it with `mn` (see `RequestEncoder.writeRequest`): the decoder then reads the request's reply,
 * if any, up to the no-op's `MN`, and a reply that was suppressed decodes as `Silent`.
 *
 * @module
 */
import type { FlaggedMetaRequest } from "../domain/MetaRequest.js"
import type { MetaReply } from "../domain/MetaResult.js"
import type { Request } from "../domain/Request.js"
import * as Res from "../domain/Result.js"
import type { DumpedItem, Hit, PrefixLine, Result } from "../domain/Result.js"
import { decimal, decodeMetaLine, isMetaStatusLine, MalformedReply } from "./MetaReplyDecoder.js"
import { errorReply, itemLine, malformed, oneLine, prefixLine, show, statLine } from "./ReplyLines.js"
import { CR, LF, SPACE, TextFramer } from "./TextFramer.js"

/** Why a reply could not be decoded. */
export interface Malformed {
  readonly _tag: "Malformed"
  readonly reason: string
}

/** A decoded reply, a malformed one, or undefined while more bytes are needed. */
export type Decoded = Result | Malformed | undefined

/** No reply line is longer than this (a VALUE line, a meta line with a base64 key and an opaque). */
export const MAX_REPLY_LINE = 64 * 1024

/** Whether a request is quiet: its reply may be suppressed, so a client follows it with `mn`. */
export const isQuietRequest = (request: Request): boolean =>
  "noreply" in request ? request.noreply : "quiet" in request && request.quiet

/** What a half-read reply has gathered so far. */
type Progress =
  | { readonly _tag: "Values"; readonly hits: Array<Hit>; pending: PendingHit | undefined }
  | { readonly _tag: "Stats"; readonly entries: Array<readonly [string, string]> }
  | { readonly _tag: "Prefixes"; readonly prefixes: Array<PrefixLine> }
  | { readonly _tag: "Items"; readonly items: Array<DumpedItem> }
  | { readonly _tag: "MetaValue"; readonly reply: MetaReply; readonly length: number }
  /** A quiet request's reply is decoded: the no-op's MN must follow. */
  | { readonly _tag: "QuietTail"; readonly result: Result }

interface PendingHit {
  readonly key: string
  readonly flags: number
  readonly length: number
  readonly cas: number
}

/** A miss: shared, since nothing in it varies. */
const EMPTY: Result = Res.values([], false)
const EMPTY_WITH_CAS: Result = Res.values([], true)

/** `VALUE <key> <flags> <bytes>[ <cas>]`, split by hand: a get's reply has one per hit. */
const valueLine = (line: string, withCas: boolean): PendingHit => {
  const keyEnd = line.indexOf(" ", 6)
  const flagsEnd = keyEnd < 0 ? -1 : line.indexOf(" ", keyEnd + 1)
  const lengthEnd = flagsEnd < 0 ? -1 : line.indexOf(" ", flagsEnd + 1)
  if (flagsEnd < 0 || (withCas ? lengthEnd < 0 || line.indexOf(" ", lengthEnd + 1) >= 0 : lengthEnd >= 0)) {
    throw new MalformedReply(`bad VALUE line ${show(line)}`)
  }
  return {
    key: line.slice(6, keyEnd),
    flags: decimal(line.slice(keyEnd + 1, flagsEnd), "flags"),
    length: decimal(line.slice(flagsEnd + 1, withCas ? lengthEnd : line.length), "length"),
    cas: withCas ? decimal(line.slice(lengthEnd + 1), "cas") : 0
  }
}

/** `VALUE `, the start of a hit's line. */
const VALUE_PREFIX = [0x56, 0x41, 0x4c, 0x55, 0x45, 0x20]
/** `STORED`. */
const STORED = [0x53, 0x54, 0x4f, 0x52, 0x45, 0x44]

/** What a retrieval's next line is, read in place (see `ReplyDecoder.valueLineInPlace`). */
const enum InPlace {
  /** The line has not fully arrived. */
  More,
  /** END, consumed. */
  End,
  /** A VALUE line, consumed: the hit is pending. */
  Value,
  /** Anything else (errors, odd spacing, odd numbers): left for the string path, which says what is wrong. */
  Other
}

/** Whether `buf[start, end)` holds exactly the bytes of `expected`. */
const bytesAre = (buf: Buffer, start: number, end: number, expected: ReadonlyArray<number>): boolean => {
  if (end - start !== expected.length) return false
  for (let i = 0; i < expected.length; i++) if (buf[start + i] !== expected[i]) return false
  return true
}

/**
 * The decimal of 1 to 16 digits in `buf` from `start` up to the first space or `end`, and where it
 * stopped in `cursor[0]`; -1 for anything else (then the string path decides, as `decimal` would).
 */
const digitsAt = (buf: Buffer, start: number, end: number, cursor: Array<number>): number => {
  let value = 0
  let i = start
  for (; i < end; i++) {
    const byte = buf[i]!
    if (byte === SPACE) break
    if (byte < 0x30 || byte > 0x39) return -1
    // Parenthesised as in `decimal`: value * 10 + byte rounds first past 2^53, then differs.
    value = value * 10 + (byte - 0x30)
  }
  if (i === start || i - start > 16) return -1
  cursor[0] = i
  return value
}

/** Decodes the replies of one connection, in request order. */
export class ReplyDecoder {
  private readonly framer = new TextFramer()
  /** Where `digitsAt` stopped: one array per decoder, not one per number. */
  private readonly cursor: Array<number> = [0]
  /** A line read ahead (a quiet request's first line, which may be the no-op's MN) and given back. */
  private unread: string | undefined = undefined
  private progress: Progress | undefined = undefined

  /** Adds bytes read from the connection. */
  push(chunk: Buffer): void {
    this.framer.push(chunk)
  }

  /** Bytes received and not yet consumed. */
  get buffered(): number {
    return this.framer.buffered
  }

  /** Whether a reply is half-read (its request's reply has begun but not ended). */
  get midReply(): boolean {
    return this.progress !== undefined
  }

  /**
   * Decodes the reply to `request`, the oldest request not yet answered. Call it again with the same
   * request while it returns undefined (more bytes needed); after a Malformed, the stream is unusable.
   */
  next(request: Request): Decoded {
    try {
      if (!isQuietRequest(request)) return this.reply(request)
      if (this.progress === undefined) {
        // Suppressed: the first line is the no-op's.
        const line = this.line()
        if (line === undefined) return undefined
        if (line === "MN") return Res.results.silent
        this.unread = line
      }
      if (this.progress?._tag !== "QuietTail") {
        const result = this.reply(request)
        if (result === undefined) return undefined
        this.progress = { _tag: "QuietTail", result }
      }
      const line = this.line()
      if (line === undefined) return undefined
      const result = this.progress.result
      this.progress = undefined
      if (line !== "MN") throw new MalformedReply(`expected MN after a quiet request's reply, got ${show(line)}`)
      return result
    } catch (error) {
      if (!(error instanceof MalformedReply)) throw error
      this.progress = undefined
      return { _tag: "Malformed", reason: error.message }
    }
  }

  /** What the end of the stream means for `request`: quit and shutdown end with it; others lost it. */
  static atEnd(request: Request): Result | undefined {
    return request._tag === "Quit" || request._tag === "Shutdown" ? Res.results.close : undefined
  }

  private reply(request: Request): Result | undefined {
    switch (request._tag) {
      case "Get":
      case "Gat":
        return this.values(false)
      case "Gets":
      case "Gats":
        return this.values(true)
      case "Stats":
        return this.stats(request.args)
      case "MetaGet":
      case "MetaSet":
      case "MetaDelete":
      case "MetaArithmetic":
        return this.meta(request)
      case "Quit":
        return Res.results.close
      default:
        return this.single(request)
    }
  }

  /** Replies of one line. */
  private single(request: Request): Result | undefined {
    if (request._tag === "Set" && this.unread === undefined) {
      // A set's usual reply, compared in place.
      const framer = this.framer
      const buf = framer.bytes
      const start = framer.offset
      if (buf[start + 6] === CR && buf[start + 7] === LF && bytesAre(buf, start, start + 6, STORED)) {
        framer.consumeTo(start + 8)
        return Res.results.stored
      }
    }
    const line = this.line()
    if (line === undefined) return undefined
    const result = oneLine(request, line)
    if (result === undefined) throw new MalformedReply(`${show(line)} does not answer ${request._tag}`)
    return result
  }

  private values(withCas: boolean): Result | undefined {
    let progress = this.progress
    if (progress === undefined) {
      progress = { _tag: "Values", hits: [], pending: undefined }
      this.progress = progress
    }
    if (progress._tag !== "Values") throw new MalformedReply("a retrieval's reply interleaved with another")
    for (;;) {
      const pending = progress.pending
      if (pending !== undefined) {
        const value = this.block(pending.length)
        if (value === undefined) return undefined
        progress.hits.push({ key: pending.key, flags: pending.flags, value, cas: pending.cas })
        progress.pending = undefined
      }
      // The lines of a hit and END, read where they lie in the buffer: no string but the key.
      const inPlace = this.unread === undefined ? this.valueLineInPlace(progress, withCas) : InPlace.Other
      if (inPlace === InPlace.Value) continue
      if (inPlace === InPlace.More) return undefined
      const line = inPlace === InPlace.End ? "END" : this.line()
      if (line === undefined) return undefined
      if (line === "END") {
        this.progress = undefined
        const hits = progress.hits
        return hits.length > 0 ? Res.values(hits, withCas) : withCas ? EMPTY_WITH_CAS : EMPTY
      }
      if (line.startsWith("VALUE ")) {
        progress.pending = valueLine(line, withCas)
        continue
      }
      // memcached may end a multi-get with an error after some values: the error is the reply.
      this.progress = undefined
      return errorReply(line) ?? malformed(line, "a retrieval")
    }
  }

  /** Reads a retrieval's next line in place if it is END or a well-formed VALUE line (see InPlace). */
  private valueLineInPlace(progress: { pending: PendingHit | undefined }, withCas: boolean): InPlace {
    const framer = this.framer
    const buf = framer.bytes
    const start = framer.offset
    const eol = buf.indexOf(LF, start)
    if (eol < 0) return framer.buffered > MAX_REPLY_LINE ? InPlace.Other : InPlace.More
    const end = eol > start && buf[eol - 1] === CR ? eol - 1 : eol
    if (end - start === 3 && buf[start] === 0x45 && buf[start + 1] === 0x4e && buf[start + 2] === 0x44) {
      framer.consumeTo(eol + 1)
      return InPlace.End
    }
    if (end - start < 11 || !bytesAre(buf, start, start + 6, VALUE_PREFIX)) return InPlace.Other
    const keyEnd = buf.indexOf(SPACE, start + 6)
    if (keyEnd <= start + 6 || keyEnd >= end) return InPlace.Other
    const cursor = this.cursor
    const flags = digitsAt(buf, keyEnd + 1, end, cursor)
    if (flags < 0 || cursor[0]! >= end) return InPlace.Other
    const length = digitsAt(buf, cursor[0]! + 1, end, cursor)
    if (length < 0) return InPlace.Other
    let cas = 0
    if (withCas) {
      if (cursor[0]! >= end) return InPlace.Other
      cas = digitsAt(buf, cursor[0]! + 1, end, cursor)
      if (cas < 0) return InPlace.Other
    }
    if (cursor[0] !== end) return InPlace.Other
    progress.pending = { key: buf.toString("latin1", start + 6, keyEnd), flags, length, cas }
    framer.consumeTo(eol + 1)
    return InPlace.Value
  }

  private stats(args: ReadonlyArray<string>): Result | undefined {
    for (;;) {
      const line = this.line()
      if (line === undefined) return undefined
      const progress = this.progress
      if (progress === undefined) {
        if (line === "RESET") return Res.results.statsReset
        if (line === "OK") return Res.results.ok
        const error = errorReply(line)
        if (error !== undefined) return error
        this.progress = args[0] === "detail" && args[1] === "dump"
          ? { _tag: "Prefixes", prefixes: [] }
          : args[0] === "cachedump"
          ? { _tag: "Items", items: [] }
          : { _tag: "Stats", entries: [] }
      }
      const gathering = this.progress!
      if (line === "END") {
        this.progress = undefined
        switch (gathering._tag) {
          case "Prefixes":
            return { _tag: "PrefixDump", prefixes: gathering.prefixes }
          case "Items":
            return { _tag: "CacheDump", items: gathering.items }
          case "Stats":
            return { _tag: "StatsReply", entries: gathering.entries }
          default:
            throw new MalformedReply("a stats reply interleaved with another")
        }
      }
      switch (gathering._tag) {
        case "Stats": {
          const entry = statLine(line)
          gathering.entries.push(entry)
          // memcached answers these two with one STAT line and no END.
          if (args[0] === "sizes_enable" || args[0] === "sizes_disable") {
            this.progress = undefined
            return { _tag: "StatsReply", entries: gathering.entries, terminated: false }
          }
          break
        }
        case "Prefixes":
          gathering.prefixes.push(prefixLine(line))
          break
        case "Items":
          gathering.items.push(itemLine(line))
          break
        default:
          throw new MalformedReply("a stats reply interleaved with another")
      }
    }
  }

  private meta(request: FlaggedMetaRequest): Result | undefined {
    const progress = this.progress
    if (progress !== undefined) {
      if (progress._tag !== "MetaValue") throw new MalformedReply("a meta reply interleaved with another")
      const value = this.block(progress.length)
      if (value === undefined) return undefined
      this.progress = undefined
      return { ...progress.reply, value }
    }
    const line = this.line()
    if (line === undefined) return undefined
    if (!isMetaStatusLine(line)) return errorReply(line) ?? malformed(line, request._tag)
    const { reply, valueLength } = decodeMetaLine(request, line)
    if (valueLength === undefined) return reply
    this.progress = { _tag: "MetaValue", reply, length: valueLength }
    return this.meta(request)
  }

  /** The next line (without its CRLF) as latin1, consumed; undefined if it has not fully arrived. */
  private line(): string | undefined {
    const unread = this.unread
    if (unread !== undefined) {
      this.unread = undefined
      return unread
    }
    const line = this.framer.nextRawLine()
    if (line === undefined && this.framer.buffered > MAX_REPLY_LINE) {
      throw new MalformedReply(`a reply line over ${MAX_REPLY_LINE} bytes`)
    }
    return line
  }

  /** A data block of `length` bytes and its CRLF, in a buffer of its own; undefined until complete. */
  private block(length: number): Buffer | undefined {
    const framer = this.framer
    const status = framer.readBlock(length)
    if (status === "more") return undefined
    if (status === "bad-chunk") throw new MalformedReply("a data block not ended by CRLF")
    if (framer.blockOwned) return framer.block
    // A copy: a small value must not pin a whole socket read (it comes from Node's shared pool).
    const value = Buffer.allocUnsafe(length)
    framer.block.copy(value)
    return value
  }
}
