/**
 * memcached's expiry-time rules, resolved against the store's clock.
 *
 * @module
 */

/** Exptimes above this many seconds (30 days) are absolute Unix times; up to it, relative. */
export const MAX_RELATIVE_EXPTIME = 60 * 60 * 24 * 30

/** An absolute time that has always passed: where negative exptimes land. */
const ALREADY_EXPIRED = 1

/**
 * Resolves a client exptime to absolute Unix seconds (0 = never): 1..30 days is relative to `now`,
 * larger is absolute, negative is already expired.
 */
export const resolveExptime = (exptime: number, now: number): number => {
  if (exptime === 0) return 0
  if (exptime < 0) return ALREADY_EXPIRED
  return exptime > MAX_RELATIVE_EXPTIME ? exptime : now + exptime
}

/** Whether an item with this absolute expiry is dead at `now`. */
export const isExpired = (exptime: number, now: number): boolean => exptime !== 0 && exptime <= now
