/**
 * The binary protocol's request reader: turns a connection's byte stream into decoded requests (or
 * the errors memcached answers), one packet at a time, across any split into reads. Dispatch follows
 * memcached 1.6.18's `dispatch_bin_command` check by check, so a packet earns the same status and the
 * connection is kept, closed or made to discard bytes exactly as memcached does it:
 *
 * - a packet is dispatched once its header, extras and key have arrived; a value is read after that,
 *   and bytes a command does not read (a stat or touch with a longer body) are the next packet's;
 * - key or extras longer than the body: Unknown command, then close; an opcode other than SASL's and
 *   version before authentication under `-S`: Auth failure, then close; a key over 250 bytes or
 *   lengths wrong for the opcode: Invalid arguments, then close;
 * - an unknown opcode: Unknown command, and memcached then discards `bodylen` bytes counted from
 *   after the key (so a body with extras or a key eats into the next packet: kept as memcached has it).
 *
 * The fields become the domain's requests in BinaryCommand.ts.
 *
 * @module
 */
import { itemSize } from "../../domain/ItemSize.js"
import { KEY_MAX_LENGTH } from "../../domain/Primitives.js"
import type { Request } from "../../domain/Request.js"
import * as Res from "../../domain/Result.js"
import type { Result } from "../../domain/Result.js"
import {
  arithmeticRequest,
  binaryKey,
  deleteRequest,
  flushRequest,
  retrievalRequest,
  statsRequest,
  storeRequest
} from "./BinaryCommand.js"
import { BinaryFramer } from "./BinaryFramer.js"
import { type BinaryControl, type BinaryError, binaryError } from "./BinaryPacket.js"
import { HEADER_SIZE, loudOf, MAX_SASL_MECH_LENGTH, Op, REQUEST_MAGIC, Status } from "./Opcodes.js"

/** What the reader yields. */
export type BinaryItem = Request | BinaryControl | Result

/** Limits and authentication state the reader enforces while dispatching. */
export interface BinaryReaderOptions {
  /** Largest item (as {@link itemSize} measures it) that may be stored; larger values are discarded. */
  readonly maxItemSize: number
  /** Whether SASL is on (`-S`): commands other than SASL's and version then need authentication. */
  readonly sasl: boolean
}

const closeInvalid = binaryError(Status.Invalid, true)
const closeUnknown = binaryError(Status.UnknownCommand, true)
const closeAuth = binaryError(Status.AuthError, true)
const unknown = binaryError(Status.UnknownCommand, false)
const invalid = binaryError(Status.Invalid, false)
const tooBig = binaryError(Status.TooBig, false)
const notFound = binaryError(Status.KeyNotFound, false)
const outOfMemory = binaryError(Status.OutOfMemory, false)
const metaNoop: Request = { _tag: "MetaNoop" }
const version: Request = { _tag: "Version" }
const quit: Request = { _tag: "Quit" }

/** Reads requests from one connection's bytes. */
export class BinaryReader {
  private readonly framer = new BinaryFramer()
  private swallowing = 0
  /** What to yield once the bytes being discarded are gone. */
  private afterSwallow: BinaryItem | null = null
  private closed = false
  // A packet waiting for its value: its opcode (0 when none), fields and value length.
  private waiting = -1
  private waitingKey = ""
  private waitingFlags = 0
  private waitingExptime = 0
  private waitingCas = 0n
  private waitingLength = 0

  /** The opcode of the packet the last item came from (as sent: quiet opcodes stay quiet). */
  opcode = 0
  /** The opaque of the packet the last item came from. */
  opaque = 0
  /** Whether this connection has authenticated (set by whoever checks a SASL auth). */
  authenticated = false

  constructor(private readonly options: BinaryReaderOptions) {}

  /** Adds bytes read from the connection. */
  push(chunk: Buffer): void {
    this.framer.push(chunk)
  }

