/**
 * Progress of a benchmark on stderr: on a terminal, a bar redrawn in place with the step running and
 * an estimate of the time left; otherwise (a log, CI) one plain line per step. Each finished step
 * leaves a line with its result either way, so stdout keeps only the final table.
 *
 * @module
 */

/** Where progress goes: stderr, or a fake in tests. */
export interface ProgressStream {
  readonly isTTY?: boolean
  readonly columns?: number
  write(text: string): unknown
}

/** Reports the progress of a sequence of units of work, each weighted by its expected seconds. */
export class Progress {
  private done = 0
  private count = 0
  private current: { readonly label: string; readonly weight: number; readonly startedAt: number } | undefined
  private readonly startedAt: number
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly total: number,
    private readonly units: number,
    private readonly stream: ProgressStream = process.stderr,
    private readonly now: () => number = Date.now
  ) {
    this.startedAt = now()
    if (stream.isTTY === true) {
      this.timer = setInterval(() => this.draw(), 250)
      this.timer.unref()
    }
  }

  /** A unit starts: `weight` is its expected length in seconds. */
  begin(label: string, weight: number): void {
    this.count++
    this.current = { label, weight, startedAt: this.now() }
    if (this.stream.isTTY === true) this.draw()
    else this.stream.write(`[${this.count}/${this.units}] ${label}\n`)
  }

  /** The current unit is over; `summary` is its result in a few words. */
  end(summary: string): void {
    const label = this.current?.label ?? ""
    this.done += this.current?.weight ?? 0
    this.current = undefined
    this.line(this.stream.isTTY === true ? `${label}: ${summary}` : `  ${summary}`)
  }

  /** A message of its own, above the bar. */
  note(message: string): void {
    this.line(message)
  }

  /** The fraction done, counting the running unit by its elapsed time (capped at its weight). */
  fraction(): number {
    const running = this.current === undefined
      ? 0
      : Math.min(this.current.weight, (this.now() - this.current.startedAt) / 1000)
    return this.total > 0 ? Math.min(1, (this.done + running) / this.total) : 1
  }

  /** The bar's text: `[#####-----]  50%  label  ETA 1m05s`. */
  bar(width = 30): string {
    const fraction = this.fraction()
    const filled = Math.round(fraction * width)
    const elapsed = (this.now() - this.startedAt) / 1000
    const eta = fraction > 0.01 ? ` ETA ${duration((elapsed * (1 - fraction)) / fraction)}` : ""
    const label = this.current === undefined ? "" : `  [${this.count}/${this.units}] ${this.current.label}`
    return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${
      Math.floor(fraction * 100).toString().padStart(3)
    }%${label}${eta}`
  }

  /** Stops redrawing and clears the bar. */
  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    if (this.stream.isTTY === true) this.stream.write("\r\x1b[K")
  }

  private line(text: string): void {
    if (this.stream.isTTY === true) {
      this.stream.write(`\r\x1b[K${text}\n`)
      this.draw()
    } else {
      this.stream.write(`${text}\n`)
    }
  }

  private draw(): void {
    const text = this.bar()
    const columns = this.stream.columns ?? 120
    this.stream.write(`\r\x1b[K${text.length >= columns ? text.slice(0, columns - 1) : text}`)
  }
}

/** Seconds as `42s`, `3m05s` or `1h02m`. */
export const duration = (seconds: number): string => {
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
}
