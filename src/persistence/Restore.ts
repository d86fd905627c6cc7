/**
 * Restoring the data dir into the partitions' tables, before the server serves: the newest snapshot,
 * then every later log in order. Records are copied straight into the tables (the same hash routing
 * as requests), expired and flushed ones skipped, and the CAS sequence set above the largest CAS seen.
 * When the snapshot holds more than the tables' memory (a smaller `-m`), its records are inserted in
 * order of last access, oldest first, so eviction keeps the most recently used.
 *
 * Damage never yields a wrong item: every frame and block is checked against its CRC. A damaged block
 * of a snapshot is skipped (its records counted as dropped); a damaged frame of a log ends that log (its
 * length cannot be trusted; the region counts as one dropped record); a file with a damaged header is
 * skipped whole. Each is reported as a line naming the file, for the caller to log.
 *
 * @module
 */
import * as fs from "node:fs"
import { isExpired } from "../store/Expiry.js"
import * as R from "../store/ItemRecord.js"
import type { ItemTable } from "../store/ItemTable.js"
import { hashBytes } from "../store/KeyIndex.js"
import type { Listing } from "./DataDir.js"
import { blockAt, Frame, frameAt, LOG_HEADER, readLogHeader, readSnapshotHeader, SNAPSHOT_HEADER } from "./Format.js"

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
    const table = this.tableOf(buf, keyStart, keyEnd)
    if (this.isDead(buf, off)) table.discardKey(buf, keyStart, keyEnd)
    else table.insertCopy(buf, off, this.now)
  }

  private setFlushed(upTo: number): void {
    this.flushedUntil = Math.max(this.flushedUntil, upTo)
    for (const table of this.tables) table.flushedUntil = this.flushedUntil
  }

  snapshot(path: string): void {
    const buf = read(path, this.problems)
    if (buf === undefined) return
    const header = readSnapshotHeader(buf)
    if (header === undefined) {
      this.problems.push(`${path}: damaged header, the whole snapshot is skipped`)
      this.dropped++
      return
    }
    if (header.flushedUntil !== 0) this.setFlushed(header.flushedUntil)
    // First the blocks' checksums, then the records: the counts size the key indexes at once.
    const blocks: Array<number> = []
    let bytes = 0
    let records = 0
    for (let off = SNAPSHOT_HEADER;;) {
      const block = blockAt(buf, off)
      if (block._tag === "Last") break
      if (block._tag === "Damaged") {
        this.problems.push(`${path}: ${block.reason} at byte ${off} of ${buf.length}; the rest is dropped`)
        this.dropped++
        break
      }
      if (block._tag === "Bad" || !tiles(buf, block.start, block.end)) {
        this.problems.push(`${path}: block at byte ${off} fails its checksum; its ${block.count} records are dropped`)
        this.dropped += block.count
      } else {
        blocks.push(block.start, block.end)
        bytes += block.end - block.start
        records += block.count
      }
      off = block.end
    }
    for (const table of this.tables) table.reserve(Math.ceil(records / this.tables.length * 1.05))
    const memory = this.tables.reduce((sum, table) => sum + table.log.budget, 0)
    if (bytes > memory * 0.9) {
      // More than fits: oldest access first, so that eviction keeps the most recently used.
      const offsets: Array<number> = []
      for (let b = 0; b < blocks.length; b += 2) {
        for (let off = blocks[b]!; off < blocks[b + 1]!; off += R.length(buf, off)) offsets.push(off)
      }
      offsets.sort((a, b) => R.accessTime(buf, a) - R.accessTime(buf, b))
      for (const off of offsets) if (!this.isDead(buf, off)) this.apply(buf, off)
      return
    }
    for (let b = 0; b < blocks.length; b += 2) {
      for (let off = blocks[b]!; off < blocks[b + 1]!; off += R.length(buf, off)) {
        if (!this.isDead(buf, off)) this.apply(buf, off)
      }
    }
  }

  log(path: string): void {
    const buf = read(path, this.problems)
    if (buf === undefined) return
    if (readLogHeader(buf) === undefined) {
      this.problems.push(`${path}: damaged header, the whole log is skipped`)
      this.dropped++
      return
    }
    for (let off = LOG_HEADER;;) {
      const frame = frameAt(buf, off)
      if (frame._tag === "End") return
      if (frame._tag === "Damaged" || !this.replay(buf, frame.type, frame.start, frame.end)) {
        const reason = frame._tag === "Damaged" ? frame.reason : "malformed frame"
        this.problems.push(`${path}: ${reason} at byte ${off} of ${buf.length}; the rest of this log is dropped`)
        this.dropped++
        return
      }
      off = frame.end
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

/** Bytes read per call: readFileSync refuses files over 2 GB, a snapshot of a large cache is more. */
const READ_CHUNK = 1 << 30

/** A whole file, or undefined (reported) if it cannot be read. */
const read = (path: string, problems: Array<string>): Buffer | undefined => {
  try {
    const fd = fs.openSync(path, "r")
    try {
      const buf = Buffer.allocUnsafeSlow(fs.fstatSync(fd).size)
      let at = 0
      while (at < buf.length) {
        const n = fs.readSync(fd, buf, at, Math.min(READ_CHUNK, buf.length - at), at)
        if (n === 0) return buf.subarray(0, at)
        at += n
      }
      return buf
    } finally {
      fs.closeSync(fd)
    }
  } catch (error) {
    problems.push(`${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); skipped`)
    return undefined
  }
}
