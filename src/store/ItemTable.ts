/**
 * One partition's items and the memcached semantics of every keyed command, as plain synchronous
 * code: the partition actor calls it, tests call it directly.
 *
 * Items are records in a {@link SegmentLog} found through a {@link KeyIndex}; no per-item object
 * exists until a read copies one out as a `Hit`. Memory is bounded by the partition's budget: when it
 * is spent, the log cleans its oldest segment and this table decides each record's fate (second
 * chance if read since written, else evicted). Expiry is lazy (a dead item is removed when met) and
 * eager in `sweep`, which the sweeper drives a bounded slice at a time.
 *
 * @module
 */
import { itemSize } from "../domain/ItemSize.js"
import { U64_MAX } from "../domain/Primitives.js"
import type { Request, Retrieval, Storage } from "../domain/Request.js"
import * as Res from "../domain/Result.js"
import type { DumpedItem, Hit, Result } from "../domain/Result.js"
import type { CasSequence } from "./CasSequence.js"
import { isExpired, resolveExptime } from "./Expiry.js"
import { hashBytes, hashKey, KeyIndex } from "./KeyIndex.js"
import * as R from "./ItemRecord.js"
import { type Cleaner, type Segment, SegmentLog, SPAN } from "./SegmentLog.js"
import { classOf } from "./SizeClasses.js"
import { ClassStats } from "./ClassStats.js"
import { Item } from "./Item.js"
import { executeMeta } from "./MetaCommands.js"
import { StoreCounters } from "./StoreCounters.js"

const nonNumeric = Res.ClientError.make({ message: "cannot increment or decrement non-numeric value" })
const tooLarge = Res.ServerError.make({ message: "object too large for cache" })
const outOfMemory = Res.ServerError.make({ message: "out of memory storing object" })

/** memcached stores values above this size in chunks and refuses to do arithmetic on them. */
const LARGEST_NUMERIC_ITEM = 512 * 1024

/** Why the last lookup found nothing: no item, an expired one, a flushed one. */
export const MISS = 0
/** @see MISS */
export const EXPIRED = 1
/** @see MISS */
export const FLUSHED = 2

/** Record bits an Item carries (the rest belong to the store). */
const ITEM_MARKERS = R.Bit.Fetched | R.Bit.Stale | R.Bit.WinSent | R.Bit.BinaryKey

/** Settings a table needs. */
export interface ItemTableOptions {
  readonly cas: CasSequence
  readonly maxItemSize: number
  /** Bytes of item memory this table may hold. */
  readonly memoryLimit: number
  /** Evict the least recently used items when memory is full (false: refuse, memcached's `-M`). */
  readonly evict?: boolean
  /** This table's share of a server-wide memory limit (`cache_memlimit`); the whole by default. */
  readonly shareOf?: (limit: number) => number
}

/** A segment size for a budget: 1 MB, smaller for small budgets so that there are at least 8. */
export const segmentSizeFor = (budget: number): number => {
  let size = SPAN
  while (size > 4096 && size * 8 > budget) size >>>= 1
  return size
}

/** The items of one partition. */
export class ItemTable implements Cleaner {
  private readonly log: SegmentLog
  private readonly index: KeyIndex
  /** This partition's statistics. */
  readonly counters = new StoreCounters()
  /** This partition's statistics per size class. */
  readonly classStats = new ClassStats()
  /** memcached's `oldest_live`: items last stored at or before it are dead once it has passed; 0 = none. */
  private flushedUpTo = 0
  /** Why the last lookup missed ({@link MISS}, {@link EXPIRED} or {@link FLUSHED}). */
  missReason = MISS
  private now = 0
  private sweepSegment: Segment | undefined
  private sweepGeneration = 0
  private sweepOffset = 0
  private sweepPosition = 0

  /** The table's settings. */
  readonly options: Required<ItemTableOptions>

  constructor(options: ItemTableOptions) {
    this.options = { evict: true, shareOf: (limit) => limit, ...options }
    this.log = new SegmentLog(options.memoryLimit, segmentSizeFor(options.memoryLimit), options.evict ?? true)
    this.log.cleaner = this
    this.counters.limit_maxbytes = options.memoryLimit
    const log = this.log
    this.index = new KeyIndex((ref, key) => R.hasKey(log.buffer(ref), log.offset(ref), key))
  }

