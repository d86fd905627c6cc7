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
}
