/**
 * The store's {@link ChangeJournal} for one partition: each change becomes a log frame appended to the
 * shared {@link LogWriter} (see Format.ts). A record is copied as the store lays it out, so the log
 * holds the resulting item (absolute expiry, CAS, the value after an incr or append) and replaying it
 * twice changes nothing.
 *
 * `moved` records (memory cleaning copying a live record forward) are written only while a snapshot
 * walks the segments: the walk may have passed the record's new place and not reached its old one, so
 * the log must hold it (see Snapshot.ts).
 *
 * @module
 */
import type { ChangeJournal } from "../store/ChangeJournal.js"
import * as R from "../store/ItemRecord.js"
import { Frame } from "./Format.js"
import type { LogWriter } from "./LogWriter.js"

/** What the partitions' journals share: the writer, and whether a snapshot is being written. */
export interface JournalState {
  readonly writer: LogWriter
  snapshotting: boolean
}

/** The journal of partition `partition` of `partitions`. */
export const partitionJournal = (state: JournalState, partition: number, partitions: number): ChangeJournal => {
  const writer = state.writer
  const stored = (buf: Buffer, off: number): void => {
    const length = R.length(buf, off)
    const at = writer.begin(Frame.Stored, length)
    buf.copy(writer.chunk, at, off, off + length)
    writer.commit(length)
  }
  return {
    stored,
    removed: (buf, off) => {
      const keyStart = R.keyStart(off)
      const length = R.keyLength(buf, off)
      const at = writer.begin(Frame.Removed, length)
      buf.copy(writer.chunk, at, keyStart, keyStart + length)
      writer.commit(length)
    },
    flushed: (upTo) => {
      const at = writer.begin(Frame.Flushed, 12)
      const chunk = writer.chunk
      chunk.writeUInt32LE(partition, at)
      chunk.writeUInt32LE(partitions, at + 4)
      chunk.writeUInt32LE(upTo, at + 8)
      writer.commit(12)
    },
    moved: (buf, off) => {
      if (state.snapshotting) stored(buf, off)
    }
  }
}
