/**
 * The differences the fuzzer accepts between effcached and memcached 1.6.18. Each is a deliberate or
 * known difference written in docs/compatibility.md (or an effect of how the test itself ends a
 * connection), and each applies only to inputs that can produce it and accepts only the shape that
 * difference has. Anything else the fuzzer finds is reported.
 *
 * Two kinds, which combine: a *lenience* takes out of both servers' replies what differs by design
 * (statistics listings, counter padding), and a *shape* says how the two lists of replies may then
 * differ (memcached dropped some, one server stopped early).
 *
 * @module
 */
import type { Outcome } from "./Exchange.js"
import { parseReplies } from "./Replies.js"

/** What a rule sees of the exchange. */
export interface Exchange {
  readonly input: Buffer
  readonly effcached: Outcome
  readonly memcached: Outcome
}

/** An accepted difference. */
export interface Rule {
  readonly name: string
  /** Why it is accepted, and where the difference is documented. */
  readonly reason: string
}

/**
 * Takes out of the replies what differs by design, on the inputs where it can: a unit is rewritten
 * (or dropped) on both sides, or an effcached unit is taken to match a memcached unit it may differ from.
 */
export interface Lenience extends Rule {
  readonly appliesTo: (input: string) => boolean
  readonly unit?: (unit: string) => string | undefined
  readonly matches?: (eff: string, mem: string) => boolean
}

/** Whether an effcached reply matches a memcached reply. */
type Match = (eff: string, mem: string) => boolean

/** How the two lists of replies may differ. */
export interface Shape extends Rule {
  readonly fits: (x: Exchange, eff: ReadonlyArray<string>, mem: ReadonlyArray<string>, match: Match) => boolean
}

const BAD_KEY = "CLIENT_ERROR bad command line format"

/** Whether the input has a line either server may hang up on: 2048 bytes or more, or an HTTP request line. */
export const hasHangUpLine = (input: Buffer): boolean => {
  let start = 0
  for (;;) {
    const lf = input.indexOf(0x0a, start)
    const end = lf < 0 ? input.length : lf
    if (end - start >= 2048) return true
    const tokens = input.toString("latin1", start, end).replace(/\r$/, "").split(" ").filter((t) => t.length > 0)
    if (tokens.length > 1 && tokens[tokens.length - 1]!.startsWith("HTTP/")) return true
    if (lf < 0) return false
    start = lf + 1
  }
}

const answeredSentinel = (units: ReadonlyArray<string>) => units[units.length - 1] === "MN"

/**
 * A first byte 0x80 starts the binary protocol: this campaign compares text sessions, and random bytes
 * after a binary header are a different test (the binary differential suite), so they are set aside.
 */
const binaryProtocol: Shape = {
  name: "binary-protocol",
  reason: "binary sessions are compared by test/e2e/binary-differential.test.ts",
  fits: (x) => x.input[0] === 0x80
}

/**
 * memcached closes on a non-get line over 2048 bytes unless its newline came in the same read;
 * effcached closes on one whose newline is not buffered yet. Where each stops depends on how the
 * input fell into reads, so on such input either server's replies may end before the other's. And a
 * server that closes with input unread sends a reset, which can destroy replies the client had not
 * read yet: after `quit` too, the side that was reset may have fewer replies.
 */
const stopsEarly: Shape = {
  name: "long-line-read-boundary",
  reason: "compatibility.md, Known differences: Line length; a reset loses the replies in flight",
  fits: (x, eff, mem, match) => {
    const hangUp = hasHangUpLine(x.input)
    const quits = /(^|\n)quit\r?\n/.test(x.input.toString("latin1"))
    const cut = (end: Outcome["end"], shorter: number) =>
      (hangUp || (quits && end === "reset")) &&
      Array.from({ length: shorter }).every((_, i) => match(eff[i]!, mem[i]!))
    return (eff.length < mem.length && cut(x.effcached.end, eff.length)) ||
      (mem.length < eff.length && cut(x.memcached.end, mem.length))
  }
}

