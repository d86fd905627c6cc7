/**
 * The fuzzer's inputs: one byte stream per input, as one client would send it on a fresh connection,
 * generated from the campaign's seed and the input's index alone, so any input can be rebuilt to be
 * replayed. Most streams are text and meta commands with arguments drawn from memcached's edge cases
 * (number limits, 250/251-byte keys, the word noreply, wrong data lengths, too-large values), some of
 * them then mutated byte by byte; the rest are token and byte soups and framing edge cases.
 *
 * Inputs must give the same replies on two servers run side by side, so they avoid what depends on
 * the moment: keys carry the input's own namespace (concurrent inputs never share an item), TTLs are
 * never a few seconds ahead, and an input that acts on the whole cache (flush_all, cache_memlimit, a
 * key with no namespace) is marked `exclusive`, for the campaign to run it alone.
 *
 * @module
 */
import { Random } from "../bench/Random.js"
import { deltas, edgeNumbers, exptimes, statsArgs, values } from "./EdgeValues.js"
import { mutate } from "./Mutator.js"

/** One generated input. */
export interface FuzzInput {
  /** The campaign's seed and this input's index: all that is needed to build it again. */
  readonly seed: number
  readonly index: number
  /** A re-run of a difference gets fresh keys (another namespace), so earlier runs do not show. */
  readonly attempt: number
  /** What kind of stream it is (for the report). */
  readonly style: Style
  /** The bytes, as the client sends them. */
  readonly bytes: Buffer
  /** Positions at which the bytes are cut into separate writes. */
  readonly cuts: ReadonlyArray<number>
  /** Whether the input acts on the whole cache, so it must run alone. */
  readonly exclusive: boolean
  /** How many commands the generator wrote (before any mutation). */
  readonly commands: number
}

/** The kinds of stream. */
export type Style = "commands" | "mutated" | "meta" | "tokens" | "bytes" | "framing"

/** A seed for one input, mixed from the campaign's seed, the index and the attempt. */
const inputSeed = (seed: number, index: number, attempt: number): number => {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35) ^ Math.imul(attempt, 0x27d4eb2f)
  h ^= h >>> 16
  h = Math.imul(h, 0x7feb352d)
  return (h ^ (h >>> 15)) >>> 0
}

/** A random source with the choices the generators need. */
export class Dice extends Random {
  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() / 4294967296 < p
  }
  /** A whole number in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1)
  }
  /** One of the items. */
  pick<T>(items: ReadonlyArray<T>): T {
    return items[this.below(items.length)]!
  }
}

/** What one input's commands draw from. */
class Context {
  exclusive = false
  commands = 0
  readonly keys: ReadonlyArray<string>

  constructor(readonly dice: Dice, readonly ns: string) {
    this.keys = ["a", "b", "c", "n", "m"].map((k) => ns + k)
  }

  key(): string {
    const d = this.dice
    const r = d.below(100)
    if (r < 84) return d.pick(this.keys)
    if (r < 88) return this.ns + "x".repeat(250 - this.ns.length)
    if (r < 92) return this.ns + "x".repeat(251 - this.ns.length)
    if (r < 99 || !d.chance(0.2)) return this.ns + d.pick(["\t", "\x7f", "\xff", "\r", "\x01", "é"])
    // Keys outside the namespace are shared by every input: run this one alone.
    this.exclusive = true
    return d.pick(["noreply", "noreply", "0", "-"])
  }

  number(): string {
    return this.dice.pick(edgeNumbers)
  }

  value(): string {
    const d = this.dice
    const r = d.below(100)
    if (r < 60) return d.pick(values)
    if (r < 92) return randomText(d, d.between(1, 200))
    if (r < 99) return "v".repeat(d.between(1000, 20_000))
    // Just over memcached's 16 KB read, or now and then the size of its largest slab chunk.
    return "w".repeat(d.chance(0.9) ? 16 * 1024 + 1 : 512 * 1024)
  }

  /** ` noreply` sometimes, and now and then a word where noreply is not a flag. */
  noreply(): string {
    const r = this.dice.below(100)
    return r < 18 ? " noreply" : r < 21 ? " NOREPLY" : r < 23 ? " noreply noreply" : ""
  }

