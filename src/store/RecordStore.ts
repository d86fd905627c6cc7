/**
 * One partition's records: where its items live and how they leave. Items are records in a
 * {@link SegmentLog} found through a {@link KeyIndex}; no per-item object exists until a read copies
 * one out as a `Hit`. Memory is bounded by the partition's budget: when it is spent, the log cleans its
 * oldest segment and this class decides each record's fate (a second chance if read since written,
 * else evicted). Expiry is lazy (a dead item is removed when met) and eager in `sweep`, which the
 * sweeper drives a bounded slice at a time. The commands' semantics are in {@link ItemTable}.
 *
 * @module
 */
import { itemSize } from "../domain/ItemSize.js"
import type { DumpedItem, Hit } from "../domain/Result.js"
import type { CasSequence } from "./CasSequence.js"
import { ClassStats } from "./ClassStats.js"
import { isExpired } from "./Expiry.js"
import * as R from "./ItemRecord.js"
import { hashBytes, KeyIndex } from "./KeyIndex.js"
import { type Cleaner, type Segment, SegmentLog, SPAN } from "./SegmentLog.js"
import { classOf } from "./SizeClasses.js"
import { StoreCounters } from "./StoreCounters.js"

/** Why the last lookup found nothing: no item, an expired one, a flushed one. */
export const MISS = 0
/** @see MISS */
export const EXPIRED = 1
/** @see MISS */
export const FLUSHED = 2

/** Settings a partition's store needs. */
export interface RecordStoreOptions {
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

/** A partition's records, their memory, eviction and expiry. */
export class RecordStore implements Cleaner {
  protected readonly log: SegmentLog
  protected readonly index: KeyIndex
  /** This partition's statistics. */
  readonly counters = new StoreCounters()
  /** This partition's statistics per size class. */
  readonly classStats = new ClassStats()
  /** memcached's `oldest_live`: items last stored at or before it are dead once it has passed; 0 = none. */
  protected flushedUpTo = 0
  /** Why the last lookup missed ({@link MISS}, {@link EXPIRED} or {@link FLUSHED}). */
  missReason = MISS
  /** The time of the command being executed (eviction needs it deep inside an allocation). */
  protected now = 0
  private sweepSegment: Segment | undefined
  private sweepGeneration = 0
  private sweepOffset = 0
  private sweepPosition = 0

  /** The table's settings. */
  readonly options: Required<RecordStoreOptions>

  constructor(options: RecordStoreOptions) {
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
  protected find(key: string, hash: number, now: number): number {
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
      this.remove(ref, hash)
      this.counters.reclaimed++
      this.classStats.table.reclaimed[cls]!++
      this.missReason = EXPIRED
      return -1
    }
    if (this.isFlushed(buf, off, now)) {
      this.remove(ref, hash)
      this.missReason = FLUSHED
      return -1
    }
    return ref
  }

  protected isFlushed(buf: Buffer, off: number, now: number): boolean {
    return this.flushedUpTo !== 0 && this.flushedUpTo <= now && R.time(buf, off) <= this.flushedUpTo
  }

  /** Removes a live record: from the index, the statistics and its segment. */
  protected remove(ref: number, hash: number): void {
    const buf = this.log.buffer(ref)
    const off = this.log.offset(ref)
    const length = R.length(buf, off)
    R.clearBits(buf, off, R.Bit.Live)
    this.index.remove(hash, ref)
    this.counters.curr_items--
    this.counters.bytes -= length
    this.classStats.add(R.sizeClass(buf, off), R.memcachedSize(buf, off), -1)
    this.log.kill(ref, length)
  }

  /** The class of the record at `ref` (for per-class counters). */
  protected classAt(ref: number): number {
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
        if ((R.bits(buf, off) & R.Bit.Live) === 0 || R.sizeClass(buf, off) !== cls || this.isDead(buf, off, now)) {
          continue
        }
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
  protected write(
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
    if (previous >= 0) this.remove(previous, hash)
    this.index.set(key, hash, ref)
    this.counters.curr_items++
    if (isNew) this.counters.total_items++
    this.counters.bytes += length
    this.classStats.add(sizeClass, size, 1)
    return ref
  }

  /** The item at `ref` as a reply's hit. Values in shared segments are copied: segments get reused. */
  protected hit(key: string, ref: number): Hit {
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

  /** Drops every item at once (flush_all without a delay). */
  protected clear(): void {
    this.index.clear()
    this.log.clear()
    this.counters.curr_items = 0
    this.counters.bytes = 0
    this.classStats.table.number.fill(0)
    this.classStats.table.mem_requested.fill(0)
    this.classStats.clearSizes()
    this.flushedUpTo = 0
    this.sweepSegment = undefined
  }

  /** Whether a record is dead by expiry or flush at `now`. */
  protected isDead(buf: Buffer, off: number, now: number): boolean {
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
        this.classStats.add(cls, R.memcachedSize(buf, off), -1)
      }
      off += length
    }
    return false
  }

  protected evicted(bits: number, buf: Buffer, off: number): void {
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
        this.remove(this.log.ref(segment, off), hashBytes(buf, keyStart, keyStart + R.keyLength(buf, off)))
        this.counters.crawler_reclaimed++
        removed++
      }
    }
    return removed
  }
}
