/**
 * Decoding of meta-protocol reply lines, the inverse of MetaReplyEncoder: the status, the
 * fields the request's flags asked for (in any order), the recache markers Z, X and W. The request is
 * known (replies come back in request order), so the echoed opaque (`O`) and key (`k`) are checked
 * against it: a mismatch means the connection lost track of its replies.
 *
 * @module
 */
import type { FlaggedMetaRequest, MetaDebug } from "../domain/MetaRequest.js"
import type { MetaDebugReply, MetaReply, MetaStatus } from "../domain/MetaResult.js"
import { encodeBase64Key } from "./Base64Key.js"

/** A reply the decoder cannot make sense of: the stream is out of step or not memcached's. */
export class MalformedReply extends Error {
  override readonly name = "MalformedReply"
}

const EMPTY = new Uint8Array(0)

/** A decimal number as memcached prints it (an optional minus, 1 to 16 digits); throws on anything else. */
export const decimal = (token: string, what: string): number => {
  // By hand rather than with a regular expression: it runs a few times per reply.
  const negative = token.charCodeAt(0) === 0x2d
  const start = negative ? 1 : 0
  let value = 0
  for (let i = start; i < token.length; i++) {
    const digit = token.charCodeAt(i) - 0x30
    if (digit < 0 || digit > 9) value = NaN
    value = value * 10 + digit
  }
  if (token.length === start || token.length - start > 16 || Number.isNaN(value)) {
    throw new MalformedReply(`${what}: not a number: ${JSON.stringify(token)}`)
  }
  return negative ? -value : value
}

/** The flags whose token is a number: size, TTL, CAS, client flags, last access. */
type NumericFlag = "s" | "t" | "c" | "f" | "l"

const statuses: ReadonlySet<string> = new Set<MetaStatus>(["VA", "HD", "EN", "NS", "EX", "NF"])

/** Whether a reply line starts with a meta status. */
export const isMetaStatusLine = (line: string): boolean =>
  statuses.has(line.slice(0, 2)) && (line.length === 2 || line.charCodeAt(2) === 0x20)

/**
 * Decodes a meta status line. For `VA` the value follows: `valueLength` says how many bytes, and
 * the reply's value is filled in once they are read.
 */
export const decodeMetaLine = (
  request: FlaggedMetaRequest,
  line: string
): { readonly reply: MetaReply; readonly valueLength: number | undefined } => {
  const tokens = line.split(" ")
  const status = tokens[0] as MetaStatus
  let i = 1
  let valueLength: number | undefined
  if (status === "VA") {
    if (tokens.length < 2) throw new MalformedReply(`VA without a length: ${JSON.stringify(line)}`)
    valueLength = decimal(tokens[1]!, "VA length")
    i = 2
  }
  // The numeric fields, by flag: as metaReply defaults them when the reply leaves them out.
  const numbers: Record<NumericFlag, number | undefined> = { s: undefined, t: -1, c: 0, f: 0, l: 0 }
  let fetched = false
  let keyBase64 = request.base64
  let tokenSent = false
  let stale = false
  let won = false
  for (; i < tokens.length; i++) {
    const token = tokens[i]!
    const rest = token.slice(1)
    const flag = token[0]!
    if (flag in numbers) {
      numbers[flag as NumericFlag] = decimal(rest, flag)
      continue
    }
    switch (flag) {
      case "h":
        if (rest !== "0" && rest !== "1") throw new MalformedReply(`h: not 0 or 1: ${JSON.stringify(token)}`)
        fetched = rest === "1"
        break
      case "O":
        if (rest !== request.opaque) {
          throw new MalformedReply(`the reply's opaque ${JSON.stringify(rest)} is not the request's`)
        }
        break
      case "k": {
        keyBase64 = tokens[i + 1] === "b"
        if (keyBase64) i++
        if ((keyBase64 ? encodeBase64Key(request.key) : request.key) !== rest) {
          throw new MalformedReply(`the reply's key ${JSON.stringify(rest)} is not the request's`)
        }
        break
      }
      case "Z":
      case "X":
      case "W":
        if (rest !== "") throw new MalformedReply(`unexpected flag ${JSON.stringify(token)}`)
        if (token === "Z") tokenSent = true
        else if (token === "X") stale = true
        else won = true
        break
      default:
        throw new MalformedReply(`unexpected flag ${JSON.stringify(token)} in ${JSON.stringify(line)}`)
    }
  }
  const size = numbers.s
  const reply: MetaReply = {
    _tag: "MetaReply",
    status,
    request,
    value: EMPTY,
    ...(size !== undefined && status !== "VA" ? { size } : {}),
    ttl: numbers.t!,
    cas: numbers.c!,
    clientFlags: numbers.f!,
    fetched,
    lastAccess: numbers.l!,
    keyBase64,
    tokenSent,
    stale,
    won
  }
  return { reply, valueLength }
}

// Keys may hold any byte but space (a tab, a CR), so fields are split on spaces only.
const debugPattern = /^ME ([^ ]+) exp=(-?\d+) la=(\d+) cas=(\d+) fetch=(yes|no) cls=(\d+) size=(\d+)$/

/** Decodes the `ME` line of an `me` hit. */
export const decodeMetaDebugLine = (request: MetaDebug, line: string): MetaDebugReply => {
  const match = debugPattern.exec(line)
  if (match === null) throw new MalformedReply(`not an ME line: ${JSON.stringify(line)}`)
  const shown = match[1]!
  // memcached shows a key stored through base64 in base64, whatever the request looked it up with.
  const keyBase64 = shown !== request.key
  if (keyBase64 && shown !== encodeBase64Key(request.key)) {
    throw new MalformedReply(`the reply's key ${JSON.stringify(shown)} is not the request's`)
  }
  return {
    _tag: "MetaDebugReply",
    key: request.key,
    keyBase64,
    exp: decimal(match[2]!, "exp"),
    lastAccess: decimal(match[3]!, "la"),
    cas: decimal(match[4]!, "cas"),
    fetched: match[5] === "yes",
    slabClass: decimal(match[6]!, "cls"),
    size: decimal(match[7]!, "size")
  }
}
