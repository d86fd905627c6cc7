/**
 * One partition's items as the commands see them: the primitives the text and meta commands
 * (TextCommands.ts, MetaCommands.ts) are written with, over the records of a {@link RecordStore}.
 * Plain synchronous code, driven by the partition actor and directly testable.
 *
 * Two views: records by reference (`find` gives a ref, the field readers and writers take one), which
 * the hot text commands use without building an object per item; and detached {@link Item}s (`lookup`,
 * `link`, `writeBack`), which the meta commands use to work on an item's fields in flag order. Hits and
 * misses are counted in one place, {@link ItemTable.countRetrieval}, whatever the command.
 *
 * @module
 */
import { resolveExptime } from "./Expiry.js"
import { Item } from "./Item.js"
import * as R from "./ItemRecord.js"
import { hashBytes, hashKey } from "./KeyIndex.js"
import { EXPIRED, FLUSHED, RecordStore, type RecordStoreOptions } from "./RecordStore.js"

/** The hash of the key of the record at `off` in `src`. */
const keyHash = (src: Buffer, off: number): number =>
  hashBytes(src, R.keyStart(off), R.keyStart(off) + R.keyLength(src, off))

/** Settings a table needs. */
export type ItemTableOptions = RecordStoreOptions

/** Record bits an Item carries (the rest belong to the store). */
const ITEM_MARKERS = R.Bit.Fetched | R.Bit.Stale | R.Bit.WinSent | R.Bit.BinaryKey

/** The items of one partition. */
export class ItemTable extends RecordStore {
  // ---- Counting

  /**
   * Counts one key of a retrieval as memcached counts it, for every command that reads an item
   * (get/gets, gat/gats, mg): a touching read (gat, gats, mg with T) counts as a touch only; a miss
   * counts why (expired, flushed) too. `found` is what `find` returned.
   */
  countRetrieval(touching: boolean, found: number): void {
    const counters = this.counters
    if (found < 0) {
      if (found === EXPIRED) counters.get_expired++
      else if (found === FLUSHED) counters.get_flushed++
      if (touching) {
        counters.cmd_touch++
        counters.touch_misses++
      } else {
        counters.cmd_get++
        counters.get_misses++
      }
      return
    }
    const cls = this.sizeClassOf(found)
    if (touching) {
      counters.cmd_touch++
      counters.touch_hits++
      this.classStats.table.touch_hits[cls]!++
    } else {
      counters.cmd_get++
      counters.get_hits++
      this.classStats.table.get_hits[cls]!++
    }
  }

  // ---- Records by reference (valid until the next write to the table)

  /** The record's client flags. */
  flagsOf(ref: number): number {
    return R.flags(this.log.buffer(ref), this.log.offset(ref))
  }

  /** The record's absolute expiry (0 = never). */
  exptimeOf(ref: number): number {
    return R.exptime(this.log.buffer(ref), this.log.offset(ref))
  }

  /** The record's CAS unique. */
  casOf(ref: number): number {
    return R.cas(this.log.buffer(ref), this.log.offset(ref))
  }

  /** The record's size class. */
  sizeClassOf(ref: number): number {
    return R.sizeClass(this.log.buffer(ref), this.log.offset(ref))
  }

  /** The record's value, as a view into item memory: copy it before writing to the table. */
  valueAt(ref: number): Uint8Array {
    const buf = this.log.buffer(ref)
    const off = this.log.offset(ref)
    const start = R.valueStart(buf, off)
    return buf.subarray(start, start + R.valueLength(buf, off))
  }

  /** Records a read: the eviction clock's reference bit, memcached's fetched flag, the access time. */
  markRead(ref: number, now: number): void {
    const buf = this.log.buffer(ref)
    const off = this.log.offset(ref)
    R.setBits(buf, off, R.Bit.Fetched | R.Bit.Accessed)
    R.setAccessTime(buf, off, now)
  }

  /** Gives the record a new expiry (`exptime` as a client sends it) and records the read. */
  touch(ref: number, exptime: number, now: number): void {
    R.setExptime(this.log.buffer(ref), this.log.offset(ref), resolveExptime(exptime, now))
    this.markRead(ref, now)
    this.changed(ref)
  }

  /** Reports a record changed in place to the journal, if any. */
  private changed(ref: number): void {
    if (this.journal !== undefined) this.journal.stored(this.log.buffer(ref), this.log.offset(ref))
  }

  /** Sets the record's store time (an `add` that failed on an existing item refreshes it, as memcached does). */
  restamp(ref: number, now: number): void {
    R.setTime(this.log.buffer(ref), this.log.offset(ref), now)
    this.changed(ref)
  }

