/**
 * A server's reply bytes as a list of replies that compare across servers. Each reply is one unit (a
 * line, or a VALUE/VA line with its data block); what two correct servers legitimately disagree on is
 * taken out: CAS uniques become `<cas1>`, `<cas2>`, ... in order of first appearance (so equal uniques
 * stay equal), clock readings (meta `t` and `l`, `me` `exp=` and `la=`) become `<clock>` and are kept
 * aside to be compared a second apart, and statistics, which describe each server's own process, become
 * `<stats>`. `stats cachedump`'s ITEM lines are dropped: memcached lists only its cold LRU segment, so
 * the two lists differ by design (docs/compatibility.md).
 *
 * @module
 */

/** A reply stream made comparable. */
export interface Replies {
  readonly units: ReadonlyArray<string>
  /** The clock readings taken out of the units, in order. */
  readonly clocks: ReadonlyArray<number>
}

const META_REPLIES = new Set(["VA", "HD", "EN", "NS", "EX", "NF"])
const STAT_LINES = new Set(["STAT", "ITEM", "PREFIX"])

/** Splits and normalises everything a server sent on one connection. */
export const parseReplies = (bytes: Buffer): Replies => {
  const text = bytes.toString("latin1")
  const units: Array<string> = []
  const clocks: Array<number> = []
  const uniques = new Map<string, number>()
  const cas = (unique: string) => {
    let id = uniques.get(unique)
    if (id === undefined) uniques.set(unique, id = uniques.size + 1)
    return `<cas${id}>`
  }
  const clock = (value: string) => {
    clocks.push(Number(value))
    return "<clock>"
  }
  let pos = 0
  let inStats = false
  while (pos < text.length) {
    const eol = text.indexOf("\r\n", pos)
    if (eol < 0) {
      units.push(`<partial ${JSON.stringify(text.slice(pos))}>`)
      break
    }
    const line = text.slice(pos, eol)
    const words = line.split(" ")
    const head = words[0]!
    let next = eol + 2
    if (STAT_LINES.has(head)) {
      if (!inStats) units.push(head === "ITEM" ? "<items>" : "<stats>")
      inStats = true
      pos = next
      continue
    }
    if (inStats && line === "END") {
      units[units.length - 1] += "END"
      inStats = false
      pos = next
      continue
    }
    inStats = false
    if (head === "VALUE" || head === "VA") {
      const length = Number(words[head === "VALUE" ? 3 : 1])
      if (head === "VALUE" && words.length === 5) words[4] = cas(words[4]!)
      if (head === "VA") normaliseFlags(words, 2, cas, clock)
      next = Number.isInteger(length) && length >= 0 ? Math.min(text.length, eol + 2 + length + 2) : next
      units.push(words.join(" ") + "\r\n" + text.slice(eol + 2, next))
    } else {
      if (META_REPLIES.has(head)) normaliseFlags(words, 1, cas, clock)
      else if (head === "ME") normaliseDebug(words, cas, clock)
      units.push(words.join(" "))
    }
    pos = next
  }
  return { units: units.map((u) => (u === "<items>END" ? "END" : u)), clocks }
}

/** A meta reply's flag words: `c<unique>`, `t<ttl>` (but `t-1`, no expiry, is a fact), `l<seconds>`. */
const normaliseFlags = (
  words: Array<string>,
  from: number,
  cas: (unique: string) => string,
  clock: (value: string) => string
): void => {
  for (let i = from; i < words.length; i++) {
    const word = words[i]!
    if (/^c\d+$/.test(word)) words[i] = "c" + cas(word.slice(1))
    else if (/^t-?\d+$/.test(word) && word !== "t-1") words[i] = "t" + clock(word.slice(1))
    else if (/^l\d+$/.test(word)) words[i] = "l" + clock(word.slice(1))
  }
}

/** `ME <key> exp= la= cas= fetch= cls= size=`. */
const normaliseDebug = (words: Array<string>, cas: (u: string) => string, clock: (v: string) => string): void => {
  for (let i = 2; i < words.length; i++) {
    const [name, value] = words[i]!.split("=")
    if (value === undefined) continue
    if (name === "cas") words[i] = `cas=${cas(value)}`
    else if (name === "la" || (name === "exp" && value !== "-1")) words[i] = `${name}=${clock(value)}`
  }
}

/** Whether two normalised streams are the same, clock readings at most `slack` seconds apart. */
export const sameReplies = (a: Replies, b: Replies, slack = 1): boolean =>
  a.units.length === b.units.length &&
  a.units.every((u, i) => u === b.units[i]) &&
  a.clocks.length === b.clocks.length &&
  a.clocks.every((c, i) => Math.abs(c - b.clocks[i]!) <= slack)
