/**
 * Generators of valid domain requests and of text-protocol byte streams, for property tests.
 */
import { Arbitrary, FastCheck as fc, Schema } from "effect"
import type { WatchStream } from "../../src/domain/OperatorRequest.js"
import type { Request } from "../../src/domain/Request.js"
import * as Req from "../../src/domain/Request.js"
import { encodeRequest } from "../../src/protocol/RequestEncoder.js"
import { metaRequest } from "./metaArbitraries.js"
import type { Command } from "./model.js"

/** memcached's limit on a non-get command line that arrives without its newline (see TextFramer). */
export const MAX_LINE = 2048

/**
 * Every request a client sends, except Stats and Shutdown (their args are free-form) and TooLarge (not
 * a wire request).
 */
const Plain = Schema.Union(
  Req.Get,
  Req.Gets,
  Req.Gat,
  Req.Gats,
  Req.Set,
  Req.Add,
  Req.Replace,
  Req.Append,
  Req.Prepend,
  Req.Cas,
  Req.Delete,
  Req.Incr,
  Req.Decr,
  Req.Touch,
  Req.FlushAll,
  Req.Version,
  Req.Verbosity,
  Req.CacheMemlimit,
  Req.Quit
)

/** `stats` with no group or a real one. */
const stats: fc.Arbitrary<Request> = fc
  .constantFrom<ReadonlyArray<string>>([], ["items"], ["slabs"], ["settings"], ["sizes"], ["conns"], ["reset"], [
    "detail",
    "dump"
  ])
  .map((args) => ({ _tag: "Stats", args }))

/** `shutdown`, plain or graceful. */
const shutdown: fc.Arbitrary<Request> = fc
  .constantFrom<ReadonlyArray<string>>([], ["graceful"])
  .map((args) => ({ _tag: "Shutdown", args }))

/** A class id list as lru_crawler takes it. */
const classIds = fc.array(fc.integer({ min: 1, max: 63 }), { minLength: 1, maxLength: 4 })
const selection = fc.oneof(
  fc.constant({ _tag: "AllClasses" as const }),
  classIds.map((ids) => ({ _tag: "ClassList" as const, ids }))
)

/** The operator's commands, as they decode (values memcached accepts). */
const operator: fc.Arbitrary<Request> = fc.oneof(
  fc.oneof(selection, fc.constant({ _tag: "HashTable" as const })).map((classes) => ({
    _tag: "LruCrawlerMetadump" as const,
    classes
  })),
  selection.map((classes) => ({ _tag: "LruCrawlerCrawl" as const, classes })),
  fc.boolean().map((enable) => ({ _tag: "LruCrawlerSwitch" as const, enable })),
  fc.record({ setting: fc.constant("sleep" as const), to: fc.integer({ min: 0, max: 1_000_000 }) })
    .map((r) => ({ _tag: "LruCrawlerTune" as const, ...r })),
  fc.record({ setting: fc.constant("tocrawl" as const), to: fc.nat() })
    .map((r) => ({ _tag: "LruCrawlerTune" as const, ...r })),
  fc.record({ level: fc.constantFrom(0 as const, 1 as const, 2 as const), noreply: fc.boolean() })
    .map((r) => ({ _tag: "SlabsAutomove" as const, ...r })),
  fc.record({ ratio: fc.double({ min: 0, max: 1, noNaN: true }), noreply: fc.boolean() })
    .map((r) => ({ _tag: "SlabsAutomove" as const, ...r })),
  fc.record({ source: fc.integer({ min: -1, max: 63 }), destination: fc.integer({ min: -1, max: 63 }) })
    .map((r) => ({ _tag: "SlabsReassign" as const, ...r })),
  fc.record({
    setting: fc.oneof(
      fc.record({
        _tag: fc.constant("Segments" as const),
        hotPercent: fc.integer({ min: 0, max: 40 }),
        warmPercent: fc.integer({ min: 0, max: 40 }),
        hotFactor: fc.double({ min: 0.01, max: 10, noNaN: true }),
        warmFactor: fc.double({ min: 0.01, max: 10, noNaN: true })
      }),
      fc.boolean().map((segmented) => ({ _tag: "Mode" as const, segmented })),
      fc.integer({ min: -10, max: 100_000 }).map((seconds) => ({ _tag: "TemporaryTtl" as const, seconds }))
    ),
    noreply: fc.boolean()
  }).map((r) => ({ _tag: "LruTune" as const, ...r })),
  fc.array(fc.constantFrom<WatchStream>("fetchers", "mutations", "evictions", "connevents", "sysevents", "rawcmds"), {
    minLength: 1,
    maxLength: 3
  }).map(([first, ...rest]): Request => ({ _tag: "Watch", streams: [first!, ...rest] }))
)

