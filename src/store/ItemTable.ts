/**
 * One partition's items and the memcached semantics of every keyed command, as plain synchronous
 * code over its {@link RecordStore}: the partition actor calls it, tests call it directly. The meta
 * commands (MetaCommands.ts) work through detached Items: `lookup` copies a record out, `link` writes
 * a new one, `writeBack` saves changes in place.
 *
 * @module
 */
import { itemSize } from "../domain/ItemSize.js"
import type { Request, Retrieval, Storage } from "../domain/Request.js"
import * as Res from "../domain/Result.js"
import type { Hit, Result } from "../domain/Result.js"
import { applyDelta, LARGEST_NUMERIC_ITEM, parseCounter } from "./Counter.js"
import { resolveExptime } from "./Expiry.js"
import { Item } from "./Item.js"
import * as R from "./ItemRecord.js"
import { hashKey } from "./KeyIndex.js"
import { executeMeta } from "./MetaCommands.js"
import { EXPIRED, FLUSHED, RecordStore, type RecordStoreOptions } from "./RecordStore.js"
import { classOf } from "./SizeClasses.js"

export { EXPIRED, FLUSHED, MISS } from "./RecordStore.js"

/** Settings a table needs. */
export type ItemTableOptions = RecordStoreOptions

const nonNumeric = Res.ClientError.make({ message: "cannot increment or decrement non-numeric value" })
const tooLarge = Res.ServerError.make({ message: "object too large for cache" })
const outOfMemory = Res.ServerError.make({ message: "out of memory storing object" })

/** Above this many keys a retrieval shares one copy per item (see `retrieve`); below, copies are few. */
const SHARED_COPIES_ABOVE = 16

/** The memo a retrieval of `keys` keys passes to `retrieve`: none for short key lists (the hot path). */
export const retrievalMemo = (keys: number): Map<number, Hit> | undefined =>
  keys > SHARED_COPIES_ABOVE ? new Map() : undefined

/** Record bits an Item carries (the rest belong to the store). */
const ITEM_MARKERS = R.Bit.Fetched | R.Bit.Stale | R.Bit.WinSent | R.Bit.BinaryKey

/** The items of one partition. */
export class ItemTable extends RecordStore {
  /** Executes one keyed request (anything but Stats, Version, Verbosity, Quit, Shutdown). */
  execute(request: Request, now: number): Result {
    this.now = now
    switch (request._tag) {
      case "Get":
      case "Gets":
      case "Gat":
      case "Gats": {
        const hits: Array<Hit> = []
        const memo = retrievalMemo(request.keys.length)
        for (let i = 0; i < request.keys.length; i++) {
          const hit = this.retrieve(request, request.keys[i]!, now, memo)
          if (hit !== undefined) hits.push(hit)
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
          const hash = hashKey(request.key)
          const old = this.index.get(request.key, hash)
          if (old >= 0) this.remove(old, hash)
        }
        return tooLarge
      }
      case "Delete": {
        const hash = hashKey(request.key)
        const ref = this.find(request.key, hash, now)
        if (ref < 0) {
          this.counters.delete_misses++
          return Res.results.notFound
        }
        this.classStats.table.delete_hits[this.classAt(ref)]!++
        this.remove(ref, hash)
        this.counters.delete_hits++
        return Res.results.deleted
      }
      case "Incr":
      case "Decr":
        return this.arithmetic(request.key, request._tag === "Incr", request.delta, now)
      case "Touch": {
        this.counters.cmd_touch++
        const ref = this.find(request.key, hashKey(request.key), now)
        if (ref < 0) {
          this.counters.touch_misses++
          return Res.results.notFound
        }
        const buf = this.log.buffer(ref)
        const off = this.log.offset(ref)
        R.setExptime(buf, off, resolveExptime(request.exptime, now))
        R.setBits(buf, off, R.Bit.Fetched | R.Bit.Accessed)
        R.setAccessTime(buf, off, now)
        this.counters.touch_hits++
        this.classStats.table.touch_hits[this.classAt(ref)]!++
        return Res.results.touched
      }
      case "FlushAll":
        this.flush(request.delay, now)
        return Res.results.ok
      case "CacheMemlimit":
        this.setMemoryLimit(this.options.shareOf(request.megabytes * 1024 * 1024))
        return Res.results.ok
      default:
        return executeMeta(this, request, now)
    }
  }