/**
 * memcached drops the replies it has not written yet when a get line fails on a key over 250 bytes,
 * when it hangs up on a line too long or an HTTP request line, and when the client closes while it
 * waits for a value's data; effcached sends every reply owed ("Replies are never discarded"). Which
 * replies memcached still held depends on how its reads fell (it writes after each read, after 20
 * commands and after every get), so any run of effcached's replies just before such an error may be
 * missing from memcached's, and so may effcached's last replies when the input can make memcached hang
 * up or ended inside a value (effcached did not answer the sentinel). On input with a long line,
 * effcached may also have stopped before memcached (see long-line-read-boundary).
 */
const owedRepliesDropped: Shape = {
  name: "memcached-drops-owed-replies",
  reason: "compatibility.md, Known differences: Replies are never discarded",
  fits: (x, e, m, match) => {
    const hangUp = hasHangUpLine(x.input)
    const effTailMayGo = hangUp || !answeredSentinel(e)
    // Can e[i..] become m[j..] by dropping runs of e that end just before a bad-key error?
    const seen = new Set<number>()
    const fits = (i: number, j: number, dropping: boolean): boolean => {
      if (j === m.length) return (i === e.length && !dropping) || effTailMayGo
      if (i === e.length) return hangUp
      const state = (i * (m.length + 1) + j) * 2 + (dropping ? 1 : 0)
      if (seen.has(state)) return false
      seen.add(state)
      if (match(e[i]!, m[j]!) && (!dropping || e[i] === BAD_KEY) && fits(i + 1, j + 1, false)) return true
      return fits(i + 1, j, true)
    }
    return fits(0, 0, false)
  }
}

/**
 * After an mg of a key earlier in the same pipeline, memcached's incr/decr/ma makes a new item instead
 * of rewriting the number in place: the value is not space-padded and the h, X and Z markers go. So
 * counters lose their padding, and sizes and those markers are taken out.
 */
const counterAfterMetaGet: Lenience = {
  name: "counter-after-pipelined-mg",
  reason: "compatibility.md, Meta protocol: A counter after a pipelined mg",
  appliesTo: (input) => /(^|\n)\s*mg /.test(input) && /(^|\n)\s*(incr|decr|ma) /.test(input),
  unit: (unit) => {
    const eol = unit.indexOf("\r\n")
    const head = (eol < 0 ? unit : unit.slice(0, eol)).split(" ")
    let data = eol < 0 ? "" : unit.slice(eol + 2)
    if (/^\d+ +\r\n$/.test(data)) data = data.replace(/ +\r\n$/, "\r\n")
    if (head[0] === "VALUE") head[3] = "<size>"
    if (head[0] === "VA") head[1] = "<size>"
    if (head[0] === "ME") return head.filter((w) => !/^(fetch|size|cls)=/.test(w)).join(" ")
    const kept = head.filter((w, i) => i === 0 || !/^(h[01]|X|Z|W|s\d+)$/.test(w))
    return kept.join(" ") + (eol < 0 ? "" : "\r\n" + data)
  }
}

/**
 * Statistics listings describe what each server holds: memcached keeps counting flushed items until it
 * reclaims them (effcached empties at once), lists the slab classes it has pages in, and keeps `stats
 * sizes` and `stats detail` switched as any connection left them. So a listing may be empty on one
 * server and not on the other: listings are taken out (their contents are never compared).
 */
const statsListings: Lenience = {
  name: "stats-listings",
  reason: "compatibility.md, Statistics; Known differences: flush_all empties the store at once",
  appliesTo: (input) => input.includes("stats"),
  unit: (unit) => (unit === "<stats>" ? undefined : unit === "<stats>END" ? "END" : unit)
}

const NON_NUMERIC = "CLIENT_ERROR cannot increment or decrement non-numeric value"

