/**
 * The text protocol's keyed commands, as memcached 1.6.18 implements them, counters included: plain
 * synchronous functions of an {@link ItemTable}, a request and the time (Unix seconds). They work on
 * records by reference, so the hot path (get and set) builds no object per item besides its hit.
 *
 * @module
 */
import { itemSize } from "../domain/ItemSize.js"
import type { Request, Retrieval, Storage, StorageCommand } from "../domain/Request.js"
import * as Res from "../domain/Result.js"
import type { Hit, Result } from "../domain/Result.js"
import { applyDelta, counterValue } from "./Counter.js"
import { resolveExptime } from "./Expiry.js"
import type { ItemTable } from "./ItemTable.js"
import { hashKey } from "./KeyIndex.js"
import { classOf } from "./SizeClasses.js"

type Of<Tag extends Request["_tag"]> = Extract<Request, { readonly _tag: Tag }>

/** Above this many keys a retrieval shares one copy per item (see `retrieveKey`); below, copies are few. */
const SHARED_COPIES_ABOVE = 16

/** The memo a retrieval of `keys` keys passes to `retrieveKey`: none for short key lists (the hot path). */
export const retrievalMemo = (keys: number): Map<number, Hit> | undefined =>
  keys > SHARED_COPIES_ABOVE ? new Map() : undefined

/**
 * Fetches one key of a retrieval, counting it as memcached does: get/gets as gets, gat/gats as
 * touches only; gat/gats also update the expiry. A hit sets the item's reference bit: that is all a
 * read costs the eviction order. `memo` shares one copy of an item named several times in a multi-key
 * retrieval: a get line may name one key a hundred thousand times.
 */
export const retrieveKey = (
  table: ItemTable,
  request: Retrieval,
  key: string,
  now: number,
  memo?: Map<number, Hit>
): Hit | undefined => {
  const touching = request._tag === "Gat" || request._tag === "Gats"
  const ref = table.find(key, hashKey(key), now)
  table.countRetrieval(touching, ref)
  if (ref < 0) return undefined
  if (touching) table.touch(ref, request.exptime, now)
  else table.markRead(ref, now)
  if (memo === undefined) return table.hit(key, ref)
  let hit = memo.get(ref)
  if (hit === undefined) {
    hit = table.hit(key, ref)
    memo.set(ref, hit)
  }
  return hit
}

/** get, gets, gat, gats: the hits in request order, misses left out. */
export const retrieve = (table: ItemTable, request: Retrieval, now: number): Result => {
  const hits: Array<Hit> = []
  const memo = retrievalMemo(request.keys.length)
  for (let i = 0; i < request.keys.length; i++) {
    const hit = retrieveKey(table, request, request.keys[i]!, now, memo)
    if (hit !== undefined) hits.push(hit)
  }
  return Res.values(hits, request._tag === "Gets" || request._tag === "Gats")
}

/** The command name of a text storage request (`set`, `add`, ...). */
export const storageCommand = (request: Storage): StorageCommand => storageCommands[request._tag]

const storageCommands = {
  Set: "set",
  Add: "add",
  Replace: "replace",
  Append: "append",
  Prepend: "prepend",
  Cas: "cas"
} as const satisfies Record<Storage["_tag"], StorageCommand>

/** set, add, replace, append, prepend, cas. */
export const store = (table: ItemTable, request: Storage, now: number): Result => {
  table.counters.cmd_set++
  const key = request.key
  // Per class, memcached counts the attempt under the class of the item the command carries.
  table.classStats.table.cmd_set[classOf(itemSize(key.length, request.flags, request.value.length))]!++
  const hash = hashKey(key)
  const old = table.find(key, hash, now)
  switch (request._tag) {
    case "Set":
      break
    case "Add":
      if (old >= 0) {
        table.restamp(old, now)
        return Res.results.notStored
      }
      break
    case "Replace":
      if (old < 0) return Res.results.notStored
      break
    case "Append":
    case "Prepend":
      return old < 0 ? Res.results.notStored : concatenate(table, request, hash, old, now)
    case "Cas": {
      const checked = checkCas(table, request, old)
      if (checked !== undefined) return checked
      break
    }
  }
  const stored = table.write(key, hash, request.value, undefined, {
    flags: request.flags,
    exptime: resolveExptime(request.exptime, now),
    now
  })
  return stored >= 0 ? Res.results.stored : Res.errors.outOfMemory
}

