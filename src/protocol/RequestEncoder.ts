/**
 * Encoding of typed requests as text-protocol bytes: the client side of the codec. Today only tests
 * use it (every request must survive encode-then-decode, and test clients speak through it).
 *
 * @module
 */
import { type FlaggedMetaRequest, metaTokenFields, type MetaTokenFlag } from "../domain/MetaRequest.js"
import type { ClassSelection, OperatorRequest } from "../domain/OperatorRequest.js"
import type { Request } from "../domain/Request.js"
import { encodeBase64Key } from "./Base64Key.js"

const line = (...tokens: ReadonlyArray<string | number | bigint>): string => tokens.join(" ") + "\r\n"
const quiet = (noreply: boolean) => (noreply ? ["noreply"] : [])

/** The text-protocol bytes of a request. */
export const encodeRequest = (request: Request): Buffer => {
  switch (request._tag) {
    case "Get":
      return Buffer.from(line("get", ...request.keys), "latin1")
    case "Gets":
      return Buffer.from(line("gets", ...request.keys), "latin1")
    case "Gat":
      return Buffer.from(line("gat", request.exptime, ...request.keys), "latin1")
    case "Gats":
      return Buffer.from(line("gats", request.exptime, ...request.keys), "latin1")
    case "Set":
    case "Add":
    case "Replace":
    case "Append":
    case "Prepend":
    case "Cas": {
      const { key, flags, exptime, value, noreply } = request
      const head = request._tag === "Cas"
        ? line("cas", key, flags, exptime, value.length, request.cas, ...quiet(noreply))
        : line(request._tag.toLowerCase(), key, flags, exptime, value.length, ...quiet(noreply))
      return Buffer.concat([Buffer.from(head, "latin1"), value, Buffer.from("\r\n")])
    }
    case "TooLarge":
      // Not a request a client sends: it stands for a storage command whose data was discarded.
      return Buffer.from(line(request.command, request.key, 0, 0, 0, ...quiet(request.noreply)) + "\r\n", "latin1")
    case "Delete":
      return Buffer.from(line("delete", request.key, ...quiet(request.noreply)), "latin1")
    case "Incr":
      return Buffer.from(line("incr", request.key, request.delta, ...quiet(request.noreply)), "latin1")
    case "Decr":
      return Buffer.from(line("decr", request.key, request.delta, ...quiet(request.noreply)), "latin1")
    case "Touch":
      return Buffer.from(line("touch", request.key, request.exptime, ...quiet(request.noreply)), "latin1")
    case "FlushAll":
      return Buffer.from(
        request.delay === 0
          ? line("flush_all", ...quiet(request.noreply))
          : line("flush_all", request.delay, ...quiet(request.noreply)),
        "latin1"
      )
    case "Version":
      return Buffer.from("version\r\n")
    case "Verbosity":
      return Buffer.from(line("verbosity", request.level, ...quiet(request.noreply)), "latin1")
    case "CacheMemlimit":
      return Buffer.from(line("cache_memlimit", request.megabytes, ...quiet(request.noreply)), "latin1")
    case "Quit":
      return Buffer.from("quit\r\n")
    case "Shutdown":
      return Buffer.from(line("shutdown", ...request.args), "latin1")
    case "Stats":
      return Buffer.from(line("stats", ...request.args), "latin1")
    case "MetaGet":
    case "MetaDelete":
    case "MetaArithmetic":
      return Buffer.from(line(metaCommands[request._tag], ...metaWords(request)), "latin1")
    case "MetaSet": {
      const [key, ...flags] = metaWords(request)
      const head = line("ms", key!, request.value.length, ...flags)
      return Buffer.concat([Buffer.from(head, "latin1"), request.value, Buffer.from("\r\n")])
    }
    case "MetaNoop":
      return Buffer.from("mn\r\n")
    case "MetaDebug":
      return Buffer.from(
        request.base64 ? line("me", encodeBase64Key(request.key), "b") : line("me", request.key),
        "latin1"
      )
    default:
      return Buffer.from(operatorLine(request), "latin1")
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
