/**
 * The expiry sweep of one partition: a cursor over its segments that resumes where the last sweep
 * stopped, examines a bounded number of records each time (so a sweep never stalls the partition),
 * removes the expired and flushed ones and wraps around. The segments may change between sweeps (a
 * segment cleaned and reused gets a new generation); the cursor then restarts at the next segment.
 *
 * @module
 */
import * as R from "./ItemRecord.js"
import type { RecordStore } from "./RecordStore.js"
import type { Segment } from "./SegmentLog.js"

/** Where a partition's sweep stands between runs. */
export class SweepCursor {
  private segment: Segment | undefined = undefined
  private generation = 0
  private offset = 0
  /** The position in the log's segments (oldest first) of the segment to sweep next. */
  private position = 0

  constructor(private readonly store: RecordStore) {}

  /**
   * Examines up to `budget` records from where the last sweep stopped, removing those dead at `now`
   * (Unix seconds); returns how many it removed.
   */
  sweep(budget: number, now: number): number {
    const store = this.store
    const fifo = store.log.fifo
    let removed = 0
    let examined = 0
    for (let visited = 0; examined < budget && visited <= fifo.length;) {
      let segment = this.segment
      if (segment === undefined || segment.generation !== this.generation || this.offset >= segment.used) {
        if (segment !== undefined && segment.generation === this.generation) this.position = fifo.indexOf(segment) + 1
        if (this.position >= fifo.length) this.position = 0
        segment = fifo[this.position]
        if (segment === undefined) break
        this.segment = segment
        this.generation = segment.generation
        this.offset = 0
        visited++
        continue
      }
      const buf = segment.buf
      const off = this.offset
      this.offset += R.length(buf, off)
      examined++
      if ((R.bits(buf, off) & R.Bit.Live) !== 0 && store.isDead(buf, off, now)) {
        store.classStats.table.crawler_reclaimed[R.sizeClass(buf, off)]!++
        store.removeAt(segment, off)
        store.counters.crawler_reclaimed++
        removed++
      }
    }
    return removed
  }
}