/** append/prepend onto the item at `old`, keeping its flags and expiry. */
const concatenate = (
  table: ItemTable,
  request: Of<"Append" | "Prepend">,
  hash: number,
  old: number,
  now: number
): Result => {
  const key = request.key
  const flags = table.flagsOf(old)
  const current = table.valueAt(old)
  if (itemSize(key.length, flags, current.length + request.value.length) > table.options.maxItemSize) {
    return Res.results.notStored
  }
  // Copied out first: making room for the new record may reuse the old one's segment.
  const oldValue = Buffer.from(current)
  const fields = { flags, exptime: table.exptimeOf(old), now }
  const stored = request._tag === "Append"
    ? table.write(key, hash, oldValue, request.value, fields)
    : table.write(key, hash, request.value, oldValue, fields)
  return stored >= 0 ? Res.results.stored : Res.errors.outOfMemory
}

/** A cas's condition: the reply when it fails, undefined when the store may go ahead. */
const checkCas = (table: ItemTable, request: Of<"Cas">, old: number): Result | undefined => {
  const counters = table.counters
  if (old < 0) {
    counters.cas_misses++
    return Res.results.notFound
  }
  const cls = table.sizeClassOf(old)
  if (BigInt(table.casOf(old)) !== request.cas) {
    counters.cas_badval++
    table.classStats.table.cas_badval[cls]!++
    return Res.results.exists
  }
  counters.cas_hits++
  table.classStats.table.cas_hits[cls]!++
  return undefined
}

/**
 * A storage command whose value was over the size limit: refused; a `set` also drops the old value,
 * which memcached looks up first (so `watch fetchers` shows the lookup, as memcached's does).
 */
export const tooLarge = (table: ItemTable, request: Of<"TooLarge">, now: number): Result => {
  table.counters.store_too_large++
  // A failed overwrite must not leave the old value readable.
  if (request.command === "set") {
    const hash = hashKey(request.key)
    const ref = table.find(request.key, hash, now)
    if (ref >= 0) table.remove(ref, hash)
  }
  return Res.errors.tooLarge
}

/** delete. */
export const remove = (table: ItemTable, request: Of<"Delete">, now: number): Result => {
  const hash = hashKey(request.key)
  const ref = table.find(request.key, hash, now)
  if (ref < 0) {
    table.counters.delete_misses++
    return Res.results.notFound
  }
  table.classStats.table.delete_hits[table.sizeClassOf(ref)]!++
  table.remove(ref, hash)
  table.counters.delete_hits++
  return Res.results.deleted
}

/** incr and decr. */
export const arithmetic = (table: ItemTable, key: string, incr: boolean, delta: bigint, now: number): Result => {
  const counters = table.counters
  const hash = hashKey(key)
  const ref = table.find(key, hash, now)
  if (ref < 0) {
    if (incr) counters.incr_misses++
    else counters.decr_misses++
    return Res.results.notFound
  }
  const current = counterValue(key.length, table.flagsOf(ref), table.valueAt(ref))
  if (current === undefined) return Res.errors.nonNumeric
  const next = applyDelta(current, incr, delta)
  if (incr) counters.incr_hits++
  else counters.decr_hits++
  ;(incr ? table.classStats.table.incr_hits : table.classStats.table.decr_hits)[table.sizeClassOf(ref)]!++
  return table.rewriteCounter(key, hash, ref, next, now) >= 0 ? Res.counter(next) : Res.errors.outOfMemory
}

/** touch. */
export const touch = (table: ItemTable, request: Of<"Touch">, now: number): Result => {
  const counters = table.counters
  counters.cmd_touch++
  const ref = table.find(request.key, hashKey(request.key), now)
  if (ref < 0) {
    counters.touch_misses++
    return Res.results.notFound
  }
  table.touch(ref, request.exptime, now)
  counters.touch_hits++
  table.classStats.table.touch_hits[table.sizeClassOf(ref)]!++
  return Res.results.touched
}

/** flush_all: every partition runs it at its place in the batch. */
export const flushAll = (table: ItemTable, request: Of<"FlushAll">, now: number): Result => {
  table.flush(request.delay, now)
  return Res.results.ok
}

/** cache_memlimit: every partition takes its share of the new limit. */
export const cacheMemlimit = (table: ItemTable, request: Of<"CacheMemlimit">, now: number): Result => {
  table.setMemoryLimit(table.options.shareOf(request.megabytes * 1024 * 1024), now)
  return Res.results.ok
}
