/**
 * One run's shared state and its client connections, for the built-in load generator: each
 * connection keeps a ring of requests in flight, parses the replies as they come (ReplyParser), checks
 * every value read against the version it last wrote for that key, and records each completed
 * request's latency when it falls in the timed window.
 *
 * Plain classes and callbacks: this is the hot loop of a load run.
 *
 * @module
 */
import type * as net from "node:net"
import { performance } from "node:perf_hooks"
import { BinaryReplyParser, getPacket, setPacket } from "./BinaryLoad.js"
import { Histogram } from "./Histogram.js"
import { Random } from "./Random.js"
import { isFailure, type LineReply, ReplyParser, ReplyProtocolError, type ReplySink } from "./ReplyParser.js"
import { checkValue, KEY_PREFIX, NO_VERSION, writeValue } from "./ValuePattern.js"
import type { Protocol, Workload } from "./Workload.js"

/** Sets in flight per connection while prefilling. */
const PREFILL_WINDOW = 64
/** Problems kept, in words, per run. */
const MAX_DIAGNOSTICS = 5

const GET = 0
const SET = 1

/** Where a run is. */
export type Phase = "connect" | "prefill" | "run" | "done"

/** What a run counts. */
export interface Counters {
  gets: number
  sets: number
  hits: number
  misses: number
  errors: number
  verifyErrors: number
}

/** What every connection of one run shares. */
export class RunState {
  readonly histogram = new Histogram()
  readonly counters: Counters = { gets: 0, sets: 0, hits: 0, misses: 0, errors: 0, verifyErrors: 0 }
  readonly diagnostics: Array<string> = []
  /** The version last sent per key (NO_VERSION: not written in this run, or unknown). */
  readonly versions: Uint32Array
  phase: Phase = "connect"
  /** End of the timed window (performance.now() milliseconds). */
  endAt = 0
  inflight = 0
  lastReplyAt = 0

  constructor(readonly workload: Workload, readonly verify: boolean, readonly protocol: Protocol = "text") {
    this.versions = new Uint32Array(workload.keys).fill(NO_VERSION)
  }

  /** Keeps a problem, in words, for the report (the first few only). */
  note(message: string): void {
    if (this.diagnostics.length < MAX_DIAGNOSTICS) this.diagnostics.push(message)
  }
}

/** One client connection: its socket, parser, and ring of requests in flight. */
export class Connection implements ReplySink {
  private readonly parser: { feed(chunk: Buffer): void }
  private readonly random: Random
  private readonly capacity: number
  private readonly kinds: Uint8Array
  private readonly sentAt: Float64Array
  private readonly hits: Uint16Array
  private readonly misses: Uint16Array
  private readonly keys: Uint32Array
  private readonly expected: Uint32Array
  private head = 0
  private count = 0
  /** How many keys of the oldest request (a get) are answered so far. */
  private answered = 0
  private out: Array<Buffer> = []
  private outLength = 0
  private nextPrefill: number
  private readonly owned: number
  /** Set once the connection failed or was dropped. */
  dead = false

  constructor(
    readonly index: number,
    readonly socket: net.Socket,
    private readonly state: RunState,
    seed: number,
    private readonly onDead: (connection: Connection) => void
  ) {
    const { conns, depth, keys, multiGet } = state.workload
    this.parser = state.protocol === "binary" ? new BinaryReplyParser(this) : new ReplyParser(this)
    this.random = new Random(seed + index)
    this.capacity = Math.max(depth, PREFILL_WINDOW)
    this.kinds = new Uint8Array(this.capacity)
    this.sentAt = new Float64Array(this.capacity)
    this.hits = new Uint16Array(this.capacity)
    this.misses = new Uint16Array(this.capacity)
    this.keys = new Uint32Array(this.capacity * multiGet)
    this.expected = new Uint32Array(this.capacity * multiGet)
    this.nextPrefill = index
    this.owned = Math.ceil((keys - index) / conns)
  }

  /** Whether this connection has written all of its keys once and had every reply. */
  get prefilled(): boolean {
    return this.dead || (this.nextPrefill >= this.state.workload.keys && this.count === 0)
  }

  /** Handles one socket read: every reply in it, then tops the pipeline up and writes once. */
  receive(chunk: Buffer): void {
    if (this.dead) return
    try {
      this.parser.feed(chunk)
    } catch (error) {
      if (!(error instanceof ReplyProtocolError)) throw error
      this.state.note(`connection ${this.index}: protocol error: ${error.message}`)
      this.drop()
      return
    }
    this.refill()
  }

  /** Issues requests until the pipeline is full (or the phase says stop), then writes them. */
  refill(): void {
    const state = this.state
    const now = performance.now()
    if (state.phase === "prefill") {
      const { keys, conns } = state.workload
      while (this.count < PREFILL_WINDOW && this.nextPrefill < keys) {
        state.versions[this.nextPrefill] = 0
        this.issueSet(this.nextPrefill, 0, now)
        this.nextPrefill += conns
      }
    } else if (state.phase === "run") {
      const { depth, setWeight, getWeight } = state.workload
      while (this.count < depth && now < state.endAt) {
        if (this.random.below(setWeight + getWeight) < setWeight) {
          const key = this.pickKey()
          const current = state.versions[key]!
          const version = current === NO_VERSION ? 1 : current + 1
          state.versions[key] = version
          this.issueSet(key, version, now)
        } else {
          this.issueGet(now)
        }
      }
    }
    this.flush()
  }

  private pickKey(): number {
    return this.index + this.random.below(this.owned) * this.state.workload.conns
  }

