/**
 * Scans of one partition's items, a slice at a time: each slice examines whole segments, newest
 * first and newest record first within a segment, until it has examined its budget of records, so a
 * scan of a million items is many short turns of the partition, never one long stall. Between slices
 * the partition serves everything else.
 *
 * A scan works from the segments as they were when it started: a segment cleaned and reused since
 * (its generation changed) is skipped, and items stored after the start may or may not be seen, as
 * with memcached's crawler.
 *
 * @module
 */
import type { ItemMetadata } from "../domain/Result.js"
import * as R from "./ItemRecord.js"
import type { RecordStore } from "./RecordStore.js"
import type { Segment } from "./SegmentLog.js"

/** Which items a scan reports. */
export interface ScanFilter {
  /** Only items of these size classes; every class when absent. */
  readonly classes?: ReadonlyArray<number>
}

/** One slice's outcome. */
export interface ScanSlice {
  /** The live items found, in scan order. */
  readonly items: Array<ItemMetadata>
  /** Whether the partition has been walked to the end. */
  readonly done: boolean
}

/** The metadata of the live record at `off` in `buf`. */
const metadataAt = (buf: Buffer, off: number): ItemMetadata => {
  const keyStart = R.keyStart(off)
  const bits = R.bits(buf, off)
  return {
    key: buf.toString("latin1", keyStart, keyStart + R.keyLength(buf, off)),
    binaryKey: (bits & R.Bit.BinaryKey) !== 0,
    valueLength: R.valueLength(buf, off),
    exptime: R.exptime(buf, off),
    time: R.time(buf, off),
    lastAccess: R.accessTime(buf, off),
    cas: R.cas(buf, off),
    fetched: (bits & R.Bit.Fetched) !== 0,
    sizeClass: R.sizeClass(buf, off),
    size: R.memcachedSize(buf, off)
  }
}

/** Where a scan of one partition stands between slices. Only the partition's own fiber uses it. */
export class ScanCursor {
  private segments: Array<Segment> | undefined = undefined
  private generations: Array<number> = []
  private next = 0
  private readonly classes: Uint8Array | undefined

  constructor(filter: ScanFilter) {
    if (filter.classes === undefined) {
      this.classes = undefined
    } else {
      this.classes = new Uint8Array(256)
      for (const cls of filter.classes) if (cls >= 0 && cls < 256) this.classes[cls] = 1
    }
  }

  /** Examines whole segments until at least `budget` records have been examined or the end is reached. */
  slice(store: RecordStore, budget: number, now: number): ScanSlice {
    if (this.segments === undefined) {
      this.segments = store.log.fifo.slice().reverse()
      this.generations = this.segments.map((segment) => segment.generation)
    }
    const segments = this.segments
    const classes = this.classes
    const items: Array<ItemMetadata> = []
    let examined = 0
    while (examined < budget && this.next < segments.length) {
      const at = this.next++
      const segment = segments[at]!
      if (segment.generation !== this.generations[at]) continue
      const buf = segment.buf
      const found: Array<ItemMetadata> = []
      for (let off = 0; off < segment.used; off += R.length(buf, off)) {
        examined++
        if ((R.bits(buf, off) & R.Bit.Live) === 0) continue
        if (classes !== undefined && classes[R.sizeClass(buf, off)] !== 1) continue
        if (store.isDead(buf, off, now)) continue
        found.push(metadataAt(buf, off))
      }
      for (let i = found.length - 1; i >= 0; i--) items.push(found[i]!)
    }
    return { items, done: this.next >= segments.length }
  }
}
