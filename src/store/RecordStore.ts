/**
 * One partition's records: where its items live and how they leave. Items are records in a
 * {@link SegmentLog} found through a {@link KeyIndex}; no per-item object exists until a read copies
 * one out as a `Hit`. Memory is bounded by the partition's budget: when it is spent, the log cleans its
 * oldest segment and this class decides each record's fate (a second chance if read since written,
 * else evicted). Expiry is lazy here (a dead item is removed when met); the sweep (Sweep.ts) and
 * scans (Scan.ts) walk the segments. What the commands mean is in ItemTable and the command modules.
 *
 * Time is always passed in (`now`, Unix seconds): the store keeps no clock and no hidden state about
 * the command being executed.
 *
 * @module
 */
import { itemSize } from "../domain/ItemSize.js"
import type { Hit } from "../domain/Result.js"
import type { CasSequence } from "./CasSequence.js"
import type { ChangeJournal } from "./ChangeJournal.js"
import { ClassStats } from "./ClassStats.js"
import { isExpired } from "./Expiry.js"
import * as R from "./ItemRecord.js"
import type { ItemTrace } from "./ItemTrace.js"
import { hashBytes, KeyIndex } from "./KeyIndex.js"
import { type Cleaner, type Segment, SegmentLog, SPAN } from "./SegmentLog.js"
import { classOf } from "./SizeClasses.js"
import { StoreCounters } from "./StoreCounters.js"

/** What `find` returns when there is no live item: nothing under the key. */
export const MISS = -1
/** What `find` returns when the key's item had expired (it has now been removed). */
export const EXPIRED = -2
/** What `find` returns when the key's item was invalidated by flush_all (it has now been removed). */
export const FLUSHED = -3
/** Why `find` found no live item. */
export type Miss = typeof MISS | typeof EXPIRED | typeof FLUSHED

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

/** What a new record holds besides its key and value (see {@link RecordStore.write}). */
export interface RecordWrite {
  readonly flags: number
  /** Absolute expiry (Unix seconds), 0 = never. */
  readonly exptime: number
  /** The time of the store (Unix seconds): also the eviction clock's `now`. */
  readonly now: number
  /** Last access; `now` by default. */
  readonly atime?: number
  /** The CAS unique; the next of the sequence by default. */
  readonly cas?: number
  /** Record bits to keep (ItemRecord.Bit markers); none by default. */
  readonly bits?: number
  /** Whether it counts in total_items (false for an in-place update); true by default. */
  readonly isNew?: boolean
}

/** A segment size for a budget: 1 MB, smaller for small budgets so that there are at least 8. */
export const segmentSizeFor = (budget: number): number => {
  let size = SPAN
  while (size > 4096 && size * 8 > budget) size >>>= 1
  return size
}

/** A partition's records, their memory and eviction. */
export class RecordStore implements Cleaner {
  /** The records' memory; read by the sweep and scans, which walk its segments. */
  readonly log: SegmentLog
  protected readonly index: KeyIndex
  /** This partition's statistics. */
  readonly counters = new StoreCounters()
  /** This partition's statistics per size class. */
  readonly classStats = new ClassStats()
  /** memcached's `oldest_live`: items last stored at or before it are dead once it has passed; 0 = none. */
  protected flushedUpTo = 0
  /** Where lookups, stores and evictions are reported while a watched batch runs (`watch`); else undefined. */
  trace: ItemTrace | undefined = undefined
  /** Where changes are reported for persistence (`--data-dir`); else undefined. */
  journal: ChangeJournal | undefined = undefined

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
  setMemoryLimit(bytes: number, now: number): void {
    this.log.resize(bytes, now)
    this.counters.limit_maxbytes = bytes
  }

  /**
   * The live record under `key`, or why there is none ({@link Miss}, all negative). A dead record
   * met here is removed and counted as memcached counts a lazily reclaimed item.
   */
  find(key: string, hash: number, now: number): number {
    const found = this.lookupRecord(key, hash, now)
    if (this.trace !== undefined) this.traceFetch(key, found)
    return found
  }

  private lookupRecord(key: string, hash: number, now: number): number {
    const ref = this.index.get(key, hash)
    if (ref < 0) return MISS
    const buf = this.log.buffer(ref)
    const off = this.log.offset(ref)
    if (isExpired(R.exptime(buf, off), now)) {
      const cls = R.sizeClass(buf, off)
      if ((R.bits(buf, off) & R.Bit.Fetched) === 0) {
        this.counters.expired_unfetched++
        this.classStats.table.expired_unfetched[cls]!++
      }
      this.discard(ref, hash)
      this.counters.reclaimed++
      this.classStats.table.reclaimed[cls]!++
      return EXPIRED
    }
    if (this.isFlushed(buf, off, now)) {
      this.discard(ref, hash)
      return FLUSHED
    }
    return ref
  }

  private traceFetch(key: string, found: number): void {
    if (found < 0) {
      this.trace!.fetched(key, found === EXPIRED ? "expired" : found === FLUSHED ? "flushed" : "not_found", 0, 0)
    } else {
      const buf = this.log.buffer(found)
      const off = this.log.offset(found)
      this.trace!.fetched(key, "found", R.sizeClass(buf, off), R.valueLength(buf, off))
    }
  }

