import { describe, expect, it } from "@effect/vitest"
import * as Res from "../../src/domain/Result.js"
import type { Result } from "../../src/domain/Result.js"
import { ReplyBuffer } from "../../src/protocol/ReplyBuffer.js"
import { cacheDumpLineLength, encodeReply, encodeValues } from "../../src/protocol/ReplyEncoder.js"

const encode = (result: Result): string => {
  const out = new ReplyBuffer()
  encodeReply(result, out)
  return Buffer.concat(out.take()).toString("latin1")
}

const hit = (key: string, value: string | Buffer, flags = 0, cas = 1) => ({
  key,
  flags,
  value: typeof value === "string" ? Buffer.from(value, "latin1") : value,
  cas
})

describe("ReplyEncoder", () => {
  it("writes memcached's fixed replies byte for byte", () => {
    expect(encode(Res.results.stored)).toBe("STORED\r\n")
    expect(encode(Res.results.notStored)).toBe("NOT_STORED\r\n")
    expect(encode(Res.results.exists)).toBe("EXISTS\r\n")
    expect(encode(Res.results.notFound)).toBe("NOT_FOUND\r\n")
    expect(encode(Res.results.deleted)).toBe("DELETED\r\n")
    expect(encode(Res.results.touched)).toBe("TOUCHED\r\n")
    expect(encode(Res.results.ok)).toBe("OK\r\n")
    expect(encode(Res.results.statsReset)).toBe("RESET\r\n")
    expect(encode(Res.results.unknownCommand)).toBe("ERROR\r\n")
    expect(encode(Res.results.metaNoop)).toBe("MN\r\n")
    expect(encode(Res.results.metaDebugMiss)).toBe("EN\r\n")
    expect(encode(Res.results.silent)).toBe("")
    expect(encode(Res.results.close)).toBe("")
  })

  it("writes errors, counters, versions, stats and memlimit refusals", () => {
    expect(encode(Res.errors.nonNumeric)).toBe("CLIENT_ERROR cannot increment or decrement non-numeric value\r\n")
    expect(encode(Res.errors.outOfMemory)).toBe("SERVER_ERROR out of memory storing object\r\n")
    expect(encode(Res.NotEnabled.make({ feature: "shutdown" }))).toBe("ERROR: shutdown not enabled\r\n")
    expect(encode(Res.counter(18446744073709551615n))).toBe("18446744073709551615\r\n")
    expect(encode(Res.VersionReply.make({ version: "1.6.18" }))).toBe("VERSION 1.6.18\r\n")
    expect(encode(Res.StatsReply.make({ entries: [["pid", "1"], ["uptime", "2"]] }))).toBe(
      "STAT pid 1\r\nSTAT uptime 2\r\nEND\r\n"
    )
    expect(encode(Res.StatsReply.make({ entries: [], terminated: false }))).toBe("")
    expect(encode(Res.MemlimitRejected.make({ reason: "too_small" }))).toBe(
      "MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m\r\n"
    )
    expect(encode(Res.MemlimitRejected.make({ reason: "megabytes_not_bytes" }))).toBe(
      "MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes\r\n"
    )
  })

  it("writes VALUE lines with and without CAS, binary values intact", () => {
    const binary = Buffer.from([0, 13, 10, 255])
    expect(encode(Res.values([hit("a", "xy", 5, 9), hit("b", binary)], false))).toBe(
      "VALUE a 5 2\r\nxy\r\nVALUE b 0 4\r\n\x00\r\n\xff\r\nEND\r\n"
    )
    expect(encode(Res.values([hit("a", "xy", 5, 9)], true))).toBe("VALUE a 5 2 9\r\nxy\r\nEND\r\n")
    expect(encode(Res.values([], true))).toBe("END\r\n")
  })

  it("writes a long retrieval in pieces that add up to the whole reply", () => {
    const result = Res.values(Array.from({ length: 1000 }, (_, i) => hit(`k${i}`, "v".repeat(100))), false)
    const whole = encode(result)
    const out = new ReplyBuffer()
    let pieces = 0
    let text = ""
    for (let next = 0; next >= 0; pieces++) {
      next = encodeValues(result as Extract<Result, { _tag: "Values" }>, out, next, 4096)
      text += Buffer.concat(out.take()).toString("latin1")
    }
    expect(pieces).toBeGreaterThan(10)
    expect(text).toBe(whole)
  })

  it("passes large values by reference and small ones by copy", () => {
    const large = Buffer.alloc(20 * 1024, 1)
    const out = new ReplyBuffer()
    encodeReply(Res.values([hit("big", large), hit("small", "s")], false), out)
    const chunks = out.take()
    expect(chunks.some((chunk) => chunk === large)).toBe(true)
    expect(Buffer.concat(chunks).length).toBe(`VALUE big 0 20480\r\n`.length + 20480 + 2 + 17 + 3 + 5)
  })

  it("writes cachedump and detail dumps, and measures a cachedump line as written", () => {
    const item = { key: "k1", bytes: 3, exptime: 1700000100 }
    expect(encode(Res.CacheDump.make({ items: [item] }))).toBe("ITEM k1 [3 b; 1700000100 s]\r\nEND\r\n")
    expect(cacheDumpLineLength(item)).toBe("ITEM k1 [3 b; 1700000100 s]\r\n".length)
    expect(encode(Res.PrefixDump.make({ prefixes: [{ prefix: "user", gets: 1, hits: 2, sets: 3, deletes: 4 }] })))
      .toBe("PREFIX user get 1 hit 2 set 3 del 4\r\nEND\r\n")
  })
})
