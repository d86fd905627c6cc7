/**
 * The reply lines of the text protocol, one at a time: the one-line replies of each command, the
 * errors any command may get, and the lines of multi-line stats replies.
 *
 * @module
 */
import type { Request } from "../domain/Request.js"
import * as Res from "../domain/Result.js"
import type { DumpedItem, PrefixLine, Result } from "../domain/Result.js"
import { decodeMetaDebugLine, MalformedReply } from "./MetaReplyDecoder.js"

/** A line quoted for an error message, cut short. */
export const show = (line: string): string => JSON.stringify(line.length > 80 ? line.slice(0, 80) + "..." : line)

/** Throws: `line` does not answer `what`. */
export const malformed = (line: string, what: string): never => {
  throw new MalformedReply(`${show(line)} does not answer ${what}`)
}

const notEnabled = /^ERROR: (.*) not enabled$/

/** The error replies any command may get, or undefined. */
export const errorReply = (line: string): Result | undefined => {
  if (line === "ERROR") return Res.results.unknownCommand
  if (line.startsWith("CLIENT_ERROR")) return { _tag: "ClientError", message: line.slice(13) }
  if (line.startsWith("SERVER_ERROR")) return { _tag: "ServerError", message: line.slice(13) }
  const match = notEnabled.exec(line)
  return match === null ? undefined : { _tag: "NotEnabled", feature: match[1]! }
}

const storageReplies: Readonly<Record<string, Result>> = {
  STORED: Res.results.stored,
  NOT_STORED: Res.results.notStored,
  EXISTS: Res.results.exists,
  NOT_FOUND: Res.results.notFound
}

const memlimitReplies: Readonly<Record<string, Result>> = {
  OK: Res.results.ok,
  "MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m": { _tag: "MemlimitRejected", reason: "too_small" },
  "MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes": {
    _tag: "MemlimitRejected",
    reason: "megabytes_not_bytes"
  }
}

const COUNTER = /^\d{1,20}$/

/** The one-line reply `line` to `request`, or undefined if it is not a valid one. */
export const oneLine = (request: Request, line: string): Result | undefined => {
  switch (request._tag) {
    case "Set":
    case "Add":
    case "Replace":
    case "Append":
    case "Prepend":
    case "Cas":
    case "TooLarge":
      return storageReplies[line] ?? errorReply(line)
    case "Delete":
      return line === "DELETED" ? Res.results.deleted : line === "NOT_FOUND" ? Res.results.notFound : errorReply(line)
    case "Incr":
    case "Decr":
      if (COUNTER.test(line)) return Res.counter(BigInt(line))
      return line === "NOT_FOUND" ? Res.results.notFound : errorReply(line)
    case "Touch":
      return line === "TOUCHED" ? Res.results.touched : line === "NOT_FOUND" ? Res.results.notFound : errorReply(line)
    case "FlushAll":
    case "Verbosity":
      return line === "OK" ? Res.results.ok : errorReply(line)
    case "CacheMemlimit":
      return memlimitReplies[line] ?? errorReply(line)
    case "Version":
      return line.startsWith("VERSION ") ? { _tag: "VersionReply", version: line.slice(8) } : errorReply(line)
    case "MetaNoop":
      return line === "MN" ? Res.results.metaNoop : errorReply(line)
    case "MetaDebug":
      if (line === "EN") return Res.results.metaDebugMiss
      return line.startsWith("ME ") ? decodeMetaDebugLine(request, line) : errorReply(line)
    case "LruCrawlerCrawl":
    case "LruCrawlerSwitch":
    case "LruCrawlerTune":
    case "SlabsAutomove":
    case "SlabsReassign":
    case "LruTune":
      return line === "OK" ? Res.results.ok : statusLine(line) ?? errorReply(line)
    case "RefreshCerts":
      // OK, or the reason the certificates could not be reloaded ("Error TLS not enabled", ...).
      return line === "OK" ? Res.results.ok : errorReply(line) ?? { _tag: "Line", line }
    case "LruCrawlerMetadump":
    case "Watch":
      // They stream their replies (a line per item, a line per event) rather than answer once.
      return undefined
    default:
      // Shutdown: an error, or nothing (the server closes the connection).
      return errorReply(line)
  }
}

/** The requests whose reply is a stream (metadump's items, watch's events), which a client cannot pipeline. */
export const isStreamingRequest = (request: Request): boolean =>
  request._tag === "LruCrawlerMetadump" || request._tag === "Watch"

const STATUS = /^(BADCLASS|BUSY|NOTSTARTED|SAME|NOSPARE|ERROR|WATCHER_TOO_MANY) (.*)$/

/** An operator command's status line (`BADCLASS invalid class id`, `ERROR hot and warm ...`). */
const statusLine = (line: string): Result | undefined => {
  const match = STATUS.exec(line)
  if (match === null || line.startsWith("ERROR: ")) return undefined
  return { _tag: "StatusLine", status: match[1] as Res.StatusLine["status"], message: match[2]! }
}

/** A `STAT <name> <value>` line; the value may hold spaces. */
export const statLine = (line: string): readonly [string, string] => {
  if (!line.startsWith("STAT ")) malformed(line, "stats")
  const space = line.indexOf(" ", 5)
  if (space < 0) malformed(line, "stats")
  return [line.slice(5, space), line.slice(space + 1)]
}

const PREFIX = /^PREFIX ([^ ]+) get (\d+) hit (\d+) set (\d+) del (\d+)$/

/** A `PREFIX` line of `stats detail dump`. */
export const prefixLine = (line: string): PrefixLine => {
  const match = PREFIX.exec(line) ?? malformed(line, "stats detail dump")
  return {
    prefix: match[1]!,
    gets: Number(match[2]),
    hits: Number(match[3]),
    sets: Number(match[4]),
    deletes: Number(match[5])
  }
}

const ITEM = /^ITEM ([^ ]+) \[(\d+) b; (\d+) s\]$/

/** An `ITEM` line of `stats cachedump`. */
export const itemLine = (line: string): DumpedItem => {
  const match = ITEM.exec(line) ?? malformed(line, "stats cachedump")
  return { key: match[1]!, bytes: Number(match[2]), exptime: Number(match[3]) }
}
