/**
 * Concurrent writers whose every request and acknowledgement is recorded, for the crash tests: each
 * connection owns its keys (so a key's requests reach the server in the order they were sent), sends
 * one request at a time (set, ms, delete, incr, chosen by a seeded generator) and checks every reply
 * against the model, and notes when each was acknowledged. After a crash, a key may only hold the
 * state after a prefix of its requests: every acknowledged one (`always`), every one acknowledged
 * before a cut-off (`everysec`), or any (`no`).
 */
import { performance } from "node:perf_hooks"
import { Random } from "../../src/bench/Random.js"
import { type Item, sameItem, showItem } from "./persistence.js"
import { Connection } from "./wire.js"

/** One request a writer sent, what it must leave behind, and when it was acknowledged. */
interface Sent {
  readonly request: string
  readonly expected: string
  readonly after: Item | undefined
  /** performance.now() when the reply came; undefined while in flight (or never answered). */
  ackedAt: number | undefined
}

/** A key's state when the round began, and the requests sent for it since. */
interface History {
  base: Item | undefined
  sent: Array<Sent>
}

const current = (history: History): Item | undefined =>
  history.sent.length === 0 ? history.base : history.sent[history.sent.length - 1]!.after

const isNumeric = (value: string) => /^\d{1,19}$/.test(value)

/** The keys of `conns` writers, `perConn` each, and what was written to them. */
export class WriteHistory {
  readonly keys: ReadonlyArray<string>
  private readonly histories = new Map<string, History>()
  private version = 0
  /** Replies that did not match the model (a server bug, or the model's): reported by `check`. */
  readonly mismatches: Array<string> = []

  constructor(readonly conns: number, readonly perConn: number) {
    const keys: Array<string> = []
    for (let c = 0; c < conns; c++) {
      for (let k = 0; k < perConn; k++) {
        const key = `w${c}k${k}`
        keys.push(key)
        this.histories.set(key, { base: undefined, sent: [] })
      }
    }
    this.keys = keys
  }

  private next(random: Random, key: string, now: Item | undefined): Omit<Sent, "ackedAt"> {
    const choice = random.below(100)
    const flags = random.below(65536)
    if (choice < 40 || choice >= 90 && now === undefined) {
      const value = random.below(4) === 0
        ? String(random.below(1_000_000_000))
        : `${key}:${++this.version}:${"x".repeat(random.below(300))}`
      return {
        request: `set ${key} ${flags} 0 ${value.length}\r\n${value}\r\n`,
        expected: "STORED\r\n",
        after: { flags, value }
      }
    }
    if (choice < 65) {
      const value = `${key}:${++this.version}:ms${"y".repeat(random.below(100))}`
      return {
        request: `ms ${key} ${value.length} F${flags}\r\n${value}\r\n`,
        expected: "HD\r\n",
        after: { flags, value }
      }
    }
    if (choice < 75) {
      return {
        request: `delete ${key}\r\n`,
        expected: now === undefined ? "NOT_FOUND\r\n" : "DELETED\r\n",
        after: undefined
      }
    }
    const delta = 1 + random.below(1000)
    if (now === undefined) return { request: `incr ${key} ${delta}\r\n`, expected: "NOT_FOUND\r\n", after: undefined }
    if (!isNumeric(now.value)) {
      return {
        request: `incr ${key} ${delta}\r\n`,
        expected: "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n",
        after: now
      }
    }
    const value = String(BigInt(now.value) + BigInt(delta))
    return { request: `incr ${key} ${delta}\r\n`, expected: `${value}\r\n`, after: { flags: now.flags, value } }
  }

  /**
   * Writer `conn`: one request at a time on its own keys until the connection fails (the server was
   * killed) or `stop()` returns true. Resolves with the number of acknowledged requests.
   */
  async write(port: number, conn: number, seed: number, stop: () => boolean): Promise<number> {
    const random = new Random(seed)
    const connection = await Connection.open(port)
    let acked = 0
    try {
      while (!stop()) {
        const key = `w${conn}k${random.below(this.perConn)}`
        const history = this.histories.get(key)!
        const sent: Sent = { ...this.next(random, key, current(history)), ackedAt: undefined }
        history.sent.push(sent)
        let reply: string
        try {
          reply = await connection.request(sent.request)
        } catch {
          // The server is gone (killed): this request stays unacknowledged. Still running and silent
          // for 5 s is a stall, a failure of its own.
          if (!connection.closed) {
            this.mismatches.push(`no reply within 5 s to ${JSON.stringify(sent.request.slice(0, 60))}`)
          }
          return acked
        }
        sent.ackedAt = performance.now()
        acked++
        if (reply !== sent.expected) {
          this.mismatches.push(`${JSON.stringify(sent.request.slice(0, 60))}: ${JSON.stringify(reply)}`)
          return acked
        }
      }
      return acked
    } finally {
      connection.close()
    }
  }

  /**
   * Problems with what the restarted server holds (`found`, by key): a key must hold the state after
   * all its requests acknowledged before `cutoff` (performance.now() time; Infinity: all acknowledged
   * ones; -Infinity: none), and possibly some of the later ones, in order; anything else is wrong.
   */
  check(found: ReadonlyMap<string, Item>, cutoff: number): Array<string> {
    const problems = this.mismatches.map((m) => `reply not as the model expects: ${m}`)
    for (const key of this.keys) {
      const history = this.histories.get(key)!
      const states = [history.base, ...history.sent.map((s) => s.after)]
      let required = 0
      history.sent.forEach((s, i) => {
        if (s.ackedAt !== undefined && (cutoff === Infinity || s.ackedAt < cutoff)) required = i + 1
      })
      const got = found.get(key)
      if (!states.slice(required).some((state) => sameItem(state, got))) {
        const acked = history.sent.filter((s) => s.ackedAt !== undefined).length
        problems.push(
          `${key}: holds ${showItem(got)}; expected ${showItem(states[required])} or a later state ` +
            `(${history.sent.length} requests, ${acked} acknowledged, ${required} required)`
        )
      }
    }
    return problems
  }

  /** Starts a new round from what the server holds now. */
  adopt(found: ReadonlyMap<string, Item>): void {
    for (const key of this.keys) this.histories.set(key, { base: found.get(key), sent: [] })
  }

  /** Requests sent and acknowledged in this round, for messages. */
  counts(): { readonly sent: number; readonly acked: number } {
    let sent = 0
    let acked = 0
    for (const history of this.histories.values()) {
      sent += history.sent.length
      acked += history.sent.filter((s) => s.ackedAt !== undefined).length
    }
    return { sent, acked }
  }
}