  /** Number of items held (live or not yet reclaimed). */
  get size(): number {
    return this.index.size
  }

  /** Bytes of buffers the table holds for items (at most its memory limit). */
  get allocated(): number {
    return this.log.allocated
  }

  /** Bytes of the key index. */
  get indexBytes(): number {
    return this.index.byteSize
  }

  /** A snapshot of the statistics, with the memory gauges filled in. */
  stats() {
    this.counters.total_malloced = this.log.allocated
    this.counters.hash_bytes = this.index.byteSize
    return this.counters.snapshot()
  }

  /** Changes the memory limit (`cache_memlimit`); a smaller one evicts at once. */
  setMemoryLimit(bytes: number): void {
    this.log.resize(bytes)
    this.counters.limit_maxbytes = bytes
  }

  /** The live record under `key`, or -1; a dead one is removed, and `missReason` says why. */
  private find(key: string, hash: number, now: number): number {
    const ref = this.index.get(key, hash)
    if (ref < 0) {
      this.missReason = MISS
      return -1
    }
    const buf = this.log.buffer(ref)
    const off = this.log.offset(ref)
    if (isExpired(R.exptime(buf, off), now)) {
      const cls = R.sizeClass(buf, off)
      if ((R.bits(buf, off) & R.Bit.Fetched) === 0) {
        this.counters.expired_unfetched++
        this.classStats.table.expired_unfetched[cls]!++
      }
      this.unlink0(ref, hash)
      this.counters.reclaimed++
      this.classStats.table.reclaimed[cls]!++
      this.missReason = EXPIRED
      return -1
    }
    if (this.isFlushed(buf, off, now)) {
      this.unlink0(ref, hash)
      this.missReason = FLUSHED
      return -1
    }
    return ref
  }

  private isFlushed(buf: Buffer, off: number, now: number): boolean {
    return this.flushedUpTo !== 0 && this.flushedUpTo <= now && R.time(buf, off) <= this.flushedUpTo
  }

  /** Removes a live record: from the index, the statistics and its segment. */
  private unlink0(ref: number, hash: number): void {
    const buf = this.log.buffer(ref)
    const off = this.log.offset(ref)
    const length = R.length(buf, off)
    R.clearBits(buf, off, R.Bit.Live)
    this.index.remove(hash, ref)
    this.counters.curr_items--
    this.counters.bytes -= length
    this.classStats.add(R.sizeClass(buf, off), memcachedSize(buf, off), -1)
    this.log.kill(ref, length)
  }

  /** The class of the record at `ref` (for per-class counters). */
  private classAt(ref: number): number {
    return R.sizeClass(this.log.buffer(ref), this.log.offset(ref))
  }

  /**
   * Up to `limit` live items of size class `cls` (0: no limit), newest first, for `stats cachedump`:
   * key, value length, absolute expiry.
   */
  dump(cls: number, limit: number, now: number): Array<DumpedItem> {
    const out: Array<DumpedItem> = []
    const fifo = this.log.fifo
    for (let s = fifo.length - 1; s >= 0; s--) {
      const segment = fifo[s]!
      const buf = segment.buf
      const found: Array<DumpedItem> = []
      for (let off = 0; off < segment.used; off += R.length(buf, off)) {
        if ((R.bits(buf, off) & R.Bit.Live) === 0 || R.sizeClass(buf, off) !== cls || this.isDead(buf, off, now)) continue
        const keyStart = R.keyStart(off)
        found.push({
          key: buf.toString("latin1", keyStart, keyStart + R.keyLength(buf, off)),
          bytes: R.valueLength(buf, off),
          exptime: R.exptime(buf, off)
        })
      }
      for (let i = found.length - 1; i >= 0; i--) {
        out.push(found[i]!)
        if (out.length === limit) return out
      }
    }
    return out
  }

  /** Unix seconds when the oldest item held was stored; 0 when empty. */
  oldestItemTime(): number {
    for (const segment of this.log.fifo) {
      const buf = segment.buf
      for (let off = 0; off < segment.used; off += R.length(buf, off)) {
        if ((R.bits(buf, off) & R.Bit.Live) !== 0) return R.time(buf, off)
      }
    }
    return 0
  }

