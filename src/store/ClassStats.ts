/**
 * Statistics per size class, as memcached keeps them per slab class (`stats items`, `stats slabs`),
 * and the optional item size histogram (`stats sizes`). Each partition owns one set; reports sum them.
 *
 * @module
 */
import { largestClass } from "./SizeClasses.js"

/** Per-class counters that `stats reset` clears. */
export const classCounterNames = [
  "evicted",
  "evicted_nonzero",
  "outofmemory",
  "reclaimed",
  "expired_unfetched",
  "evicted_unfetched",
  "crawler_reclaimed",
  "get_hits",
  "cmd_set",
  "delete_hits",
  "incr_hits",
  "decr_hits",
  "cas_hits",
  "cas_badval",
  "touch_hits"
] as const

/** Per-class gauges: what the class holds now, and the age of its last eviction. */
export const classGaugeNames = ["number", "mem_requested", "evicted_time"] as const

/** The name of a per-class statistic. */
export type ClassStatName = (typeof classCounterNames)[number] | (typeof classGaugeNames)[number]

/** One array per statistic, indexed by class id. */
export type ClassTable = Record<ClassStatName, Float64Array>

const newTable = (): ClassTable => {
  const table = {} as Record<ClassStatName, Float64Array>
  for (const name of [...classCounterNames, ...classGaugeNames]) table[name] = new Float64Array(largestClass + 1)
  return table
}

/** A snapshot of per-class statistics and the size histogram. */
export interface ClassSnapshot {
  readonly classes: ClassTable
  /** Items by size rounded up to 32 bytes; undefined when size tracking is off. */
  readonly sizes: ReadonlyMap<number, number> | undefined
  /** Unix seconds when the oldest item still held was stored (0 when empty). */
  readonly oldest: number
}

/** One partition's per-class statistics. */
export class ClassStats {
  readonly table: ClassTable = newTable()
  private sizes: Map<number, number> | undefined

  /** Counts an item of memcached size `size` in `cls` (stored) or out of it (gone). */
  add(cls: number, size: number, delta: 1 | -1): void {
    this.table.number[cls]! += delta
    this.table.mem_requested[cls]! += delta * size
    const sizes = this.sizes
    if (sizes !== undefined) {
      const bucket = Math.ceil(size / 32) * 32
      const count = (sizes.get(bucket) ?? 0) + delta
      if (count > 0) sizes.set(bucket, count)
      else sizes.delete(bucket)
    }
  }

  /** Turns the size histogram on (empty: like memcached, items already stored are not counted) or off. */
  trackSizes(on: boolean): void {
    this.sizes = on ? (this.sizes ?? new Map()) : undefined
  }

  /** Empties the size histogram, if it is on (flush_all). */
  clearSizes(): void {
    this.sizes?.clear()
  }

  /** Clears the counters (`stats reset`). */
  reset(): void {
    for (const name of classCounterNames) this.table[name].fill(0)
  }

  /** A copy of the current values. */
  snapshot(oldest: number): ClassSnapshot {
    const classes = {} as Record<ClassStatName, Float64Array>
    for (const name of [...classCounterNames, ...classGaugeNames]) classes[name] = this.table[name].slice()
    return { classes, sizes: this.sizes === undefined ? undefined : new Map(this.sizes), oldest }
  }
}

/** Sums partition snapshots; the oldest item is the oldest of any partition. */
export const sumClassStats = (parts: ReadonlyArray<ClassSnapshot>): ClassSnapshot => {
  const classes = newTable()
  let sizes: Map<number, number> | undefined
  let oldest = 0
  for (const part of parts) {
    for (const name of [...classCounterNames, ...classGaugeNames]) {
      const into = classes[name]
      const from = part.classes[name]
      for (let c = 0; c < into.length; c++) {
        into[c] = name === "evicted_time" ? Math.max(into[c]!, from[c]!) : into[c]! + from[c]!
      }
    }
    if (part.sizes !== undefined) {
      sizes ??= new Map()
      for (const [bucket, count] of part.sizes) sizes.set(bucket, (sizes.get(bucket) ?? 0) + count)
    }
    if (part.oldest !== 0 && (oldest === 0 || part.oldest < oldest)) oldest = part.oldest
  }
  return { classes, sizes, oldest }
}
