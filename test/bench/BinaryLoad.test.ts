import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { BinaryReplyParser, getPacket, setPacket } from "../../src/bench/BinaryLoad.js"
import * as LoadGenerator from "../../src/bench/LoadGenerator.js"
import { type LineReply, ReplyProtocolError } from "../../src/bench/ReplyParser.js"
import { valueOf } from "../../src/bench/ValuePattern.js"
import { memcachedPath, startMemcached } from "../support/servers.js"

type Event = readonly ["value", string, number, string] | readonly ["end"] | readonly ["line", LineReply, string]

const parseAll = (chunks: ReadonlyArray<Buffer>): Array<Event> => {
  const events: Array<Event> = []
  const parser = new BinaryReplyParser({
    onValue: (key, flags, data, start, end) => events.push(["value", key, flags, data.toString("latin1", start, end)]),
    onEnd: () => events.push(["end"]),
    onLine: (reply, line) => events.push(["line", reply, line])
  })
  for (const chunk of chunks) parser.feed(chunk)
  return events
}

/** A response packet as memcached 1.6.18 writes it. */
const response = (opcode: number, status: number, extras: Buffer, key: string, value: string): Buffer => {
  const header = Buffer.alloc(24)
  header[0] = 0x81
  header[1] = opcode
  header.writeUInt16BE(key.length, 2)
  header[4] = extras.length
  header.writeUInt16BE(status, 6)
  header.writeUInt32BE(extras.length + key.length + value.length, 8)
  return Buffer.concat([header, extras, Buffer.from(key, "latin1"), Buffer.from(value, "latin1")])
}
const flags = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255])

const stream = Buffer.concat([
  response(0x01, 0, Buffer.alloc(0), "", ""), // SET stored
  response(0x0c, 0, flags(7), "key:1", "hello"), // GETK hit
  response(0x0c, 1, Buffer.alloc(0), "", "Not found"), // GETK miss
  response(0x0d, 0, flags(0), "key:2", "with\r\nnl"), // GETKQ hit, then NOOP
  response(0x0d, 0, flags(0), "key:3", ""),
  response(0x0a, 0, Buffer.alloc(0), "", ""),
  response(0x01, 0x82, Buffer.alloc(0), "", "Out of memory")
])

const expected: Array<Event> = [
  ["line", "STORED", "STORED"],
  ["value", "key:1", 7, "hello"],
  ["end"],
  ["end"],
  ["value", "key:2", 0, "with\r\nnl"],
  ["value", "key:3", 0, ""],
  ["end"],
  ["line", "SERVER_ERROR", "binary status 0x82 to opcode 0x1: Out of memory"]
]

describe("BinaryLoad", () => {
  it("encodes a set and a get as memcached's binary requests", () => {
    const set = setPacket(12, 3, 100)
    expect([set[0], set[1], set.readUInt16BE(2), set[4], set.readUInt32BE(8)]).toEqual([0x80, 0x01, 6, 8, 114])
    expect(set.subarray(24, 32)).toEqual(Buffer.alloc(8))
    expect(set.toString("latin1", 32, 38)).toBe("key:12")
    expect(set.subarray(38).equals(valueOf(12, 3, 100))).toBe(true)
    const one = getPacket(Uint32Array.of(5))
    expect([one.length, one[1], one.toString("latin1", 24)]).toEqual([29, 0x0c, "key:5"])
    const many = getPacket(Uint32Array.of(5, 60))
    expect([many.length, many[1], many[29 + 1], many[29 + 30 + 1]]).toEqual([29 + 30 + 24, 0x0d, 0x0d, 0x0a])
  })

  it("reports every response in order, and the same however the stream is split", () => {
    expect(parseAll([stream])).toEqual(expected)
    for (let cut = 1; cut < stream.length; cut++) {
      expect(parseAll([stream.subarray(0, cut), stream.subarray(cut)])).toEqual(expected)
    }
    expect(parseAll(Array.from(stream, (byte) => Buffer.of(byte)))).toEqual(expected)
  })

  it("rejects a request magic and a response to an opcode it never sends", () => {
    const bad = response(0x01, 0, Buffer.alloc(0), "", "")
    bad[0] = 0x80
    expect(() => parseAll([bad])).toThrow(ReplyProtocolError)
    expect(() => parseAll([response(0x04, 0, Buffer.alloc(0), "", "")])).toThrow(/opcode 0x4/)
  })

  it.live.runIf(memcachedPath !== undefined)(
    "drives memcached 1.6.18 over the binary protocol with every value verified",
    () =>
      Effect.gen(function*() {
        const server = yield* Effect.acquireRelease(Effect.promise(() => startMemcached()), (s) =>
          Effect.promise(() => s.stop()))
        for (const multiGet of [1, 10]) {
          const result = yield* LoadGenerator.run(
            {
              host: "127.0.0.1",
              port: server.port,
              durationS: 0.3,
              prefill: true,
              verify: true,
              seed: 1,
              protocol: "binary"
            },
            { conns: 4, depth: 8, setWeight: 1, getWeight: 3, keys: 400, valueSize: 100, multiGet }
          )
          expect([result.errors, result.verifyErrors, result.misses], result.diagnostics.join("\n")).toEqual([0, 0, 0])
          expect(result.gets).toBeGreaterThan(0)
          expect(result.sets).toBeGreaterThan(0)
          expect(result.hits).toBe(result.gets * multiGet)
        }
      }).pipe(Effect.scoped)
  )
})
