/**
 * The binary protocol on the load side of `npm run bench -- --protocol binary`: the request packets
 * the built-in generator sends (set; a get as GETK, a multi-get as GETKQ per key then NOOP, as binary
 * clients pipeline them) and an incremental parser of the responses that reports to the same
 * ReplySink as the text parser, so LoadConnection's ring, checks and counters serve both protocols.
 *
 * Its own constants rather than src/protocol/binary's: the load generator is a client and must not
 * share the server's code it measures (a shared bug would cancel out).
 *
 * @module
 */
import { Leftover } from "./Leftover.js"
import { MAX_VALUE, ReplyProtocolError, type ReplySink } from "./ReplyParser.js"
import { KEY_PREFIX, writeValue } from "./ValuePattern.js"

const HEADER = 24
const REQUEST = 0x80
const RESPONSE = 0x81
const OP_SET = 0x01
const OP_NOOP = 0x0a
const OP_GETK = 0x0c
const OP_GETKQ = 0x0d
const STATUS_OK = 0
const STATUS_NOT_FOUND = 1

/** A request header: magic, opcode, key length, extras length, total body length (opaque and cas 0). */
const writeHeader = (target: Buffer, at: number, opcode: number, keyLength: number, extras: number, body: number) => {
  target.fill(0, at, at + HEADER)
  target[at] = REQUEST
  target[at + 1] = opcode
  target.writeUInt16BE(keyLength, at + 2)
  target[at + 4] = extras
  target.writeUInt32BE(body, at + 8)
}

/** SET of `key:<key>` to the pattern of `version` (flags 0, no expiry), as one packet. */
export const setPacket = (key: number, version: number, size: number): Buffer => {
  const name = `${KEY_PREFIX}${key}`
  const request = Buffer.allocUnsafe(HEADER + 8 + name.length + size)
  writeHeader(request, 0, OP_SET, name.length, 8, 8 + name.length + size)
  request.fill(0, HEADER, HEADER + 8)
  request.write(name, HEADER + 8, "latin1")
  writeValue(request, HEADER + 8 + name.length, size, key, version)
  return request
}

/** A get of `keys`: GETK for one key (a miss answers "not found"); GETKQ for each of several, then NOOP. */
export const getPacket = (keys: Uint32Array): Buffer => {
  const names = Array.from(keys, (key) => `${KEY_PREFIX}${key}`)
  const single = names.length === 1
  const length = names.reduce((sum, name) => sum + HEADER + name.length, single ? 0 : HEADER)
  const request = Buffer.allocUnsafe(length)
  let at = 0
  for (const name of names) {
    writeHeader(request, at, single ? OP_GETK : OP_GETKQ, name.length, 0, name.length)
    request.write(name, at + HEADER, "latin1")
    at += HEADER + name.length
  }
  if (!single) writeHeader(request, at, OP_NOOP, 0, 0, 0)
  return request
}

/** Parses one connection's response stream, in any split, into the ReplySink's calls. */
export class BinaryReplyParser {
  private readonly leftover = new Leftover()
  /** Bytes of the packet being waited for (header included), or 0 while its header is incomplete. */
  private need = 0

  constructor(private readonly sink: ReplySink) {}

  /** Consumes a chunk; throws ReplyProtocolError on an invalid response (or whatever the sink throws). */
  feed(chunk: Buffer): void {
    const buffer = this.leftover.with(chunk, this.need)
    if (buffer === undefined) return
    let pos = 0
    while (buffer.length - pos >= HEADER) {
      if (buffer[pos] !== RESPONSE) throw new ReplyProtocolError(`response magic 0x${buffer[pos]!.toString(16)}`)
      const body = buffer.readUInt32BE(pos + 8)
      if (body > MAX_VALUE) throw new ReplyProtocolError(`response body of ${body} bytes`)
      if (buffer.length - pos < HEADER + body) {
        this.need = HEADER + body
        break
      }
      this.need = 0
      this.packet(buffer, pos)
      pos += HEADER + body
    }
    this.leftover.keep(buffer, pos)
  }

  private packet(buffer: Buffer, at: number): void {
    const opcode = buffer[at + 1]!
    const keyLength = buffer.readUInt16BE(at + 2)
    const extras = buffer[at + 4]!
    const status = buffer.readUInt16BE(at + 6)
    const end = at + HEADER + buffer.readUInt32BE(at + 8)
    const keyStart = at + HEADER + extras
    if (opcode === OP_NOOP) return this.sink.onEnd()
    if (opcode === OP_GETK || opcode === OP_GETKQ) {
      if (status === STATUS_OK) {
        if (extras !== 4) throw new ReplyProtocolError(`get response with ${extras} bytes of extras`)
        const key = buffer.toString("latin1", keyStart, keyStart + keyLength)
        this.sink.onValue(key, buffer.readUInt32BE(at + HEADER), buffer, keyStart + keyLength, end)
        if (opcode === OP_GETK) this.sink.onEnd()
        return
      }
      // A miss of a GETK ends its get; a GETKQ answers a miss with nothing, so any status here is an error.
      if (status === STATUS_NOT_FOUND && opcode === OP_GETK) return this.sink.onEnd()
    }
    if (opcode === OP_SET && status === STATUS_OK) return this.sink.onLine("STORED", "STORED")
    if (opcode !== OP_SET && opcode !== OP_GETK && opcode !== OP_GETKQ) {
      throw new ReplyProtocolError(`response to opcode 0x${opcode.toString(16)}, never sent`)
    }
    const message = buffer.toString("latin1", keyStart + keyLength, Math.min(end, keyStart + keyLength + 100))
    this.sink.onLine(
      "SERVER_ERROR",
      `binary status 0x${status.toString(16)} to opcode 0x${opcode.toString(16)}: ${message}`
    )
  }
}
