import { describe, expect, it } from "@effect/vitest"
import { bucketOf, bucketRange, Histogram } from "../../src/bench/Histogram.js"

describe("Histogram", () => {
  it("gives 0 for everything when empty", () => {
    const h = new Histogram()
    expect([h.count, h.max, h.mean, h.percentile(0.5), h.percentile(0.99)]).toEqual([0, 0, 0, 0, 0])
  })

  it("puts every value in a bucket that holds it, no wider than 1/128 of it", () => {
    for (let ns = 0; ns < 5_000_000; ns = ns < 1000 ? ns + 1 : Math.ceil(ns * 1.0007)) {
      const { low, width } = bucketRange(bucketOf(ns))
      expect(ns).toBeGreaterThanOrEqual(low)
      expect(ns).toBeLessThan(low + width)
      expect(width).toBeLessThanOrEqual(Math.max(1, ns / 128))
    }
    // Buckets are contiguous and ordered: the next bucket starts where this one ends.
    for (let b = 0; b < 3000; b++) {
      const here = bucketRange(b)
      expect(bucketRange(b + 1).low).toBe(here.low + here.width)
    }
  })

  it("keeps large values (beyond 2^32 ns) apart", () => {
    expect(bucketOf(2 ** 33)).toBeGreaterThan(bucketOf(2 ** 32))
    expect(bucketRange(bucketOf(2 ** 33)).low).toBeLessThanOrEqual(2 ** 33)
  })

  it("reports percentiles within 1% of the exact ones", () => {
    const h = new Histogram()
    const values: Array<number> = []
    for (let i = 1; i <= 100_000; i++) values.push(i * 0.37 + (i % 7) * 3)
    for (const v of values) h.record(v)
    values.sort((a, b) => a - b)
    for (const p of [0.5, 0.9, 0.99, 0.999]) {
      const exact = values[Math.ceil(p * values.length) - 1]!
      expect(Math.abs(h.percentile(p) - exact) / exact).toBeLessThan(0.01)
    }
    expect(h.count).toBe(100_000)
    expect(h.max).toBeCloseTo(values[values.length - 1]!, 3)
    expect(h.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 3)
  })

  it("finds the tail of a skewed distribution and never reports past the maximum", () => {
    const h = new Histogram()
    for (let i = 0; i < 990; i++) h.record(100)
    for (let i = 0; i < 10; i++) h.record(5000)
    expect(h.percentile(0.5)).toBeCloseTo(100, 0)
    expect(h.percentile(0.99)).toBeCloseTo(100, 0)
    expect(h.percentile(0.999)).toBeGreaterThan(4950)
    expect(h.percentile(0.999)).toBeLessThanOrEqual(5000)
    expect(h.percentile(1)).toBe(5000)
  })

  it("is exact for small values", () => {
    const h = new Histogram()
    for (const us of [0.001, 0.002, 0.003, 0.004]) h.record(us)
    expect(h.percentile(0.5)).toBe(0.002)
    expect(h.percentile(1)).toBe(0.004)
  })
})
