/**
 * Decoding of one text-protocol command line (already split into tokens) into a typed request.
 *
 * Dispatch and token-count checks follow memcached's `process_command_ascii`; the fields of each
 * command are decoded by a Schema built from the domain request's own fields with the token codecs
 * swapped in, so the wire form and the domain form cannot drift apart (get, gets and the set family,
 * most of the traffic, decode each field by its field schema and build the request around them). A
 * decode failure becomes the exact CLIENT_ERROR memcached sends; its details are only built on that
 * (rare) path. Meta-protocol lines (mg, ms, ...) are handed to {@link decodeMeta}, operator commands
 * (lru_crawler, slabs, lru, watch) to {@link decodeOperator}.
 *
 * @module
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { isKey, type Key } from "../domain/Primitives.js"
import * as Req from "../domain/Request.js"
import type { Request, Retrieval, StorageCommand } from "../domain/Request.js"
import * as Res from "../domain/Result.js"
import type { Result } from "../domain/Result.js"
import { decodeMeta, type DiscardData, type MetaSetHeader } from "./MetaCommand.js"
import { decodeOperator } from "./OperatorCommand.js"
import { ExptimeToken, FlagsToken, LengthToken, U64Token } from "./Tokens.js"

/** The header of a storage command, waiting for its data block. */
export interface StorageHeader {
  readonly _tag: "StorageHeader"
  readonly command: StorageCommand
  readonly key: Key
  readonly flags: number
  readonly exptime: number
  readonly bytes: number
  readonly cas: bigint
  readonly noreply: boolean
}

/**
 * A get line with a key over 250 bytes after other keys: memcached has looked those up (and for gat,
 * touched them) when it finds the bad key, then drops their replies and answers the error. So the
 * request for the keys before it runs with its replies dropped, and `reply` is what the client gets.
 */
export interface LookupsThenError {
  readonly _tag: "LookupsThenError"
  readonly request: Retrieval
  readonly reply: Result
}

/**
 * What one command line decodes to: a request, a storage header awaiting data (text or meta), data to
 * discard before a reply, a reply to send, or lookups to run before an error reply.
 */
export type Decoded = Request | StorageHeader | MetaSetHeader | DiscardData | LookupsThenError | Result

/** memcached's tokenizer keeps at most this many tokens (plus a terminator) for non-get commands. */
const MAX_TOKENS = 24

const StorageLine = Schema.Struct({
  key: Req.Set.fields.key,
  flags: FlagsToken,
  exptime: ExptimeToken,
  bytes: LengthToken
})
const CasLine = Schema.Struct({ ...StorageLine.fields, cas: U64Token })

/** Wire schemas: each domain request's fields, with token codecs where the wire carries a number. */
export const lines = {
  Get: Req.Get,
  Gets: Req.Gets,
  Gat: Schema.Struct({ ...Req.Gat.fields, exptime: ExptimeToken }),
  Gats: Schema.Struct({ ...Req.Gats.fields, exptime: ExptimeToken }),
  Storage: StorageLine,
  Cas: CasLine,
  Delete: Req.Delete,
  Incr: Schema.Struct({ ...Req.Incr.fields, delta: U64Token }),
  Decr: Schema.Struct({ ...Req.Decr.fields, delta: U64Token }),
  Touch: Schema.Struct({ ...Req.Touch.fields, exptime: ExptimeToken }),
  FlushAll: Schema.Struct({ ...Req.FlushAll.fields, delay: ExptimeToken }),
  Verbosity: Schema.Struct({ ...Req.Verbosity.fields, level: FlagsToken }),
  // The range is checked after decoding: each end has its own reply.
  CacheMemlimit: Schema.Struct({ ...Req.CacheMemlimit.fields, megabytes: FlagsToken })
} as const

type Line = keyof typeof lines