/** A storage request with a value larger than one typical read, so its data block arrives in pieces. */
const bigStore: fc.Arbitrary<Request> = fc
  .record({
    key: fc.stringMatching(/^[a-z]{1,8}$/),
    flags: fc.nat(),
    exptime: fc.integer({ min: -10, max: 100_000 }),
    value: fc.uint8Array({ minLength: 65, maxLength: 5000 }),
    noreply: fc.boolean()
  })
  .map((fields) => ({ _tag: "Set" as const, ...fields }))

/** The command line (up to and including its LF) of an encoded request. */
export const headerLine = (bytes: Buffer): Buffer => bytes.subarray(0, bytes.indexOf(0x0a) + 1)

/**
 * Whether a request encodes unambiguously and survives any split of the stream: its key is not the
 * word `noreply` (which the text protocol would read as the flag), and its command line fits in
 * memcached's 2048 bytes unless it is a get/gets (whose lines may be any length).
 */
export const isWireSafe = (request: Request): boolean => {
  if ("key" in request && request.key === "noreply") return false
  if (request._tag === "Get" || request._tag === "Gets") return true
  return headerLine(encodeRequest(request)).length <= MAX_LINE
}

/** A retrieval's `noreply` is set by the server alone (the lookups before a bad key): clients never send it. */
const withoutServerFields = (request: Request): Request => {
  if (!("keys" in request) || !("noreply" in request)) return request
  const { noreply: _, ...sent } = request
  return sent
}

/** Any valid request a client can send (not TooLarge; Stats with a real group), text, meta or operator. */
export const request: fc.Arbitrary<Request> = fc
  .oneof(
    { weight: 20, arbitrary: (Arbitrary.make(Plain) as fc.Arbitrary<Request>).map(withoutServerFields) },
    { weight: 8, arbitrary: metaRequest },
    { weight: 1, arbitrary: stats },
    { weight: 1, arbitrary: shutdown },
    { weight: 1, arbitrary: operator },
    { weight: 1, arbitrary: bigStore }
  )
  .filter(isWireSafe)

/** A sequence of valid requests. */
export const requests = (maxLength = 20): fc.Arbitrary<ReadonlyArray<Request>> => fc.array(request, { maxLength })

/** The bytes of a sequence of requests, as a client would send them. */
export const encodeAll = (rs: ReadonlyArray<Request>): Buffer => Buffer.concat(rs.map(encodeRequest))

/** Splits `bytes` at the given positions (taken modulo its length, deduplicated). */
export const splitAt = (bytes: Buffer, cuts: ReadonlyArray<number>): Array<Buffer> => {
  if (bytes.length === 0) return [bytes]
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const chunks: Array<Buffer> = []
  let start = 0
  for (const p of points) {
    chunks.push(bytes.subarray(start, p))
    start = p
  }
  chunks.push(bytes.subarray(start))
  return chunks
}

/** Cut positions for {@link splitAt}: up to `max` of them. */
export const cuts = (max = 30): fc.Arbitrary<ReadonlyArray<number>> => fc.array(fc.nat(), { maxLength: max })

const bytesOf = (s: string) => [...Buffer.from(s, "latin1")]

/** Bytes heavy in what the framer and tokenizer react to: CR, LF, space, NUL, digits, signs. */
export const framingHeavyBytes: fc.Arbitrary<Uint8Array> = fc
  .array(fc.constantFrom(...bytesOf("\r\n \0\r\n \0\t0123456789-+gesta"), 0xff, 0x80), { maxLength: 3000 })
  .map((bs) => Uint8Array.from(bs))

/** Token soup: command names, numbers at their limits and separators, joined at random. */
export const tokenSoup: fc.Arbitrary<Uint8Array> = fc
  .array(
    fc.constantFrom(
      "get",
      "gets",
      "gat",
      "gats",
      "bget",
      "set",
      "add",
      "replace",
      "append",
      "prepend",
      "cas",
      "incr",
      "decr",
      "delete",
      "touch",
      "flush_all",
      "version",
      "verbosity",
      "stats",
      "quit",
      "shutdown",
      "GET",
      "HTTP/1.1",
      "mg",
      "ms",
      "md",
      "ma",
      "mn",
      "me",
      "mx",
      "v",
      "q",
      "k",
      "b",
      "O1",
      "T5",
      "N0",
      "C1",
      "MS",
      "MX",
      "D",
      "Zm9v",
      "noreply",
      "NOREPLY",
      "k",
      "key",
      "0",
      "1",
      "2",
      "3",
      "5",
      "-1",
      "+1",
      "00",
      "4294967296",
      "2147483645",
      "2147483647",
      "18446744073709551615",
      "18446744073709551616",
      "-9223372036854775808",
      "abc",
      "x".repeat(251),
      " ",
      " ",
      " ",
      " ",
      "\r\n",
      "\r\n",
      "\r\n",
      "\n",
      "\r",
      "\0",
      "\t"
    ),
    { maxLength: 80 }
  )
  .map((ts) => Uint8Array.from(Buffer.from(ts.join(""), "latin1")))

