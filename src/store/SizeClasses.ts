/**
 * memcached's slab size classes, kept for reporting: effcached allocates items in segments, not slabs,
 * but `stats items`, `stats slabs` and `me` speak in classes, so each item is counted in the class
 * memcached would have put it in (chunk sizes from 96 bytes growing by 1.25, up to half the item size
 * limit, then one class for everything larger).
 *
 * @module
 */

/** memcached's default growth factor (`-f`). */
const FACTOR = 1.25
/** memcached's smallest chunk: 48-byte header + 48 bytes (`-n`). */
const SMALLEST = 96
/** memcached's largest chunk for items split into chunks (`slab_chunk_max`, half of 1 MB). */
const CHUNK_MAX = 512 * 1024

/** The chunk sizes of classes 1..n (index 0 is unused, as in memcached). */
export const classSizes: ReadonlyArray<number> = (() => {
  const sizes = [0]
  let size = SMALLEST
  while (size <= CHUNK_MAX / FACTOR && sizes.length < 63) {
    sizes.push(size)
    // As memcached computes it: an unsigned multiply (truncated), then aligned up to 8 bytes.
    size = Math.ceil(Math.floor(size * FACTOR) / 8) * 8
  }
  sizes.push(CHUNK_MAX)
  return sizes
})()

/** The largest class id. */
export const largestClass = classSizes.length - 1

/** The class an item of memcached size `size` (see ItemSize) falls in. */
export const classOf = (size: number): number => {
  let lo = 1
  let hi = largestClass
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (classSizes[mid]! >= size) hi = mid
    else lo = mid + 1
  }
  return lo
}
