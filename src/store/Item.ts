/**
 * An item as the meta commands handle it: a detached copy of a record (see ItemTable.lookup), or a new
 * item being built before ItemTable.link stores it. Changes to a looked-up item reach the store only
 * through ItemTable.writeBack; the text commands work on records directly and never build one.
 *
 * @module
 */
import { itemSize } from "../domain/ItemSize.js"
import { Bit } from "./ItemRecord.js"

const FETCHED = Bit.Fetched
const STALE = Bit.Stale
const TOKEN_SENT = Bit.WinSent
const BINARY_KEY = Bit.BinaryKey

/** One key's value and metadata. It has the fields of a domain `Hit`, so it can be returned as one. */
export class Item {
  /** Unix seconds of the last access: the store, then every fetch (the meta protocol's `l`, `la`). */
  atime: number
  /** The markers below, as the record's bits (ItemRecord.Bit). */
  markers = 0
  /** Where the record this item was read from or written to is; -1 before it is stored. */
  ref = -1

  constructor(
    readonly key: string,
    readonly flags: number,
    /** Absolute expiry in Unix seconds; 0 = never. */
    public exptime: number,
    public cas: number,
    readonly value: Uint8Array,
    /** Unix seconds of the last store or touch (what a delayed flush_all compares against). */
    public time: number
  ) {
    this.atime = time
  }

  /** What the item costs, by memcached's measure (see {@link itemSize}). */
  get size(): number {
    return itemSize(this.key.length, this.flags, this.value.length)
  }

  /** Whether the item has been fetched since it was stored (mg `h`, me `fetch`). */
  get fetched(): boolean {
    return (this.markers & FETCHED) !== 0
  }

  /** Marked stale by a meta delete with I, or a meta set with I and an older CAS (mg `X`). */
  get stale(): boolean {
    return (this.markers & STALE) !== 0
  }
  set stale(on: boolean) {
    this.mark(STALE, on)
  }

  /** A client has been told it won the right to recache this item (mg `W`, then `Z`). */
  get tokenSent(): boolean {
    return (this.markers & TOKEN_SENT) !== 0
  }
  set tokenSent(on: boolean) {
    this.mark(TOKEN_SENT, on)
  }

  /** Stored through a base64 key: the meta protocol shows its key base64-encoded. */
  get binaryKey(): boolean {
    return (this.markers & BINARY_KEY) !== 0
  }
  set binaryKey(on: boolean) {
    this.mark(BINARY_KEY, on)
  }

  private mark(bit: number, on: boolean): void {
    this.markers = on ? this.markers | bit : this.markers & ~bit
  }

  /** Takes over `from`'s access time and markers: for an item that replaces it in place. */
  inherit(from: Item): this {
    this.atime = from.atime
    this.markers = from.markers
    return this
  }

  /** Records a fetch: memcached's item bump on get, gat, touch and mg. */
  fetch(now: number): void {
    this.atime = now
    this.markers |= FETCHED
  }
}

/** Concatenates two values into a buffer of their own (append/prepend). */
export const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = Buffer.allocUnsafeSlow(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}
