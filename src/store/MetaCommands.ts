/**
 * The meta protocol's semantics (mg, ms, md, ma, me) over one partition's {@link ItemTable}, as
 * memcached 1.6.18 implements them, counters included. Plain synchronous functions of the table and a
 * request, like the text commands (TextCommands.ts); the store's dispatch (Commands.ts) calls them.
 *
 * Flags act in the order the client gave them where memcached's do: a `T` before a `t` shows the new
 * TTL, and an over-long opaque fails an mg or ma only when its turn comes, after what came before it
 * took effect. The recache protocol (stale-while-revalidate): `md I` or `ms I` with an older CAS marks
 * an item stale; the first mg to see a stale item, or a miss it vivifies (N), or a TTL below its R
 * token, wins (W); later ones see Z until the item is replaced.
 *
 * @module
 */
import { itemSize } from "../domain/ItemSize.js"
import {
  type FlaggedMetaRequest,
  MAX_OPAQUE_LENGTH,
  type MetaArithmetic,
  type MetaDebug,
  type MetaDelete,
  type MetaGet,
  type MetaSet
} from "../domain/MetaRequest.js"
import { metaReply, type MetaStatus } from "../domain/MetaResult.js"
import * as Res from "../domain/Result.js"
import type { Result } from "../domain/Result.js"
import { applyDelta, mayBeCounter, parseCounter } from "./Counter.js"
import { resolveExptime } from "./Expiry.js"
import { concat, Item } from "./Item.js"
import type { ItemTable } from "./ItemTable.js"
import { hashKey } from "./KeyIndex.js"
import { classOf } from "./SizeClasses.js"

const { nonNumeric, opaqueTooLong, outOfMemory } = Res.errors
const EMPTY = new Uint8Array(0)

const opaqueFits = (request: FlaggedMetaRequest): boolean =>
  request.opaque === undefined || request.opaque.length <= MAX_OPAQUE_LENGTH

/** memcached's `t`: -1 for no expiry, else the seconds left, wrapped to 32 bits as it prints them. */
const ttlOf = (exptime: number, now: number): number => (exptime === 0 ? -1 : (exptime - now) >>> 0)

/** A reply carrying only the key and opaque, after the opaque's length is checked. */
const bare = (status: MetaStatus, request: FlaggedMetaRequest): Result =>
  opaqueFits(request) ? metaReply(status, request) : opaqueTooLong

/** mg. */
export const metaGet = (table: ItemTable, request: MetaGet, now: number): Result => {
  const found = table.find(request.key, hashKey(request.key), now)
  let item = found < 0 ? undefined : table.itemAt(found)
  let created = false
  if (item === undefined && request.vivify !== undefined) {
    // An empty placeholder: this client won the right to fill it, others see Z meanwhile.
    item = new Item(request.key, 0, 0, table.options.cas.next(), EMPTY, now)
    if (!table.link(item)) return outOfMemory
    created = true
  }
  if (item === undefined) {
    table.countRetrieval(false, found)
    if (!opaqueFits(request)) return opaqueTooLong
    return request.quiet ? Res.results.silent : metaReply("EN", request)
  }
  let won = false
  let touched = false
  let ttl = -1
  for (const flag of request.flags) {
    switch (flag) {
      case "T":
        item.exptime = resolveExptime(request.ttl!, now)
        touched = true
        break
      case "N":
        if (created) {
          item.exptime = resolveExptime(request.vivify!, now)
          won = true
        }
        break
      case "R":
        if (!item.tokenSent && !created && item.exptime !== 0 && item.exptime < resolveExptime(request.recache!, now)) {
          won = true
        }
        break
      case "t":
        ttl = ttlOf(item.exptime, now)
        break
      case "O":
        if (!opaqueFits(request)) {
          // memcached has fetched the item (bumped, marked fetched) when it looks it up, before the flags.
          if (!request.noUpdate) item.fetch(now)
          table.writeBack(item)
          return opaqueTooLong
        }
        break
    }
  }
  const { tokenSent, stale } = item
  // A stale item nobody is recaching yet goes to this client.
  if (stale && !tokenSent) won = true
  if (won) item.tokenSent = true
  table.countRetrieval(touched, item.ref)
  const reply = metaReply(request.returnValue ? "VA" : "HD", request, {
    value: item.value,
    ttl,
    cas: item.cas,
    clientFlags: item.flags,
    fetched: item.fetched,
    lastAccess: (now - item.atime) >>> 0,
    keyBase64: item.binaryKey,
    tokenSent,
    stale,
    won
  })
  // h and l report the item as it was before this fetch.
  if (!request.noUpdate) item.fetch(now)
  table.writeBack(item)
  return reply
}