  /**
   * Writes a new record for `key` and makes it the key's item, replacing whatever is current (looked
   * up again: making room may have moved or evicted it). Returns the record, or -1 when memory is
   * full under -M. `isNew`: counts in total_items (not an in-place update).
   */
  private write(
    key: string,
    hash: number,
    flags: number,
    exptime: number,
    value: Uint8Array,
    suffix: Uint8Array | undefined,
    now: number,
    isNew = true,
    cas = this.options.cas.next(),
    atime = now,
    bits = 0
  ): number {
    const valueLength = value.length + (suffix === undefined ? 0 : suffix.length)
    const length = R.recordLength(key.length, valueLength)
    const size = itemSize(key.length, flags, valueLength)
    const sizeClass = classOf(size)
    const ref = this.log.allocate(length)
    if (ref < 0) {
      this.counters.outofmemory++
      this.classStats.table.outofmemory[sizeClass]!++
      return -1
    }
    const buf = this.log.buffer(ref)
    const off = this.log.offset(ref)
    R.writeHeader(buf, off, key, valueLength, { flags, exptime, time: now, atime, cas, sizeClass, bits })
    const start = R.valueStart(buf, off)
    buf.set(value, start)
    if (suffix !== undefined) buf.set(suffix, start + value.length)
    const previous = this.index.get(key, hash)
    if (previous >= 0) this.unlink0(previous, hash)
    this.index.set(key, hash, ref)
    this.counters.curr_items++
    if (isNew) this.counters.total_items++
    this.counters.bytes += length
    this.classStats.add(sizeClass, size, 1)
    return ref
  }

  /** The item at `ref` as a reply's hit. Values in shared segments are copied: segments get reused. */
  private hit(key: string, ref: number): Hit {
    const segment = this.log.segment(ref)
    const buf = segment.buf
    const off = this.log.offset(ref)
    const start = R.valueStart(buf, off)
    const end = start + R.valueLength(buf, off)
    let value: Uint8Array
    if (segment.dedicated) {
      value = buf.subarray(start, end)
    } else {
      value = Buffer.allocUnsafe(end - start)
      buf.copy(value, 0, start, end)
    }
    return { key, flags: R.flags(buf, off), value, cas: R.cas(buf, off) }
  }

