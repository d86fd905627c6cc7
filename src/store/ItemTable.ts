/**
 * One partition's items and the memcached semantics of every keyed command, as plain synchronous
 * code: the partition actor calls it, tests call it directly. Expiry is lazy here (an expired item is
 * removed when touched) and eager in `sweep`, which the sweeper drives a bounded slice at a time.
 *
 * @module
 */
import { itemSize } from "../domain/ItemSize.js"
import { U64_MAX } from "../domain/Primitives.js"
import type { Request, Retrieval, Storage } from "../domain/Request.js"
import * as Res from "../domain/Result.js"
import type { Result } from "../domain/Result.js"
import type { CasSequence } from "./CasSequence.js"
import { isExpired, resolveExptime } from "./Expiry.js"
import { Item } from "./Item.js"
import { executeMeta } from "./MetaCommands.js"
import { StoreCounters } from "./StoreCounters.js"

const nonNumeric = Res.ClientError.make({ message: "cannot increment or decrement non-numeric value" })
const tooLarge = Res.ServerError.make({ message: "object too large for cache" })

/** memcached stores values above this size in chunks and refuses to do arithmetic on them. */
const LARGEST_NUMERIC_ITEM = 512 * 1024

/** Why the last {@link ItemTable.lookup} found nothing: no item, an expired one, a flushed one. */
export const MISS = 0
/** @see MISS */
export const EXPIRED = 1
/** @see MISS */
export const FLUSHED = 2

/** Settings a table needs. */
export interface ItemTableOptions {
  readonly cas: CasSequence
  readonly maxItemSize: number
}

/** The items of one partition. */
export class ItemTable {
  private readonly items = new Map<string, Item>()
  /** This partition's statistics. */
  readonly counters = new StoreCounters()
  /** memcached's `oldest_live`: items last stored at or before it are dead once it has passed; 0 = none. */
  private flushedUpTo = 0
  /** Why the last `lookup` missed ({@link MISS}, {@link EXPIRED} or {@link FLUSHED}). */
  missReason = MISS
  private sweepCursor: Iterator<Item> | null = null

  constructor(readonly options: ItemTableOptions) {}

  /** Number of items held (live or not yet reclaimed). */
  get size(): number {
    return this.items.size
  }

  /** The live item under `key`; a dead one is removed, and `missReason` says why it was missed. */
  lookup(key: string, now: number): Item | undefined {
    const item = this.items.get(key)
    if (item === undefined) {
      this.missReason = MISS
      return undefined
    }
    if (isExpired(item.exptime, now)) {
      this.unlink(item)
      this.counters.reclaimed++
      this.missReason = EXPIRED
      return undefined
    }
    if (this.isFlushed(item, now)) {
      this.unlink(item)
      this.missReason = FLUSHED
      return undefined
    }
    return item
  }

  private isFlushed(item: Item, now: number): boolean {
    return this.flushedUpTo !== 0 && this.flushedUpTo <= now && item.time <= this.flushedUpTo
  }

  /** Removes a linked item. */
  unlink(item: Item): void {
    this.items.delete(item.key)
    this.counters.curr_items--
    this.counters.bytes -= item.size
  }

  /** Stores `item` in place of `previous`. `isNew`: counts in total_items (not an in-place update). */
  link(item: Item, previous: Item | undefined, isNew = true): void {
    if (previous !== undefined) this.unlink(previous)
    this.items.set(item.key, item)
    this.counters.curr_items++
    if (isNew) this.counters.total_items++
    this.counters.bytes += item.size
  }