  eol(): string {
    const r = this.dice.below(100)
    return r < 90 ? "\r\n" : r < 97 ? "\n" : r < 99 ? "\r\r\n" : "\n\r\n"
  }
}

const randomText = (d: Dice, length: number): string => {
  let s = ""
  for (let i = 0; i < length; i++) s += String.fromCharCode(d.chance(0.8) ? d.between(0x21, 0x7e) : d.below(256))
  return s
}

/** A storage command with its data block, its length sometimes wrong and its terminator sometimes not CRLF. */
const storage = (c: Context): string => {
  const d = c.dice
  const command = d.pick(["set", "set", "add", "replace", "append", "prepend", "cas"])
  const value = c.value()
  const r = d.below(100)
  const length = r < 85
    ? String(value.length)
    : r < 90
    ? String(value.length + d.pick([-2, -1, 1, 2]))
    : r < 95
    ? d.pick(["2000000", "1048576", "1048500", "-1", "abc", "4294967296"])
    : c.number()
  const flags = d.chance(0.7) ? d.pick(["0", "1", "4294967295"]) : c.number()
  const exptime = d.chance(0.7) ? "0" : d.pick(exptimes)
  const cas = command === "cas" ? ` ${d.chance(0.5) ? d.pick(["1", "0", "100"]) : c.number()}` : ""
  const end = d.below(100)
  const terminator = end < 92 ? "\r\n" : end < 95 ? "\n" : end < 98 ? "xx" : ""
  // A too-large header is often followed by only part of its data: the connection ends mid-swallow.
  const data = length === "2000000" && d.chance(0.7) ? value.slice(0, 40) : value + terminator
  return `${command} ${c.key()} ${flags} ${exptime} ${length}${cas}${c.noreply()}${c.eol()}${data}`
}

const keyList = (c: Context): string => {
  const d = c.dice
  const n = d.chance(0.9) ? d.between(1, 4) : d.between(5, 40)
  return Array.from({ length: n }, () => c.key()).join(" ")
}

/** One text-protocol command line (and data block), or something that looks like one. */
const textCommand = (c: Context): string => {
  const d = c.dice
  const r = d.below(100)
  if (r < 30) return storage(c)
  if (r < 45) return `${d.pick(["get", "get", "gets", "bget"])} ${keyList(c)}${c.eol()}`
  if (r < 52) return `${d.pick(["gat", "gats"])} ${d.pick(exptimes)} ${keyList(c)}${c.eol()}`
  if (r < 58) {
    const hold = d.chance(0.2) ? ` ${d.pick(["0", "1", "00", "noreply"])}` : ""
    return `delete ${c.key()}${hold}${c.noreply()}${c.eol()}`
  }
  if (r < 68) return `${d.pick(["incr", "decr"])} ${c.key()} ${d.pick(deltas)}${c.noreply()}${c.eol()}`
  if (r < 73) return `touch ${c.key()} ${d.pick(exptimes)}${c.noreply()}${c.eol()}`
  if (r < 76) return `version${c.eol()}`
  if (r < 78) return `verbosity ${d.pick(["0", "1", "abc", "noreply"])}${c.noreply()}${c.eol()}`
  if (r < 81) return `stats${d.pick(statsArgs)}${c.eol()}`
  if (r < 84) {
    // Both act on the whole cache, so they make the input run alone: seldom, to keep inputs in parallel.
    if (d.chance(0.7)) return `mn${c.eol()}`
    if (r < 82) {
      c.exclusive = true
      // No delayed flush: memcached's (even far ahead) revives the items an earlier immediate flush only
      // marked, where effcached had emptied the store at once (compatibility.md, flush_all).
      return `flush_all${d.pick(["", " 0", " -1", " abc"])}${c.noreply()}${c.eol()}`
    }
    // Only forms that leave the limit as it is (a new limit would make the servers evict differently).
    return `cache_memlimit${d.pick(["", " abc", " 7", " 2000000000", " -1", " 0"])}${c.noreply()}${c.eol()}`
  }
  if (r < 85) return d.chance(0.5) ? `quit${c.eol()}` : `shutdown${d.pick(["", " graceful", " now"])}${c.eol()}`
  if (r < 93) return metaCommand(c)
  // Wrong arity, unknown and almost-known commands, an HTTP request line.
  return d.pick([
    "get",
    "gets",
    "set k 0 0",
    "incr",
    "touch k",
    "GET k",
    "m",
    "mx k",
    "gett k",
    "sets k 0 0 1",
    "GET / HTTP/1.1",
    "",
    " ",
    "   get   k  ",
    `set ${c.key()}${" 0".repeat(30)}`,
    `get${` ${c.key()}`.repeat(30)}`
  ]) + c.eol()
}

