/**
 * A latency histogram with HDR-style log-linear buckets: each power-of-two range of nanoseconds is
 * split into 128 equal buckets, so any recorded value is known to within 1% whatever its magnitude,
 * in a fixed few thousand counters. Recording is a few arithmetic operations (it runs once per
 * request in the load generator's hot loop); percentiles walk the counters.
 *
 * @module
 */

const SUB_BITS = 7
const SUB = 1 << SUB_BITS
/** Values up to 2^(MAX_SHIFT + SUB_BITS + 1) ns (about 73 minutes) have buckets of their own. */
const MAX_SHIFT = 34
const BUCKETS = (MAX_SHIFT + 2) * SUB

const msb = (v: number): number => (v < 2 ** 32 ? 31 - Math.clz32(v) : 32 + 31 - Math.clz32(Math.floor(v / 2 ** 32)))

/** The bucket of a whole number of nanoseconds. */
export const bucketOf = (ns: number): number => {
  if (ns < 2 * SUB) return ns
  const shift = msb(ns) - SUB_BITS
  if (shift > MAX_SHIFT) return BUCKETS - 1
  return shift * SUB + Math.floor(ns / 2 ** shift)
}

/** The range of nanoseconds a bucket stands for: [low, low + width). */
export const bucketRange = (bucket: number): { readonly low: number; readonly width: number } => {
  if (bucket < 2 * SUB) return { low: bucket, width: 1 }
  const shift = Math.floor(bucket / SUB) - 1
  return { low: (bucket - shift * SUB) * 2 ** shift, width: 2 ** shift }
}

/** A mutable latency histogram; values are recorded in microseconds (fractions allowed). */
export class Histogram {
  private readonly counts = new Float64Array(BUCKETS)
  private total = 0
  private sumNs = 0
  private maxNs = 0
  private minNs = Infinity

  /** Records one latency, in microseconds. Negative values count as 0. */
  record(us: number): void {
    const ns = us > 0 ? Math.round(us * 1000) : 0
    this.counts[bucketOf(ns)]!++
    this.total++
    this.sumNs += ns
    if (ns > this.maxNs) this.maxNs = ns
    if (ns < this.minNs) this.minNs = ns
  }

  /** How many values were recorded. */
  get count(): number {
    return this.total
  }

  /** The exact largest value, in microseconds (0 when empty). */
  get max(): number {
    return this.maxNs / 1000
  }

  /** The exact mean, in microseconds (0 when empty). */
  get mean(): number {
    return this.total === 0 ? 0 : this.sumNs / this.total / 1000
  }

  /**
   * The p-quantile (p in [0, 1]) in microseconds: the midpoint of the bucket holding the value of rank
   * ceil(p * count), kept within the exact minimum and maximum; the exact maximum for the last rank.
   * 0 when empty.
   */
  percentile(p: number): number {
    if (this.total === 0) return 0
    const rank = Math.max(1, Math.ceil(p * this.total))
    if (rank >= this.total) return this.maxNs / 1000 // the largest value is known exactly
    let seen = 0
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      seen += this.counts[bucket]!
      if (seen >= rank) {
        const { low, width } = bucketRange(bucket)
        const mid = low + (width - 1) / 2
        return Math.min(this.maxNs, Math.max(this.minNs, mid)) / 1000
      }
    }
    return this.maxNs / 1000
  }
}
