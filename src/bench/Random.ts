/**
 * A small seeded pseudo-random generator (mulberry32): the load generator's key and command choices,
 * and the byte patterns of its values, are reproducible from a seed and cost a few integer operations.
 *
 * @module
 */

/** A stream of pseudo-random 32-bit numbers from a seed. */
export class Random {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** The next number, uniform in [0, 2^32). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0
    let z = this.state
    z = Math.imul(z ^ (z >>> 15), z | 1)
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61)
    return (z ^ (z >>> 14)) >>> 0
  }

  /** A whole number uniform in [0, n), for n up to 2^32. */
  below(n: number): number {
    return Math.floor((this.next() / 4294967296) * n)
  }
}