const decoders = Object.fromEntries(
  Object.entries(lines).map((
    [name, schema]
  ) => [name, Schema.decodeUnknownEither(schema as Schema.Schema<unknown, unknown>)])
) as { readonly [K in Line]: (u: unknown) => Either.Either<(typeof lines)[K]["Type"], ParseResult.ParseError> }

/** The CLIENT_ERROR memcached gives when a given field of a command is invalid; the default otherwise. */
const fieldErrors: Partial<Record<Line, Partial<Record<string, string>>>> = {
  Gat: { exptime: "invalid exptime argument" },
  Gats: { exptime: "invalid exptime argument" },
  Touch: { exptime: "invalid exptime argument" },
  FlushAll: { delay: "invalid exptime argument" },
  Incr: { delta: "invalid numeric delta argument" },
  Decr: { delta: "invalid numeric delta argument" }
}

const failedField = (error: ParseResult.ParseError): string | undefined => {
  const [first] = ParseResult.ArrayFormatter.formatErrorSync(error)
  const field = first?.path[0]
  return typeof field === "string" ? field : undefined
}

const decode = <L extends Line>(line: L, input: unknown, noreply: boolean): (typeof lines)[L]["Type"] | Result => {
  const decoded = decoders[line](input)
  if (Either.isRight(decoded)) return decoded.right
  if (noreply) return Res.results.silent
  const field = failedField(decoded.left)
  const message = (field !== undefined && fieldErrors[line]?.[field]) || "bad command line format"
  return message === "bad command line format" ? Res.badCommandLine : Res.ClientError.make({ message })
}

/** The keys of a get or gets line (both requests share the field's schema). */
const decodeKeys = Schema.decodeUnknownEither(Req.Get.fields.keys)

/**
 * A retrieval's fields for its wire schema, as a literal: this runs for every get, and spreading a
 * template object into a new one cost several times as much.
 */
const retrievalInput = (line: string, exptime: string | undefined, keys: ReadonlyArray<string>) =>
  exptime === undefined ? { _tag: line, keys } : { _tag: line, exptime, keys }

/**
 * A get-family line. A key over 250 bytes fails the command (memcached drops the values it found), but
 * memcached has looked up the keys before it by then, so those still run, their replies dropped.
 */
const decodeRetrieval = <L extends "Get" | "Gets" | "Gat" | "Gats">(
  line: L,
  exptime: string | undefined,
  keys: ReadonlyArray<string>
): Decoded => {
  if (exptime === undefined) {
    // get and gets, the most frequent lines: their one field is decoded by the request schema's own
    // field schema, and the request built around it (decoding the struct cost twice the field).
    const decoded = decodeKeys(keys)
    if (Either.isRight(decoded)) return { _tag: line as "Get" | "Gets", keys: decoded.right }
  }
  const all = decode(line, retrievalInput(line, exptime, keys), false)
  if ("keys" in all) return all
  // Only a failed line is searched for its first bad key (a get is the most frequent request).
  const bad = keys.findIndex((key) => !isKey(key))
  if (bad <= 0) return all
  const before = decode(line, retrievalInput(line, exptime, keys.slice(0, bad)), false)
  // An invalid exptime is found first, as in memcached.
  if (!("keys" in before)) return before
  return { _tag: "LookupsThenError", request: { ...before, noreply: true } as Retrieval, reply: Res.badCommandLine }
}

const storageCommands: Record<string, StorageCommand> = {
  set: "set",
  add: "add",
  replace: "replace",
  append: "append",
  prepend: "prepend"
}

const tagOfStorage = {
  set: "Set",
  add: "Add",
  replace: "Replace",
  append: "Append",
  prepend: "Prepend",
  cas: "Cas"
} as const

const storageField = {
  key: Schema.decodeUnknownEither(StorageLine.fields.key),
  flags: Schema.decodeUnknownEither(StorageLine.fields.flags),
  exptime: Schema.decodeUnknownEither(StorageLine.fields.exptime),
  bytes: Schema.decodeUnknownEither(StorageLine.fields.bytes)
}

