/**
 * What an item costs, by memcached's measure. memcached refuses an item whose total size (header,
 * key, value, CAS) exceeds the item size limit (`-I`); effcached applies the same formula so that the
 * same values fit, and reports the same figure in `bytes`.
 *
 * @module
 */

/** memcached's item header on a 64-bit build (`sizeof(item)`), plus the 8-byte CAS unique. */
const ITEM_HEADER = 48 + 8

/** The size memcached accounts for an item: header, key + NUL, flags if non-zero, value + CRLF. */
export const itemSize = (keyLength: number, flags: number, valueLength: number): number =>
  ITEM_HEADER + keyLength + 1 + (flags === 0 ? 0 : 4) + valueLength + 2

/**
 * memcached's default slab chunk sizes (`-n 48 -f 1.25`, largest chunk 512 KB): the first is the item
 * header plus 48 bytes, each next one 1.25 times larger (truncated, rounded up to 8 bytes) while below
 * the largest divided by the factor, and the largest closes the list.
 */
const slabChunkSizes: ReadonlyArray<number> = (() => {
  const largest = 512 * 1024
  const sizes: Array<number> = []
  for (let size = 48 + 48; size < largest / 1.25; size = Math.floor(size * 1.25)) {
    if (size % 8 !== 0) size += 8 - (size % 8)
    sizes.push(size)
  }
  sizes.push(largest)
  return sizes
})()

/**
 * The slab class memcached would store an item of this {@link itemSize} in (its `me` command shows it):
 * the smallest chunk that holds it; items larger than the largest chunk are stored in chunks of the
 * largest class.
 */
export const slabClassOf = (size: number): number => {
  for (let i = 0; i < slabChunkSizes.length; i++) if (slabChunkSizes[i]! >= size) return i + 1
  return slabChunkSizes.length
}