  /**
   * Fetches one key of a retrieval, counting it as memcached does: get/gets as gets, gat/gats as
   * touches only. gat/gats also update the expiry. A hit sets the item's reference bit: that is all
   * a read costs the eviction order. `memo` shares one copy of an item named several times in a
   * multi-key retrieval: a get line may name one key a hundred thousand times.
   */
  retrieve(request: Retrieval, key: string, now: number, memo?: Map<number, Hit>): Hit | undefined {
    const counters = this.counters
    const touching = request._tag === "Gat" || request._tag === "Gats"
    if (touching) counters.cmd_touch++
    else counters.cmd_get++
    const ref = this.find(key, hashKey(key), now)
    if (ref < 0) {
      if (this.missReason === EXPIRED) counters.get_expired++
      else if (this.missReason === FLUSHED) counters.get_flushed++
      if (touching) counters.touch_misses++
      else counters.get_misses++
      return undefined
    }
    const buf = this.log.buffer(ref)
    const off = this.log.offset(ref)
    R.setBits(buf, off, R.Bit.Fetched | R.Bit.Accessed)
    R.setAccessTime(buf, off, now)
    if (touching) {
      counters.touch_hits++
      this.classStats.table.touch_hits[R.sizeClass(buf, off)]!++
      R.setExptime(buf, off, resolveExptime(request.exptime, now))
    } else {
      counters.get_hits++
      this.classStats.table.get_hits[R.sizeClass(buf, off)]!++
    }
    if (memo === undefined) return this.hit(key, ref)
    let hit = memo.get(ref)
    if (hit === undefined) {
      hit = this.hit(key, ref)
      memo.set(ref, hit)
    }
    return hit
  }

  private store(request: Storage, now: number): Result {
    this.counters.cmd_set++
    const key = request.key
    // Per class, memcached counts the attempt under the class of the item the command carries.
    this.classStats.table.cmd_set[classOf(itemSize(key.length, request.flags, request.value.length))]!++
    const hash = hashKey(key)
    const old = this.find(key, hash, now)
    switch (request._tag) {
      case "Set":
        break
      case "Add":
        if (old >= 0) {
          R.setTime(this.log.buffer(old), this.log.offset(old), now)
          return Res.results.notStored
        }
        break
      case "Replace":
        if (old < 0) return Res.results.notStored
        break
      case "Append":
      case "Prepend": {
        if (old < 0) return Res.results.notStored
        const buf = this.log.buffer(old)
        const off = this.log.offset(old)
        const flags = R.flags(buf, off)
        const start = R.valueStart(buf, off)
        const oldLength = R.valueLength(buf, off)
        if (itemSize(key.length, flags, oldLength + request.value.length) > this.options.maxItemSize) {
          return Res.results.notStored
        }
        // Copied out first: making room for the new record may reuse the old one's segment.
        const oldValue = Buffer.from(buf.subarray(start, start + oldLength))
        const exptime = R.exptime(buf, off)
        const stored = request._tag === "Append"
          ? this.write(key, hash, flags, exptime, oldValue, request.value, now)
          : this.write(key, hash, flags, exptime, request.value, oldValue, now)
        return stored >= 0 ? Res.results.stored : outOfMemory
      }
      case "Cas":
        if (old < 0) {
          this.counters.cas_misses++
          return Res.results.notFound
        }
        if (BigInt(R.cas(this.log.buffer(old), this.log.offset(old))) !== request.cas) {
          this.counters.cas_badval++
          this.classStats.table.cas_badval[this.classAt(old)]!++
          return Res.results.exists
        }
        this.counters.cas_hits++
        this.classStats.table.cas_hits[this.classAt(old)]!++
        break
    }
    const exptime = resolveExptime(request.exptime, now)
    return this.write(key, hash, request.flags, exptime, request.value, undefined, now) >= 0
      ? Res.results.stored
      : outOfMemory
  }

  private arithmetic(key: string, incr: boolean, delta: bigint, now: number): Result {
    const counters = this.counters
    const hash = hashKey(key)
    const ref = this.find(key, hash, now)
    if (ref < 0) {
      if (incr) counters.incr_misses++
      else counters.decr_misses++
      return Res.results.notFound
    }
    const segment = this.log.segment(ref)
    const buf = segment.buf
    const off = this.log.offset(ref)
    const flags = R.flags(buf, off)
    const start = R.valueStart(buf, off)
    const length = R.valueLength(buf, off)
    const current = length === 0 || itemSize(key.length, flags, length) > LARGEST_NUMERIC_ITEM
      ? undefined
      : parseCounter(buf.subarray(start, start + length))
    if (current === undefined) return nonNumeric
    const next = applyDelta(current, incr, delta)
    if (incr) counters.incr_hits++
    else counters.decr_hits++
    ;(incr ? this.classStats.table.incr_hits : this.classStats.table.decr_hits)[R.sizeClass(buf, off)]!++
    return this.rewriteCounter(key, hash, ref, next, now) >= 0 ? Res.counter(next) : outOfMemory
  }

