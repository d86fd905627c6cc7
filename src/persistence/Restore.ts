/**
 * Restoring the data dir into the partitions' tables, before the server serves: the newest snapshot,
 * then every later log in order. Records are copied straight into the tables (the same hash routing
 * as requests), expired and flushed ones skipped, and the CAS sequence set above the largest CAS seen.
 * When the snapshot holds more than the tables' memory (a smaller `-m`), its records are inserted in
 * order of last access, oldest first, so eviction keeps the most recently used.
 *
 * Files are read a chunk at a time (FileChunks), so a restore holds a few megabytes of them besides the
 * items, except a snapshot larger than the memory limit (sorted by access time, so read whole).
 *
 * Damage never yields a wrong item: every frame and block is checked against its CRC. A damaged block
 * of a snapshot is skipped (its records counted as dropped); a damaged frame of a log ends that log (its
 * length cannot be trusted; the region counts as one dropped record); a file with a damaged header is
 * skipped whole. Each is reported as a line naming the file, for the caller to log.
 *
 * @module
 */
import { isExpired } from "../store/Expiry.js"
import * as R from "../store/ItemRecord.js"
import type { ItemTable } from "../store/ItemTable.js"
import { hashBytes } from "../store/KeyIndex.js"
import { crc32 } from "./Crc32.js"
import type { Listing } from "./DataDir.js"
import { FileChunks } from "./FileChunks.js"
import {
  BLOCK_HEADER,
  blockAt,
  Frame,
  FRAME_HEADER,
  frameAt,
  LOG_HEADER,
  readLogHeader,
  readSnapshotHeader,
  SNAPSHOT_HEADER
} from "./Format.js"

/** What a restore did. */
export interface RestoreReport {
  /** Items held once restored. */
  readonly restored: number
  /** Records refused as damaged (a damaged log tail counts as one). */
  readonly dropped: number
  /** What was dropped and why, a line per damaged file region. */
  readonly problems: ReadonlyArray<string>
  /** The newest generation found (the next log takes the one after); -1 when the dir was empty. */
  readonly lastGen: number
  /** The largest CAS unique restored. */
  readonly maxCas: number
}

/** The longest key: a record claiming more is damage. */
const MAX_KEY = 250

/** Restores `listing`'s files into `tables` at `now` (Unix seconds); see the module comment. */
export const restore = (listing: Listing, tables: ReadonlyArray<ItemTable>, now: number): RestoreReport => {
  const state = new Replay(tables, now)
  const snapshot = listing.snapshots[listing.snapshots.length - 1]
  const from = snapshot?.gen ?? -1
  const logs = listing.logs.filter((log) => log.gen >= from)
  if (snapshot === undefined && logs.length > 0 && logs[0]!.gen > 0) {
    state.problems.push(`no snapshot before ${logs[0]!.path}: the items of earlier generations are not restored`)
  }
  if (snapshot !== undefined) state.snapshot(snapshot.path)
  let expected = snapshot?.gen ?? logs[0]?.gen ?? 0
  for (const log of logs) {
    if (log.gen !== expected) state.problems.push(`logs ${expected} to ${log.gen - 1} are missing before ${log.path}`)
    expected = log.gen + 1
    state.log(log.path)
  }
  tables[0]?.options.cas.advanceTo(state.maxCas)
  const gens = [...listing.snapshots, ...listing.logs].map((file) => file.gen)
  return {
    restored: tables.reduce((sum, table) => sum + table.counters.curr_items, 0),
    dropped: state.dropped,
    problems: state.problems,
    lastGen: gens.length === 0 ? -1 : Math.max(...gens),
    maxCas: state.maxCas
  }
}

/** Whether records tile a block's payload exactly (else it is damaged, whatever its checksum says). */
const tiles = (buf: Buffer, start: number, end: number): boolean => {
  let off = start
  while (off < end) {
    if (!recordFits(buf, off, end)) return false
    off += R.length(buf, off)
  }
  return off === end
}

