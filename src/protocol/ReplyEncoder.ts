/**
 * Encoding of typed results as text-protocol replies, byte for byte as memcached 1.6 writes them.
 *
 * @module
 */
import type { DumpedItem, Result } from "../domain/Result.js"
import { encodeMetaDebugReply, encodeMetaReply } from "./MetaReplyEncoder.js"
import type { ReplyBuffer } from "./ReplyBuffer.js"

type Fixed = Extract<Result, { readonly _tag: keyof typeof fixedLines }>

/** Results whose reply never varies, pre-encoded. */
const fixedLines = {
  Stored: Buffer.from("STORED\r\n"),
  NotStored: Buffer.from("NOT_STORED\r\n"),
  Exists: Buffer.from("EXISTS\r\n"),
  NotFound: Buffer.from("NOT_FOUND\r\n"),
  Deleted: Buffer.from("DELETED\r\n"),
  Touched: Buffer.from("TOUCHED\r\n"),
  Ok: Buffer.from("OK\r\n"),
  StatsReset: Buffer.from("RESET\r\n"),
  UnknownCommand: Buffer.from("ERROR\r\n"),
  Close: Buffer.alloc(0),
  Silent: Buffer.alloc(0),
  MetaDebugMiss: Buffer.from("EN\r\n"),
  MetaNoopReply: Buffer.from("MN\r\n")
} as const

const END = Buffer.from("END\r\n")
const memlimitTooSmall = Buffer.from("MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m\r\n")
const memlimitNotBytes = Buffer.from("MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes\r\n")
const CRLF = Buffer.from("\r\n")

type Values = Extract<Result, { readonly _tag: "Values" }>

/**
 * Writes a retrieval's reply from hit `from` on, stopping once `out` holds `limit` bytes; returns the
 * next hit to write, or -1 once the whole reply (with END) is written. A multi-get may name one key
 * thousands of times: its reply is written in pieces so it never has to exist in memory at once.
 */
export const encodeValues = (result: Values, out: ReplyBuffer, from: number, limit: number): number => {
  const hits = result.hits
  for (let i = from; i < hits.length; i++) {
    if (out.size >= limit) return i
    const hit = hits[i]!
    out.latin1(
      result.withCas
        ? `VALUE ${hit.key} ${hit.flags} ${hit.value.length} ${hit.cas}\r\n`
        : `VALUE ${hit.key} ${hit.flags} ${hit.value.length}\r\n`
    )
    out.bytes(hit.value)
    out.bytes(CRLF)
  }
  out.bytes(END)
  return -1
}

const cacheDumpLine = (item: DumpedItem): string => `ITEM ${item.key} [${item.bytes} b; ${item.exptime} s]\r\n`

/** The bytes of one `stats cachedump` line: memcached bounds the reply by them. */
export const cacheDumpLineLength = (item: DumpedItem): number => cacheDumpLine(item).length

/** Writes the reply for `result`; `Close` and `Silent` write nothing. */
export const encodeReply = (result: Result, out: ReplyBuffer): void => {
  switch (result._tag) {
    case "Values":
      encodeValues(result, out, 0, Infinity)
      return
    case "Counter":
      return out.latin1(`${result.value}\r\n`)
    case "VersionReply":
      return out.latin1(`VERSION ${result.version}\r\n`)
    case "StatsReply": {
      for (const [name, value] of result.entries) out.latin1(`STAT ${name} ${value}\r\n`)
      return result.terminated === false ? undefined : out.bytes(END)
    }
    case "PrefixDump": {
      for (const p of result.prefixes) {
        out.latin1(`PREFIX ${p.prefix} get ${p.gets} hit ${p.hits} set ${p.sets} del ${p.deletes}\r\n`)
      }
      return out.bytes(END)
    }
    case "CacheDump": {
      for (const item of result.items) out.latin1(cacheDumpLine(item))
      return out.bytes(END)
    }
    case "ClientError":
      return out.latin1(`CLIENT_ERROR ${result.message}\r\n`)
    case "ServerError":
      return out.latin1(`SERVER_ERROR ${result.message}\r\n`)
    case "NotEnabled":
      return out.latin1(`ERROR: ${result.feature} not enabled\r\n`)
    case "StatusLine":
      return out.latin1(`${result.status} ${result.message}\r\n`)
    case "MemlimitRejected":
      return out.bytes(result.reason === "too_small" ? memlimitTooSmall : memlimitNotBytes)
    case "MetaReply":
      return encodeMetaReply(result, out)
    case "MetaDebugReply":
      return encodeMetaDebugReply(result, out)
    default:
      return out.bytes(fixedLines[(result satisfies Fixed)._tag])
  }
}