/** A data block of whitespace only (effcached's) and one holding a number (memcached's). */
const whitespaceData = /^\s+\r\n$/
const numberData = /^\d+ *\r\n$/

/**
 * incr/decr/ma on a value that is all whitespace (a value of "\r\n", say): memcached's strtoull skips
 * the whitespace, CR and LF included, and reads on past the end of the value into whatever memory
 * follows, so it may find a number left there by an item that is gone, and store the result;
 * effcached answers that the value is not a number. So effcached's non-numeric error matches a number
 * (or ma's HD or VA), and its whitespace value matches memcached's number when the key is read back.
 */
const whitespaceCounter: Lenience = {
  name: "memcached-reads-past-whitespace-value",
  reason: "compatibility.md, Known differences: incr/decr on a value of whitespace only",
  appliesTo: (input) => /(^|\n)\s*(incr|decr|ma) /.test(input),
  matches: (eff, mem) => {
    if (eff === NON_NUMERIC) return /^(\d+|HD.*|VA .*)$/s.test(mem)
    const [effHead, effData] = eff.split(/(?<=^[^\r]*)\r\n/)
    const [memHead, memData] = mem.split(/(?<=^[^\r]*)\r\n/)
    if (effData === undefined || memData === undefined) return false
    return effHead!.split(" ", 2).join(" ") === memHead!.split(" ", 2).join(" ") &&
      whitespaceData.test(effData) && numberData.test(memData)
  }
}

/** The ways the replies may differ in shape, in the order they are tried. */
export const shapes: ReadonlyArray<Shape> = [binaryProtocol, stopsEarly, owedRepliesDropped]

/** What may be taken out of the replies. */
export const leniences: ReadonlyArray<Lenience> = [statsListings, counterAfterMetaGet, whitespaceCounter]

/** Every accepted difference. */
export const rules: ReadonlyArray<Rule> = [...shapes, ...leniences]

const exactly: Match = (eff, mem) => eff === mem

const CAS = /<cas\d+>/g

/**
 * Once replies have been dropped, CAS uniques cannot be numbered alike on both sides (a dropped reply
 * may have held the first one): shapes that drop compare with the uniques' numbers left out.
 */
const casBlind = (match: Match): Match => (eff, mem) =>
  match(eff, mem) || (eff.includes("<cas") && match(eff.replace(CAS, "<cas>"), mem.replace(CAS, "<cas>")))

const same = (a: ReadonlyArray<string>, b: ReadonlyArray<string>, match: Match) =>
  a.length === b.length && a.every((u, i) => match(u, b[i]!))

/**
 * The rules that explain the difference (the leniences used and the shape, if the replies are not
 * then the same), or undefined when none does.
 */
export const explain = (x: Exchange): ReadonlyArray<Rule> | undefined => {
  const text = x.input.toString("latin1")
  const applicable = leniences.filter((l) => l.appliesTo(text))
  const eff = parseReplies(x.effcached.bytes).units
  const mem = parseReplies(x.memcached.bytes).units
  // Every combination of the applicable leniences, fewest first.
  const combos: Array<ReadonlyArray<Lenience>> = [[]]
  for (const l of applicable) for (const c of [...combos]) combos.push([...c, l])
  combos.sort((a, b) => a.length - b.length)
  for (const used of combos) {
    const apply = (units: ReadonlyArray<string>) =>
      used.reduce<ReadonlyArray<string>>((us, l) => {
        const rewrite = l.unit
        if (rewrite === undefined) return us
        return us.flatMap((u) => {
          const kept = rewrite(u)
          return kept === undefined ? [] : [kept]
        })
      }, units)
    const match: Match = (e, m) => e === m || used.some((l) => l.matches?.(e, m) === true)
    const e = apply(eff)
    const m = apply(mem)
    if (used.length > 0 && same(e, m, match)) return used
    const shape = shapes.find((s) => s.fits(x, e, m, casBlind(used.length === 0 ? exactly : match)))
    if (shape !== undefined) return [...used, shape]
  }
  return undefined
}