/** A record at `off` that fits in `end` and has a plausible key; damage otherwise. */
const recordFits = (buf: Buffer, off: number, end: number): boolean =>
  off + R.HEADER <= end && R.keyLength(buf, off) > 0 && R.keyLength(buf, off) <= MAX_KEY &&
  off + R.length(buf, off) <= end

class Replay {
  readonly problems: Array<string> = []
  dropped = 0
  maxCas = 0
  private flushedUntil = 0

  constructor(private readonly tables: ReadonlyArray<ItemTable>, private readonly now: number) {}

  private tableOf(buf: Buffer, start: number, end: number): ItemTable {
    return this.tables[hashBytes(buf, start, end) % this.tables.length]!
  }

  private isDead(buf: Buffer, off: number): boolean {
    return isExpired(R.exptime(buf, off), this.now) ||
      (this.flushedUntil !== 0 && this.flushedUntil <= this.now && R.time(buf, off) <= this.flushedUntil)
  }

  /** Applies one record: the key's item now, or (dead) the key's removal. */
  private apply(buf: Buffer, off: number): void {
    const cas = R.cas(buf, off)
    if (cas > this.maxCas) this.maxCas = cas
    const keyStart = R.keyStart(off)
    const keyEnd = keyStart + R.keyLength(buf, off)
    // One hash per record: it routes the record and indexes it.
    const hash = hashBytes(buf, keyStart, keyEnd)
    const table = this.tables[hash % this.tables.length]!
    if (this.isDead(buf, off)) table.discardKey(buf, keyStart, keyEnd)
    else table.insertCopy(buf, off, this.now, hash)
  }

  private setFlushed(upTo: number): void {
    this.flushedUntil = Math.max(this.flushedUntil, upTo)
    for (const table of this.tables) table.flushedUntil = this.flushedUntil
  }

  snapshot(path: string): void {
    withFile(path, this.problems, (file) => this.snapshotFrom(file, path))
  }

  private snapshotFrom(file: FileChunks, path: string): void {
    const header = readSnapshotHeader(file.view(0, SNAPSHOT_HEADER))
    if (header === undefined) {
      this.problems.push(`${path}: damaged header, the whole snapshot is skipped`)
      this.dropped++
      return
    }
    if (header.flushedUntil !== 0) this.setFlushed(header.flushedUntil)
    const memory = this.tables.reduce((sum, table) => sum + table.log.budget, 0)
    if (file.size > memory * 0.9) {
      // More than fits: oldest access first, so that eviction keeps the most recently used. This needs
      // every record at once, so the file is read whole (a restart into a smaller -m only).
      const offsets: Array<number> = []
      const buf = file.view(0, file.size)
      this.blocks(file, path, (_, start, end) => {
        for (let off = start; off < end; off += R.length(buf, off)) offsets.push(off)
      })
      offsets.sort((a, b) => R.accessTime(buf, a) - R.accessTime(buf, b))
      for (const off of offsets) if (!this.isDead(buf, off)) this.apply(buf, off)
      return
    }
    // The end block counts the records: the key indexes are sized once, not grown while inserting.
    const last = file.size >= SNAPSHOT_HEADER + BLOCK_HEADER
      ? file.view(file.size - BLOCK_HEADER, BLOCK_HEADER)
      : undefined
    const end = last === undefined ? undefined : blockAt(last, file.at)
    if (end?._tag === "Last") {
      for (const table of this.tables) table.reserve(Math.ceil(end.count / this.tables.length * 1.05))
    }
    this.blocks(file, path, (buf, start, stop) => {
      for (let off = start; off < stop; off += R.length(buf, off)) {
        if (!this.isDead(buf, off)) this.apply(buf, off)
      }
    })
  }

