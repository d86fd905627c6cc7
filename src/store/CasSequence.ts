/**
 * The server-wide CAS counter. Every store of an item takes the next unique, as in memcached, so
 * uniques are comparable across partitions. All partitions run on one thread, so a plain counter is
 * atomic here.
 *
 * @module
 */

/** Hands out CAS uniques: 1, 2, 3, ... */
export class CasSequence {
  private last = 0
  /** The next unique. */
  next(): number {
    return ++this.last
  }

  /** The last unique handed out (0 if none). */
  get current(): number {
    return this.last
  }

  /** Makes the next unique larger than `unique` (restoring persisted items keeps their CAS). */
  advanceTo(unique: number): void {
    if (unique > this.last) this.last = unique
  }
}
