/**
 * What an item costs, by memcached's measure. memcached refuses an item whose total size (header,
 * key, value, CAS) exceeds the item size limit (`-I`); effcached applies the same formula so that the
 * same values fit, and counts items in the size classes memcached would put them in by it.
 *
 * @module
 */

/** memcached's item header on a 64-bit build (`sizeof(item)`), plus the 8-byte CAS unique. */
const ITEM_HEADER = 48 + 8

/** The size memcached accounts for an item: header, key + NUL, flags if non-zero, value + CRLF. */
export const itemSize = (keyLength: number, flags: number, valueLength: number): number =>
  ITEM_HEADER + keyLength + 1 + (flags === 0 ? 0 : 4) + valueLength + 2