/** ms. */
export const metaSet = (table: ItemTable, request: MetaSet, now: number): Result => {
  const counters = table.counters
  counters.cmd_set++
  const { key, compareCas } = request
  const mode = request.mode ?? "S"
  const old = table.lookup(key, now)
  const fresh = () => {
    const item = new Item(
      key,
      request.clientFlags,
      resolveExptime(request.ttl, now),
      table.options.cas.next(),
      request.value,
      now
    )
    item.binaryKey = request.base64
    return item
  }
  // memcached turns a set or replace with a CAS into a cas.
  const casMode = compareCas !== undefined && (mode === "S" || mode === "R")
  let stored: Item | undefined
  let status: MetaStatus = "NS"
  if (old === undefined) {
    if (casMode) {
      counters.cas_misses++
      status = "NF"
    } else if (mode === "S" || mode === "E") {
      stored = fresh()
    }
  } else if (casMode) {
    const oldCas = BigInt(old.cas)
    if (compareCas === oldCas) {
      counters.cas_hits++
      stored = fresh()
    } else if (request.invalidate && compareCas !== 0n && compareCas < oldCas) {
      // An older CAS with I still stores, but as a stale value that keeps the TTL and recache state.
      counters.cas_hits++
      stored = fresh()
      stored.exptime = old.exptime
      stored.stale = true
      stored.tokenSent = old.tokenSent
    } else {
      counters.cas_badval++
      status = "EX"
    }
  } else if (mode === "E") {
    old.time = now
    table.writeBack(old)
  } else if (mode === "A" || mode === "P") {
    if (compareCas !== undefined && compareCas !== 0n && compareCas !== BigInt(old.cas)) {
      status = "EX"
    } else if (itemSize(key.length, old.flags, old.value.length + request.value.length) <= table.options.maxItemSize) {
      const value = mode === "A" ? concat(old.value, request.value) : concat(request.value, old.value)
      stored = new Item(key, old.flags, old.exptime, table.options.cas.next(), value, now)
    }
  } else {
    stored = fresh()
  }
  if (stored === undefined) return metaReply(status, request)
  if (!table.link(stored)) return outOfMemory
  return request.quiet ? Res.results.silent : metaReply("HD", request, { cas: stored.cas })
}

/** md. */
export const metaDelete = (table: ItemTable, request: MetaDelete, now: number): Result => {
  const counters = table.counters
  const item = table.lookup(request.key, now)
  if (item === undefined) {
    counters.delete_misses++
    return metaReply("NF", request)
  }
  if (request.compareCas !== undefined && request.compareCas !== BigInt(item.cas)) {
    counters.delete_misses++
    return metaReply("EX", request)
  }
  if (request.invalidate) {
    // Kept, marked stale with a new CAS unique, and open to a new recache winner.
    if (request.ttl !== undefined) item.exptime = resolveExptime(request.ttl, now)
    item.cas = table.options.cas.next()
    item.stale = true
    item.tokenSent = false
    table.writeBack(item)
  } else {
    table.unlink(item)
    counters.delete_hits++
  }
  return request.quiet ? Res.results.silent : metaReply("HD", request)
}

/** ma. */
export const metaArithmetic = (table: ItemTable, request: MetaArithmetic, now: number): Result => {
  const counters = table.counters
  const incr = request.mode !== "D" && request.mode !== "-"
  const item = table.lookup(request.key, now)
  let live: Item
  let digits: string
  // Where a T lands: memcached sets the TTL on the item it worked on, which a counter that grew has
  // just replaced, so then the T shows in this reply's t but not on the stored item.
  let target: Item | undefined
  let created = false
  if (item === undefined) {
    if (request.vivify === undefined) {
      if (incr) counters.incr_misses++
      else counters.decr_misses++
      return bare("NF", request)
    }
    digits = request.initial.toString()
    live = new Item(request.key, 0, 0, table.options.cas.next(), Buffer.from(digits, "latin1"), now)
    if (!table.link(live)) return outOfMemory
    target = live
    created = true
  } else {
    if (!mayBeCounter(item.key.length, item.flags, item.value.length)) return nonNumeric
    if (request.compareCas !== undefined && request.compareCas !== 0n && request.compareCas !== BigInt(item.cas)) {
      return bare("EX", request)
    }
    const current = parseCounter(item.value)
    if (current === undefined) return nonNumeric
    const next = applyDelta(current, incr, request.delta)
    if (incr) counters.incr_hits++
    else counters.decr_hits++
    const stored = table.storeCounter(item, next, now)
    if (stored === undefined) return outOfMemory
    live = stored
    digits = next.toString()
    target = live.value.length === item.value.length ? live : undefined
  }
  let exptime = item === undefined ? 0 : item.exptime
  let ttl = -1
  for (const flag of request.flags) {
    switch (flag) {
      case "t":
        ttl = ttlOf(exptime, now)
        break
      case "T":
        exptime = resolveExptime(request.ttl!, now)
        if (target !== undefined) target.exptime = exptime
        break
      case "N":
        if (created) {
          exptime = resolveExptime(request.vivify!, now)
          live.exptime = exptime
        }
        break
      case "O":
        if (!opaqueFits(request)) {
          if (target !== undefined || created) table.writeBack(live)
          return opaqueTooLong
        }
        break
    }
  }
  if (target !== undefined || created) table.writeBack(live)
  // Quiet mode hides a successful update, but not the creation of a counter.
  if (request.quiet && !created) return Res.results.silent
  return metaReply(request.returnValue ? "VA" : "HD", request, {
    value: Buffer.from(digits, "latin1"),
    ttl,
    cas: live.cas
  })
}

/** me. */
export const metaDebug = (table: ItemTable, request: MetaDebug, now: number): Result => {
  table.counters.cmd_meta++
  const item = table.lookup(request.key, now)
  if (item === undefined) return Res.results.metaDebugMiss
  return {
    _tag: "MetaDebugReply",
    key: item.key,
    keyBase64: item.binaryKey,
    exp: item.exptime === 0 ? -1 : (now - item.exptime) | 0,
    lastAccess: (now - item.atime) >>> 0,
    cas: item.cas,
    fetched: item.fetched,
    slabClass: classOf(item.size),
    size: item.size
  }
}