const metaFlagWords = (c: Context, command: "mg" | "ms" | "md" | "ma"): string => {
  const d = c.dice
  const all = {
    mg: "bcfhklOqstuvNRTE",
    ms: "bcCFIkOqsTMSE",
    md: "bCIkOqTxE",
    ma: "bCNJDTMOqtcvk"
  }[command]
  const n = d.chance(0.05) ? d.between(17, 22) : d.between(0, 5)
  const words: Array<string> = []
  for (let i = 0; i < n; i++) {
    const r = d.below(100)
    const flag = r < 90 ? d.pick([...all]) : d.pick([..."aAzZ!0 ~"])
    let token = ""
    if ("NRTJDCEF".includes(flag)) {
      token = flag === "T" || flag === "N" || flag === "R" ? d.pick(["0", "-1", "100", "3600", "abc", ""]) : c.number()
    } else if (flag === "M") {
      token = d.pick(["S", "E", "A", "P", "R", "I", "D", "+", "-", "x", "SS", ""])
    } else if (flag === "O") {
      token = d.pick(["1", "opaque", "x".repeat(32), "x".repeat(33), ""])
    }
    words.push(flag + token)
  }
  return words.map((w) => " " + w).join("")
}

/** A meta command; ms with its data block. */
const metaCommand = (c: Context): string => {
  const d = c.dice
  const command = d.pick(["mg", "mg", "ms", "ms", "md", "ma", "mn", "me"] as const)
  if (command === "mn") return `mn${c.eol()}`
  const base64 = d.chance(0.1)
  const plain = c.key()
  const key = base64
    ? d.chance(0.8) ? Buffer.from(plain, "latin1").toString("base64") : d.pick(["!!!!", "YQ", "YQ==YQ=="])
    : plain
  if (command === "me") return `me ${key}${base64 ? " b" : ""}${c.eol()}`
  const flags = metaFlagWords(c, command) + (base64 ? " b" : "")
  if (command !== "ms") return `${command} ${key}${flags}${c.eol()}`
  const value = c.value()
  const r = d.below(100)
  const length = r < 88 ? String(value.length) : r < 94 ? String(value.length + 1) : d.pick(["2000000", "abc", "-1"])
  return `ms ${key} ${length}${flags}${c.eol()}${value}\r\n`
}

/** Tokens that mean something to the parser, strung together with spaces and line ends. */
const tokenSoup = (c: Context): string => {
  const d = c.dice
  const words = "get gets gat set cas add incr delete touch mg ms md ma mn me noreply stats version verbosity"
  const vocab = [...words.split(" "), ...edgeNumbers, ...c.keys]
  let s = ""
  const n = d.between(1, 40)
  for (let i = 0; i < n; i++) {
    s += d.pick(vocab)
    s += d.chance(0.75) ? " " : d.chance(0.7) ? "\r\n" : d.pick(["\n", "  ", "\t", "\0", "\r"])
  }
  return s
}

const byteSoup = (d: Dice): Buffer => {
  const bias = [0x0d, 0x0a, 0x20, 0x00, 0x80, 0xff, 0x30, 0x39, 0x61, 0x67, 0x6d]
  const bytes = Buffer.alloc(d.between(1, 600))
  for (let i = 0; i < bytes.length; i++) bytes[i] = d.chance(0.3) ? d.pick(bias) : d.below(256)
  // A first byte 0x80 would start the binary protocol, compared by its own suite rather than here.
  if (bytes[0] === 0x80 && d.chance(0.9)) bytes[0] = 0x67
  return bytes
}

