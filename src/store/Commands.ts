/**
 * The store's one dispatch: which semantics a keyed request gets. The partition actor calls
 * {@link execute} for every request of a job (and {@link retrieveKey} for its share of a multi-key
 * retrieval that spans partitions); the text protocol's commands live in TextCommands.ts, the meta
 * protocol's in MetaCommands.ts, both as functions over the {@link ItemTable}'s primitives. A new
 * protocol decodes into the same domain requests, so it needs no new path here.
 *
 * @module
 */
import type { Request } from "../domain/Request.js"
import * as Res from "../domain/Result.js"
import type { Result } from "../domain/Result.js"
import type { ItemTable } from "./ItemTable.js"
import * as Meta from "./MetaCommands.js"
import * as Text from "./TextCommands.js"

export { retrievalMemo, retrieveKey } from "./TextCommands.js"

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
    case "Cas":
      return Text.store(table, request, now)
    case "TooLarge":
      return Text.tooLarge(table, request)
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
    case "MetaSet":
      return Meta.metaSet(table, request, now)
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