  /** Bytes received and not yet consumed. */
  get buffered(): number {
    return this.framer.buffered
  }

  /** Where the reader stands: at a header (`line`), in a value (`data`), or discarding (`swallow`). */
  get phase(): "line" | "data" | "swallow" {
    return this.swallowing > 0 ? "swallow" : this.waiting >= 0 ? "data" : "line"
  }

  /**
   * The next request, connection-level packet or error, or undefined when more bytes are needed.
   * After an item that closes the connection it returns undefined forever.
   */
  next(): BinaryItem | undefined {
    const framer = this.framer
    for (;;) {
      if (this.closed) return undefined
      if (this.swallowing > 0) {
        this.swallowing = framer.skip(this.swallowing)
        if (this.swallowing > 0) return undefined
        const then = this.afterSwallow
        this.afterSwallow = null
        if (then !== null) return then
        continue
      }
      if (this.waiting >= 0) {
        if (!framer.ensure(this.waitingLength)) return undefined
        const opcode = this.waiting
        this.waiting = -1
        return this.complete(opcode, framer.take(this.waitingLength))
      }
      if (!framer.header()) return undefined
      if (framer.magic !== REQUEST_MAGIC) {
        // memcached closes without a word on a bad magic byte.
        this.closed = true
        return Res.results.close
      }
      const extras = framer.extrasLength
      const keyLength = framer.keyLength
      if (!framer.ensure(HEADER_SIZE + extras + keyLength)) return undefined
      this.opcode = framer.opcode
      this.opaque = framer.opaque
      const item = this.dispatch()
      if (item === undefined) continue
      if (item._tag === "BinaryError" && item.close) this.closed = true
      return item
    }
  }

  /** Consumes the header, extras and key of the packet the framer holds, and decides what it is. */
  private dispatch(): BinaryItem | undefined {
    const framer = this.framer
    const extras = framer.extrasLength
    const keyLength = framer.keyLength
    const body = framer.bodyLength
    const raw = framer.opcode
    const bytes = framer.bytes
    const extrasAt = framer.offset + HEADER_SIZE
    const keyAt = extrasAt + extras
    framer.consume(HEADER_SIZE + extras + keyLength)
    if (keyLength > body || keyLength + extras > body) return closeUnknown
    if (
      this.options.sasl && !this.authenticated && raw !== Op.SaslListMechs && raw !== Op.SaslAuth &&
      raw !== Op.SaslStep && raw !== Op.Version
    ) {
      return closeAuth
    }
    if (keyLength > KEY_MAX_LENGTH) return closeInvalid
    const opcode = loudOf[raw] ?? raw
    const key = () => bytes.toString("latin1", keyAt, keyAt + keyLength)
    const valueLength = body - keyLength - extras
    switch (opcode) {
      case Op.Version:
        return extras === 0 && keyLength === 0 && body === 0 ? version : closeInvalid
      case Op.Noop:
        return extras === 0 && keyLength === 0 && body === 0 ? metaNoop : closeInvalid
      case Op.Quit:
        return extras === 0 && keyLength === 0 && body === 0 ? quit : closeInvalid
      case Op.Flush: {
        if (keyLength !== 0 || body !== extras || (extras !== 0 && extras !== 4)) return closeInvalid
        return flushRequest(extras === 4 ? bytes.readUInt32BE(extrasAt) : 0) ?? closeInvalid
      }
      case Op.Set:
      case Op.Add:
      case Op.Replace: {
        if (extras !== 8 || keyLength === 0 || body < keyLength + 8) return closeInvalid
        const flags = bytes.readUInt32BE(extrasAt)
        return this.awaitValue(opcode, key(), flags, bytes.readUInt32BE(extrasAt + 4), framer.cas, valueLength)
      }
      case Op.Append:
      case Op.Prepend:
        if (extras !== 0 || keyLength === 0) return closeInvalid
        return this.awaitValue(opcode, key(), 0, 0, framer.cas, valueLength)
      case Op.Get:
      case Op.GetK:
        if (extras !== 0 || body !== keyLength || keyLength === 0) return closeInvalid
        return retrievalRequest(opcode, key(), undefined) ?? closeInvalid
      case Op.Touch:
      case Op.Gat:
      case Op.GatK:
        if (extras !== 4 || keyLength === 0) return closeInvalid
        return retrievalRequest(opcode, key(), bytes.readUInt32BE(extrasAt)) ?? closeInvalid
      case Op.Delete:
        if (keyLength === 0 || extras !== 0 || body !== keyLength) return closeInvalid
        return deleteRequest(key(), framer.cas) ?? closeInvalid
      case Op.Increment:
      case Op.Decrement:
        if (keyLength === 0 || extras !== 20 || body !== keyLength + 20) return closeInvalid
        return arithmeticRequest(
          opcode === Op.Increment,
          key(),
          bytes.readBigUInt64BE(extrasAt),
          bytes.readBigUInt64BE(extrasAt + 8),
          bytes.readUInt32BE(extrasAt + 16),
          framer.cas
        ) ?? closeInvalid
      case Op.Stat:
        return extras === 0 ? statsRequest(key()) ?? notFound : closeInvalid
      case Op.SaslListMechs:
        if (extras !== 0 || keyLength !== 0 || body !== 0) return closeInvalid
        return this.options.sasl ? { _tag: "SaslListMechs" } : unknown
      case Op.SaslAuth:
      case Op.SaslStep:
        if (extras !== 0 || keyLength === 0) return closeInvalid
        if (!this.options.sasl) return this.swallow(valueLength, unknown)
        if (keyLength > MAX_SASL_MECH_LENGTH) return this.swallow(valueLength, invalid)
        return this.awaitValue(opcode, key(), 0, 0, 0n, valueLength)
      default:
        // memcached discards `bodylen` bytes after the key it has already read (see the module comment).
        return this.swallow(body, unknown)
    }
  }

