/**
 * Encodes results into binary-protocol response packets, as memcached 1.6.18's proto_bin.c lays them
 * out: the request's opcode (quiet or not) and opaque echoed, the item's CAS unique on a hit or a
 * store, client flags as 4 bytes of extras on a hit, the key for getk/gatk, a counter's value as 8
 * bytes, memcached's text for each error status. Quiet opcodes answer only on error (a quiet get only
 * on a hit).
 *
 * @module
 */
import type { Hit, Result } from "../../domain/Result.js"
import * as Res from "../../domain/Result.js"
import type { ReplyBuffer } from "../ReplyBuffer.js"
import type { BinaryError, SaslReply } from "./BinaryPacket.js"
import { HEADER_SIZE, isQuietOp, loudOf, Op, RESPONSE_MAGIC, Status, statusText } from "./Opcodes.js"

/** Writes a response header into `out`. */
export const writeHeader = (
  out: ReplyBuffer,
  opcode: number,
  opaque: number,
  status: number,
  keyLength: number,
  extrasLength: number,
  bodyLength: number,
  cas: number
): void => {
  out.claim(HEADER_SIZE)
  const b = out.claimed
  const o = out.claimedAt
  b[o] = RESPONSE_MAGIC
  b[o + 1] = opcode
  b.writeUInt16BE(keyLength, o + 2)
  b[o + 4] = extrasLength
  b[o + 5] = 0
  b.writeUInt16BE(status, o + 6)
  b.writeUInt32BE(bodyLength, o + 8)
  b.writeUInt32BE(opaque, o + 12)
  // CAS uniques stay below 2^53 (domain CasUnique): split into two 32-bit halves.
  b.writeUInt32BE(Math.floor(cas / 0x1_0000_0000), o + 16)
  b.writeUInt32BE(cas >>> 0, o + 20)
}

/** An error packet: the status and memcached's text for it. */
export const encodeError = (out: ReplyBuffer, opcode: number, opaque: number, status: number): void => {
  const text = statusText[status] ?? ""
  writeHeader(out, opcode, opaque, status, 0, 0, text.length, 0)
  out.latin1(text)
}

/** A SASL reply: its status and body. */
export const encodeSasl = (out: ReplyBuffer, opcode: number, opaque: number, reply: SaslReply): void => {
  writeHeader(out, opcode, opaque, reply.status, 0, 0, reply.body.length, 0)
  out.latin1(reply.body)
}

/** A bodiless success, unless the opcode is quiet. */
const success = (out: ReplyBuffer, opcode: number, opaque: number, cas: number): void => {
  if (!isQuietOp(opcode)) writeHeader(out, opcode, opaque, Status.Success, 0, 0, 0, cas)
}

const flagsExtras = Buffer.alloc(4)
const counterBody = Buffer.alloc(8)

/**
 * A get-family result: a hit (flags, key for getk/gatk, value but for touch) or a miss (`hit`
 * undefined); `key` is the requested one.
 */
const encodeRetrieval = (
  out: ReplyBuffer,
  opcode: number,
  opaque: number,
  loud: number,
  key: string,
  hit: Hit | undefined
) => {
  const withKey = loud === Op.GetK || loud === Op.GatK
  if (hit === undefined) {
    if (isQuietOp(opcode)) return
    if (withKey) {
      writeHeader(out, opcode, opaque, Status.KeyNotFound, key.length, 0, key.length, 0)
      out.latin1(key)
    } else {
      encodeError(out, opcode, opaque, Status.KeyNotFound)
    }
    return
  }
  const value = loud === Op.Touch ? undefined : hit.value
  const keyLength = withKey ? key.length : 0
  writeHeader(out, opcode, opaque, Status.Success, keyLength, 4, 4 + keyLength + (value?.length ?? 0), hit.cas)
  flagsExtras.writeUInt32BE(hit.flags, 0)
  out.bytes(flagsExtras)
  if (withKey) out.latin1(key)
  if (value !== undefined) out.bytes(value)
}

/** The status a store's refusal gets: an add's is "exists", a replace's "not found", as in memcached. */
const storeRefusal = (loud: number): number =>
  loud === Op.Add ? Status.KeyExists : loud === Op.Replace ? Status.KeyNotFound : Status.NotStored

