/**
 * Decoding of memcached's operator commands (`lru_crawler`, `slabs`, `lru`, `watch`) into typed
 * requests, with memcached 1.6.18's replies to malformed lines: its token-count rules
 * (`process_lru_crawler_command`, `process_slabs_command`, `process_lru_command`,
 * `process_watch_command` in proto_text.c), its number parsing, and `noreply` where memcached honours
 * it (slabs automove, lru, watch). What depends on the server's state is left to the server.
 *
 * @module
 */
import { type ClassSelection, type OperatorRequest, WatchStream } from "../domain/OperatorRequest.js"
import * as Res from "../domain/Result.js"
import type { Result } from "../domain/Result.js"
import { parseDouble, parseI32, parseU32 } from "./Numbers.js"

/** memcached's class ids run from 1 to 63 (MAX_NUMBER_OF_SLAB_CLASSES is 64). */
const MAX_CLASS_ID = 63

const unknown = Res.results.unknownCommand
const status = (code: Res.StatusLine["status"], message: string): Result =>
  Res.StatusLine.make({ status: code, message })

/** `all`, `hash`, or ids separated by commas (empty pieces skipped, as strtok skips them). */
export const classSelection = (token: string): ClassSelection => {
  if (token === "all") return { _tag: "AllClasses" }
  if (token === "hash") return { _tag: "HashTable" }
  const ids: Array<number> = []
  for (const piece of token.split(",")) {
    if (piece === "") continue
    const id = parseU32(piece)
    if (id === undefined || id < 1 || id > MAX_CLASS_ID) return { _tag: "BadClassList" }
    ids.push(id)
  }
  return { _tag: "ClassList", ids }
}

const lruCrawler = (tokens: ReadonlyArray<string>, ntokens: number): OperatorRequest | Result => {
  const sub = tokens[1]
  if (ntokens === 4) {
    const arg = tokens[2]!
    switch (sub) {
      case "metadump":
        return { _tag: "LruCrawlerMetadump", classes: classSelection(arg) }
      case "crawl":
        return { _tag: "LruCrawlerCrawl", classes: classSelection(arg) }
      case "tocrawl":
      case "sleep": {
        const value = parseU32(arg)
        if (value === undefined) return Res.badCommandLine
        if (sub === "sleep" && value > 1_000_000) {
          return Res.ClientError.make({ message: "sleep must be one second or less" })
        }
        return { _tag: "LruCrawlerTune", setting: sub, to: value }
      }
    }
  }
  if (ntokens === 3 && (sub === "enable" || sub === "disable")) {
    return { _tag: "LruCrawlerSwitch", enable: sub === "enable" }
  }
  return unknown
}

const slabs = (tokens: ReadonlyArray<string>, ntokens: number): OperatorRequest | Result => {
  const sub = tokens[1]
  if (ntokens === 5 && sub === "reassign") {
    const source = parseI32(tokens[2]!)
    const destination = parseI32(tokens[3]!)
    if (source === undefined || destination === undefined) return Res.badCommandLine
    return { _tag: "SlabsReassign", source, destination }
  }
  if (ntokens >= 4 && sub === "automove") {
    const noreply = tokens[ntokens - 2] === "noreply"
    const arg = tokens[2]!
    if (arg === "ratio") {
      const ratio = ntokens < 5 ? undefined : parseDouble(tokens[3]!)
      if (ratio === undefined) return noreply ? Res.results.silent : unknown
      return { _tag: "SlabsAutomove", ratio, noreply }
    }
    const level = parseU32(arg)
    if (level === undefined) return noreply ? Res.results.silent : Res.badCommandLine
    if (level !== 0 && level !== 1 && level !== 2) return noreply ? Res.results.silent : unknown
    return { _tag: "SlabsAutomove", level, noreply }
  }
  return unknown
}

const lru = (tokens: ReadonlyArray<string>, ntokens: number): OperatorRequest | Result => {
  const noreply = tokens[ntokens - 2] === "noreply"
  const fail = (reply: Result) => (noreply ? Res.results.silent : reply)
  switch (tokens[1]) {
    case "tune": {
      if (ntokens < 7) break
      const hotPercent = parseU32(tokens[2]!)
      const warmPercent = parseU32(tokens[3]!)
      const hotFactor = parseDouble(tokens[4]!)
      const warmFactor = parseDouble(tokens[5]!)
      if (
        hotPercent === undefined || warmPercent === undefined || hotFactor === undefined || warmFactor === undefined
      ) {
        return fail(unknown)
      }
      // memcached adds the percentages as 32-bit unsigned numbers.
      if (((hotPercent + warmPercent) >>> 0) > 80) return fail(status("ERROR", "hot and warm pcts must not exceed 80"))
      if (warmFactor <= 0 || hotFactor <= 0) return fail(status("ERROR", "hot/warm age factors must be greater than 0"))
      return { _tag: "LruTune", setting: { _tag: "Segments", hotPercent, warmPercent, hotFactor, warmFactor }, noreply }
    }
    case "mode": {
      if (ntokens < 4) break
      const mode = tokens[2]
      if (mode !== "flat" && mode !== "segmented") return fail(unknown)
      return { _tag: "LruTune", setting: { _tag: "Mode", segmented: mode === "segmented" }, noreply }
    }
    case "temp_ttl": {
      if (ntokens < 4) break
      const seconds = parseI32(tokens[2]!)
      if (seconds === undefined) return fail(unknown)
      return { _tag: "LruTune", setting: { _tag: "TemporaryTtl", seconds }, noreply }
    }
  }
  return fail(unknown)
}

const streams: ReadonlySet<string> = new Set(WatchStream.literals)

const watch = (tokens: ReadonlyArray<string>, ntokens: number): OperatorRequest | Result => {
  const noreply = tokens[ntokens - 2] === "noreply"
  const named = tokens.slice(1, ntokens - 1)
  // Every name counts, "noreply" included: memcached refuses it as a stream, then stays silent.
  if (named.some((name) => !streams.has(name))) return noreply ? Res.results.silent : unknown
  const [first, ...rest] = named as Array<WatchStream>
  return { _tag: "Watch", streams: first === undefined ? ["fetchers"] : [first, ...rest] }
}

/**
 * Decodes an operator command line. `ntokens` is memcached's count (the tokens it kept plus its
 * terminator); the caller has checked that the command name is one of these.
 */
export const decodeOperator = (tokens: ReadonlyArray<string>, ntokens: number): OperatorRequest | Result => {
  switch (tokens[0]) {
    case "lru_crawler":
      return lruCrawler(tokens, ntokens)
    case "slabs":
      return slabs(tokens, ntokens)
    case "lru":
      return ntokens < 3 ? unknown : lru(tokens, ntokens)
    default:
      return watch(tokens, ntokens)
  }
}