  /**
   * Writes `next` as the counter at `ref`, with a new CAS unique. memcached rewrites a number that fits
   * in place, padded with spaces to the old length (the item keeps its access time and markers); a
   * longer one becomes a new item. (A dedicated record's bytes may be referenced by a reply still being
   * written, so it is never rewritten: it is replaced, keeping its markers.) Returns the record, or -1
   * when memory is full under -M.
   */
  rewriteCounter(key: string, hash: number, ref: number, next: bigint, now: number): number {
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
      this.changed(ref)
      return ref
    }
    const value = Buffer.from(fits ? digits.padEnd(length, " ") : digits, "latin1")
    return this.write(key, hash, value, undefined, {
      flags: R.flags(buf, off),
      exptime: R.exptime(buf, off),
      now,
      isNew: !fits,
      atime: fits ? R.accessTime(buf, off) : now,
      bits: fits ? R.bits(buf, off) & ITEM_MARKERS : 0
    })
  }

  /** Invalidates the items stored up to now, at once (`delay` 0) or `delay` seconds from now (flush_all). */
  flush(delay: number, now: number): void {
    if (delay <= 0) {
      this.clear()
    } else {
      // memcached's oldest_live is one second before the deadline.
      this.flushedUpTo = resolveExptime(delay, now) - 1
    }
    if (this.journal !== undefined) this.journal.flushed(delay <= 0 ? 0 : this.flushedUpTo)
  }

  /** memcached's `oldest_live` (see flush): 0 when no delayed flush_all is pending. */
  get flushedUntil(): number {
    return this.flushedUpTo
  }

  /** Sets a delayed flush_all's `oldest_live` (restoring a persisted one). */
  set flushedUntil(upTo: number) {
    this.flushedUpTo = upTo
  }

  /**
   * Inserts a copy of a persisted record (laid out as ItemRecord, at `off` in `src`) as its key's item,
   * replacing any; restore uses it in bulk before the server serves, so it reports nothing to the
   * journal. The CAS sequence is the caller's business. False when memory is full under -M. `hash`:
   * the key's, if the caller has it already (restore routes by it).
   */
  insertCopy(src: Buffer, off: number, now: number, hash = keyHash(src, off)): boolean {
    const length = R.length(src, off)
    const ref = this.log.allocate(length, now)
    if (ref < 0) {
      this.counters.outofmemory++
      return false
    }
    const buf = this.log.buffer(ref)
    const at = this.log.offset(ref)
    src.copy(buf, at, off, off + length)
    R.setBits(buf, at, R.Bit.Live)
    // A key new to the index (nearly every one of a restore) needs no string to compare.
    if (this.index.lacks(hash)) {
      this.index.add(hash, ref)
    } else {
      const key = src.toString("latin1", R.keyStart(off), R.keyStart(off) + R.keyLength(src, off))
      const previous = this.index.put(key, hash, ref)
      if (previous >= 0) this.release(previous)
    }
    this.counters.curr_items++
    this.counters.total_items++
    this.counters.bytes += length
    this.classStats.add(R.sizeClass(buf, at), R.memcachedSize(buf, at), 1)
    return true
  }

  /** Makes room in the key index for `count` more items at once (restore knows how many are coming). */
  reserve(count: number): void {
    this.index.reserve(this.index.size + count)
  }

  /** Removes the item under the key at `start..end` of `src`, if any, telling no journal (restore). */
  discardKey(src: Buffer, start: number, end: number): void {
    this.drop(src.toString("latin1", start, end), hashBytes(src, start, end))
  }

  /** Drops every item at once without telling the journal (restoring a flush_all). */
  clearAll(): void {
    this.clear()
  }

  // ---- Detached items (the meta commands)

  /** The live item under `key` as a detached copy, or undefined. */
  lookup(key: string, now: number): Item | undefined {
    const ref = this.find(key, hashKey(key), now)
    return ref < 0 ? undefined : this.itemAt(ref)
  }

  /** A detached copy of the live record at `ref` (see `find`). */
  itemAt(ref: number): Item {
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
    const ref = this.write(item.key, hashKey(item.key), item.value, undefined, {
      flags: item.flags,
      exptime: item.exptime,
      now: item.time,
      isNew,
      cas: item.cas,
      atime: item.atime,
      bits: item.markers
    })
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
    // The journal hears of what a client can see change; a fetch alone (access time, fetched) is not written down.
    const journaled = this.journal !== undefined && (R.exptime(buf, off) !== item.exptime ||
      R.cas(buf, off) !== item.cas || R.time(buf, off) !== item.time ||
      ((R.bits(buf, off) ^ item.markers) & (ITEM_MARKERS & ~R.Bit.Fetched)) !== 0)
    R.setExptime(buf, off, item.exptime)
    R.setTime(buf, off, item.time)
    R.setAccessTime(buf, off, item.atime)
    R.setCas(buf, off, item.cas)
    R.clearBits(buf, off, ITEM_MARKERS)
    // A meta command that handled the item counts as a read for the eviction clock.
    R.setBits(buf, off, item.markers | R.Bit.Accessed)
    if (journaled) this.journal!.stored(buf, off)
  }

  /** Writes `next` as a looked-up counter's value (see rewriteCounter); returns the item as stored. */
  storeCounter(item: Item, next: bigint, now: number): Item | undefined {
    const ref = this.rewriteCounter(item.key, hashKey(item.key), item.ref, next, now)
    return ref < 0 ? undefined : this.itemAt(ref)
  }
}
