/**
 * The one hook a partition's table offers for persistence: a table calls its journal, when it has
 * one, at the few points where what a client can see changes. Without `--data-dir` no journal is set
 * and each of those points costs one branch on an `undefined` field.
 *
 * What is reported is the resulting record (absolute expiry, CAS, value after an incr or append), so a
 * journal that writes it down can be replayed any number of times with the same outcome. Evictions and
 * expiry are not reported: an evicted item restored again holds a value a client stored, and expired
 * records are skipped when restored.
 *
 * @module
 */

/** Where a table reports its changes (see the module comment). */
export interface ChangeJournal {
  /** The record at `off` in `buf` is now its key's item: stored, or changed in place (touch, incr, meta). */
  readonly stored: (buf: Buffer, off: number) => void
  /** A command removed the record at `off` in `buf` (delete, md, a too-large set). */
  readonly removed: (buf: Buffer, off: number) => void
  /** flush_all: every item at once (`upTo` 0), or those stored up to `upTo` (Unix s) once it passes. */
  readonly flushed: (upTo: number) => void
  /** Memory cleaning moved a live record unchanged to `off` in `buf` (a snapshot walking the segments needs it). */
  readonly moved: (buf: Buffer, off: number) => void
}
