/**
 * Scripted sessions for the differential test (test/e2e/differential.test.ts): each runs against
 * effcached and a real memcached 1.6.18, and the replies must be byte-identical after CAS
 * normalisation. Expected memcached behaviour: /tmp/research/text-protocol.md (measured).
 *
 * Every case gets a unique key prefix `p` (cases share the two servers and run one after another).
 */
import { keyOf, setLine } from "../support/commands.js"
import { Connection, type Script } from "../support/wire.js"

export type DiffCase =
  /** Sent with `quit\r\n` appended; the reply is everything up to the close. */
  | { readonly name: string; readonly script: (p: string) => Script; readonly gapMs?: number }
  /** Sent as is, with no `quit`: the script itself must make the server hang up. */
  | { readonly name: string; readonly raw: (p: string) => Script; readonly gapMs?: number }
  /** Interactive: returns a transcript (for flows that need a CAS unique read back from the server). */
  | { readonly name: string; readonly run: (port: number, p: string) => Promise<string> }

const set = (key: string, value: string, flags = 0) => setLine(key, value, flags)

/** Deterministic PRNG (mulberry32) for random-sized writes. */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/** Splits `s` into pieces of 1..maxLen bytes, deterministically. */
export const randomSplit = (s: string, seed: number, maxLen: number): Array<string> => {
  const next = rng(seed)
  const parts: Array<string> = []
  for (let i = 0; i < s.length;) {
    const n = 1 + Math.floor(next() * maxLen)
    parts.push(s.slice(i, i + n))
    i += n
  }
  return parts
}

/** A script that exercises most of the parser, for the segmentation cases. */
const mixed = (p: string) =>
  set(`${p}a`, "hello", 3) +
  `get ${p}a ${p}missing ${p}a\r\n` +
  `gets ${p}a\r\n` +
  `append ${p}a 9 0 3\r\n!!!\r\n` +
  `prepend ${p}a 0 0 2 noreply\r\n<<\r\n` +
  `get ${p}a\r\n` +
  set(`${p}n`, "100") +
  `decr ${p}n 1\r\nget ${p}n\r\nincr ${p}n 18446744073709551615\r\n` +
  `set ${p}b 0 0 3\r\nabcde\r\n` +
  `set ${p}c 0 0 2\r\na\r\n\r\n` +
  `get ${p}c\r\n` +
  `delete ${p}a 5\r\ndelete ${p}a 0\r\ndelete ${p}a\r\n` +
  `touch ${p}n 100\r\ntouch ${p}zz 100 noreply\r\n` +
  `get\tx\r\n   get   ${p}n   \r\nget ${p}n\n` +
  `get ${p}n\x00junk\r\n` +
  `bogus command\r\n\r\n` +
  `gat 0 ${p}n ${p}c\r\n` +
  `verbosity 0 noreply\r\nversion\r\n`

const tooLarge = 2_000_000
const bigData = "x".repeat(tooLarge)

