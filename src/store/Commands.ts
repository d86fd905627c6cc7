/**
 * The store's one dispatch: which semantics a keyed request gets. The partition actor calls
 * {@link execute} for every request of a job (and {@link retrieveKey} for its share of a multi-key
 * retrieval that spans partitions); the text protocol's commands live in TextCommands.ts, the meta
 * protocol's in MetaCommands.ts, both as functions over the {@link ItemTable}'s primitives. A new
 * protocol decodes into the same domain requests, so it needs no new path here.
 *
 * @module
 */
import { itemSize } from "../domain/ItemSize.js"
import type { Request, Storage } from "../domain/Request.js"
import * as Res from "../domain/Result.js"
import type { Result } from "../domain/Result.js"
import { resolveExptime } from "./Expiry.js"
import type { ItemTable } from "./ItemTable.js"
import type { StoreCommand, StoreStatus } from "./ItemTrace.js"
import { hashKey } from "./KeyIndex.js"
import * as Meta from "./MetaCommands.js"
import { classOf } from "./SizeClasses.js"
import * as Text from "./TextCommands.js"

type Of<Tag extends Request["_tag"]> = Extract<Request, { readonly _tag: Tag }>

export { retrievalMemo, retrieveKey } from "./TextCommands.js"

/** A store attempt's outcome, from its reply. */
const storeStatus = (result: Result): StoreStatus => {
  switch (result._tag) {
    case "Stored":
    case "Silent":
      return "stored"
    case "NotStored":
      return "not_stored"
    case "Exists":
      return "exists"
    case "NotFound":
      return "not_found"
    case "MetaReply":
      return result.status === "HD" ? "stored" : result.status === "EX" ? "exists" : result.status === "NF"
        ? "not_found"
        : "not_stored"
    default:
      return result === Res.errors.tooLarge ? "too_large" : "no_memory"
  }
}

const metaCommands = { S: "set", E: "add", A: "append", P: "prepend", R: "replace" } as const

/** The command memcached logs for a store: a meta set's mode, or cas when it compares a CAS unique. */
const storeCommand = (request: Storage | Of<"MetaSet"> | Of<"TooLarge">): StoreCommand => {
  switch (request._tag) {
    case "TooLarge":
      return request.command
    case "MetaSet": {
      const mode = request.mode ?? "S"
      return request.compareCas !== undefined && (mode === "S" || mode === "R") ? "cas" : metaCommands[mode]
    }
    default:
      return Text.storageCommand(request)
  }
}

/**
 * Reports a store attempt for `watch mutations`: the item as stored when it was (an append's whole
 * value, the expiry it kept), else the one the command carried (nothing for a value too large).
 */
const traceStore = (
  table: ItemTable,
  request: Storage | Of<"MetaSet"> | Of<"TooLarge">,
  result: Result,
  now: number
) => {
  const status = storeStatus(result)
  const command = storeCommand(request)
  const ref = status === "stored" ? table.peek(request.key, hashKey(request.key)) : -1
  if (ref >= 0) {
    const exptime = table.exptimeOf(ref)
    const size = table.valueAt(ref).length
    table.trace!.stored(
      request.key,
      status,
      command,
      exptime === 0 ? 0 : (exptime - now) >>> 0,
      table.sizeClassOf(ref),
      size
    )
  } else if (request._tag === "TooLarge") {
    table.trace!.stored(request.key, status, command, 0, 0, 0)
  } else {
    const [flags, ttl] = request._tag === "MetaSet"
      ? [request.clientFlags, request.ttl]
      : [request.flags, request.exptime]
    const exptime = resolveExptime(ttl, now)
    const size = request.value.length
    table.trace!.stored(
      request.key,
      status,
      command,
      exptime === 0 ? 0 : (exptime - now) >>> 0,
      classOf(itemSize(request.key.length, flags, size)),
      size
    )
  }
}

/**
 * Executes one keyed request against a partition's table at `now` (Unix seconds). Requests the server
 * answers itself (stats, version, ...) never reach a store; should one arrive, it is an unknown command.
 */
export const execute = (table: ItemTable, request: Request, now: number): Result => {
  switch (request._tag) {
    case "Get":
    case "Gets":
    case "Gat":
    case "Gats":
      return Text.retrieve(table, request, now)
    case "Set":
    case "Add":
    case "Replace":
    case "Append":
    case "Prepend":
    case "Cas": {
      const result = Text.store(table, request, now)
      if (table.trace !== undefined) traceStore(table, request, result, now)
      return result
    }
    case "TooLarge":
      // memcached logs the refusal before it looks the key up to drop the old value.
      if (table.trace !== undefined) traceStore(table, request, Res.errors.tooLarge, now)
      return Text.tooLarge(table, request, now)
    case "Delete":
      return Text.remove(table, request, now)
    case "Incr":
    case "Decr":
      return Text.arithmetic(table, request.key, request._tag === "Incr", request.delta, now)
    case "Touch":
      return Text.touch(table, request, now)
    case "FlushAll":
      return Text.flushAll(table, request, now)
    case "CacheMemlimit":
      return Text.cacheMemlimit(table, request, now)
    case "MetaGet":
      return Meta.metaGet(table, request, now)
    case "MetaSet": {
      const result = Meta.metaSet(table, request, now)
      if (table.trace !== undefined) traceStore(table, request, result, now)
      return result
    }
    case "MetaDelete":
      return Meta.metaDelete(table, request, now)
    case "MetaArithmetic":
      return Meta.metaArithmetic(table, request, now)
    case "MetaDebug":
      return Meta.metaDebug(table, request, now)
    default:
      return Res.results.unknownCommand
  }
}
