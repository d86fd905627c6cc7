import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc, Schema } from "effect"
import * as Req from "../../src/domain/Request.js"
import * as Res from "../../src/domain/Result.js"
import { TextReader } from "../../src/protocol/TextReader.js"
import {
  comparable,
  cuts,
  encodeAll,
  framingHeavyBytes,
  mutatedStream,
  oddArguments,
  requests,
  splitAt,
  tokenSoup
} from "../support/arbitraries.js"

const maxItemSize = 1 << 20

type Item = Req.Request | Res.Result

/** Pushes the chunks one by one, draining the reader after each; every item in order. */
const readChunks = (chunks: ReadonlyArray<Buffer>, limit = maxItemSize): Array<Item> => {
  const reader = new TextReader({ maxItemSize: limit })
  const out: Array<Item> = []
  for (const chunk of chunks) {
    reader.push(chunk)
    for (let item = reader.next(); item !== undefined; item = reader.next()) out.push(item)
  }
  return out
}

// Keyed by every request tag, so a new request fails to compile until it is listed.
const everyRequestTag: Record<Req.Request["_tag"], true> = {
  Get: true,
  Gets: true,
  Gat: true,
  Gats: true,
  Set: true,
  Add: true,
  Replace: true,
  Append: true,
  Prepend: true,
  Cas: true,
  TooLarge: true,
  Delete: true,
  Incr: true,
  Decr: true,
  Touch: true,
  FlushAll: true,
  Version: true,
  Verbosity: true,
  CacheMemlimit: true,
  Quit: true,
  Shutdown: true,
  Stats: true,
  RefreshCerts: true,
  MetaGet: true,
  MetaSet: true,
  MetaDelete: true,
  MetaArithmetic: true,
  MetaNoop: true,
  MetaDebug: true,
  LruCrawlerMetadump: true,
  LruCrawlerCrawl: true,
  LruCrawlerSwitch: true,
  LruCrawlerTune: true,
  SlabsAutomove: true,
  SlabsReassign: true,
  LruTune: true,
  Watch: true
}
const requestTags = new Set<string>(Object.keys(everyRequestTag))
const isRequestOrResult = Schema.is(Schema.Union(Req.Request, Res.Result))
const show = (item: Item): string => JSON.stringify(comparable(item), (_, v) => (typeof v === "bigint" ? `${v}n` : v))

/**
 * Reads arbitrary bytes split at the given cuts, checking at every step that nothing throws, that every
 * item is a well-formed request or result, and that nothing at all follows a Close.
 */
const checkRobust = (bytes: Uint8Array, at: ReadonlyArray<number>, limit: number): void => {
  const reader = new TextReader({ maxItemSize: limit })
  let closed = false
  for (const chunk of splitAt(Buffer.from(bytes), at)) {
    reader.push(chunk)
    for (let item = reader.next(); item !== undefined; item = reader.next()) {
      expect(closed, "an item after Close").toBe(false)
      expect(requestTags.has(item._tag) || Res.isResult(item), `unknown tag ${item._tag}`).toBe(true)
      if (!isRequestOrResult(item)) expect.fail(`not a valid Request | Result: ${show(item)}`)
      if (item._tag === "Close") closed = true
    }
    expect(reader.next()).toBeUndefined()
  }
}

describe("TextReader properties", () => {
  it.prop(
    "any split of a valid stream decodes like the whole stream",
    [requests(25), cuts(40)],
    ([rs, at]) => {
      const bytes = encodeAll(rs)
      const whole = readChunks([bytes]).map(comparable)
      expect(whole).toEqual(rs.map(comparable))
      expect(readChunks(splitAt(bytes, at)).map(comparable)).toEqual(whole)
    },
    { fastCheck: { numRuns: 300, seed: 11 } }
  )

  it.prop(
    "byte-at-a-time delivery decodes like the whole stream",
    [requests(8)],
    ([rs]) => {
      const bytes = encodeAll(rs)
      const single = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1))
      expect(readChunks(single).map(comparable)).toEqual(readChunks([bytes]).map(comparable))
    },
    { fastCheck: { numRuns: 100, seed: 12 } }
  )

  it.prop(
    "random bytes never throw and yield only requests and results, nothing after Close",
    [
      fc.oneof(fc.uint8Array({ maxLength: 3000 }), framingHeavyBytes, tokenSoup, oddArguments, mutatedStream),
      cuts(10),
      fc.constantFrom(maxItemSize, 200)
    ],
    ([bytes, at, limit]) => checkRobust(bytes, at, limit),
    // Shrinking a long argument is slow: stop after a few seconds with the smallest failure so far.
    { fastCheck: { numRuns: 1500, seed: 13, interruptAfterTimeLimit: 8_000 } }
  )

  it.prop(
    "split does not change what random input decodes to",
    [fc.oneof(framingHeavyBytes, tokenSoup, oddArguments, mutatedStream), cuts(10)],
    ([bytes, at]) => {
      const buf = Buffer.from(bytes)
      expect(readChunks(splitAt(buf, at)).map(comparable)).toEqual(readChunks([buf]).map(comparable))
    },
    { fastCheck: { numRuns: 500, seed: 14 } }
  )
})

