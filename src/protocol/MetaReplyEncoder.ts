/**
 * Encoding of meta-protocol replies, byte for byte as memcached 1.6 writes them: the status, then the
 * fields the request's flags ask for, in the order the flags were given (each command returns only some
 * of them), then for mg the recache markers Z, X, W; a VA line is followed by its data.
 *
 * @module
 */
import type { MetaDebugReply, MetaReply } from "../domain/MetaResult.js"
import { encodeBase64Key } from "./Base64Key.js"
import type { ReplyBuffer } from "./ReplyBuffer.js"

const CRLF = Buffer.from("\r\n")

/** The flags whose fields a reply returns: mg returns item fields on a hit, every reply O and k. */
const returnedFlags = (reply: MetaReply): string => {
  switch (reply.request._tag) {
    case "MetaGet":
      return reply.status === "EN" ? "Ok" : "stcflhOk"
    case "MetaSet":
      return "Okc"
    case "MetaDelete":
      return "Ok"
    case "MetaArithmetic":
      return reply.status === "VA" || reply.status === "HD" ? "ctOk" : "Ok"
  }
}

/** Writes the reply to an mg, ms, md or ma. */
export const encodeMetaReply = (reply: MetaReply, out: ReplyBuffer): void => {
  const request = reply.request
  const returned = returnedFlags(reply)
  let line: string = reply.status === "VA" ? `VA ${reply.value.length}` : reply.status
  for (const flag of request.flags) {
    if (!returned.includes(flag)) continue
    switch (flag) {
      case "s":
        line += ` s${reply.size ?? reply.value.length}`
        break
      case "t":
        line += ` t${reply.ttl}`
        break
      case "c":
        line += ` c${reply.cas}`
        break
      case "f":
        line += ` f${reply.clientFlags}`
        break
      case "l":
        line += ` l${reply.lastAccess}`
        break
      case "h":
        line += reply.fetched ? " h1" : " h0"
        break
      case "O":
        line += ` O${request.opaque}`
        break
      case "k":
        line += reply.keyBase64 ? ` k${encodeBase64Key(request.key)} b` : ` k${request.key}`
        break
    }
  }
  if (reply.tokenSent) line += " Z"
  if (reply.stale) line += " X"
  if (reply.won) line += " W"
  out.latin1(line + "\r\n")
  if (reply.status === "VA") {
    out.bytes(reply.value)
    out.bytes(CRLF)
  }
}

/** Writes the reply to an `me` that found its item. */
export const encodeMetaDebugReply = (reply: MetaDebugReply, out: ReplyBuffer): void => {
  const key = reply.keyBase64 ? encodeBase64Key(reply.key) : reply.key
  out.latin1(
    `ME ${key} exp=${reply.exp} la=${reply.lastAccess} cas=${reply.cas} fetch=${reply.fetched ? "yes" : "no"} ` +
      `cls=${reply.slabClass} size=${reply.size}\r\n`
  )
}