  /** Calls `each` with every intact block of a snapshot, a chunk of the file at a time; reports damage. */
  private blocks(file: FileChunks, path: string, each: (buf: Buffer, start: number, end: number) => void): void {
    for (let pos = SNAPSHOT_HEADER;;) {
      let buf = file.view(pos, BLOCK_HEADER)
      // Only a header that passes its checksum says how much more to read.
      if (
        file.at + BLOCK_HEADER <= buf.length && buf.readUInt32LE(file.at + 12) === crc32(buf, file.at, file.at + 12)
      ) {
        buf = file.view(pos, BLOCK_HEADER + buf.readUInt32LE(file.at))
      }
      const at = file.at
      const block = blockAt(buf, at)
      if (block._tag === "Last") return
      if (block._tag === "Damaged") {
        this.problems.push(`${path}: ${block.reason} at byte ${pos} of ${file.size}; the rest is dropped`)
        this.dropped++
        return
      }
      if (block._tag === "Bad" || !tiles(buf, block.start, block.end)) {
        this.problems.push(`${path}: block at byte ${pos} fails its checksum; its ${block.count} records are dropped`)
        this.dropped += block.count
      } else {
        each(buf, block.start, block.end)
      }
      pos += block.end - at
    }
  }

  log(path: string): void {
    withFile(path, this.problems, (file) => this.logFrom(file, path))
  }

  private logFrom(file: FileChunks, path: string): void {
    if (readLogHeader(file.view(0, LOG_HEADER)) === undefined) {
      this.problems.push(`${path}: damaged header, the whole log is skipped`)
      this.dropped++
      return
    }
    for (let pos = LOG_HEADER;;) {
      let buf = file.view(pos, FRAME_HEADER)
      if (file.at + FRAME_HEADER <= buf.length) buf = file.view(pos, FRAME_HEADER + buf.readUInt32LE(file.at))
      const at = file.at
      const frame = frameAt(buf, at)
      if (frame._tag === "End") return
      if (frame._tag === "Damaged" || !this.replay(buf, frame.type, frame.start, frame.end)) {
        const reason = frame._tag === "Damaged" ? frame.reason : "malformed frame"
        this.problems.push(`${path}: ${reason} at byte ${pos} of ${file.size}; the rest of this log is dropped`)
        this.dropped++
        return
      }
      pos += frame.end - at
    }
  }

  /** Applies one good frame; false if its contents make no sense (damage the CRC missed). */
  private replay(buf: Buffer, type: number, start: number, end: number): boolean {
    switch (type) {
      case Frame.Stored:
        if (!recordFits(buf, start, end) || start + R.length(buf, start) !== end) return false
        this.apply(buf, start)
        return true
      case Frame.Removed:
        if (end === start || end - start > MAX_KEY) return false
        this.tableOf(buf, start, end).discardKey(buf, start, end)
        return true
      case Frame.Flushed: {
        if (end - start !== 12) return false
        const partition = buf.readUInt32LE(start)
        const partitions = buf.readUInt32LE(start + 4)
        const upTo = buf.readUInt32LE(start + 8)
        if (partitions === 0 || partition >= partitions) return false
        if (upTo !== 0) this.setFlushed(upTo)
        else this.clearPartition(partition, partitions)
        return true
      }
      default:
        return false
    }
  }

  /** A flush_all without delay in partition `partition` of `partitions` (then): its keys go. */
  private clearPartition(partition: number, partitions: number): void {
    if (partitions === this.tables.length) return this.tables[partition]!.clearAll()
    for (const table of this.tables) {
      for (const segment of table.log.fifo.slice()) {
        const buf = segment.buf
        for (let off = 0; off < segment.used; off += R.length(buf, off)) {
          if ((R.bits(buf, off) & R.Bit.Live) === 0) continue
          const keyStart = R.keyStart(off)
          if (hashBytes(buf, keyStart, keyStart + R.keyLength(buf, off)) % partitions === partition) {
            table.removeAt(segment, off)
          }
        }
      }
    }
  }
}

/** Runs `use` on the file open for chunked reading, then closes it; reports a file that cannot be read. */
const withFile = (path: string, problems: Array<string>, use: (file: FileChunks) => void): void => {
  let file: FileChunks
  try {
    file = FileChunks.open(path)
  } catch (error) {
    problems.push(`${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); skipped`)
    return
  }
  try {
    use(file)
  } catch (error) {
    // A read failing part way (EIO): what was applied before it was intact; the rest is skipped.
    const code = (error as NodeJS.ErrnoException).code
    if (code === undefined) throw error
    problems.push(`${path}: read failed part way (${code}); the rest is skipped`)
  } finally {
    file.close()
  }
}
