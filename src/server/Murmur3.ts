/**
 * MurmurHash3 (x86, 32-bit, seed 0), memcached's default hash. effcached uses it only where memcached's
 * output order depends on it: the order of `stats detail dump` lines.
 *
 * @module
 */

const C1 = 0xcc9e2d51
const C2 = 0x1b873593

const mixK = (k: number): number => Math.imul(rotl(Math.imul(k, C1), 15), C2)

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r))

/** The hash of the first `length` bytes of a latin1 string (one byte per char, as keys are carried). */
export const murmur3 = (s: string, length: number = s.length): number => {
  let h = 0
  const blocks = length & ~3
  for (let i = 0; i < blocks; i += 4) {
    const k = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24)
    h ^= mixK(k)
    h = rotl(h, 13)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  const tail = length & 3
  if (tail > 0) {
    let k = s.charCodeAt(blocks)
    if (tail > 1) k |= s.charCodeAt(blocks + 1) << 8
    if (tail > 2) k |= s.charCodeAt(blocks + 2) << 16
    h ^= mixK(k)
  }
  h ^= length
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}