const argByte = fc.integer({ min: 0, max: 255 }).filter((c) => c !== 0x0a && c !== 0x20).map((c) =>
  String.fromCharCode(c)
)

/** Real command names followed by odd arguments: any bytes but LF and space, up to 300 of them. */
export const oddArguments: fc.Arbitrary<Uint8Array> = fc
  .array(
    fc.tuple(
      fc.constantFrom(
        "get",
        "gets",
        "gat",
        "gats",
        "set",
        "add",
        "cas",
        "incr",
        "decr",
        "delete",
        "touch",
        "flush_all",
        "verbosity",
        "stats",
        "version",
        "mg",
        "ms",
        "md",
        "ma",
        "me"
      ),
      fc.array(
        fc.oneof(
          fc.string({ unit: argByte, minLength: 1, maxLength: 8 }),
          // Around the 250-byte key limit.
          fc.string({ unit: argByte, minLength: 245, maxLength: 300 }),
          fc.constantFrom("0", "1", "-1", "noreply", "18446744073709551615")
        ),
        { maxLength: 6 }
      )
    ),
    { minLength: 1, maxLength: 5 }
  )
  .map((lines) =>
    Uint8Array.from(Buffer.from(lines.map(([c, args]) => [c, ...args].join(" ") + "\r\n").join(""), "latin1"))
  )

/** A valid stream with random edits: bytes inserted, deleted or overwritten at random positions. */
export const mutatedStream: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    requests(10),
    fc.array(
      fc.record({
        at: fc.nat(),
        kind: fc.constantFrom("insert", "delete", "overwrite"),
        bytes: fc.oneof(
          fc.uint8Array({ minLength: 1, maxLength: 4 }),
          fc.constantFrom(
            ...["\r", "\n", "\r\n", " ", "\0", "0", "9", "-", "noreply", "\r\nget k\r\n"].map((s) =>
              Uint8Array.from(Buffer.from(s, "latin1"))
            )
          )
        )
      }),
      { minLength: 1, maxLength: 6 }
    )
  )
  .map(([rs, edits]) => {
    let bytes = encodeAll(rs)
    for (const edit of edits) {
      const at = edit.at % (bytes.length + 1)
      const insert = Buffer.from(edit.bytes)
      bytes = edit.kind === "insert"
        ? Buffer.concat([bytes.subarray(0, at), insert, bytes.subarray(at)])
        : edit.kind === "delete"
        ? Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + insert.length)])
        : Buffer.concat([bytes.subarray(0, at), insert, bytes.subarray(at + insert.length)])
    }
    return Uint8Array.from(bytes)
  })

/** A decoded item in a form `toEqual` compares by content: values as hex strings, whatever their class. */
export const comparable = (item: unknown): unknown =>
  item !== null && typeof item === "object" && "value" in item && item.value instanceof Uint8Array
    ? { ...item, value: Buffer.from(item.value.buffer, item.value.byteOffset, item.value.length).toString("hex") }
    : item

// ---------------------------------------------------------------------------------------------------
// Commands for the model-based server test (see test/support/model.ts).

/** The model test's keyspace: small, so commands collide. */
export const modelKeys = ["k0", "k1", "k2", "k3"] as const

const modelKey = fc.constantFrom(...modelKeys)
const modelFlags = fc.constantFrom(0, 0, 1, 7, 4294967295)
/** Never, never within a test, or already expired. */
const modelExptime = fc.constantFrom(0, 0, 0, 0, 1000, -1)

/** Values that exercise incr/decr: numbers, padded numbers, edge cases, and non-numbers. */
const numericish = fc.constantFrom(
  "0",
  "1",
  "5",
  "9",
  "10",
  "99",
  "100",
  "007",
  "0005",
  " 5",
  "5 ",
  "+5",
  "-5",
  "-0",
  "5\r\n",
  "5 abc",
  "5\0x",
  "18446744073709551615",
  "18446744073709551614",
  "18446744073709551616",
  "9223372036854775808",
  "abc",
  "1a",
  "",
  "x",
  "hello world",
  "VALUE k0 0 1"
)
const modelValue = fc.oneof(
  { weight: 3, arbitrary: numericish },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(..."ab09 -+\r\n\t\u00ff"), maxLength: 12 }) }
).filter((v) => !(v.length > 0 && [...v].every((c) => " \t\n\v\f\r".includes(c))))