  private push(kind: number, now: number): number {
    const slot = (this.head + this.count) % this.capacity
    this.kinds[slot] = kind
    this.sentAt[slot] = now
    this.hits[slot] = 0
    this.misses[slot] = 0
    this.count++
    this.state.inflight++
    return slot
  }

  private issueSet(key: number, version: number, now: number): void {
    const slot = this.push(SET, now)
    const base = slot * this.state.workload.multiGet
    this.keys[base] = key
    this.expected[base] = version
    const size = this.state.workload.valueSize
    if (this.state.protocol === "binary") return this.send(setPacket(key, version, size))
    const header = `set ${KEY_PREFIX}${key} 0 0 ${size}\r\n`
    const request = Buffer.allocUnsafe(header.length + size + 2)
    request.write(header, 0, "latin1")
    writeValue(request, header.length, size, key, version)
    request[request.length - 2] = 13
    request[request.length - 1] = 10
    this.send(request)
  }

  private send(request: Buffer): void {
    this.out.push(request)
    this.outLength += request.length
  }

  private issueGet(now: number): void {
    const slot = this.push(GET, now)
    const n = this.state.workload.multiGet
    const base = slot * n
    const text = this.state.protocol === "text"
    let line = "get"
    for (let i = 0; i < n; i++) {
      const key = this.pickKey()
      this.keys[base + i] = key
      // Replies come in order, so the server must hold exactly what this connection sent last.
      this.expected[base + i] = this.state.verify ? this.state.versions[key]! : NO_VERSION
      if (text) line += ` ${KEY_PREFIX}${key}`
    }
    this.send(text ? Buffer.from(line + "\r\n", "latin1") : getPacket(this.keys.subarray(base, base + n)))
  }

  private flush(): void {
    if (this.outLength === 0 || this.dead) return
    this.socket.write(this.out.length === 1 ? this.out[0]! : Buffer.concat(this.out, this.outLength))
    this.out = []
    this.outLength = 0
  }

  private oldest(kind: number, what: string): number {
    if (this.count === 0) throw new ReplyProtocolError(`${what} with no request outstanding`)
    if (this.kinds[this.head] !== kind) {
      throw new ReplyProtocolError(`${what} in reply to a ${kind === GET ? "set" : "get"}`)
    }
    return this.head
  }

  /** ReplySink: a hit of the oldest request, a get; keys passed over were misses. */
  onValue(key: string, flags: number, data: Buffer, start: number, end: number): void {
    const slot = this.oldest(GET, "VALUE")
    const n = this.state.workload.multiGet
    const base = slot * n
    const k = key.startsWith(KEY_PREFIX) ? Number(key.slice(KEY_PREFIX.length)) : NaN
    while (this.answered < n && this.keys[base + this.answered] !== k) this.miss(slot, base + this.answered++)
    if (this.answered === n) throw new ReplyProtocolError(`VALUE for ${key}, a key not asked for`)
    this.hits[slot]!++
    const expected = this.expected[base + this.answered++]!
    if (!this.state.verify) return
    const problem = checkValue(data, start, end, flags, k, expected, this.state.workload.valueSize)
    if (problem !== undefined) this.verifyError(k, problem)
  }

  /** ReplySink: the oldest request, a get, is answered; keys not reported were misses. */
  onEnd(): void {
    const slot = this.oldest(GET, "END")
    const n = this.state.workload.multiGet
    while (this.answered < n) this.miss(slot, slot * n + this.answered++)
    this.complete(slot)
  }

  /** ReplySink: a set answered, or an error reply to either kind of request. */
  onLine(reply: LineReply, line: string): void {
    if (this.count === 0) throw new ReplyProtocolError(`${line} with no request outstanding`)
    const slot = this.head
    if (reply === "STORED" && this.kinds[slot] === SET) return this.complete(slot)
    if (!isFailure(reply)) {
      throw new ReplyProtocolError(`${line} in reply to a ${this.kinds[slot] === GET ? "get" : "set"}`)
    }
    this.state.counters.errors++
    this.state.note(`connection ${this.index}: error reply: ${line}`)
    if (this.kinds[slot] === SET) {
      // The key's state is unknown from now on, unless a later set already replaced it.
      const base = slot * this.state.workload.multiGet
      const key = this.keys[base]!
      if (this.state.versions[key] === this.expected[base]) this.state.versions[key] = NO_VERSION
    }
    this.complete(slot)
  }

  private miss(slot: number, at: number): void {
    this.misses[slot]!++
    if (this.state.verify && this.expected[at] !== NO_VERSION) this.verifyError(this.keys[at]!, "unexpected miss")
  }

  private verifyError(key: number, problem: string): void {
    this.state.counters.verifyErrors++
    this.state.note(`connection ${this.index}: verify error on ${KEY_PREFIX}${key}: ${problem}`)
  }

  private complete(slot: number): void {
    const state = this.state
    const now = performance.now()
    if (state.phase === "run" && now <= state.endAt) {
      const counters = state.counters
      if (this.kinds[slot] === SET) counters.sets++
      else counters.gets++
      counters.hits += this.hits[slot]!
      counters.misses += this.misses[slot]!
      state.histogram.record((now - this.sentAt[slot]!) * 1000)
    }
    this.head = (this.head + 1) % this.capacity
    this.count--
    this.answered = 0
    state.inflight--
    state.lastReplyAt = now
  }

  /** Drops the connection (after a failure): its outstanding requests are no longer waited for. */
  drop(): void {
    if (this.dead) return
    this.dead = true
    this.state.inflight -= this.count
    this.count = 0
    this.socket.destroy()
    this.onDead(this)
  }
}
