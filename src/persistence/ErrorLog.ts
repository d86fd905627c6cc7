/**
 * Run-time disk errors (a failed write, fsync, open, snapshot) as log lines an operator can live with:
 * a full disk fails every write until it is freed, and a line per failure would flood the log. The
 * first failure of each kind (`write ENOSPC`, `fsync EIO`, ...) is a line at once, with its message;
 * after that, at most one line per kind per interval, counting the failures since the last line. A
 * kind quiet for a whole interval is a line at once again.
 *
 * Synchronous and clock-free (callers pass the time), so the writer's callbacks can record into it and
 * tests can drive it with any times; the owner takes the lines due and logs them.
 *
 * @module
 */

/** At most one line per kind of error this often (ms). */
export const ERROR_LINE_INTERVAL_MS = 10_000

interface Seen {
  /** Failures since the last line. */
  repeats: number
  /** When the last line was made. */
  lineAt: number
}

/** Collects error lines, rate-limited per kind (see the module comment). */
export class ErrorLog {
  private readonly kinds = new Map<string, Seen>()
  private readonly lines: Array<string> = []

  constructor(private readonly intervalMs = ERROR_LINE_INTERVAL_MS) {}

  /** One failure of `kind` (e.g. `write ENOSPC`) at `now` (ms). */
  record(kind: string, message: string, now: number): void {
    const seen = this.kinds.get(kind)
    if (seen === undefined || (seen.repeats === 0 && now - seen.lineAt >= this.intervalMs)) {
      this.kinds.set(kind, { repeats: 0, lineAt: now })
      this.lines.push(`persistence: ${kind}: ${message}`)
    } else {
      seen.repeats++
    }
  }

  /** The lines due at `now`, and counts not yet reported once their interval is over (all: `final`). */
  take(now: number, final = false): Array<string> {
    for (const [kind, seen] of this.kinds) {
      if (seen.repeats > 0 && (final || now - seen.lineAt >= this.intervalMs)) {
        const seconds = Math.max(0, Math.round((now - seen.lineAt) / 1000))
        this.lines.push(`persistence: ${kind}: ${seen.repeats} more in the last ${seconds} s`)
        seen.repeats = 0
        seen.lineAt = now
      }
    }
    return this.lines.splice(0)
  }
}