const modelDelta = fc.oneof(
  fc.bigInt({ min: 0n, max: 20n }),
  fc.constantFrom(0n, 1n, 90n, 1000n, 1n << 63n, (1n << 64n) - 1n, (1n << 64n) - 2n),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })
)

/** Where a cas command (or a meta command's C flag) takes its unique from. */
const casSource = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: "fresh" as const }) },
  { weight: 2, arbitrary: fc.nat().map((index) => ({ kind: "seen" as const, index })) },
  {
    weight: 1,
    arbitrary: fc.bigInt({ min: 1n << 62n, max: (1n << 64n) - 1n }).map((value) => ({ kind: "bogus" as const, value }))
  }
)

const opaque = fc.stringMatching(/^[a-z0-9]{0,8}$/)

/** Meta commands of the model's subset: flags drawn from each command's, in any order. */
const metaModelCommand: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("mg" as const),
      key: fc.constantFrom(...modelKeys),
      flags: fc.shuffledSubarray(["v", "s", "f", "k", "c", "h", "q", "O", "u", "N"] as const),
      opaque
    })
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("ms" as const),
      key: fc.constantFrom(...modelKeys),
      value: fc.constantFrom("0", "7", "99", "abc", "", "x y"),
      flags: fc.shuffledSubarray(["c", "k", "q", "O", "I", "F", "T", "M", "C"] as const),
      clientFlags: fc.constantFrom(0, 1, 4294967295),
      exptime: fc.constantFrom(0, 1000, -1),
      mode: fc.constantFrom("E" as const, "A" as const, "P" as const, "R" as const, "S" as const),
      opaque,
      unique: casSource
    })
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("md" as const),
      key: fc.constantFrom(...modelKeys),
      flags: fc.shuffledSubarray(["q", "k", "O", "I", "C"] as const),
      opaque,
      unique: casSource
    })
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("ma" as const),
      key: fc.constantFrom(...modelKeys),
      flags: fc.shuffledSubarray(["v", "q", "c", "k", "O", "N", "J", "D", "M", "C"] as const),
      initial: fc.constantFrom(0n, 9n, 99n, (1n << 64n) - 1n),
      delta: fc.constantFrom(0n, 1n, 5n, 100n, (1n << 64n) - 1n),
      decr: fc.boolean(),
      opaque,
      unique: casSource
    })
  },
  { weight: 1, arbitrary: fc.constant({ op: "mn" as const }) }
)

const storage = (op: "set" | "add" | "replace" | "append" | "prepend") =>
  fc.record({
    op: fc.constant(op),
    key: modelKey,
    flags: modelFlags,
    exptime: modelExptime,
    value: modelValue,
    noreply: fc.boolean()
  })

/** One command of the model's subset, weighted towards stores and reads. */
export const modelCommand: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: storage("set") },
  { weight: 2, arbitrary: storage("add") },
  { weight: 2, arbitrary: storage("replace") },
  { weight: 2, arbitrary: storage("append") },
  { weight: 2, arbitrary: storage("prepend") },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("cas" as const),
      key: modelKey,
      flags: modelFlags,
      exptime: modelExptime,
      value: modelValue,
      noreply: fc.boolean(),
      unique: casSource
    })
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constantFrom("get" as const, "gets" as const),
      keys: fc.array(modelKey, { minLength: 1, maxLength: 5 })
    })
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constantFrom("gat" as const, "gats" as const),
      exptime: modelExptime,
      keys: fc.array(modelKey, { minLength: 1, maxLength: 4 })
    })
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("delete" as const), key: modelKey, noreply: fc.boolean() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constantFrom("incr" as const, "decr" as const),
      key: modelKey,
      delta: modelDelta,
      noreply: fc.boolean()
    })
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("touch" as const),
      key: modelKey,
      exptime: modelExptime,
      noreply: fc.boolean()
    })
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("flush_all" as const), noreply: fc.boolean() }) },
  { weight: 14, arbitrary: metaModelCommand }
)

/** A session of model commands. */
export const modelSession = (maxLength = 30): fc.Arbitrary<ReadonlyArray<Command>> =>
  fc.array(modelCommand, { minLength: 1, maxLength })