  /** Answers `reply` now and discards the next `bytes` bytes. */
  private swallow(bytes: number, reply: BinaryError): BinaryItem {
    this.swallowing = bytes
    return reply
  }

  /** A store or SASL packet: its value follows (or, too large for an item, is discarded). */
  private awaitValue(
    opcode: number,
    key: string,
    flags: number,
    exptime: number,
    cas: bigint,
    length: number
  ): BinaryItem | undefined {
    const isStore = opcode !== Op.SaslAuth && opcode !== Op.SaslStep
    if (!isStore && itemSize(key.length, 0, length) > this.options.maxItemSize) {
      // memcached reads SASL data into an item: data too large for one is refused, and discarded.
      return this.swallow(length, outOfMemory)
    }
    if (isStore && itemSize(key.length, flags, length) > this.options.maxItemSize) {
      // memcached refuses it before reading the value, which it discards; a failed set also drops the
      // key's old value so that a stale one does not outlive it.
      this.swallowing = length
      this.afterSwallow = tooBig
      const decoded = opcode === Op.Set ? binaryKey(key) : undefined
      return decoded === undefined ? undefined : { _tag: "TooLarge", command: "set", key: decoded, noreply: true }
    }
    this.waiting = opcode
    this.waitingKey = key
    this.waitingFlags = flags
    this.waitingExptime = exptime
    this.waitingCas = cas
    this.waitingLength = length
    return undefined
  }

  /** The request of a packet whose value has arrived. */
  private complete(opcode: number, value: Buffer): BinaryItem {
    const key = this.waitingKey
    if (opcode === Op.SaslAuth || opcode === Op.SaslStep) {
      return { _tag: "SaslAuth", step: opcode === Op.SaslStep, mechanism: key, data: value }
    }
    return storeRequest(opcode, key, this.waitingFlags, this.waitingExptime, this.waitingCas, value) ?? closeInvalid
  }
}