/** The status of a result that is an error whatever the command. */
const errorStatus = (result: Result): number => {
  if (result === Res.errors.nonNumeric) return Status.DeltaBadValue
  if (result._tag === "ServerError") return result === Res.errors.tooLarge ? Status.TooBig : Status.OutOfMemory
  if (result._tag === "NotFound") return Status.KeyNotFound
  if (result._tag === "Exists") return Status.KeyExists
  return Status.Invalid
}

/**
 * Encodes the result of a packet with this (as sent) `opcode` and `opaque`: a store request's result,
 * a server reply (version, noop, flush, quit), or an error. `requestedKey`: the key of a get-family
 * request (a getk's miss echoes it).
 */
export const encodeResult = (
  out: ReplyBuffer,
  opcode: number,
  opaque: number,
  result: Result | BinaryError,
  requestedKey: string
): void => {
  if (result._tag === "BinaryError") return encodeError(out, opcode, opaque, result.status)
  if (result._tag === "Silent") return
  const loud = loudOf[opcode] ?? opcode
  switch (result._tag) {
    case "MetaReply": {
      switch (loud) {
        case Op.Get:
        case Op.GetK:
        case Op.Gat:
        case Op.GatK:
        case Op.Touch: {
          const hit = result.status === "EN"
            ? undefined
            : { key: result.request.key, flags: result.clientFlags, value: result.value, cas: result.cas }
          return encodeRetrieval(out, opcode, opaque, loud, result.request.key, hit)
        }
        case Op.Increment:
        case Op.Decrement: {
          if (result.status === "VA" || result.status === "HD") {
            if (isQuietOp(opcode)) return
            writeHeader(out, opcode, opaque, Status.Success, 0, 0, 8, result.cas)
            counterBody.writeBigUInt64BE(BigInt(Buffer.from(result.value).toString("latin1")), 0)
            return out.bytes(counterBody)
          }
          break
        }
        default:
          if (result.status === "HD") return success(out, opcode, opaque, result.cas)
          if (result.status === "NS") return encodeError(out, opcode, opaque, storeRefusal(loud))
      }
      const status = result.status === "EX" ? Status.KeyExists : Status.KeyNotFound
      return encodeError(out, opcode, opaque, status)
    }
    case "Values": {
      const hit = result.hits[0]
      return encodeRetrieval(out, opcode, opaque, loud, hit?.key ?? requestedKey, hit)
    }
    case "Ok":
      return success(out, opcode, opaque, 0)
    case "VersionReply":
      writeHeader(out, opcode, opaque, Status.Success, 0, 0, result.version.length, 0)
      return out.latin1(result.version)
    case "MetaNoopReply":
      return writeHeader(out, opcode, opaque, Status.Success, 0, 0, 0, 0)
    default:
      return encodeError(out, opcode, opaque, errorStatus(result))
  }
}

/** One statistic: a stat packet with the name as key and the value as body. */
const stat = (out: ReplyBuffer, opaque: number, name: string, value: string): void => {
  writeHeader(out, Op.Stat, opaque, Status.Success, name.length, 0, name.length + value.length, 0)
  out.latin1(name)
  out.latin1(value)
}

/**
 * The reply to a stat packet: one packet per statistic, then an empty one (but after
 * `sizes_enable`/`sizes_disable`, as memcached), or the error a group gives.
 */
export const encodeStats = (out: ReplyBuffer, opaque: number, result: Result): void => {
  switch (result._tag) {
    case "StatsReply":
      for (const [name, value] of result.entries) stat(out, opaque, name, value)
      if (result.terminated === false) return
      break
    case "PrefixDump": {
      let dump = ""
      for (const p of result.prefixes) {
        dump += `PREFIX ${p.prefix} get ${p.gets} hit ${p.hits} set ${p.sets} del ${p.deletes}\r\n`
      }
      stat(out, opaque, "detailed", `${dump}END\r\n`)
      break
    }
    case "Ok":
    case "StatsReset":
      break
    default:
      return encodeError(out, Op.Stat, opaque, errorStatus(result))
  }
  writeHeader(out, Op.Stat, opaque, Status.Success, 0, 0, 0, 0)
}