export const cases: ReadonlyArray<DiffCase> = [
  // ---------------------------------------------------------------- storage
  { name: "set and get with flags", script: (p) => `${set(`${p}a`, "a", 5)}get ${p}a\r\n` },
  { name: "set noreply", script: (p) => `set ${p}a 0 0 1 noreply\r\na\r\nget ${p}a\r\n` },
  { name: "zero-length value", script: (p) => `set ${p}a 0 0 0\r\n\r\nget ${p}a\r\n` },
  { name: "value containing CRLF", script: (p) => `set ${p}a 0 0 6\r\nab\r\ncd\r\nget ${p}a\r\n` },
  {
    name: "add existing / new / noreply",
    script: (p) =>
      set(`${p}a`, "a") +
      `add ${p}a 0 0 1\r\nb\r\nadd ${p}b 0 0 1\r\nb\r\n` +
      `add ${p}a 0 0 1 noreply\r\nc\r\nadd ${p}c 0 0 1 noreply\r\nc\r\nget ${p}a ${p}b ${p}c\r\n`
  },
  {
    name: "replace missing / existing / noreply",
    script: (p) =>
      `replace ${p}m 0 0 1\r\nb\r\n${set(`${p}a`, "a")}replace ${p}a 4 0 1\r\nz\r\n` +
      `replace ${p}m 0 0 1 noreply\r\nb\r\nreplace ${p}a 0 0 1 noreply\r\ny\r\nget ${p}a ${p}m\r\n`
  },
  {
    name: "append/prepend to missing keys (and noreply)",
    script: (p) =>
      `append ${p}m 0 0 1\r\nb\r\nprepend ${p}m 0 0 1\r\nb\r\n` +
      `append ${p}m 0 0 1 noreply\r\nb\r\nprepend ${p}m 0 0 1 noreply\r\nb\r\nget ${p}m\r\n`
  },
  {
    name: "append/prepend keep the flags and ignore their own flags/exptime",
    script: (p) =>
      set(`${p}a`, "z", 3) +
      `append ${p}a 5 5 2\r\nXY\r\nprepend ${p}a 7 7 2\r\nAB\r\n` +
      `append ${p}a 9 -1 1 noreply\r\n.\r\nprepend ${p}a 9 -1 1 noreply\r\n.\r\nget ${p}a\r\n` +
      `set ${p}b 0 0 1\r\nz\r\nappend ${p}b 5 0 1\r\nq\r\nget ${p}b\r\n`
  },
  {
    name: "storage arity errors do not consume the data block",
    script: (p) =>
      `set ${p}a 0 0\r\na\r\nset ${p}a 0\r\nset ${p}a\r\nset\r\n` +
      `set ${p}a 0 0 1 noreply extra\r\na\r\ncas ${p}a 0 0 1\r\nb\r\ncas ${p}a 0 0 1 1 noreply extra\r\nb\r\n` +
      `add ${p}a 0 0\r\nreplace ${p}a\r\nappend ${p}a 0 0\r\nprepend\r\nget ${p}a\r\n`
  },
  {
    name: "extra 6th storage token ignored, NOREPLY is not noreply",
    script: (p) => `set ${p}a 0 0 1 extra\r\na\r\nset ${p}b 0 0 1 NOREPLY\r\nb\r\nget ${p}a ${p}b\r\n`
  },
  {
    name: "bad flags/exptime/bytes format",
    script: (p) =>
      `set ${p}a abc 0 1\r\na\r\nset ${p}a 0 abc 1\r\na\r\nset ${p}a 0 0 abc\r\na\r\n` +
      `set ${p}a 0 0 abc noreply\r\na\r\nset ${p}a -1 0 1\r\na\r\nset ${p}a 0x10 0 1\r\na\r\n` +
      `set ${p}a 5abc 0 1\r\na\r\nset ${p}a 18446744073709551616 0 1\r\na\r\n` +
      `set ${p}a 0 9999999999999999999999 1\r\na\r\nset ${p}a 0 0 noreply\r\nget ${p}a\r\n`
  },
  {
    name: "flags parse and wrap to 32 bits",
    script: (p) =>
      [
        ["a", "-0"],
        ["b", "4294967295"],
        ["c", "4294967296"],
        ["d", "4294967297"],
        ["e", "18446744073709551615"],
        ["f", "9223372036854775808"],
        ["g", "-18446744073709551615"],
        ["h", "+5"],
        ["i", "010"],
        ["j", "\t5"]
      ]
        .map(([k, f]) => `set ${p}${k} ${f} 0 1\r\n${k}\r\n`)
        .join("") + `get ${p}a ${p}b ${p}c ${p}d ${p}e ${p}f ${p}g ${p}h ${p}i ${p}j\r\n`
  },
  {
    name: "bytes field: negative, +1, int32 truncation, over INT_MAX-2",
    script: (p) =>
      `set ${p}a 0 0 -1\r\na\r\nset ${p}a 0 0 -1 noreply\r\na\r\nset ${p}b 0 0 +1\r\nb\r\n` +
      `set ${p}c 0 0 4294967297\r\nc\r\nset ${p}d 0 0 2147483647\r\nset ${p}d 0 0 2147483646\r\n` +
      `get ${p}a ${p}b ${p}c ${p}d\r\n`
  },
  {
    name: "exptime: negative, int32 wrap, absolute past, 30 days",
    script: (p) =>
      `set ${p}a 0 -1 1\r\na\r\nset ${p}b 0 99999999999 1\r\nb\r\nset ${p}c 0 4294967296 1\r\nc\r\n` +
      `set ${p}d 0 2592000 1\r\nd\r\nset ${p}e 0 2592001 1\r\ne\r\nset ${p}f 0 1000 1\r\nf\r\n` +
      `get ${p}a ${p}b ${p}c ${p}d ${p}e ${p}f\r\n`
  },
  {
    name: "binary-safe keys",
    script: (p) => `set ${p}\xff\xfe 0 0 1\r\nz\r\nset ${p}\x01\x02 0 0 1\r\ny\r\nget ${p}\xff\xfe ${p}\x01\x02\r\n`
  },
  // ---------------------------------------------------------------- cas
  {
    name: "cas: bad unique, missing unique, NOT_FOUND, EXISTS, noreply",
    script: (p) =>
      set(`${p}c`, "a") +
      `cas ${p}c 0 0 1 abc\r\nb\r\ncas ${p}c 0 0 1 -1\r\nb\r\ncas ${p}c 0 0 1 18446744073709551616\r\nb\r\n` +
      `cas ${p}c 0 0 1\r\nb\r\ncas ${p}m 0 0 1 1\r\nb\r\ncas ${p}c 0 0 1 999999999\r\nb\r\n` +
      `cas ${p}c 0 0 1 0\r\nb\r\ncas ${p}c 0 0 1 +1\r\nb\r\n` +
      `cas ${p}c 0 0 1 1 noreply\r\nb\r\ncas ${p}m 0 0 1 1 noreply\r\nb\r\nget ${p}c ${p}m\r\n`
  },
  {
    name: "cas with the right unique stores; the old unique then gives EXISTS",
    run: async (port, p) => {
      const c = await Connection.open(port)
      try {
        const out: Array<string> = []
        out.push(await c.request(set(`${p}c`, "a", 3)))
        const g = await c.request(`gets ${p}c\r\n`)
        out.push(g)
        const unique = /^VALUE \S+ \d+ \d+ (\d+)\r$/m.exec(g)?.[1] ?? "0"
        out.push(await c.request(`cas ${p}c 7 0 1 ${unique}\r\nb\r\n`))
        out.push(await c.request(`get ${p}c\r\n`))
        out.push(await c.request(`cas ${p}c 0 0 1 ${unique}\r\nc\r\n`))
        const g2 = await c.request(`gets ${p}c\r\n`)
        out.push(g2)
        const unique2 = /^VALUE \S+ \d+ \d+ (\d+)\r$/m.exec(g2)?.[1] ?? "0"
        c.send(`cas ${p}c 0 0 1 ${unique2} noreply\r\nd\r\n`)
        out.push(await c.request(`get ${p}c\r\n`))
        out.push(`changed: ${unique !== unique2}`)
        return out.join("")
      } finally {
        c.close()
      }
    }
  },
  {
    name: "which commands assign a new CAS unique",
    run: async (port, p) => {
      const c = await Connection.open(port)
      try {
        const out: Array<string> = []
        const uniques: Array<string> = []
        const gets = async () => {
          const g = await c.request(`gets ${p}c\r\n`)
          uniques.push(/^VALUE \S+ \d+ \d+ (\d+)\r$/m.exec(g)?.[1] ?? "none")
          out.push(g)
        }
        out.push(await c.request(set(`${p}c`, "1")))
        await gets()
        for (
          const cmd of [
            `touch ${p}c 1000\r\n`,
            `gat 0 ${p}c\r\n`,
            `append ${p}c 0 0 1\r\n0\r\n`,
            `prepend ${p}c 0 0 1\r\n0\r\n`,
            `incr ${p}c 1\r\n`,
            `decr ${p}c 0\r\n`,
            set(`${p}c`, "5"),
            `replace ${p}c 0 0 1\r\n6\r\n`
          ]
        ) {
          out.push(await c.request(cmd))
          await gets()
        }
        out.push(`pattern: ${uniques.map((u) => uniques.indexOf(u)).join(",")}`)
        return out.join("")
      } finally {
        c.close()
      }
    }
  },
  // ---------------------------------------------------------------- retrieval
  {
    name: "multi-key get with duplicates and misses",
    script: (p) =>
      set(`${p}a`, "A", 1) +
      set(`${p}b`, "BB", 2) +
      `get ${p}a ${p}b ${p}c\r\nget ${p}a ${p}a ${p}b ${p}a\r\nget ${p}m1 ${p}m2\r\nget ${p}a ${p}m ${p}a\r\n`
  },
  {
    name: "gets / gat / gats multi-key",
    script: (p) =>
      set(`${p}a`, "A", 1) +
      set(`${p}b`, "BB", 2) +
      `gets ${p}a ${p}b ${p}m\r\ngat 100 ${p}a ${p}b\r\ngats 100 ${p}a ${p}m ${p}b\r\ngats 100 ${p}zz\r\n` +
      `gat 100\r\ngats 0\r\n`
  },
  {
    name: "retrieval arity and bad gat exptime",
    script: (p) =>
      `get\r\nget \r\ngets\r\ngat\r\ngats\r\ngat abc ${p}a\r\ngats 1x ${p}a\r\nbget ${p}a\r\ngetx ${p}a\r\n`
  },
  {
    name: "gat -1 returns the value then expires it; gat 0 clears expiry",
    script: (p) =>
      set(`${p}a`, "A") +
      `set ${p}b 0 1000 1\r\nB\r\ngat -1 ${p}a\r\nget ${p}a\r\ngat 0 ${p}b\r\ngats -1 ${p}b\r\nget ${p}b\r\n`
  },
  {
    name: "noreply is a key name for get/gat",
    script: (p) => `${set(`${p}a`, "A")}get ${p}a noreply\r\ngat 100 ${p}a noreply\r\ngets noreply\r\n`
  },
  // ---------------------------------------------------------------- keys
  {
    name: "250-byte key works, 251 is rejected without swallowing data",
    script: (p) =>
      `set ${keyOf(p, 250)} 0 0 1\r\na\r\nget ${keyOf(p, 250)}\r\n` +
      `set ${keyOf(p, 251)} 0 0 1\r\na\r\nset ${keyOf(p, 251)} 0 0 1 noreply\r\na\r\n`
  },
  {
    // Each in its own write: memcached's failed get drops every reply not yet sent (see the quirk case below).
    name: "too-long key in every keyed command",
    script: (p) => {
      const k = keyOf(p, 251)
      return [
        `get ${k}\r\n`,
        `gets ${k}\r\n`,
        `gat 10 ${k}\r\n`,
        `gats 10 ${k}\r\n`,
        `delete ${k}\r\n`,
        `delete ${k} noreply\r\n`,
        `touch ${k} 1\r\n`,
        `touch ${k} 1 noreply\r\n`,
        `incr ${k} 1\r\n`,
        `decr ${k} 1 noreply\r\n`,
        `add ${k} 0 0 1\r\nz\r\n`,
        `cas ${k} 0 0 1 1\r\nz\r\n`
      ]
    },
    gapMs: 20
  },
  {
    name: "too-long key inside a multi-get discards the whole reply",
    script: (p) => [
      set(`${p}a`, "A") + set(`${p}b`, "B"),
      `get ${p}a ${keyOf(p, 251)} ${p}b\r\n`,
      `get ${`${p}a `.repeat(30)}${keyOf(p, 251)} ${p}b\r\n`,
      `gats 0 ${p}a ${keyOf(p, 251)}\r\n`,
      `get ${p}b\r\n`
    ],
    gapMs: 20
  },
  // ---------------------------------------------------------------- incr / decr
  {
    name: "incr/decr basics, missing, flags kept",
    script: (p) =>
      set(`${p}n`, "5", 5) +
      `incr ${p}n 3\r\nget ${p}n\r\ndecr ${p}n 2\r\nget ${p}n\r\nincr ${p}m 1\r\ndecr ${p}m 1\r\n` +
      `incr ${p}n +2\r\nincr ${p}n 5\t\r\nincr ${p}n 1 extra\r\nget ${p}n\r\n`
  },
  {
    name: "incr/decr bad deltas (checked before the lookup)",
    script: (p) =>
      set(`${p}n`, "5") +
      `incr ${p}n abc\r\nincr ${p}n -1\r\nincr ${p}n 1a\r\ndecr ${p}n 18446744073709551616\r\n` +
      `incr ${p}m abc\r\ndecr ${p}n \r\nincr ${p}n 0x1\r\nget ${p}n\r\n`
  },
  {
    name: "incr wraps at 2^64 and pads in place",
    script: (p) =>
      set(`${p}n`, "0") +
      `incr ${p}n 18446744073709551615\r\nget ${p}n\r\nincr ${p}n 1\r\nget ${p}n\r\n` +
      set(`${p}o`, "18446744073709551615") +
      `incr ${p}o 2\r\nget ${p}o\r\n`
  },
  {
    name: "decr clamps at 0",
    script: (p) => `${set(`${p}n`, "5")}decr ${p}n 10\r\nget ${p}n\r\ndecr ${p}n 1\r\nget ${p}n\r\n`
  },
  {
    name: "decr pads with spaces: 100 decr 1 -> '99 '",
    script: (p) =>
      set(`${p}n`, "100") +
      `decr ${p}n 1\r\nget ${p}n\r\n` +
      set(`${p}o`, "100") +
      `decr ${p}o 91\r\nget ${p}o\r\nincr ${p}o 1\r\nget ${p}o\r\nincr ${p}o 990\r\nget ${p}o\r\n`
  },
  {
    name: "incr grows the item when digits no longer fit, keeping flags",
    script: (p) =>
      set(`${p}n`, "99", 7) + `incr ${p}n 1\r\nget ${p}n\r\n` + set(`${p}o`, "10", 7) + `decr ${p}o 1\r\nget ${p}o\r\n`
  },
  {
    name: "incr on leading zeros, spaces, plus, CRLF in value",
    script: (p) =>
      set(`${p}a`, "0005") +
      set(`${p}b`, " 5") +
      set(`${p}c`, "5 ") +
      set(`${p}d`, "+5") +
      set(`${p}e`, "5\r\n") +
      set(`${p}f`, "007") +
      set(`${p}g`, `${"0".repeat(20)}5`) +
      set(`${p}h`, `${"0".repeat(1000)}1`) +
      `incr ${p}a 1\r\nincr ${p}b 1\r\nincr ${p}c 1\r\nincr ${p}d 1\r\nincr ${p}e 1\r\ndecr ${p}f 0\r\n` +
      `incr ${p}g 1\r\nincr ${p}h 1\r\nget ${p}a ${p}b ${p}c ${p}d ${p}e ${p}f ${p}g ${p}h\r\n`
  },
  {
    name: "incr on non-numeric values",
    script: (p) =>
      set(`${p}a`, "1a") +
      set(`${p}b`, "-5") +
      set(`${p}c`, "") +
      set(`${p}d`, "18446744073709551616") +
      set(`${p}e`, "abc") +
      set(`${p}f`, " ") +
      `incr ${p}a 1\r\nincr ${p}b 1\r\ndecr ${p}c 1\r\nincr ${p}d 1\r\ndecr ${p}e 1\r\nincr ${p}f 1\r\n` +
      `incr ${p}a 1 noreply\r\nget ${p}a ${p}b ${p}c ${p}d\r\n`
  },
  {
    name: "incr/decr noreply and arity",
    script: (p) =>
      set(`${p}n`, "5") +
      `incr ${p}n 1 noreply\r\ndecr ${p}n 3 noreply\r\nget ${p}n\r\nincr ${p}m 1 noreply\r\n` +
      `incr ${p}n abc noreply\r\nincr ${p}n noreply\r\nincr ${p}n 1 noreply extra\r\nincr ${p}n\r\ndecr\r\n` +
      `incr ${p}n 1${" x".repeat(25)}\r\nget ${p}n\r\n`
  },
  // ---------------------------------------------------------------- delete
  {
    name: "delete variants",
    script: (p) =>
      set(`${p}a`, "a") +
      `delete ${p}a\r\ndelete ${p}a\r\n${set(`${p}b`, "b")}delete ${p}b 0\r\n` +
      set(`${p}c`, "c") +
      `delete ${p}c 5\r\ndelete ${p}c 00\r\ndelete ${p}c 0 0\r\ndelete ${p}c noreply 0\r\nget ${p}c\r\n` +
      `delete ${p}c 5 noreply\r\nget ${p}c\r\ndelete ${p}c noreply\r\nget ${p}c\r\n` +
      set(`${p}d`, "d") +
      `delete ${p}d 0 noreply\r\nget ${p}d\r\ndelete ${p}d noreply\r\ndelete ${p}d 0 noreply extra\r\ndelete\r\n` +
      `delete ${p}a${" x".repeat(25)}\r\n`
  },
  // ---------------------------------------------------------------- touch
  {
    name: "touch variants",
    script: (p) =>
      set(`${p}d`, "d") +
      `touch ${p}d 100\r\ntouch ${p}m 100\r\ntouch ${p}d abc\r\ntouch ${p}d abc noreply\r\n` +
      `touch ${p}d 100 noreply\r\ntouch ${p}m 100 noreply\r\ntouch ${p}d\r\ntouch ${p}d 1 noreply x\r\n` +
      `touch ${p}d 1000 x\r\nget ${p}d\r\ntouch ${p}d -1\r\nget ${p}d\r\ntouch ${p}d 1${" x".repeat(25)}\r\n`
  },
  // ---------------------------------------------------------------- flush_all
  {
    name: "flush_all",
    script: (p) => `${set(`${p}a`, "a")}flush_all\r\nget ${p}a\r\n${set(`${p}b`, "b")}get ${p}b\r\n`
  },
  { name: "flush_all 0", script: (p) => `${set(`${p}a`, "a")}flush_all 0\r\nget ${p}a\r\n` },
  { name: "flush_all -1", script: (p) => `${set(`${p}a`, "a")}flush_all -1\r\nget ${p}a\r\n` },
  { name: "flush_all noreply", script: (p) => `${set(`${p}a`, "a")}flush_all noreply\r\nget ${p}a\r\n` },
  { name: "flush_all 0 noreply", script: (p) => `${set(`${p}a`, "a")}flush_all 0 noreply\r\nget ${p}a\r\n` },
  { name: "flush_all 0 0", script: (p) => `${set(`${p}a`, "a")}flush_all 0 0\r\nget ${p}a\r\n` },
  {
    name: "flush_all bad arguments do not flush",
    script: (p) =>
      set(`${p}a`, "a") +
      `flush_all abc\r\nflush_all abc noreply\r\nflush_all NOREPLY\r\nflush_all noreply noreply\r\n` +
      `flush_all 0 noreply x\r\nflush_all${" x".repeat(25)}\r\nget ${p}a\r\n`
  },
  // ---------------------------------------------------------------- verbosity / version / stats / shutdown
  {
    name: "stats cachedump: argument errors, a class out of range, and empty classes",
    script: () =>
      "stats cachedump\r\nstats cachedump 1\r\nstats cachedump x 0\r\nstats cachedump 1 x\r\n" +
      "stats cachedump 64 0\r\nstats cachedump 99 0\r\nstats cachedump 4294967296 0\r\nstats cachedump 63 5\r\n"
  },
  {
    name: "cache_memlimit: limits, 32-bit wrap, noreply and token counts (the limit is restored)",
    script: () =>
      "cache_memlimit 100\r\ncache_memlimit 7\r\ncache_memlimit abc\r\ncache_memlimit -5\r\n" +
      "cache_memlimit 2000000000\r\ncache_memlimit 4294967297\r\ncache_memlimit 8 noreply\r\n" +
      "cache_memlimit 7 noreply\r\ncache_memlimit x noreply\r\ncache_memlimit\r\ncache_memlimit 10 20 30\r\n" +
      "cache_memlimit 8 9\r\ncache_memlimit 1000000000\r\ncache_memlimit 1000000001\r\ncache_memlimit 64\r\n"
  },
  {
    name: "verbosity",
    script: () =>
      `verbosity\r\nverbosity 1\r\nverbosity 0\r\nverbosity abc\r\nverbosity -1\r\nverbosity 1 noreply\r\n` +
      `verbosity abc noreply\r\nverbosity noreply\r\nverbosity 0 2\r\nverbosity 1 2 3\r\nverbosity${
        " 1".repeat(25)
      }\r\n` +
      `verbosity 0\r\n`
  },
  { name: "version", script: () => `version\r\nversion extra tokens\r\nversion${" x".repeat(30)}\r\nVERSION\r\n` },
  {
    name: "stats reset / unknown stats",
    script: () =>
      `stats reset\r\nstats reset extra\r\nstats foo\r\nstats noreply\r\nstats\tx\r\nSTATS\r\nstats${
        " x".repeat(25)
      }\r\n`
  },
  {
    name: "shutdown not enabled",
    script: () => `shutdown\r\nshutdown graceful\r\nshutdown foo\r\nshutdown graceful x\r\nshutdown noreply\r\n`
  },
  {
    name: "stats detail usage, on, off",
    script: () =>
      `stats detail\r\nstats detail foo\r\nstats detail ON\r\nstats detail on extra\r\nstats detail off\r\n` +
      `stats detail off noreply\r\nstats detail dump extra\r\n`
  },
  {
    // Counting is server-wide; this is the only case that turns it on, and it turns it off again.
    name: "stats detail dump counts per prefix, in memcached's order",
    script: (p) =>
      `stats detail on\r\n` +
      set(`${p}a:1`, "1") +
      set(`${p}b:1`, "1") +
      `get ${p}a:1 ${p}a:2 ${p}a:1 ${p}b:1 ${p}nocolon\r\ngets ${p}a:1\r\ngat 0 ${p}b:1 ${p}c:1\r\n` +
      `add ${p}a:1 0 0 1\r\nx\r\nappend ${p}b:1 0 0 1\r\nx\r\ncas ${p}c:1 0 0 1 1\r\nx\r\n` +
      `set ${p}d:1 0 0 1 noreply\r\nx\r\nset ${p}a:big 0 0 2000000\r\n${bigData}\r\n` +
      `delete ${p}a:1\r\ndelete ${p}a:1\r\nincr ${p}b:1 1\r\ntouch ${p}b:1 0\r\n` +
      set(`:${p}`, "e") +
      set(`${p}e:f:g`, "e") +
      `get ${p}e:f:g :${p}\r\n` +
      `stats detail dump\r\nstats detail off\r\nget ${p}a:1\r\nstats detail dump\r\n`
  },
  // ---------------------------------------------------------------- unknown commands / whitespace / framing
  {
    name: "unknown commands, empty lines, case sensitivity",
    script: (p) =>
      `foo\r\nfoo bar baz\r\n\r\n\n\r\r\n   \r\nx\r\nm\r\nmx\r\nGET ${p}a\r\nSet ${p}a 0 0 1\r\na\r\nget ${p}a\r\n`
  },
  {
    name: "NUL bytes cut the line",
    script: (p) =>
      `${set(`${p}a`, "A")}get ${p}a\x00junk\r\nset ${p}b 0 0 1\x00garbage\r\nb\r\nget ${p}b\r\n\x00get ${p}a\r\n`
  },
  {
    name: "bare LF line endings",
    script: (p) =>
      `${set(`${p}a`, "a")}get ${p}a\nset ${p}b 0 0 1\nb\r\nget ${p}b\nset ${p}c 0 0 1\nc\nget ${p}c\r\nget ${p}c\r\n`
  },
  {
    name: "multiple spaces and trailing spaces",
    script: (p) =>
      `set  ${p}a  0  0  1\r\na\r\nget ${p}a \r\nget ${p}a    \r\nget   ${p}a\r\n   get ${p}a\r\n` +
      `set ${p}b 0 0 1 \r\nb\r\nset ${p}c 0 0 1 noreply \r\nc\r\nget ${p}b ${p}c\r\n`
  },
  {
    name: "TAB is not a separator",
    script: (p) =>
      `${set(`${p}a`, "a")}get\t${p}a\r\nget ${p}a\t\r\nset\t${p}b 0 0 1\r\nb\r\nset ${p}c 0 0 1\t\r\nc\r\n` +
      `set ${p}d 0\t0 1\r\nd\r\nget ${p}b ${p}c ${p}d\r\n`
  },
  {
    name: "CR inside a line is part of the key",
    script: (p) => `${set(`${p}a`, "a")}get ${p}a\r\r\nget ${p}a\rx\r\nget ${p}a\r\n`
  },
  {
    name: "0x80 after the first byte is plain text",
    script: () => `version\r\n\x80\x0b${"\x00".repeat(22)}\r\n\x81\x00\r\nversion\r\n`
  },
  {
    name: "first byte 0x81 is text",
    script: () => `\x81\x00\r\nversion\r\n`
  },
  // ---------------------------------------------------------------- data blocks
  {
    name: "bad data chunk: leftover bytes parsed as commands",
    script: (p) =>
      `set ${p}a 0 0 3\r\nabcde\r\nset ${p}a 0 0 3\r\nabcde\r\nversion\r\nset ${p}b 0 0 3\r\nabcdget ${p}a\r\n`
  },
  {
    name: "bad data chunk keeps the old value",
    script: (p) => `set ${p}a 0 0 3\r\nold\r\nset ${p}a 0 0 3\r\nnewXXget ${p}a\r\n`
  },
  {
    name: "bad data chunk without trailing bytes",
    script: (p) => [`set ${p}a 0 0 3\r\nabcXY`, `get ${p}a\r\n`],
    gapMs: 20
  },
  {
    name: "LF-only data terminator eats the next byte",
    script: (p) => `set ${p}a 0 0 3\r\nabc\nget ${p}a\r\nget ${p}a\r\n`
  },
  {
    name: "bad data chunk with noreply",
    script: (p) => `set ${p}a 0 0 1 noreply\r\nabc\r\nget ${p}a\r\n`
  },
  {
    name: "data block arriving byte by byte",
    script: (p) => [`set ${p}a 0 0 1\r\n`, "a", "\r", "\n", `get ${p}a\r\n`],
    gapMs: 10
  },
  // ---------------------------------------------------------------- item size limit
  {
    name: "value over the item limit is swallowed",
    script: (p) => `set ${p}a 0 0 ${tooLarge}\r\n${bigData}\r\nget ${p}a\r\n`
  },
  {
    name: "too-large value with noreply",
    script: (p) => `set ${p}a 0 0 ${tooLarge} noreply\r\n${bigData}\r\nget ${p}a\r\n`
  },
  {
    name: "too-large swallow does not check the terminator",
    script: (p) => `set ${p}a 0 0 ${tooLarge}\r\n${bigData}XXversion\r\n`
  },
  {
    name: "too-large set drops the old value, add keeps it",
    script: (p) =>
      set(`${p}a`, "hello") +
      set(`${p}b`, "hello") +
      `set ${p}a 0 0 ${tooLarge}\r\n${bigData}\r\nadd ${p}b 0 0 ${tooLarge}\r\n${bigData}\r\n` +
      `replace ${p}b 0 0 ${tooLarge}\r\n${bigData}\r\nappend ${p}b 0 0 ${tooLarge}\r\n${bigData}\r\nget ${p}a ${p}b\r\n`
  },
  {
    name: "too-large value arriving in pieces",
    script: (p) => [`set ${p}a 0 0 ${tooLarge}\r\n`, bigData.slice(0, 1_000_000), `${bigData.slice(1_000_000)}\r\n`],
    gapMs: 20
  },
  {
    name: "item size boundary (59 + key + bytes + 4 if flags)",
    script: (p) => {
      const max0 = 1048576 - 59 - (p.length + 1)
      const value = (n: number) => "v".repeat(n)
      return (
        `set ${p}a 0 0 ${max0}\r\n${value(max0)}\r\nset ${p}b 0 0 ${max0 + 1}\r\n${value(max0 + 1)}\r\n` +
        `set ${p}c 5 0 ${max0 - 4}\r\n${value(max0 - 4)}\r\nset ${p}d 5 0 ${max0 - 3}\r\n${value(max0 - 3)}\r\n` +
        `set ${p}e 0 0 1048576\r\n${value(1048576)}\r\n` +
        `gets ${p}b ${p}d ${p}e\r\n`
      )
    }
  },
  // ---------------------------------------------------------------- long lines and token caps
  {
    name: "set with 30 tokens is ERROR; get with 30 keys is fine",
    script: (p) =>
      `${set(`${p}a`, "A")}set ${p}b 0 0 1${" x".repeat(25)}\r\nb\r\nget${` ${p}a`.repeat(30)}\r\n` +
      `gat 0${` ${p}a`.repeat(30)}\r\nget ${p}b\r\n`
  },
  {
    name: "long get line (>2048 bytes) in one write",
    script: (p) => {
      const keys = Array.from({ length: 100 }, (_, i) => keyOf(`${p}${i}_`, 200))
      return `${set(keys[3]!, "three")}${set(keys[97]!, "ninety-seven")}get ${keys.join(" ")}\r\n`
    }
  },
  {
    name: "long get line split before the newline",
    script: (p) => [`${set(`${p}a`, "A")}get${` ${p}a`.repeat(1000)}`, "\r\n"],
    gapMs: 30
  },
  {
    name: "long gets line split, with leading spaces",
    script: (p) => [`${set(`${p}a`, "A")}   gets${` ${p}a`.repeat(700)}`, "\r\n"],
    gapMs: 30
  },
  {
    name: "long get line with a too-long key",
    script: (p) => [set(`${p}a`, "A"), `get${` ${p}a`.repeat(700)} ${keyOf(p, 251)}\r\n`],
    gapMs: 20
  },
  {
    name: "2048 bytes without newline are kept",
    script: () => ["a".repeat(2048), "version\r\n"],
    gapMs: 30
  },
  { name: "5000-byte non-get line with its newline in one write", script: () => `${"a".repeat(5000)}\r\nversion\r\n` },
  {
    name: "long set line with its newline in one write",
    script: (p) => `set ${p}a 0 0 1${" ".repeat(3000)}\r\na\r\nset ${keyOf(p, 3000)} 0 0 1\r\na\r\nget ${p}a\r\n`
  },
  { name: "15000-byte version line in one write", script: () => `version ${"x".repeat(15000)}\r\n` },
  { name: "2049 bytes without newline close the connection", raw: () => "a".repeat(2049) },
  { name: "5000 bytes without newline close the connection", raw: () => "a".repeat(5000) },
  {
    name: "2000 + 100 bytes without newline close the connection",
    raw: () => ["a".repeat(2000), "a".repeat(100)],
    gapMs: 30
  },
  {
    name: "long set line arriving without newline closes",
    raw: (p) => [`set ${p}a 0 0 1${" ".repeat(3000)}`, "\r\na\r\n"],
    gapMs: 30
  },
  { name: "long GET (uppercase) line without newline closes", raw: (p) => `GET${` ${p}a`.repeat(700)}` },
  { name: "long gat line without newline closes", raw: (p) => `gat 0${` ${p}a`.repeat(700)}` },
  { name: "long get line after 101 spaces closes", raw: (p) => `${" ".repeat(101)}get${` ${p}a`.repeat(700)}` },
  // ---------------------------------------------------------------- quit
  { name: "quit stops processing", raw: (p) => `get ${p}a\r\nquit\r\nversion\r\n` },
  { name: "quit with extra tokens", raw: (p) => `${set(`${p}a`, "a")}quit extra tokens\r\nversion\r\n` },
  // ---------------------------------------------------------------- pipelining and segmentation
  {
    name: "many pipelined commands in one write",
    script: (p) =>
      Array.from(
        { length: 200 },
        (_, i) =>
          `set ${p}${i} ${i} 0 ${String(i).length}\r\n${i}\r\nincr ${p}${i} 7\r\nget ${p}${i} ${p}${i - 1}\r\n` +
          (i % 3 === 0 ? `delete ${p}${i} noreply\r\n` : "") +
          (i % 7 === 0 ? `bogus\r\n` : "")
      ).join("")
  },
  { name: "mixed script in one write", script: (p) => mixed(p) },
  { name: "mixed script in 1-byte writes", script: (p) => mixed(p).split(""), gapMs: 0 },
  { name: "mixed script in random-sized writes (seed 1)", script: (p) => randomSplit(mixed(p), 1, 40), gapMs: 0 },
  { name: "mixed script in random-sized writes (seed 2)", script: (p) => randomSplit(mixed(p), 2, 7), gapMs: 0 }
]
