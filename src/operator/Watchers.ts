/**
 * The log streams of `watch`: connections that asked to watch, and the events the server logs for
 * them, in memcached 1.6.18's line format (`ts=<sec>.<usec> gid=<n> type=...`, keys URI-encoded).
 *
 * Nothing is formatted, and nothing but a boolean is read, while nobody watches a stream: the places
 * that log test {@link WatchHub.connevents} (and the like) first, as `stats detail` tests its flag.
 * Each watcher has a buffer of {@link BUFFER_BYTES}; a watcher that does not read its lines fast
 * enough misses lines, and is told how many (`skipped=<n>`) once there is room again, as in memcached.
 *
 * @module
 */
import type * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { WatchStream } from "../domain/OperatorRequest.js"

/** memcached's `watcher_logbuf_size` (256 KB): how much a watcher may fall behind. */
export const BUFFER_BYTES = 256 * 1024

/** memcached's limit on simultaneous watchers. */
export const MAX_WATCHERS = 20

/** memcached keeps 128 bytes spare beside each line (for a `skipped=` line). */
const LINE_SLACK = 128

const streamBits: Record<WatchStream, number> = {
  rawcmds: 1,
  evictions: 2,
  fetchers: 4,
  mutations: 8,
  sysevents: 16,
  connevents: 32,
  proxyreqs: 64,
  proxyevents: 128,
  proxyuser: 256
}

/** One watching connection's pending lines. */
export class Watcher {
  private lines: Array<string> = []
  private bytes = 0
  private skipped = 0
  private wake: (() => void) | undefined = undefined

  constructor(readonly streams: number, readonly minGid: number) {
    this.lines.push("OK\r\n")
    this.bytes = 4
  }

  /** Queues a line, or counts it as skipped when the buffer is full. */
  push(line: string): void {
    if (this.bytes + line.length + LINE_SLACK > BUFFER_BYTES) {
      this.skipped++
      return
    }
    if (this.skipped > 0) {
      const note = `skipped=${this.skipped}\n`
      this.lines.push(note)
      this.bytes += note.length
      this.skipped = 0
    }
    this.lines.push(line)
    this.bytes += line.length
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }

  /** Waits for lines and takes all of them. */
  readonly take: Effect.Effect<string> = Effect.async<string>((resume) => {
    const deliver = () => {
      const text = this.lines.join("")
      this.lines = []
      this.bytes = 0
      resume(Effect.succeed(text))
    }
    if (this.lines.length > 0) return deliver()
    this.wake = deliver
    return Effect.sync(() => (this.wake = undefined))
  })
}

/** memcached's `uriencode`: every byte but ASCII letters, digits and `-._~` as `%XX`. */
export const uriencode = (key: string): string => {
  let out = ""
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i)
    const plain = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ||
      c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e
    out += plain ? key[i] : `%${(c & 0xff).toString(16).toUpperCase().padStart(2, "0")}`
  }
  return out
}

/** Why a connection closed, as memcached's conn_close event names it. */
export type CloseReason = "error" | "normal" | "idle_timeout" | "shutdown"

/** The watchers of one server, and the events they watch. */
export class WatchHub {
  /** Whether anyone watches connection events (`connevents`). */
  connevents = false
  /** Whether anyone watches fetches (`fetchers`). */
  fetchers = false
  /** Whether anyone watches stores (`mutations`). */
  mutations = false
  /** Whether anyone watches evictions (`evictions`). */
  evictions = false
  /** Whether anyone watches what the store does (fetchers, mutations or evictions): tested once per batch. */
  items = false
  private readonly watchers = new Set<Watcher>()
  private gid = 0

  constructor(private readonly clock: Clock.Clock) {}

  /** Adds a watcher of `streams`, or returns undefined when {@link MAX_WATCHERS} already watch. */
  add(streams: ReadonlyArray<WatchStream>): Watcher | undefined {
    if (this.watchers.size >= MAX_WATCHERS) return undefined
    let bits = 0
    for (const stream of streams) bits |= streamBits[stream]
    // As memcached: the watcher sees events from the next global id on.
    const watcher = new Watcher(bits, ++this.gid)
    this.watchers.add(watcher)
    this.refresh()
    return watcher
  }

  /** Removes a watcher (its connection closed). */
  remove(watcher: Watcher): void {
    this.watchers.delete(watcher)
    this.refresh()
  }

  /** How many connections watch. */
  get size(): number {
    return this.watchers.size
  }

  private refresh(): void {
    let bits = 0
    for (const w of this.watchers) bits |= w.streams
    this.connevents = (bits & streamBits.connevents) !== 0
    this.fetchers = (bits & streamBits.fetchers) !== 0
    this.mutations = (bits & streamBits.mutations) !== 0
    this.evictions = (bits & streamBits.evictions) !== 0
    this.items = this.fetchers || this.mutations || this.evictions
  }

  /** Logs one event of `stream`: `text` is the line after memcached's `ts=... gid=...` prefix. */
  log(stream: WatchStream, text: string): void {
    const bit = streamBits[stream]
    const gid = ++this.gid
    const nanos = this.clock.unsafeCurrentTimeNanos()
    // memcached prints the microseconds without padding (`%lld.%d`).
    const line = `ts=${nanos / 1_000_000_000n}.${(nanos / 1000n) % 1_000_000n} gid=${gid} ${text}\n`
    for (const w of this.watchers) if ((w.streams & bit) !== 0 && gid >= w.minGid) w.push(line)
  }

  /** A connection was accepted (`type=conn_new`); call only when {@link connevents} is set. */
  connNew(address: string, port: number, id: number): void {
    this.log("connevents", `type=conn_new rip=${address} rport=${port} transport=tcp cfd=${id}`)
  }

  /** A connection closed (`type=conn_close`); call only when {@link connevents} is set. */
  connClose(address: string, port: number, reason: CloseReason, id: number): void {
    this.log("connevents", `type=conn_close rip=${address} rport=${port} transport=tcp reason=${reason} cfd=${id}`)
  }
}

/** The watchers of this server, as a service. */
export class Watchers extends Context.Tag("effcached/Watchers")<Watchers, WatchHub>() {
  /** No watcher yet. */
  static readonly layer: Layer.Layer<Watchers> = Layer.effect(
    Watchers,
    Effect.map(Effect.clock, (clock) => new WatchHub(clock))
  )
}
