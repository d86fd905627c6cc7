/**
 * Encoding of typed requests as text-protocol bytes: the client side of the codec, used by tests
 * (every request must survive encode-then-decode) and by the client (`src/client`), which writes a
 * whole batch of pipelined requests into one buffer with {@link writeRequest}.
 *
 * @module
 */
import { type FlaggedMetaRequest, metaTokenFields, type MetaTokenFlag } from "../domain/MetaRequest.js"
import type { ClassSelection, OperatorRequest } from "../domain/OperatorRequest.js"
import type { Request } from "../domain/Request.js"
import { encodeBase64Key } from "./Base64Key.js"
import { ReplyBuffer } from "./ReplyBuffer.js"

const line = (...tokens: ReadonlyArray<string | number | bigint>): string => tokens.join(" ") + "\r\n"
const quiet = (noreply: boolean) => (noreply ? ["noreply"] : [])
const CRLF = Buffer.from("\r\n")

/** The no-op a client sends after a quiet request, so that its reply, if any, ends with `MN`. */
export const NOOP = "mn\r\n"

/** Appends the text-protocol bytes of a request to `out` (values by reference when large). */
export const writeRequest = (request: Request, out: ReplyBuffer): void => {
  switch (request._tag) {
    case "Get":
      return out.latin1(request.keys.length === 1 ? `get ${request.keys[0]}\r\n` : line("get", ...request.keys))
    case "Gets":
      return out.latin1(line("gets", ...request.keys))
    case "Gat":
      return out.latin1(line("gat", request.exptime, ...request.keys))
    case "Gats":
      return out.latin1(line("gats", request.exptime, ...request.keys))
    case "Set":
    case "Add":
    case "Replace":
    case "Append":
    case "Prepend":
    case "Cas": {
      const { key, flags, exptime, value, noreply } = request
      out.latin1(
        request._tag === "Cas"
          ? line("cas", key, flags, exptime, value.length, request.cas, ...quiet(noreply))
          : request._tag === "Set" && !noreply
          ? `set ${key} ${flags} ${exptime} ${value.length}\r\n`
          : line(request._tag.toLowerCase(), key, flags, exptime, value.length, ...quiet(noreply))
      )
      out.bytes(value)
      return out.bytes(CRLF)
    }
    case "TooLarge":
      // Not a request a client sends: it stands for a storage command whose data was discarded.
      return out.latin1(line(request.command, request.key, 0, 0, 0, ...quiet(request.noreply)) + "\r\n")
    case "Delete":
      return out.latin1(line("delete", request.key, ...quiet(request.noreply)))
    case "Incr":
      return out.latin1(line("incr", request.key, request.delta, ...quiet(request.noreply)))
    case "Decr":
      return out.latin1(line("decr", request.key, request.delta, ...quiet(request.noreply)))
    case "Touch":
      return out.latin1(line("touch", request.key, request.exptime, ...quiet(request.noreply)))
    case "FlushAll":
      return out.latin1(
        request.delay === 0
          ? line("flush_all", ...quiet(request.noreply))
          : line("flush_all", request.delay, ...quiet(request.noreply))
      )
    case "Version":
      return out.latin1("version\r\n")
    case "Verbosity":
      return out.latin1(line("verbosity", request.level, ...quiet(request.noreply)))
    case "CacheMemlimit":
      return out.latin1(line("cache_memlimit", request.megabytes, ...quiet(request.noreply)))
    case "Quit":
      return out.latin1("quit\r\n")
    case "Shutdown":
      return out.latin1(line("shutdown", ...request.args))
    case "Stats":
      return out.latin1(line("stats", ...request.args))
    case "RefreshCerts":
      return out.latin1(line("refresh_certs", ...quiet(request.noreply)))
    case "MetaGet":
    case "MetaDelete":
    case "MetaArithmetic":
      return out.latin1(line(metaCommands[request._tag], ...metaWords(request)))
    case "MetaSet": {
      const [key, ...flags] = metaWords(request)
      out.latin1(line("ms", key!, request.value.length, ...flags))
      out.bytes(request.value)
      return out.bytes(CRLF)
    }
    case "MetaNoop":
      return out.latin1(NOOP)
    case "MetaDebug":
      return out.latin1(request.base64 ? line("me", encodeBase64Key(request.key), "b") : line("me", request.key))
    default:
      return out.latin1(operatorLine(request))
  }
}

const classes = (selection: ClassSelection): string => {
  switch (selection._tag) {
    case "AllClasses":
      return "all"
    case "HashTable":
      return "hash"
    case "ClassList":
      return selection.ids.length === 0 ? "," : selection.ids.join(",")
    case "BadClassList":
      return "0"
  }
}

/** The command line of an operator request. */
const operatorLine = (request: OperatorRequest): string => {
  switch (request._tag) {
    case "LruCrawlerMetadump":
      return line("lru_crawler", "metadump", classes(request.classes))
    case "LruCrawlerCrawl":
      return line("lru_crawler", "crawl", classes(request.classes))
    case "LruCrawlerSwitch":
      return line("lru_crawler", request.enable ? "enable" : "disable")
    case "LruCrawlerTune":
      return line("lru_crawler", request.setting, request.to)
    case "SlabsAutomove":
      return request.ratio !== undefined
        ? line("slabs", "automove", "ratio", request.ratio, ...quiet(request.noreply))
        : line("slabs", "automove", request.level ?? 0, ...quiet(request.noreply))
    case "SlabsReassign":
      return line("slabs", "reassign", request.source, request.destination)
    case "LruTune": {
      const s = request.setting
      const words = s._tag === "Segments"
        ? ["tune", s.hotPercent, s.warmPercent, s.hotFactor, s.warmFactor]
        : s._tag === "Mode"
        ? ["mode", s.segmented ? "segmented" : "flat"]
        : ["temp_ttl", s.seconds]
      return line("lru", ...words, ...quiet(request.noreply))
    }
    case "Watch":
      return line("watch", ...request.streams)
  }
}

/** The text-protocol bytes of a request. */
export const encodeRequest = (request: Request): Buffer => {
  const out = new ReplyBuffer()
  writeRequest(request, out)
  return Buffer.concat(out.take())
}

const metaCommands = { MetaGet: "mg", MetaSet: "ms", MetaDelete: "md", MetaArithmetic: "ma" } as const

/** The token sent for a flag whose value the command does not keep: any valid token decodes alike. */
const placeholders: Record<MetaTokenFlag, string> = {
  O: "",
  N: "0",
  T: "0",
  R: "0",
  F: "0",
  C: "0",
  M: "S",
  J: "0",
  D: "0"
}

/** The key (base64-encoded if the request says so) and the flag words of a meta request. */
const metaWords = (request: FlaggedMetaRequest): Array<string> => [
  request.base64 ? encodeBase64Key(request.key) : request.key,
  ...request.flags.map((flag) => {
    const field = metaTokenFields[flag as MetaTokenFlag] as string | undefined
    if (field === undefined) return flag
    const value = (request as Readonly<Record<string, unknown>>)[field]
    return flag + (value === undefined ? placeholders[flag as MetaTokenFlag] : String(value))
  })
]