/**
 * A set, add, replace, append or prepend line whose fields all decode, each by its field schema in
 * StorageLine (decoding the struct around them cost as much again); undefined when one does not, and
 * the line is then decoded whole for its error.
 */
const storageHeader = (
  command: StorageCommand,
  tokens: ReadonlyArray<string>,
  noreply: boolean
): StorageHeader | undefined => {
  const key = storageField.key(tokens[1])
  const flags = storageField.flags(tokens[2])
  const exptime = storageField.exptime(tokens[3])
  const bytes = storageField.bytes(tokens[4])
  if (Either.isLeft(key) || Either.isLeft(flags) || Either.isLeft(exptime) || Either.isLeft(bytes)) return undefined
  return {
    _tag: "StorageHeader",
    command,
    key: key.right,
    flags: flags.right,
    exptime: exptime.right,
    bytes: bytes.right,
    cas: 0n,
    noreply
  }
}

/** Builds the storage request once its data block has arrived. */
export const completeStorage = (header: StorageHeader, value: Uint8Array): Request =>
  header.command === "cas"
    ? {
      _tag: "Cas",
      key: header.key,
      flags: header.flags,
      exptime: header.exptime,
      value,
      cas: header.cas,
      noreply: header.noreply
    }
    : {
      _tag: tagOfStorage[header.command],
      key: header.key,
      flags: header.flags,
      exptime: header.exptime,
      value,
      noreply: header.noreply
    }

const memlimitTooSmall = Res.MemlimitRejected.make({ reason: "too_small" })
const memlimitNotBytes = Res.MemlimitRejected.make({ reason: "megabytes_not_bytes" })

const deleteUsage = Res.ClientError.make({
  message: "bad command line format.  Usage: delete <key> [noreply]"
})

/**
 * Decodes one command line. `tokens` are all of the line's tokens; memcached's token limit is applied
 * here, except for the get family whose key lists are unbounded.
 */
