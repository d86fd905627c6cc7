/**
 * A stored item. Its value never changes after creation (a new item replaces it), so a reply being
 * encoded can hold an item while the partition moves on; only its expiry and access time are updated
 * in place.
 *
 * @module
 */
import { itemSize } from "../domain/ItemSize.js"

/** One key's stored value and metadata. It has the fields of a domain `Hit`, so it is returned as one. */
export class Item {
  constructor(
    readonly key: string,
    readonly flags: number,
    /** Absolute expiry in Unix seconds; 0 = never. */
    public exptime: number,
    readonly cas: number,
    readonly value: Uint8Array,
    /** Unix seconds of the last store or touch (what a delayed flush_all compares against). */
    public time: number
  ) {}

  /** What the item costs, by memcached's measure (see {@link itemSize}). */
  get size(): number {
    return itemSize(this.key.length, this.flags, this.value.length)
  }
}