  /** Executes one keyed request (anything but Stats, Version, Verbosity, Quit, Shutdown). */
  execute(request: Request, now: number): Result {
    switch (request._tag) {
      case "Get":
      case "Gets":
      case "Gat":
      case "Gats": {
        const hits: Array<Item> = []
        for (let i = 0; i < request.keys.length; i++) {
          const item = this.retrieve(request, request.keys[i]!, now)
          if (item !== undefined) hits.push(item)
        }
        return Res.values(hits, request._tag === "Gets" || request._tag === "Gats")
      }
      case "Set":
      case "Add":
      case "Replace":
      case "Append":
      case "Prepend":
      case "Cas":
        return this.store(request, now)
      case "TooLarge": {
        this.counters.store_too_large++
        // A failed overwrite must not leave the old value readable.
        if (request.command === "set") {
          const old = this.items.get(request.key)
          if (old !== undefined) this.unlink(old)
        }
        return tooLarge
      }
      case "Delete": {
        const item = this.lookup(request.key, now)
        if (item === undefined) {
          this.counters.delete_misses++
          return Res.results.notFound
        }
        this.unlink(item)
        this.counters.delete_hits++
        return Res.results.deleted
      }
      case "Incr":
      case "Decr":
        return this.arithmetic(request.key, request._tag === "Incr", request.delta, now)
      case "Touch": {
        this.counters.cmd_touch++
        const item = this.lookup(request.key, now)
        if (item === undefined) {
          this.counters.touch_misses++
          return Res.results.notFound
        }
        item.exptime = resolveExptime(request.exptime, now)
        item.fetch(now)
        this.counters.touch_hits++
        return Res.results.touched
      }
      case "FlushAll":
        this.flush(request.delay, now)
        return Res.results.ok
      default:
        return executeMeta(this, request, now)
    }
  }

  /**
   * Fetches one key of a retrieval, counting it as memcached does: get/gets as gets, gat/gats as
   * touches only. gat/gats also update the expiry.
   */
  retrieve(request: Retrieval, key: string, now: number): Item | undefined {
    const counters = this.counters
    const touching = request._tag === "Gat" || request._tag === "Gats"
    if (touching) counters.cmd_touch++
    else counters.cmd_get++
    const item = this.lookup(key, now)
    if (item === undefined) {
      if (this.missReason === EXPIRED) counters.get_expired++
      else if (this.missReason === FLUSHED) counters.get_flushed++
      if (touching) counters.touch_misses++
      else counters.get_misses++
      return undefined
    }
    if (touching) {
      counters.touch_hits++
      item.exptime = resolveExptime(request.exptime, now)
    } else {
      counters.get_hits++
    }
    item.fetch(now)
    return item
  }

  private store(request: Storage, now: number): Result {
    this.counters.cmd_set++
    const key = request.key
    const old = this.lookup(key, now)
    switch (request._tag) {
      case "Set":
        break
      case "Add":
        if (old !== undefined) {
          old.time = now
          return Res.results.notStored
        }
        break
      case "Replace":
        if (old === undefined) return Res.results.notStored
        break
      case "Append":
      case "Prepend": {
        if (old === undefined) return Res.results.notStored
        const size = itemSize(key.length, old.flags, old.value.length + request.value.length)
        if (size > this.options.maxItemSize) return Res.results.notStored
        const value = request._tag === "Append" ? concat(old.value, request.value) : concat(request.value, old.value)
        this.link(new Item(key, old.flags, old.exptime, this.options.cas.next(), value, now), old)
        return Res.results.stored
      }
      case "Cas":
        if (old === undefined) {
          this.counters.cas_misses++
          return Res.results.notFound
        }
        if (BigInt(old.cas) !== request.cas) {
          this.counters.cas_badval++
          return Res.results.exists
        }
        this.counters.cas_hits++
        break
    }
    const exptime = resolveExptime(request.exptime, now)
    this.link(new Item(key, request.flags, exptime, this.options.cas.next(), request.value, now), old)
    return Res.results.stored
  }

  private arithmetic(key: string, incr: boolean, delta: bigint, now: number): Result {
    const counters = this.counters
    const item = this.lookup(key, now)
    if (item === undefined) {
      if (incr) counters.incr_misses++
      else counters.decr_misses++
      return Res.results.notFound
    }
    const current = counterOf(item)
    if (current === undefined) return nonNumeric
    const next = applyDelta(current, incr, delta)
    if (incr) counters.incr_hits++
    else counters.decr_hits++
    this.storeCounter(item, next, now)
    return Res.counter(next)
  }