  /** Executes one keyed request (anything but Stats, Version, Verbosity, Quit, Shutdown). */
  execute(request: Request, now: number): Result {
    this.now = now
    switch (request._tag) {
      case "Get":
      case "Gets":
      case "Gat":
      case "Gats": {
        const hits: Array<Hit> = []
        const memo = request.keys.length > 1 ? new Map<number, Hit>() : undefined
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
          if (old >= 0) this.unlink0(old, hash)
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
        this.unlink0(ref, hash)
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
    return this.write(key, hash, R.flags(buf, off), R.exptime(buf, off), value, undefined, now, !fits, this.options.cas.next(), atime, bits)
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
    const item = new Item(key, R.flags(buf, off), R.exptime(buf, off), R.cas(buf, off), this.hit(key, ref).value, R.time(buf, off))
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
    const ref = this.write(item.key, hash, item.flags, item.exptime, item.value, undefined, item.time, isNew, item.cas, item.atime, item.markers)
    item.ref = ref
    return ref >= 0
  }

  /** Removes a looked-up item. */
  unlink(item: Item): void {
    this.unlink0(item.ref, hashKey(item.key))
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
      this.index.clear()
      this.log.clear()
      this.counters.curr_items = 0
      this.counters.bytes = 0
      this.classStats.table.number.fill(0)
      this.classStats.table.mem_requested.fill(0)
      this.classStats.clearSizes()
      this.flushedUpTo = 0
      this.sweepSegment = undefined
    } else {
      // memcached's oldest_live is one second before the deadline.
      this.flushedUpTo = resolveExptime(delay, now) - 1
    }
  }

  /** Whether a record is dead by expiry or flush at `now`. */
  private isDead(buf: Buffer, off: number, now: number): boolean {
    return isExpired(R.exptime(buf, off), now) || this.isFlushed(buf, off, now)
  }

  /**
   * The log cleans `victim`: records read since written get a second chance (copied forward, their
   * bit cleared), the rest are evicted; dead ones are reclaimed. With `compact` (-M) every live record
   * is kept. A dedicated victim's record is kept in place; returns true then.
   */
  clean(victim: Segment, compact: boolean): boolean {
    const buf = victim.buf
    const now = this.now
    const counters = this.counters
    for (let off = 0; off < victim.used;) {
      const length = R.length(buf, off)
      const bits = R.bits(buf, off)
      if ((bits & R.Bit.Live) !== 0) {
        const ref = this.log.ref(victim, off)
        const keyStart = R.keyStart(off)
        const hash = hashBytes(buf, keyStart, keyStart + R.keyLength(buf, off))
        const cls = R.sizeClass(buf, off)
        if (this.isDead(buf, off, now)) {
          if ((bits & R.Bit.Fetched) === 0) {
            counters.expired_unfetched++
            this.classStats.table.expired_unfetched[cls]!++
          }
          counters.reclaimed++
          this.classStats.table.reclaimed[cls]!++
        } else if (compact || (bits & R.Bit.Accessed) !== 0) {
          if (victim.dedicated) {
            R.clearBits(buf, off, R.Bit.Accessed)
            return true
          }
          const moved = this.log.copyForward(length)
          if (moved >= 0) {
            const target = this.log.buffer(moved)
            const at = this.log.offset(moved)
            buf.copy(target, at, off, off + length)
            R.clearBits(target, at, R.Bit.Accessed)
            this.index.move(hash, ref, moved)
            off += length
            continue
          }
          this.evicted(bits, buf, off)
        } else {
          this.evicted(bits, buf, off)
        }
        this.index.remove(hash, ref)
        counters.curr_items--
        counters.bytes -= length
        this.classStats.add(cls, memcachedSize(buf, off), -1)
      }
      off += length
    }
    return false
  }

  private evicted(bits: number, buf: Buffer, off: number): void {
    const counters = this.counters
    const classes = this.classStats.table
    const cls = R.sizeClass(buf, off)
    counters.evictions++
    classes.evicted[cls]!++
    if ((bits & R.Bit.Fetched) === 0) {
      counters.evicted_unfetched++
      classes.evicted_unfetched[cls]!++
    }
    if (R.exptime(buf, off) !== 0) {
      counters.evicted_nonzero++
      classes.evicted_nonzero[cls]!++
    }
    counters.last_evicted_age = this.now - R.accessTime(buf, off)
    classes.evicted_time[cls] = counters.last_evicted_age
  }

  /**
   * Examines up to `budget` records from where the last sweep stopped, removing the expired and
   * flushed ones; returns how many it removed. Bounded so a sweep never stalls the partition.
   */
  sweep(budget: number, now: number): number {
    this.now = now
    const fifo = this.log.fifo
    let removed = 0
    let examined = 0
    for (let visited = 0; examined < budget && visited <= fifo.length;) {
      let segment = this.sweepSegment
      if (segment === undefined || segment.generation !== this.sweepGeneration || this.sweepOffset >= segment.used) {
        if (segment !== undefined && segment.generation === this.sweepGeneration) {
          this.sweepPosition = fifo.indexOf(segment) + 1
        }
        if (this.sweepPosition >= fifo.length) this.sweepPosition = 0
        segment = fifo[this.sweepPosition]
        if (segment === undefined) break
        this.sweepSegment = segment
        this.sweepGeneration = segment.generation
        this.sweepOffset = 0
        visited++
        continue
      }
      const buf = segment.buf
      const off = this.sweepOffset
      this.sweepOffset += R.length(buf, off)
      examined++
      if ((R.bits(buf, off) & R.Bit.Live) !== 0 && this.isDead(buf, off, now)) {
        const keyStart = R.keyStart(off)
        this.classStats.table.crawler_reclaimed[R.sizeClass(buf, off)]!++
        this.unlink0(this.log.ref(segment, off), hashBytes(buf, keyStart, keyStart + R.keyLength(buf, off)))
        this.counters.crawler_reclaimed++
        removed++
      }
    }
    return removed
  }
}

/** incr/decr on unsigned 64-bit: incr wraps at 2^64, decr stops at 0. */
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

/** The record's item size as memcached measures it (see ItemSize). */
const memcachedSize = (buf: Buffer, off: number): number =>
  itemSize(R.keyLength(buf, off), R.flags(buf, off), R.valueLength(buf, off))

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
