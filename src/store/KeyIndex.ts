/**
 * A partition's hash index: key -> record reference, in two typed arrays (open addressing, linear
 * probing, backward-shift deletion). It holds no key strings: a candidate slot is confirmed by its
 * 32-bit hash and then by comparing the key with the record's key bytes, which the caller does through
 * `matches`. That keeps the index at 8 bytes a slot instead of a Map entry and a string per key.
 *
 * @module
 */

/** FNV-1a over a key's characters (latin1, so one byte each): the same hash routes keys to partitions. */
export const hashKey = (key: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** FNV-1a over key bytes: equal to {@link hashKey} of the same key. */
export const hashBytes = (bytes: Uint8Array, start: number, end: number): number => {
  let h = 0x811c9dc5
  for (let i = start; i < end; i++) {
    h ^= bytes[i]!
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** An empty slot: references are below 2^32 - 1 (see SegmentLog). */
const EMPTY = 0xffff_ffff
const MIN_CAPACITY = 1024
/** Grow past this load: linear probing stays short below it. */
const MAX_LOAD = 0.7

/** Open-addressing map from key hash (+ key check) to a record reference (a 32-bit unsigned number). */
export class KeyIndex {
  private refs: Uint32Array
  private hashes: Uint32Array
  private mask: number
  private shift: number
  /** Number of keys held. */
  size = 0

  constructor(
    /** Whether the record at `ref` has this key; called only for slots whose hash matches. */
    private readonly matches: (ref: number, key: string) => boolean
  ) {
    this.refs = new Uint32Array(MIN_CAPACITY).fill(EMPTY)
    this.hashes = new Uint32Array(MIN_CAPACITY)
    this.mask = MIN_CAPACITY - 1
    this.shift = 32 - Math.log2(MIN_CAPACITY)
  }

  /** Bytes the index occupies. */
  get byteSize(): number {
    return this.refs.byteLength + this.hashes.byteLength
  }

  /** Number of slots. */
  get capacity(): number {
    return this.mask + 1
  }

  // Fibonacci hashing on the high bits: the partition was chosen by the same hash modulo the
  // partition count, so its low bits are correlated within one partition.
  private home(hash: number): number {
    return Math.imul(hash, 0x9e3779b1) >>> this.shift
  }

  /** The reference stored for `key`, or -1. */
  get(key: string, hash: number): number {
    const { refs, hashes, mask } = this
    for (let i = this.home(hash);; i = (i + 1) & mask) {
      const ref = refs[i]!
      if (ref === EMPTY) return -1
      if (hashes[i] === hash && this.matches(ref, key)) return ref
    }
  }

  /**
   * Stores `ref` for `key` and returns the reference it replaced, or -1: one probe where a get, a
   * remove and a set would take three (every overwriting store does this).
   */
  put(key: string, hash: number, ref: number): number {
    const { refs, hashes, mask } = this
    let i = this.home(hash)
    for (;; i = (i + 1) & mask) {
      const current = refs[i]!
      if (current === EMPTY) break
      if (hashes[i] === hash && this.matches(current, key)) {
        refs[i] = ref
        return current
      }
    }
    refs[i] = ref
    hashes[i] = hash
    if (++this.size > this.capacity * MAX_LOAD) this.resize(this.capacity * 2)
    return -1
  }

  /**
   * Whether no entry has this hash, so no key can match it: bulk inserts (restore) then skip making the
   * key's string for {@link get} and {@link put} and use {@link add}.
   */
  lacks(hash: number): boolean {
    const { refs, hashes, mask } = this
    for (let i = this.home(hash);; i = (i + 1) & mask) {
      if (refs[i] === EMPTY) return true
      if (hashes[i] === hash) return false
    }
  }

  /** Stores `ref` for a key known to be absent (its hash {@link lacks}). */
  add(hash: number, ref: number): void {
    const { mask, refs } = this
    let i = this.home(hash)
    while (refs[i] !== EMPTY) i = (i + 1) & mask
    refs[i] = ref
    this.hashes[i] = hash
    if (++this.size > this.capacity * MAX_LOAD) this.resize(this.capacity * 2)
  }

  /** Replaces `from` by `to` where the key with this hash points at `from` (a record moved). */
  move(hash: number, from: number, to: number): void {
    const i = this.slotOf(hash, from)
    if (i >= 0) this.refs[i] = to
  }

  /** Removes the entry pointing at `ref`, if any. */
  remove(hash: number, ref: number): void {
    const i = this.slotOf(hash, ref)
    if (i >= 0) this.removeSlot(i)
  }

  /** Grows the index at once so that `count` keys fit under the load limit (bulk inserts). */
  reserve(count: number): void {
    let capacity = this.capacity
    while (count > capacity * MAX_LOAD) capacity *= 2
    if (capacity > this.capacity) this.resize(capacity)
  }

  /** Removes every entry (keeping the capacity). */
  clear(): void {
    this.refs.fill(EMPTY)
    this.size = 0
  }

  private slotOf(hash: number, ref: number): number {
    const { refs, mask } = this
    for (let i = this.home(hash);; i = (i + 1) & mask) {
      const current = refs[i]!
      if (current === EMPTY) return -1
      if (current === ref) return i
    }
  }

  // Backward-shift deletion: later entries of the probe run move up, so no tombstones accumulate.
  private removeSlot(hole: number): void {
    const { refs, hashes, mask } = this
    this.size--
    for (let i = (hole + 1) & mask;; i = (i + 1) & mask) {
      const ref = refs[i]!
      if (ref === EMPTY) break
      const home = this.home(hashes[i]!)
      // Move the entry into the hole if its home is not cyclically within (hole, i].
      if (((i - home) & mask) >= ((i - hole) & mask)) {
        refs[hole] = ref
        hashes[hole] = hashes[i]!
        hole = i
      }
    }
    refs[hole] = EMPTY
  }

  private resize(capacity: number): void {
    const oldRefs = this.refs
    const oldHashes = this.hashes
    this.refs = new Uint32Array(capacity).fill(EMPTY)
    this.hashes = new Uint32Array(capacity)
    this.mask = capacity - 1
    this.shift = 32 - Math.log2(capacity)
    const { refs, hashes, mask } = this
    for (let j = 0; j < oldRefs.length; j++) {
      const ref = oldRefs[j]!
      if (ref === EMPTY) continue
      const hash = oldHashes[j]!
      let i = this.home(hash)
      while (refs[i] !== EMPTY) i = (i + 1) & mask
      refs[i] = ref
      hashes[i] = hash
    }
  }
}