  /**
   * Writes `next` as `item`'s counter value, with a new CAS unique. memcached rewrites a number that
   * fits in place, padded with spaces to the old length (the item keeps its access time and markers);
   * a longer one becomes a new item. Returns the item now linked.
   */
  storeCounter(item: Item, next: bigint, now: number): Item {
    const digits = next.toString()
    const inPlace = digits.length <= item.value.length
    const value = Buffer.from(inPlace ? digits.padEnd(item.value.length, " ") : digits, "latin1")
    const stored = new Item(item.key, item.flags, item.exptime, this.options.cas.next(), value, now)
    if (inPlace) stored.inherit(item)
    this.link(stored, item, !inPlace)
    return stored
  }

  private flush(delay: number, now: number): void {
    if (delay <= 0) {
      this.items.clear()
      this.counters.curr_items = 0
      this.counters.bytes = 0
      this.flushedUpTo = 0
      this.sweepCursor = null
    } else {
      // memcached's oldest_live is one second before the deadline.
      this.flushedUpTo = resolveExptime(delay, now) - 1
    }
  }

  /**
   * Examines up to `budget` items from where the last sweep stopped, removing the expired and
   * flushed ones; returns how many it removed. Bounded so a sweep never stalls the partition.
   */
  sweep(budget: number, now: number): number {
    let removed = 0
    let cursor = this.sweepCursor ?? this.items.values()
    for (let examined = 0; examined < budget; examined++) {
      const next = cursor.next()
      if (next.done) {
        cursor = this.items.values()
        if (examined === 0 || this.items.size === 0) break
        continue
      }
      const item = next.value
      if (isExpired(item.exptime, now) || this.isFlushed(item, now)) {
        this.unlink(item)
        this.counters.crawler_reclaimed++
        removed++
      }
    }
    this.sweepCursor = cursor
    return removed
  }
}

/** incr/decr arithmetic: unsigned 64-bit, wrapping on incr, stopping at 0 on decr. */
export const applyDelta = (current: bigint, incr: boolean, delta: bigint): bigint =>
  incr ? (current + delta) & U64_MAX : delta > current ? 0n : current - delta

/** Whether memcached would try to read an item as a number: not empty, not stored in chunks. */
export const mayBeCounter = (item: Item): boolean => item.value.length > 0 && item.size <= LARGEST_NUMERIC_ITEM

/** An item's value as incr/decr read it, or undefined if it is not a number. */
export const counterOf = (item: Item): bigint | undefined => (mayBeCounter(item) ? parseCounter(item.value) : undefined)

/** Concatenates two values into a buffer of their own (append/prepend). */
export const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = Buffer.allocUnsafeSlow(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

/**
 * A stored value as incr/decr read it: memcached's strtoull on the value (whitespace, then an
 * optional sign and digits, then a space, NUL or the value's end). Undefined if it is not a number.
 */
const parseCounter = (value: Uint8Array): bigint | undefined => {
  let i = 0
  const n = value.length
  while (i < n && (value[i] === 0x20 || (value[i]! >= 0x09 && value[i]! <= 0x0d))) i++
  let negative = false
  if (i < n && (value[i] === 0x2b || value[i] === 0x2d)) {
    negative = value[i] === 0x2d
    i++
  }
  const start = i
  while (i < n && value[i]! >= 0x30 && value[i]! <= 0x39) i++
  if (i === start) return undefined
  if (i < n && !(value[i] === 0 || value[i] === 0x20 || (value[i]! >= 0x09 && value[i]! <= 0x0d))) return undefined
  const magnitude = BigInt(Buffer.from(value.buffer, value.byteOffset + start, i - start).toString("latin1"))
  if (magnitude > U64_MAX) return undefined
  if (!negative || magnitude === 0n) return magnitude
  // strtoull wraps a negative number around 2^64; memcached then refuses it if it looks negative.
  const wrapped = (1n << 64n) - magnitude
  return wrapped >= 1n << 63n ? undefined : wrapped
}
