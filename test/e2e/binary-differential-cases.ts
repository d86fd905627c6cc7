/**
 * Scripted binary-protocol sessions for test/e2e/binary-differential.test.ts: every opcode of
 * memcached 1.6.18's proto_bin.c, quiet pipelines, and every error path (statuses, extras, key echo,
 * CAS, opaque, and whether the connection is kept, closed or made to discard bytes). Each script is
 * sent as one write (or `split`, one write per packet) and ends with a quit unless the server closes.
 */
import { arithmeticExtras, packet, type PacketFields, storeExtras, u32 } from "../support/binaryWire.js"

/** One scripted session. */
export interface BinaryCase {
  readonly name: string
  /** The packets; `p` is a key prefix unique to the case. */
  readonly script: (p: string) => ReadonlyArray<Buffer>
  /** Send each packet as its own write. */
  readonly split?: boolean
  /** Compare stat packets' names only (their values differ between servers). */
  readonly statValues?: false
  /** No quit is appended: the script makes the server close (or is meant to hang until the timeout). */
  readonly noQuit?: boolean
}

const op = {
  get: 0x00,
  set: 0x01,
  add: 0x02,
  replace: 0x03,
  delete: 0x04,
  incr: 0x05,
  decr: 0x06,
  quit: 0x07,
  flush: 0x08,
  getq: 0x09,
  noop: 0x0a,
  version: 0x0b,
  getk: 0x0c,
  getkq: 0x0d,
  append: 0x0e,
  prepend: 0x0f,
  stat: 0x10,
  setq: 0x11,
  addq: 0x12,
  replaceq: 0x13,
  deleteq: 0x14,
  incrq: 0x15,
  decrq: 0x16,
  quitq: 0x17,
  flushq: 0x18,
  appendq: 0x19,
  prependq: 0x1a,
  verbosity: 0x1b,
  touch: 0x1c,
  gat: 0x1d,
  gatq: 0x1e,
  saslList: 0x20,
  saslAuth: 0x21,
  saslStep: 0x22,
  gatk: 0x23,
  gatkq: 0x24
} as const

let opaque = 1000

/** A case's packets, with opaques numbered from 1000 (the same for both servers). */
export const scriptOf = (c: BinaryCase, prefix: string): ReadonlyArray<Buffer> => {
  opaque = 1000
  return c.script(prefix)
}
const pk = (f: PacketFields) => packet({ opaque: opaque++, ...f })
const set = (key: string, value: string, flags = 0, exptime = 0, cas?: bigint, opcode: number = op.set) =>
  pk({ opcode, key, extras: storeExtras(flags, exptime), value, ...(cas !== undefined ? { cas } : {}) })
const get = (key: string, opcode: number = op.get) => pk({ opcode, key })
const noop = () => pk({ opcode: op.noop })
const arith = (opcode: number, key: string, delta: bigint, initial: bigint, exptime: number, cas?: bigint) =>
  pk({ opcode, key, extras: arithmeticExtras(delta, initial, exptime), ...(cas !== undefined ? { cas } : {}) })