export const decodeLine = (tokens: ReadonlyArray<string>): Decoded => {
  const count = tokens.length
  if (count === 0 || tokens[0]!.length < 2) return Res.results.unknownCommand
  // memcached's ntokens: the tokens it kept (at most MAX_TOKENS - 1) plus its terminator.
  const ntokens = Math.min(count, MAX_TOKENS - 1) + 1
  // memcached's set_noreply_maybe: the last kept token is exactly "noreply". Each command below uses it
  // only where memcached calls that function (delete only past its key; the get family never).
  const noreply = tokens[ntokens - 2] === "noreply"
  const command = tokens[0]!
  switch (command) {
    case "get":
    case "bget":
    case "gets": {
      if (ntokens < 3) return Res.results.unknownCommand
      const tag = command === "gets" ? "Gets" : "Get"
      return decodeRetrieval(tag, undefined, tokens.slice(1))
    }
    case "gat":
    case "gats": {
      if (ntokens < 3) return Res.results.unknownCommand
      const tag = command === "gat" ? "Gat" : "Gats"
      if (count === 2) {
        // memcached parses the exptime and then finds no keys: an empty result.
        const checked = decode(tag, { _tag: tag, exptime: tokens[1], keys: ["-"] }, false)
        return "_tag" in checked && checked._tag === "ClientError" ? checked : Res.values([], tag === "Gats")
      }
      return decodeRetrieval(tag, tokens[1]!, tokens.slice(2))
    }
    case "set":
    case "add":
    case "replace":
    case "append":
    case "prepend":
    case "cas": {
      const isCas = command === "cas"
      if (isCas ? ntokens !== 7 && ntokens !== 8 : ntokens !== 6 && ntokens !== 7) return Res.results.unknownCommand
      if (!isCas) {
        const header = storageHeader(storageCommands[command]!, tokens, noreply)
        if (header !== undefined) return header
      }
      const input = { key: tokens[1], flags: tokens[2], exptime: tokens[3], bytes: tokens[4], cas: tokens[5] }
      const fields = isCas ? decode("Cas", input, noreply) : decode("Storage", input, noreply)
      if ("_tag" in fields) return fields
      return {
        _tag: "StorageHeader",
        command: isCas ? "cas" : storageCommands[command]!,
        key: fields.key,
        flags: fields.flags,
        exptime: fields.exptime,
        bytes: fields.bytes,
        cas: "cas" in fields ? (fields.cas as bigint) : 0n,
        noreply
      }
    }
    case "incr":
    case "decr": {
      if (ntokens !== 4 && ntokens !== 5) return Res.results.unknownCommand
      const tag = command === "incr" ? "Incr" : "Decr"
      return decode(tag, { _tag: tag, key: tokens[1], delta: tokens[2], noreply }, noreply)
    }
    case "delete": {
      if (ntokens < 3 || ntokens > 5) return Res.results.unknownCommand
      // "delete noreply" deletes the key "noreply": memcached checks for the flag only after a key.
      if (ntokens === 3) return decode("Delete", { _tag: "Delete", key: tokens[1], noreply: false }, false)
      const holdIsZero = tokens[2] === "0"
      const valid = (ntokens === 4 && (holdIsZero || noreply)) || (ntokens === 5 && holdIsZero && noreply)
      if (!valid) return noreply ? Res.results.silent : deleteUsage
      return decode("Delete", { _tag: "Delete", key: tokens[1], noreply }, noreply)
    }
    case "touch": {
      if (ntokens !== 4 && ntokens !== 5) return Res.results.unknownCommand
      return decode("Touch", { _tag: "Touch", key: tokens[1], exptime: tokens[2], noreply }, noreply)
    }
    case "flush_all": {
      if (ntokens < 2 || ntokens > 4) return Res.results.unknownCommand
      const hasDelay = ntokens !== (noreply ? 3 : 2)
      return decode("FlushAll", { _tag: "FlushAll", delay: hasDelay ? tokens[1] : "0", noreply }, noreply)
    }
    case "verbosity": {
      if (ntokens !== 3 && ntokens !== 4) return Res.results.unknownCommand
      // "verbosity noreply" parses "noreply" as the level, fails, and the error is suppressed.
      return decode("Verbosity", { _tag: "Verbosity", level: tokens[1], noreply }, noreply)
    }
    case "cache_memlimit": {
      if (ntokens !== 3 && ntokens !== 4) return Res.results.unknownCommand
      const decoded = decode("CacheMemlimit", { _tag: "CacheMemlimit", megabytes: tokens[1], noreply }, true)
      if (!("megabytes" in decoded)) return noreply ? Res.results.silent : Res.results.unknownCommand
      if (noreply && (decoded.megabytes < 8 || decoded.megabytes > 1_000_000_000)) return Res.results.silent
      if (decoded.megabytes < 8) return memlimitTooSmall
      if (decoded.megabytes > 1_000_000_000) return memlimitNotBytes
      return { ...decoded, _tag: "CacheMemlimit" }
    }
    case "version":
      return { _tag: "Version" }
    case "quit":
      return { _tag: "Quit" }
    case "shutdown":
      return { _tag: "Shutdown", args: tokens.slice(1, ntokens - 1) }
    case "stats":
      return { _tag: "Stats", args: tokens.slice(1, ntokens - 1) }
    case "refresh_certs":
      return { _tag: "RefreshCerts", noreply }
    case "lru_crawler":
    case "slabs":
    case "lru":
    case "watch":
      return decodeOperator(tokens, ntokens)
    case "mg":
    case "ms":
    case "md":
    case "ma":
    case "mn":
    case "me":
      return decodeMeta(tokens)
    default:
      // memcached answers any other two-letter m... command with ERROR, even one that looks like HTTP.
      if (command.length === 2 && command[0] === "m") return Res.results.unknownCommand
      // memcached hangs up on what looks like an HTTP request line.
      return tokens[ntokens - 2]!.startsWith("HTTP/") ? Res.results.close : Res.results.unknownCommand
  }
}