const latin1 = (s: string) => Buffer.from(s, "latin1")

describe("TextReader examples", () => {
  it("reports a bad data chunk and parses the leftover bytes as a line", () => {
    expect(readChunks([latin1("set k 0 0 3\r\nabcde\r\nversion\r\n")])).toEqual([
      Res.ClientError.make({ message: "bad data chunk" }),
      Res.results.unknownCommand,
      { _tag: "Version" }
    ])
  })

  it("silences a bad data chunk under noreply", () => {
    expect(readChunks([latin1("set k 0 0 1 noreply\r\nabc\r\n")])).toEqual([
      Res.results.silent,
      Res.results.unknownCommand
    ])
  })

  it("swallows a too-large value (terminator unchecked), answers after the last byte, then decodes on", () => {
    const header = latin1("set k 0 0 2000000\r\n")
    const data = Buffer.alloc(2_000_000, 0x78)
    const reader = new TextReader({ maxItemSize: 1 << 20 })
    reader.push(header)
    // The store drops the old value on the header, as memcached does, even if the data never comes;
    // the reply waits for the data to be gone.
    expect(reader.next()).toEqual({ _tag: "TooLarge", command: "set", key: "k", noreply: true })
    expect(reader.next()).toBeUndefined()
    expect(reader.phase).toBe("swallow")
    reader.push(data.subarray(0, 1_000_000))
    expect(reader.next()).toBeUndefined()
    reader.push(Buffer.concat([data.subarray(1_000_000), latin1("XX")]))
    expect(reader.next()).toEqual({ _tag: "ServerError", message: "object too large for cache" })
    expect(reader.next()).toBeUndefined()
    reader.push(latin1("get k\r\n"))
    expect(reader.next()).toEqual({ _tag: "Get", keys: ["k"] })
    expect(reader.buffered).toBe(0)
  })

  it("yields the lookups before a too-long key in a get line, then the error, then reads on", () => {
    const items = readChunks([latin1(`gat 10 a ${"k".repeat(251)} b\r\nversion\r\n`)])
    expect(items).toEqual([
      { _tag: "Gat", exptime: 10, keys: ["a"], noreply: true },
      { _tag: "ClientError", message: "bad command line format" },
      { _tag: "Version" }
    ])
  })

  it("accepts the largest value that fits and refuses one byte more", () => {
    const fits = readChunks([latin1("set k 0 0 1048516\r\n"), Buffer.alloc(1048516, 0x61), latin1("\r\n")])
    expect(fits.map((i) => i._tag)).toEqual(["Set"])
    const over = readChunks([
      latin1("add k 0 0 1048517 noreply\r\n"),
      Buffer.alloc(1048519, 0x61),
      latin1("version\r\n")
    ])
    expect(over).toEqual([{ _tag: "TooLarge", command: "add", key: "k", noreply: true }, { _tag: "Version" }])
  })

  it("closes on a non-get line over 2048 bytes without a newline, and stays closed", () => {
    const reader = new TextReader({ maxItemSize })
    reader.push(Buffer.alloc(2049, 0x61))
    expect(reader.next()).toEqual(Res.results.close)
    reader.push(latin1("\r\nversion\r\n"))
    expect(reader.next()).toBeUndefined()
  })

  it("keeps waiting at exactly 2048 bytes without a newline", () => {
    expect(readChunks([Buffer.alloc(2048, 0x61), latin1("version\r\n")])).toEqual([Res.results.unknownCommand])
  })

  it("closes on a long set line whose newline has not arrived, but accepts it in one piece", () => {
    const line = "set k 0 0 1" + " ".repeat(3000)
    expect(readChunks([latin1(line), latin1("\r\na\r\n")])).toEqual([Res.results.close])
    expect(readChunks([latin1(line + "\r\na\r\n")]).map(comparable)).toEqual(
      [comparable({ _tag: "Set", key: "k", flags: 0, exptime: 0, value: latin1("a"), noreply: false })]
    )
  })

  it("accepts a get/gets line over 2048 bytes arriving in pieces", () => {
    const keys = Array.from({ length: 100 }, (_, i) => `key${i}`.padEnd(200, "x"))
    for (const command of ["get", "gets", "   get"]) {
      const line = latin1(`${command} ${keys.join(" ")}\r\n`)
      const reader = new TextReader({ maxItemSize })
      reader.push(line.subarray(0, 3000))
      expect(reader.next()).toBeUndefined()
      reader.push(line.subarray(3000))
      expect(reader.next()).toEqual({ _tag: command.trim() === "gets" ? "Gets" : "Get", keys })
    }
  })

  it("closes on a long gat line in pieces (only get/gets are exempt)", () => {
    const line = latin1(`gat 0 ${"k".repeat(3000)}\r\n`)
    expect(readChunks([line.subarray(0, 2500), line.subarray(2500)])).toEqual([Res.results.close])
  })

  it("cuts a line at NUL and takes a bare LF as a line end", () => {
    expect(readChunks([latin1("get a\0junk\r\nget b\nversion\r\n")])).toEqual([
      { _tag: "Get", keys: ["a"] },
      { _tag: "Get", keys: ["b"] },
      { _tag: "Version" }
    ])
  })
})
