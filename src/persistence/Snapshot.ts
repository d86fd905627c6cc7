/**
 * Snapshots without stopping the partitions: a fuzzy snapshot plus a redo log.
 *
 * When a snapshot starts, the log is rotated to a new file, and from then on every change is in that
 * new log as an absolute record. Each partition's live records are then copied out a slice at a time
 * (one {@link SnapshotCursor.slice} per partition message, at most about {@link SLICE_BYTES} of
 * records), and the partition serves everything else between slices. Whatever a slice copies, the
 * new log holds every change made after the rotation, so snapshot + new log = the state, replayed in
 * that order: a record the walk saw and that changed since is overwritten by its log record; one it
 * did not see is either unchanged since the rotation (so still in a segment the walk reaches) or
 * changed (so in the log). The one way a record moves without changing is memory cleaning copying it
 * forward: while a snapshot runs, such moves are written to the log too (Journal's `moved`), and a
 * segment cleaned or reused since the walk began (its generation changed) is skipped.
 *
 * @module
 */
import * as R from "../store/ItemRecord.js"
import type { ItemTable } from "../store/ItemTable.js"
import type { Segment } from "../store/SegmentLog.js"
import { BLOCK_HEADER, sealBlock } from "./Format.js"

/** About how many bytes of records one slice copies: well under a millisecond of a partition's time. */
export const SLICE_BYTES = 512 * 1024

/** A slice's block: header and payload, ready to write. */
export interface SnapshotBlock {
  readonly block: Buffer
  readonly count: number
}

/** Where a snapshot's walk over one partition stands. Only that partition's fiber uses it. */
export class SnapshotCursor {
  private segments: Array<Segment> | undefined = undefined
  private generations: Array<number> = []
  private next = 0

  /** Copies the live records of the next whole segments into a block; undefined once the walk is done. */
  slice(table: ItemTable, now: number, budget = SLICE_BYTES): SnapshotBlock | undefined {
    if (this.segments === undefined) {
      this.segments = table.log.fifo.slice()
      this.generations = this.segments.map((segment) => segment.generation)
    }
    const segments = this.segments
    let room = 0
    let last = this.next
    // Whole segments, as many as fit the budget (at least one): their live bytes bound what is copied.
    while (last < segments.length && (last === this.next || room + segments[last]!.live <= budget)) {
      if (segments[last]!.generation === this.generations[last]) room += segments[last]!.live
      last++
    }
    if (this.next >= segments.length) return undefined
    const block = Buffer.allocUnsafe(BLOCK_HEADER + room)
    let at = BLOCK_HEADER
    let count = 0
    for (; this.next < last; this.next++) {
      const segment = segments[this.next]!
      if (segment.generation !== this.generations[this.next]) continue
      const buf = segment.buf
      for (let off = 0; off < segment.used; off += R.length(buf, off)) {
        if ((R.bits(buf, off) & R.Bit.Live) === 0 || table.isDead(buf, off, now)) continue
        const length = R.length(buf, off)
        // A segment's live bytes were counted when the slice began; it cannot have grown but the head can.
        if (at + length > block.length) break
        buf.copy(block, at, off, off + length)
        at += length
        count++
      }
    }
    sealBlock(block, 0, at - BLOCK_HEADER, count)
    return { block: block.subarray(0, at), count }
  }
}