/** The sessions, in the order they run (flushes last: they empty the cache for everything after). */
export const binaryCases: ReadonlyArray<BinaryCase> = [
  { name: "version and noop", script: () => [pk({ opcode: op.version }), noop()] },
  {
    name: "set then get, getk, getq, getkq (hits)",
    script: (p) => [
      set(`${p}a`, "hello", 0xdeadbeef),
      get(`${p}a`),
      get(`${p}a`, op.getk),
      get(`${p}a`, op.getq),
      get(`${p}a`, op.getkq),
      noop()
    ]
  },
  {
    name: "misses: get says Not found, getk echoes the key, quiet ones say nothing",
    script: (p) => [get(`${p}m`), get(`${p}m`, op.getk), get(`${p}m`, op.getq), get(`${p}m`, op.getkq), noop()]
  },
  {
    name: "a getkq pipeline ended by noop (multi-get as clients do it)",
    script: (p) => [
      set(`${p}1`, "one"),
      set(`${p}3`, "three", 3),
      get(`${p}1`, op.getkq),
      get(`${p}2`, op.getkq),
      get(`${p}3`, op.getkq),
      noop()
    ]
  },
  {
    name: "the pipeline split packet by packet",
    split: true,
    script: (p) => [set(`${p}x`, "v"), get(`${p}x`, op.getkq), get(`${p}y`, op.getkq), noop()]
  },
  {
    name: "add and replace, loud and quiet",
    script: (p) => [
      pk({ opcode: op.add, key: `${p}k`, extras: storeExtras(1, 0), value: "a" }),
      pk({ opcode: op.add, key: `${p}k`, extras: storeExtras(1, 0), value: "b" }),
      pk({ opcode: op.addq, key: `${p}k`, extras: storeExtras(1, 0), value: "c" }),
      pk({ opcode: op.replace, key: `${p}k`, extras: storeExtras(2, 0), value: "d" }),
      pk({ opcode: op.replace, key: `${p}none`, extras: storeExtras(2, 0), value: "e" }),
      pk({ opcode: op.replaceq, key: `${p}none`, extras: storeExtras(2, 0), value: "f" }),
      pk({ opcode: op.replaceq, key: `${p}k`, extras: storeExtras(3, 0), value: "g" }),
      pk({ opcode: op.addq, key: `${p}new`, extras: storeExtras(3, 0), value: "h" }),
      get(`${p}k`),
      get(`${p}new`),
      noop()
    ]
  },
  {
    name: "setq answers only errors",
    script: (p) => [
      set(`${p}q`, "1", 0, 0, undefined, op.setq),
      set(`${p}q`, "2", 0, 0, 12345n, op.setq),
      get(`${p}q`),
      noop()
    ]
  },
  {
    name: "set with a CAS: matching, stale, on a missing key; add and replace with a CAS are a cas",
    script: (p) => {
      const first = set(`${p}c`, "v1")
      return [
        first,
        get(`${p}c`),
        set(`${p}c`, "v2", 0, 0, 999_999n),
        set(`${p}missing`, "v", 0, 0, 5n),
        pk({ opcode: op.add, key: `${p}c`, extras: storeExtras(0, 0), value: "x", cas: 999_999n }),
        pk({ opcode: op.add, key: `${p}c2`, extras: storeExtras(0, 0), value: "x", cas: 7n }),
        pk({ opcode: op.replace, key: `${p}c3`, extras: storeExtras(0, 0), value: "x", cas: 7n }),
        get(`${p}c`),
        noop()
      ]
    }
  },
  {
    name: "append and prepend (and quiet), on a missing key, keep the flags",
    script: (p) => [
      set(`${p}ap`, "mid", 42),
      pk({ opcode: op.append, key: `${p}ap`, value: "_end" }),
      pk({ opcode: op.prepend, key: `${p}ap`, value: "start_" }),
      pk({ opcode: op.appendq, key: `${p}ap`, value: "!" }),
      pk({ opcode: op.prependq, key: `${p}ap`, value: "^" }),
      pk({ opcode: op.append, key: `${p}none`, value: "x" }),
      pk({ opcode: op.appendq, key: `${p}none`, value: "x" }),
      pk({ opcode: op.prependq, key: `${p}none`, value: "x" }),
      pk({ opcode: op.append, key: `${p}ap`, value: "x", cas: 1n }),
      get(`${p}ap`),
      noop()
    ]
  },
  {
    name: "delete: hit, miss, quiet, with a wrong CAS",
    script: (p) => [
      set(`${p}d`, "x"),
      set(`${p}e`, "y"),
      pk({ opcode: op.delete, key: `${p}d`, cas: 77_777n }),
      pk({ opcode: op.delete, key: `${p}d` }),
      pk({ opcode: op.delete, key: `${p}d` }),
      pk({ opcode: op.deleteq, key: `${p}e` }),
      pk({ opcode: op.deleteq, key: `${p}e` }),
      get(`${p}d`),
      noop()
    ]
  },
  {
    name: "incr/decr: create from initial, count, wrap, floor at 0, quiet",
    script: (p) => [
      arith(op.incr, `${p}n`, 1n, 10n, 0),
      arith(op.incr, `${p}n`, 5n, 99n, 0),
      arith(op.decr, `${p}n`, 100n, 0n, 0),
      arith(op.incr, `${p}n`, 0xffff_ffff_ffff_ffffn, 0n, 0),
      arith(op.incrq, `${p}n`, 2n, 0n, 0),
      arith(op.decrq, `${p}n`, 1n, 0n, 0),
      arith(op.decr, `${p}fresh`, 1n, 7n, 0),
      arith(op.incrq, `${p}quietnew`, 1n, 3n, 0),
      get(`${p}n`),
      get(`${p}quietnew`),
      noop()
    ]
  },
  {
    name: "incr/decr: expiry 0xffffffff does not create; a wrong CAS; a non-numeric value",
    script: (p) => [
      arith(op.incr, `${p}nc`, 1n, 1n, 0xffff_ffff),
      arith(op.decr, `${p}nc`, 1n, 1n, 0xffff_ffff),
      arith(op.incrq, `${p}nc`, 1n, 1n, 0xffff_ffff),
      set(`${p}text`, "abc"),
      arith(op.incr, `${p}text`, 1n, 0n, 0),
      arith(op.incr, `${p}c`, 1n, 5n, 0),
      arith(op.incr, `${p}c`, 1n, 5n, 0, 123_456n),
      set(`${p}big`, "18446744073709551615"),
      arith(op.incr, `${p}big`, 1n, 0n, 0),
      noop()
    ]
  },
  {
    name: "touch, gat, gatk, gatq, gatkq: hits and misses",
    script: (p) => [
      set(`${p}t`, "val", 9),
      pk({ opcode: op.touch, key: `${p}t`, extras: u32(1000) }),
      pk({ opcode: op.gat, key: `${p}t`, extras: u32(1000) }),
      pk({ opcode: op.gatk, key: `${p}t`, extras: u32(0) }),
      pk({ opcode: op.gatq, key: `${p}t`, extras: u32(0) }),
      pk({ opcode: op.gatkq, key: `${p}t`, extras: u32(0) }),
      pk({ opcode: op.touch, key: `${p}none`, extras: u32(10) }),
      pk({ opcode: op.gat, key: `${p}none`, extras: u32(10) }),
      pk({ opcode: op.gatk, key: `${p}none`, extras: u32(10) }),
      pk({ opcode: op.gatq, key: `${p}none`, extras: u32(10) }),
      pk({ opcode: op.gatkq, key: `${p}none`, extras: u32(10) }),
      noop()
    ]
  },
  {
    name: "an expiry in the past (absolute) expires at once; a far-future one past 2^31 lives",
    script: (p) => [
      set(`${p}old`, "x", 0, 0x7000_0000 - 0x6000_0000),
      set(`${p}far`, "y", 0, 0xfffffff0),
      get(`${p}old`),
      get(`${p}far`),
      noop()
    ]
  },
  {
    name: "binary keys: spaces, newlines and NULs are plain bytes",
    script: (p) => [set(`${p} a\r\nb\x00c`, "bin"), get(`${p} a\r\nb\x00c`, op.getk), noop()]
  },
  {
    name: "quiet quit closes without a word",
    noQuit: true,
    script: (p) => [set(`${p}qq`, "x"), pk({ opcode: op.quitq }), pk({ opcode: op.version })]
  },
  {
    name: "quit answers, closes, and nothing after it runs",
    noQuit: true,
    script: () => [pk({ opcode: op.quit }), pk({ opcode: op.version })]
  },
  {
    name: "unknown opcodes answer Unknown command and keep the connection",
    script: () => [pk({ opcode: 0x30 }), pk({ opcode: 0xfe }), pk({ opcode: 0x1f }), noop()]
  },
  {
    name: "an unknown opcode with a key discards bodylen bytes after it (memcached's own accounting)",
    script: () => [pk({ opcode: 0x40, key: "abcd", value: "xy" }), Buffer.alloc(4, 0x41), noop()]
  },
  {
    name: "verbosity is not in memcached 1.6.18's dispatch: Unknown command, its 4 bytes eaten twice",
    script: () => [pk({ opcode: op.verbosity, extras: u32(1) }), Buffer.alloc(4, 0x42), noop()]
  },
  {
    name: "bad magic closes without a reply",
    noQuit: true,
    script: () => [noop(), pk({ opcode: op.noop, magic: 0x81 }), noop()]
  },
  {
    name: "a key longer than the body: Unknown command, then close",
    noQuit: true,
    script: () => [pk({ opcode: op.get, key: "abc", bodyLength: 2 }), noop()]
  },
  {
    name: "key plus extras longer than the body: Unknown command, then close",
    noQuit: true,
    script: () => [pk({ opcode: op.set, key: "abc", extras: storeExtras(0, 0), bodyLength: 9 }), noop()]
  },
  {
    name: "a key over 250 bytes: Invalid arguments, then close",
    noQuit: true,
    script: (p) => [get(`${p}${"k".repeat(251)}`), noop()]
  },
  {
    name: "an unknown opcode with a key over 250 bytes is Invalid arguments too",
    noQuit: true,
    script: () => [pk({ opcode: 0x55, key: "k".repeat(300) }), noop()]
  },
  {
    name: "wrong lengths for the opcode: Invalid arguments, then close (get with extras)",
    noQuit: true,
    script: (p) => [pk({ opcode: op.get, key: `${p}a`, extras: u32(0) }), noop()]
  },
  ...(
    [
      ["get without a key", { opcode: op.get }],
      ["get with a value", { opcode: op.get, key: "k", value: "v" }],
      ["set without extras", { opcode: op.set, key: "k", value: "v" }],
      ["set without a key", { opcode: op.set, extras: storeExtras(0, 0), value: "v" }],
      ["delete with extras", { opcode: op.delete, key: "k", extras: u32(0) }],
      ["incr with short extras", { opcode: op.incr, key: "k", extras: u32(0) }],
      ["append with extras", { opcode: op.append, key: "k", extras: u32(0), value: "v" }],
      ["touch without extras", { opcode: op.touch, key: "k" }],
      ["gat without a key", { opcode: op.gat, extras: u32(0) }],
      ["version with a key", { opcode: op.version, key: "k" }],
      ["noop with a body", { opcode: op.noop, value: "x" }],
      ["quit with a body", { opcode: op.quit, value: "x" }],
      ["flush with 2 bytes of extras", { opcode: op.flush, extras: Buffer.alloc(2) }],
      ["flush with a key", { opcode: op.flush, key: "k" }],
      ["stat with extras", { opcode: op.stat, extras: u32(0) }],
      ["sasl list with a key", { opcode: op.saslList, key: "k" }],
      ["sasl auth without a key", { opcode: op.saslAuth, value: "x" }]
    ] as const
  ).map(([name, fields]): BinaryCase => ({
    name: `invalid: ${name}`,
    noQuit: true,
    script: () => [noop(), pk(fields), noop()]
  })),
  {
    name: "a value too large: Too large., the value discarded, the old value of a set gone",
    script: (p) => [
      set(`${p}big`, "small"),
      set(`${p}big`, "x".repeat(1024 * 1024 + 10)),
      get(`${p}big`),
      set(`${p}big2`, "small"),
      pk({ opcode: op.replace, key: `${p}big2`, extras: storeExtras(0, 0), value: "x".repeat(1024 * 1024 + 10) }),
      pk({ opcode: op.appendq, key: `${p}big2`, value: "x".repeat(1024 * 1024 + 10) }),
      get(`${p}big2`),
      noop()
    ]
  },
  {
    name: "SASL opcodes without -S: Unknown command, the data discarded",
    script: () => [
      pk({ opcode: op.saslList }),
      pk({ opcode: op.saslAuth, key: "PLAIN", value: "\x00user\x00pass" }),
      pk({ opcode: op.saslStep, key: "PLAIN", value: "\x00user\x00pass" }),
      noop()
    ]
  },
  {
    name: "stat with a key memcached does not know, and conns (text only): Not found",
    script: () => [pk({ opcode: op.stat, key: "nosuch" }), pk({ opcode: op.stat, key: "conns" }), noop()]
  },
  {
    name: "stat detail with a bad subcommand: Not found; on and off: just the end packet",
    script: () => [
      pk({ opcode: op.stat, key: "detail" }),
      pk({ opcode: op.stat, key: "detail bogus" }),
      pk({ opcode: op.stat, key: "detail on" }),
      pk({ opcode: op.stat, key: "detail off" }),
      noop()
    ]
  },
  {
    name: "stat detail dump",
    script: (p) => [
      pk({ opcode: op.stat, key: "detail on" }),
      set(`${p}:a`, "1"),
      get(`${p}:a`),
      pk({ opcode: op.stat, key: "detail dump" }),
      pk({ opcode: op.stat, key: "detail off" }),
      noop()
    ]
  },
  {
    name: "stat groups answer stat packets then an empty one (names compared; settings differ as in text)",
    statValues: false,
    script: () => [
      pk({ opcode: op.stat, key: "items" }),
      pk({ opcode: op.stat, key: "slabs" }),
      pk({ opcode: op.stat, key: "sizes" }),
      noop()
    ]
  },
  {
    name: "a packet split at every byte",
    split: true,
    script: (p): ReadonlyArray<Buffer> => [...[...set(`${p}s`, "split", 5)].map((b) => Buffer.from([b])), get(`${p}s`)]
  },
  {
    name: "flush with a delay, then flushq and flush: items gone",
    script: (p) => [
      set(`${p}f`, "x"),
      pk({ opcode: op.flush, extras: u32(0) }),
      get(`${p}f`),
      set(`${p}g`, "y"),
      pk({ opcode: op.flushq }),
      get(`${p}g`),
      set(`${p}h`, "z"),
      pk({ opcode: op.flush }),
      get(`${p}h`),
      set(`${p}later`, "w"),
      pk({ opcode: op.flush, extras: u32(600) }),
      get(`${p}later`),
      noop()
    ]
  }
]
