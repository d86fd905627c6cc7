/**
 * Encoding of typed results as text-protocol replies, byte for byte as memcached 1.6 writes them.
 *
 * @module
 */
import type { Result } from "../domain/Result.js"
import type { ReplyBuffer } from "./ReplyBuffer.js"

/** Writes the reply for `result`; `Close` and `Silent` write nothing. */
export const encodeReply = (result: Result, out: ReplyBuffer): void => {
  switch (result._tag) {
    case "Values": {
      const hits = result.hits
      for (let i = 0; i < hits.length; i++) {
        const hit = hits[i]!
        out.latin1(
          result.withCas
            ? `VALUE ${hit.key} ${hit.flags} ${hit.value.length} ${hit.cas}\r\n`
            : `VALUE ${hit.key} ${hit.flags} ${hit.value.length}\r\n`
        )
        out.bytes(hit.value)
        out.latin1("\r\n")
      }
      out.latin1("END\r\n")
      return
    }
    case "Stored":
      return out.latin1("STORED\r\n")
    case "NotStored":
      return out.latin1("NOT_STORED\r\n")
    case "Exists":
      return out.latin1("EXISTS\r\n")
    case "NotFound":
      return out.latin1("NOT_FOUND\r\n")
    case "Deleted":
      return out.latin1("DELETED\r\n")
    case "Touched":
      return out.latin1("TOUCHED\r\n")
    case "Counter":
      return out.latin1(`${result.value}\r\n`)
    case "Ok":
      return out.latin1("OK\r\n")
    case "VersionReply":
      return out.latin1(`VERSION ${result.version}\r\n`)
    case "StatsReply": {
      for (const [name, value] of result.entries) out.latin1(`STAT ${name} ${value}\r\n`)
      return out.latin1("END\r\n")
    }
    case "StatsReset":
      return out.latin1("RESET\r\n")
    case "UnknownCommand":
      return out.latin1("ERROR\r\n")
    case "ClientError":
      return out.latin1(`CLIENT_ERROR ${result.message}\r\n`)
    case "ServerError":
      return out.latin1(`SERVER_ERROR ${result.message}\r\n`)
    case "NotEnabled":
      return out.latin1(`ERROR: ${result.feature} not enabled\r\n`)
    case "Close":
    case "Silent":
      return
  }
}