  /**
   * Writes `next` as the counter at `ref`, with a new CAS unique. memcached rewrites a number that fits
   * in place, padded with spaces to the old length (the item keeps its access time and markers); a
   * longer one becomes a new item. (A dedicated record's bytes may be referenced by a reply still being
   * written, so it is never rewritten: it is replaced, keeping its markers.) Returns the record.
   */
  private rewriteCounter(key: string, hash: number, ref: number, next: bigint, now: number): number {
    const segment = this.log.segment(ref)
    const buf = segment.buf
    const off = this.log.offset(ref)
    const start = R.valueStart(buf, off)
    const length = R.valueLength(buf, off)
    const digits = next.toString()
    const fits = digits.length <= length
    if (fits && !segment.dedicated) {
      buf.write(digits.padEnd(length, " "), start, "latin1")
      R.setCas(buf, off, this.options.cas.next())
      R.setTime(buf, off, now)
      return ref
    }
    const value = Buffer.from(fits ? digits.padEnd(length, " ") : digits, "latin1")
    const atime = fits ? R.accessTime(buf, off) : now
    const bits = fits ? R.bits(buf, off) & ITEM_MARKERS : 0
    return this.write(
      key,
      hash,
      R.flags(buf, off),
      R.exptime(buf, off),
      value,
      undefined,
      now,
      !fits,
      this.options.cas.next(),
      atime,
      bits
    )
  }

  // ---- The meta commands' view (src/store/MetaCommands.ts): detached Items in and out.

  /** The live item under `key` as a detached copy, or undefined (`missReason` says why). */
  lookup(key: string, now: number): Item | undefined {
    const ref = this.find(key, hashKey(key), now)
    return ref < 0 ? undefined : this.itemAt(ref)
  }

  private itemAt(ref: number): Item {
    const buf = this.log.buffer(ref)
    const off = this.log.offset(ref)
    const keyStart = R.keyStart(off)
    const key = buf.toString("latin1", keyStart, keyStart + R.keyLength(buf, off))
    const item = new Item(
      key,
      R.flags(buf, off),
      R.exptime(buf, off),
      R.cas(buf, off),
      this.hit(key, ref).value,
      R.time(buf, off)
    )
    item.atime = R.accessTime(buf, off)
    item.markers = R.bits(buf, off) & ITEM_MARKERS
    item.ref = ref
    return item
  }

  /**
   * Stores `item` as its key's item (replacing whatever is current) and sets its `ref`; false when
   * memory is full under -M. `isNew`: counts in total_items.
   */
  link(item: Item, isNew = true): boolean {
    const hash = hashKey(item.key)
    const ref = this.write(
      item.key,
      hash,
      item.flags,
      item.exptime,
      item.value,
      undefined,
      item.time,
      isNew,
      item.cas,
      item.atime,
      item.markers
    )
    item.ref = ref
    return ref >= 0
  }

  /** Removes a looked-up item. */
  unlink(item: Item): void {
    this.remove(item.ref, hashKey(item.key))
  }

  /** Saves a looked-up item's expiry, times and markers (and CAS unique) to its record. */
  writeBack(item: Item): void {
    const buf = this.log.buffer(item.ref)
    const off = this.log.offset(item.ref)
    R.setExptime(buf, off, item.exptime)
    R.setTime(buf, off, item.time)
    R.setAccessTime(buf, off, item.atime)
    R.setCas(buf, off, item.cas)
    R.clearBits(buf, off, ITEM_MARKERS)
    // A meta command that handled the item counts as a read for the eviction clock.
    R.setBits(buf, off, item.markers | R.Bit.Accessed)
  }

  /** Writes `next` as a looked-up counter's value (see rewriteCounter); returns the item as stored. */
  storeCounter(item: Item, next: bigint, now: number): Item | undefined {
    const ref = this.rewriteCounter(item.key, hashKey(item.key), item.ref, next, now)
    return ref < 0 ? undefined : this.itemAt(ref)
  }

  private flush(delay: number, now: number): void {
    if (delay <= 0) {
      this.clear()
    } else {
      // memcached's oldest_live is one second before the deadline.
      this.flushedUpTo = resolveExptime(delay, now) - 1
    }
  }
}
