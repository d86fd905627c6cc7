/**
 * `--stat`: one line per second with the servers' items, memory, connections, hit rate and commands
 * per second (summed over every server), until interrupted, as redis-cli's `--stat` does. The header
 * repeats every 20 lines. Time comes from Effect's Clock.
 *
 * @module
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type { MemcachedClientShape } from "../client/MemcachedClient.js"

/** The counters one line is computed from, summed over the servers. */
export interface Sample {
  readonly at: number
  readonly items: number
  readonly bytes: number
  readonly limit: number
  readonly connections: number
  readonly hits: number
  readonly misses: number
  readonly commands: number
}

/** The counters that count commands (each command counts once). */
const COMMAND_COUNTERS = [
  "cmd_get",
  "cmd_set",
  "cmd_touch",
  "cmd_flush",
  "delete_hits",
  "delete_misses",
  "incr_hits",
  "incr_misses",
  "decr_hits",
  "decr_misses"
]

/** Sums the `stats` of every server into a sample taken at `at` (ms). */
export const sampleOf = (at: number, replies: ReadonlyArray<ReadonlyArray<readonly [string, string]>>): Sample => {
  const sum = (names: ReadonlyArray<string>) =>
    replies.reduce((total, entries) => {
      const values = new Map(entries)
      return total + names.reduce((s, name) => s + (Number(values.get(name)) || 0), 0)
    }, 0)
  return {
    at,
    items: sum(["curr_items"]),
    bytes: sum(["bytes"]),
    limit: sum(["limit_maxbytes"]),
    connections: sum(["curr_connections"]),
    hits: sum(["get_hits"]),
    misses: sum(["get_misses"]),
    commands: sum(COMMAND_COUNTERS)
  }
}

/** Bytes as people read them (1.5K, 12.0M, 3.2G). */
export const human = (bytes: number): string => {
  const units = ["B", "K", "M", "G", "T"]
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${value}B` : `${value.toFixed(value >= 100 ? 0 : 1)}${units[unit]}`
}

const HEADER = ["items", "memory", "conns", "hit rate", "ops/s"]

/** The cells of a line: now, and the rates since `before` (none for the first line). */
export const cells = (before: Sample | undefined, now: Sample): Array<string> => {
  const seconds = before === undefined ? 0 : (now.at - before.at) / 1000
  const gets = before === undefined ? 0 : (now.hits - before.hits) + (now.misses - before.misses)
  const rate = before === undefined || gets === 0 ? "-" : `${(100 * (now.hits - before.hits) / gets).toFixed(1)}%`
  const ops = before === undefined || seconds <= 0
    ? "-"
    : String(Math.round((now.commands - before.commands) / seconds))
  return [String(now.items), `${human(now.bytes)}/${human(now.limit)}`, String(now.connections), rate, ops]
}

/** Column widths, so that lines printed a second apart line up under the header. */
const WIDTHS = [10, 15, 7, 9, 0]

/** A line of cells in the columns. */
export const row = (cells: ReadonlyArray<string>): string =>
  cells.map((cell, i) => cell.padEnd(WIDTHS[i] ?? 0)).join("  ").trimEnd() + "\n"

/** Prints a line every second until interrupted; `write` gets each line (with its newline). */
export const monitor = (client: MemcachedClientShape, write: (line: string) => void): Effect.Effect<never, never> =>
  Effect.gen(function*() {
    let previous: Sample | undefined
    let printed = 0
    const tick = Effect.gen(function*() {
      const at = yield* Clock.currentTimeMillis
      const replies = yield* Effect.either(client.stats())
      if (replies._tag === "Left") {
        write(`(error) ${replies.left.message}\n`)
        previous = undefined
        return
      }
      const entries = replies.right.map(({ result }) => (result._tag === "StatsReply" ? result.entries : []))
      const sample = sampleOf(at, entries)
      if (printed % 20 === 0) write(row(HEADER))
      write(row(cells(previous, sample)))
      printed++
      previous = sample
    })
    return yield* Effect.repeat(tick, Schedule.spaced("1 second")).pipe(Effect.zipRight(Effect.never))
  })