/** Framing edge cases: lines around 2048 bytes, lines in pieces, CR and LF alone, NUL in lines. */
const framing = (c: Context): string => {
  const d = c.dice
  const r = d.below(8)
  const key = c.key()
  switch (r) {
    case 0:
      return "a".repeat(d.pick([2046, 2047, 2048, 2049, 3000])) + (d.chance(0.5) ? "\r\n" : "")
    case 1:
      return `get ${key}${" ".repeat(d.between(2040, 2100))}\r\n`
    case 2:
      return `set ${key} 0 0 1${" ".repeat(d.between(2040, 2100))}\r\nz\r\n`
    case 3:
      return `${" ".repeat(d.between(95, 105))}get ${key}\r\n`
    case 4:
      return `get ${key}\0${c.key()} junk\r\nset ${key}\0 0 0 1\r\nq\r\n`
    case 5:
      return `\r\r\r\n\n\n get ${key}\r\r\n`
    case 6:
      return `get ${key} HTTP/1.0\r\n`
    default:
      return `set ${key} 0 0 5\r\n12345\r\n${"incr " + key + " 1\r\n".repeat(d.between(1, 50))}`
  }
}

const pickStyle = (d: Dice): Style => {
  const r = d.below(100)
  return r < 45 ? "commands" : r < 70 ? "mutated" : r < 82 ? "meta" : r < 90 ? "tokens" : r < 95 ? "bytes" : "framing"
}

/** Cut points for the writes: usually a few, sometimes one byte at a time for a short stream. */
const cutsFor = (d: Dice, length: number): Array<number> => {
  if (length > 1 && length <= 64 && d.chance(0.05)) return Array.from({ length: length - 1 }, (_, i) => i + 1)
  const n = d.chance(0.5) ? 0 : d.between(1, 4)
  const cuts = Array.from({ length: n }, () => d.between(1, Math.max(1, length - 1)))
  return [...new Set(cuts)].filter((c) => c < length).sort((a, b) => a - b)
}

/** A namespace of fixed length per input and attempt, so a re-run's mutations land where they did. */
const namespace = (index: number, attempt: number): string =>
  `f${index.toString(36).padStart(6, "0")}${"abcdefgh"[attempt % 8]}_`

/** Builds input `index` of the campaign with this seed (and a re-run's `attempt`). */
export const generate = (seed: number, index: number, attempt = 0): FuzzInput => {
  const dice = new Dice(inputSeed(seed, index, 0))
  const style = pickStyle(dice)
  const c = new Context(dice, namespace(index, attempt))
  let bytes: Buffer
  switch (style) {
    case "commands":
    case "mutated": {
      const n = dice.chance(0.8) ? dice.between(1, 12) : dice.between(13, 40)
      let s = ""
      for (let i = 0; i < n; i++) s += textCommand(c)
      c.commands = n
      bytes = Buffer.from(s, "latin1")
      if (style === "mutated") bytes = mutate(dice, bytes, dice.between(1, 4))
      break
    }
    case "meta": {
      const n = dice.between(1, 20)
      let s = ""
      for (let i = 0; i < n; i++) s += metaCommand(c)
      c.commands = n
      bytes = Buffer.from(s, "latin1")
      if (dice.chance(0.3)) bytes = mutate(dice, bytes, dice.between(1, 3))
      break
    }
    case "tokens":
      bytes = Buffer.from(tokenSoup(c), "latin1")
      // Its command words land where keys go: keys every input could use.
      c.exclusive = true
      break
    case "bytes":
      bytes = byteSoup(dice)
      break
    case "framing":
      bytes = Buffer.from(framing(c), "latin1")
      c.commands = 1
      break
  }
  // Whatever the mutations made of them, these act on the whole cache.
  const exclusive = c.exclusive || /flush_all|cache_memlimit/.test(bytes.toString("latin1"))
  return { seed, index, attempt, style, bytes, cuts: cutsFor(dice, bytes.length), exclusive, commands: c.commands }
}