  /** The live record under `key` without counting or tracing it as a lookup (for reports); -1 if none. */
  peek(key: string, hash: number): number {
    return this.index.get(key, hash)
  }

  protected isFlushed(buf: Buffer, off: number, now: number): boolean {
    return this.flushedUpTo !== 0 && this.flushedUpTo <= now && R.time(buf, off) <= this.flushedUpTo
  }

  /** Whether a record is dead by expiry or flush at `now`. */
  isDead(buf: Buffer, off: number, now: number): boolean {
    return isExpired(R.exptime(buf, off), now) || this.isFlushed(buf, off, now)
  }

  /** A command removes a live record (delete, md): reported to the journal, then {@link discard}ed. */
  remove(ref: number, hash: number): void {
    if (this.journal !== undefined) this.journal.removed(this.log.buffer(ref), this.log.offset(ref))
    this.discard(ref, hash)
  }

  /** Removes a live record: from the index, the statistics and its segment. */
  protected discard(ref: number, hash: number): void {
    this.index.remove(hash, ref)
    this.release(ref)
  }

  /** Retires a live record the index no longer points at (a store's `put` has just replaced it). */
  protected release(ref: number): void {
    const buf = this.log.buffer(ref)
    const off = this.log.offset(ref)
    const length = R.length(buf, off)
    R.clearBits(buf, off, R.Bit.Live)
    this.counters.curr_items--
    this.counters.bytes -= length
    this.classStats.add(R.sizeClass(buf, off), R.memcachedSize(buf, off), -1)
    this.log.kill(ref, length)
  }

  /** Removes whatever record is under `key`, live or dead, without counting it as reclaimed. */
  drop(key: string, hash: number): void {
    const ref = this.index.get(key, hash)
    if (ref >= 0) this.discard(ref, hash)
  }

  /** Removes the record at `off` in `segment`, found by a walk over the segments. */
  removeAt(segment: Segment, off: number): void {
    const buf = segment.buf
    const keyStart = R.keyStart(off)
    this.discard(this.log.ref(segment, off), hashBytes(buf, keyStart, keyStart + R.keyLength(buf, off)))
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
   * Writes a new record for `key` (its value is `value` then `suffix`, if any) and makes it the key's
   * item, replacing whatever is current (looked up again: making room may have moved or evicted it).
   * Returns the record, or -1 when memory is full under -M.
   */
  write(key: string, hash: number, value: Uint8Array, suffix: Uint8Array | undefined, fields: RecordWrite): number {
    const valueLength = value.length + (suffix === undefined ? 0 : suffix.length)
    const length = R.recordLength(key.length, valueLength)
    const size = itemSize(key.length, fields.flags, valueLength)
    const sizeClass = classOf(size)
    const now = fields.now
    const ref = this.log.allocate(length, now)
    if (ref < 0) {
      this.counters.outofmemory++
      this.classStats.table.outofmemory[sizeClass]!++
      return -1
    }
    const buf = this.log.buffer(ref)
    const off = this.log.offset(ref)
    R.writeHeader(buf, off, key, valueLength, {
      flags: fields.flags,
      exptime: fields.exptime,
      time: now,
      atime: fields.atime ?? now,
      cas: fields.cas ?? this.options.cas.next(),
      sizeClass,
      bits: fields.bits ?? 0
    })
    const start = R.valueStart(buf, off)
    buf.set(value, start)
    if (suffix !== undefined) buf.set(suffix, start + value.length)
    const previous = this.index.put(key, hash, ref)
    if (previous >= 0) this.release(previous)
    this.counters.curr_items++
    if (fields.isNew ?? true) this.counters.total_items++
    this.counters.bytes += length
    this.classStats.add(sizeClass, size, 1)
    if (this.journal !== undefined) this.journal.stored(buf, off)
    return ref
  }

  /** The item at `ref` as a reply's hit. Values in shared segments are copied: segments get reused. */
  hit(key: string, ref: number): Hit {
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
  }

  /**
   * The log cleans `victim`: records read since written get a second chance (copied forward, their
   * bit cleared), the rest are evicted; dead ones are reclaimed. With `compact` (-M) every live record
   * is kept. A dedicated victim's record is kept in place; returns true then.
   */
  clean(victim: Segment, compact: boolean, now: number): boolean {
    const buf = victim.buf
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
            if (this.journal !== undefined) this.journal.moved(target, at)
            off += length
            continue
          }
          this.evicted(bits, buf, off, now)
        } else {
          this.evicted(bits, buf, off, now)
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

  private evicted(bits: number, buf: Buffer, off: number, now: number): void {
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
    counters.last_evicted_age = now - R.accessTime(buf, off)
    classes.evicted_time[cls] = counters.last_evicted_age
    if (this.trace !== undefined) {
      const keyStart = R.keyStart(off)
      const exptime = R.exptime(buf, off)
      this.trace.evicted(
        buf.toString("latin1", keyStart, keyStart + R.keyLength(buf, off)),
        (bits & R.Bit.Fetched) !== 0,
        exptime === 0 ? -1 : exptime - now,
        counters.last_evicted_age,
        cls,
        R.valueLength(buf, off)
      )
    }
  }
}
