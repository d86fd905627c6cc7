/**
 * The segment log on its own, with a scripted cleaner standing in for the record store: allocation,
 * references, dedicated buffers, budgets, cleaning and compaction.
 */
import { describe, expect, it } from "@effect/vitest"
import { type Cleaner, type Segment, SegmentLog } from "../../src/store/SegmentLog.js"

const KB = 1024
const NOW = 1_700_000_000

/** A cleaner that keeps the records `keep` says to keep (copying them forward) and drops the rest. */
class ScriptedCleaner implements Cleaner {
  readonly cleaned: Array<{ segment: number; compact: boolean; now: number }> = []
  /** Live records by ref: their length. */
  readonly live = new Map<number, number>()

  constructor(private readonly log: SegmentLog, private readonly keep: (ref: number) => boolean) {}

  allocate(length: number): number {
    const ref = this.log.allocate(length, NOW)
    if (ref >= 0) this.live.set(ref, length)
    return ref
  }

  clean(victim: Segment, compact: boolean, now: number): boolean {
    this.cleaned.push({ segment: victim.id, compact, now })
    // Refs of one segment are consecutive numbers: segment id * 2^17 + offset / 8.
    const first = victim.id * 131072
    for (const [ref, length] of [...this.live]) {
      if (ref < first || ref >= first + 131072) continue
      this.live.delete(ref)
      if (compact || this.keep(ref)) {
        const moved = this.log.copyForward(length)
        if (moved >= 0) this.live.set(moved, length)
      }
    }
    return false
  }
}

const logWith = (budget: number, segmentSize: number, evict = true, keep: (ref: number) => boolean = () => false) => {
  const log = new SegmentLog(budget, segmentSize, evict)
  const cleaner = new ScriptedCleaner(log, keep)
  log.cleaner = cleaner
  return { log, cleaner }
}

describe("SegmentLog", () => {
  it("packs records into the head segment and encodes a record's segment and offset in its ref", () => {
    const { cleaner, log } = logWith(1024 * KB, 64 * KB)
    const a = cleaner.allocate(40)
    const b = cleaner.allocate(64)
    expect(log.segment(a)).toBe(log.segment(b))
    expect(log.offset(a)).toBe(0)
    expect(log.offset(b)).toBe(40)
    expect(log.ref(log.segment(b), 40)).toBe(b)
    expect(log.fifo.length).toBe(1)
    expect(log.allocated).toBe(64 * KB)
  })

  it("gives records above the threshold a dedicated buffer, released as soon as the record dies", () => {
    const { cleaner, log } = logWith(1024 * KB, 64 * KB)
    expect(log.dedicatedThreshold).toBe(16 * KB)
    const big = cleaner.allocate(100 * KB)
    expect(log.segment(big).dedicated).toBe(true)
    expect(log.buffer(big).length).toBe(100 * KB)
    expect(log.allocated).toBe(100 * KB)
    log.kill(big, 100 * KB)
    expect(log.allocated).toBe(0)
    expect(log.fifo.length).toBe(0)
  })

  it("returns a segment whose records all died to the pool, and reuses it", () => {
    const { cleaner, log } = logWith(1024 * KB, 64 * KB)
    const refs = Array.from({ length: 20 }, () => cleaner.allocate(4000))
    const first = log.segment(refs[0]!)
    expect(log.fifo.length).toBe(2)
    for (const ref of refs.filter((r) => log.segment(r) === first)) log.kill(ref, 4000)
    expect(log.fifo).not.toContain(first)
    const generation = first.generation
    // Fill the head; the next segment comes from the pool.
    while (log.fifo.length < 2) cleaner.allocate(4000)
    expect(log.fifo).toContain(first)
    expect(first.generation).toBe(generation)
  })

  it("stays within its budget by cleaning the oldest segment, with the time it was given", () => {
    const { cleaner, log } = logWith(256 * KB, 32 * KB)
    let refused = 0
    for (let i = 0; i < 1000; i++) if (cleaner.allocate(1000) < 0) refused++
    expect(refused).toBe(0)
    expect(log.allocated).toBeLessThanOrEqual(256 * KB)
    expect(cleaner.cleaned.length).toBeGreaterThan(0)
    expect(cleaner.cleaned.every((c) => !c.compact && c.now === NOW)).toBe(true)
    // Everything still live fits, and is in a segment of the log.
    let live = 0
    let outside = 0
    for (const [ref, length] of cleaner.live) {
      live += length
      if (!log.fifo.includes(log.segment(ref))) outside++
    }
    expect(outside).toBe(0)
    expect(live).toBeLessThanOrEqual(256 * KB)
  })

  it("copies kept records forward when cleaning (a second chance), within the room left", () => {
    const kept = new Set<number>()
    const { cleaner, log } = logWith(256 * KB, 32 * KB, true, (ref) => kept.has(ref))
    const early = Array.from({ length: 10 }, () => cleaner.allocate(1000))
    for (const ref of early) kept.add(ref)
    for (let i = 0; i < 400; i++) cleaner.allocate(1000)
    // The early records were copied forward, not evicted: they are still live somewhere.
    expect(cleaner.live.size).toBeGreaterThanOrEqual(10)
    expect(log.allocated).toBeLessThanOrEqual(256 * KB)
  })

  it("under -M compacts instead of evicting, and refuses once nothing can be freed", () => {
    const { cleaner, log } = logWith(256 * KB, 32 * KB, false)
    const refs: Array<number> = []
    for (;;) {
      const ref = cleaner.allocate(1000)
      if (ref < 0) break
      refs.push(ref)
    }
    const full = refs.length
    expect(full).toBeGreaterThan(150)
    // Kill every other record: compaction can now make room for as many again.
    for (let i = 0; i < refs.length; i += 2) {
      cleaner.live.delete(refs[i]!)
      log.kill(refs[i]!, 1000)
    }
    let more = 0
    while (cleaner.allocate(1000) >= 0) more++
    expect(more).toBeGreaterThan(full / 3)
    expect(cleaner.cleaned.some((c) => c.compact)).toBe(true)
    expect(log.allocated).toBeLessThanOrEqual(256 * KB)
  })

  it("releases memory at once when its budget shrinks, and frees everything on clear", () => {
    const { cleaner, log } = logWith(512 * KB, 32 * KB)
    for (let i = 0; i < 400; i++) cleaner.allocate(1000)
    expect(log.allocated).toBeGreaterThan(256 * KB)
    log.resize(128 * KB, NOW)
    expect(log.allocated).toBeLessThanOrEqual(128 * KB)
    log.clear()
    expect(log.fifo.length).toBe(0)
  })
})
