/**
 * Properties of the binary reader: a stream of valid packets decodes the same however it is split
 * into reads; decoding a packet and encoding the request back gives the packet's bytes (and every
 * decoded request is a valid domain request); random and mutated bytes never make it throw.
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc, Schema } from "effect"
import * as Req from "../../../src/domain/Request.js"
import { WireExptime } from "../../../src/protocol/binary/BinaryCommand.js"
import { type BinaryItem, BinaryReader } from "../../../src/protocol/binary/BinaryReader.js"
import { splitAt } from "../../support/arbitraries.js"
import { arithmeticExtras, packet, storeExtras, u32 } from "../../support/binaryWire.js"

const maxItemSize = 1 << 20

interface Decoded {
  readonly item: BinaryItem
  readonly opcode: number
  readonly opaque: number
}

/** Pushes the chunks one by one, draining the reader after each. */
const readChunks = (chunks: ReadonlyArray<Buffer>, sasl = false): Array<Decoded> => {
  const reader = new BinaryReader({ maxItemSize, sasl })
  const out: Array<Decoded> = []
  for (const chunk of chunks) {
    reader.push(chunk)
    for (let item = reader.next(); item !== undefined; item = reader.next()) {
      out.push({ item, opcode: reader.opcode, opaque: reader.opaque })
    }
  }
  return out
}

const key = fc.uint8Array({ minLength: 1, maxLength: 250 }).map((b) => Buffer.from(b).toString("latin1"))
const textKey = fc.stringMatching(/^[a-z0-9:_]{1,20}$/)
const anyKey = fc.oneof(textKey, key)
const u32n = fc.integer({ min: 0, max: 0xffff_ffff })
const exptime = fc.integer({ min: 0, max: 2 ** 31 - 1 })
const cas = fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 2n ** 53n }))
const value = fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b))
const opaque = u32n

/** A valid request packet of any opcode effcached answers from the store or itself. */
const validPacket: fc.Arbitrary<Buffer> = fc.oneof(
  fc.record({
    opcode: fc.constantFrom(0x01, 0x02, 0x03, 0x11, 0x12, 0x13),
    key: anyKey,
    flags: u32n,
    exptime,
    cas,
    value,
    opaque
  }).map((p) => packet({ ...p, extras: storeExtras(p.flags, p.exptime) })),
  fc.record({ opcode: fc.constantFrom(0x0e, 0x0f, 0x19, 0x1a), key: anyKey, cas, value, opaque }).map(packet),
  fc.record({ opcode: fc.constantFrom(0x00, 0x09, 0x0c, 0x0d), key: anyKey, opaque }).map(packet),
  fc.record({ opcode: fc.constantFrom(0x1c, 0x1d, 0x1e, 0x23, 0x24), key: anyKey, exptime, opaque }).map((p) =>
    packet({ ...p, extras: u32(p.exptime) })
  ),
  fc.record({ opcode: fc.constantFrom(0x04, 0x14), key: anyKey, cas, opaque }).map(packet),
  fc.record({
    opcode: fc.constantFrom(0x05, 0x06, 0x15, 0x16),
    key: anyKey,
    delta: fc.bigUint(2n ** 64n - 1n),
    initial: fc.bigUint(2n ** 64n - 1n),
    exptime: fc.oneof(exptime, fc.constant(0xffff_ffff)),
    cas,
    opaque
  }).map((p) => packet({ ...p, extras: arithmeticExtras(p.delta, p.initial, p.exptime) })),
  fc.record({ opcode: fc.constantFrom(0x0a, 0x0b), opaque }).map(packet),
  fc.record({ opcode: fc.constantFrom(0x08, 0x18), delay: fc.option(exptime), opaque }).map((p) =>
    packet({ opcode: p.opcode, opaque: p.opaque, ...(p.delay === null ? {} : { extras: u32(p.delay) }) })
  ),
  fc.record({
    opcode: fc.constant(0x10),
    key: fc.constantFrom("", "items", "slabs", "sizes", "settings", "reset", "detail dump", "detail on"),
    opaque
  }).map(packet)
)

/** The packet a decoded request came from, encoded back (as a client would send it). */
const reencode = ({ item, opaque, opcode }: Decoded): Buffer => {
  switch (item._tag) {
    case "Gets":
      return packet({ opcode, opaque, key: item.keys[0] })
    case "Gat":
      return packet({ opcode, opaque, key: item.keys[0], extras: u32(item.exptime) })
    case "MetaGet":
      return packet({
        opcode,
        opaque,
        key: item.key,
        ...(item.ttl === undefined ? {} : { extras: u32(item.ttl) })
      })
    case "MetaSet": {
      // append and prepend (and their quiet forms) carry no extras.
      const extras = [0x0e, 0x0f, 0x19, 0x1a].includes(opcode) ? undefined : storeExtras(item.clientFlags, item.ttl)
      return packet({
        opcode,
        opaque,
        key: item.key,
        value: Buffer.from(item.value),
        cas: item.compareCas ?? 0n,
        ...(extras === undefined ? {} : { extras })
      })
    }
    case "MetaDelete":
      return packet({ opcode, opaque, key: item.key, cas: item.compareCas ?? 0n })
    case "MetaArithmetic":
      return packet({
        opcode,
        opaque,
        key: item.key,
        cas: item.compareCas ?? 0n,
        extras: arithmeticExtras(item.delta, item.initial, item.vivify ?? 0xffff_ffff)
      })
    case "FlushAll":
      return packet({ opcode, opaque, ...(item.delay === 0 ? {} : { extras: u32(item.delay) }) })
    case "Stats":
      return packet({ opcode, opaque, key: item.args.join(" ") })
    case "MetaNoop":
    case "Version":
      return packet({ opcode, opaque })
    default:
      throw new Error(`unexpected ${item._tag}`)
  }
}

const isRequest = Schema.is(Req.Request)

describe("BinaryReader properties", () => {
  it("decodes a stream of valid packets the same however it is split", () => {
    fc.assert(
      fc.property(fc.array(validPacket, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 20 }), (
        packets,
        cuts
      ) => {
        const stream = Buffer.concat(packets)
        const whole = readChunks([stream])
        expect(whole.length).toBe(packets.length)
        expect(readChunks(splitAt(stream, cuts))).toEqual(whole)
        expect(readChunks([...stream].map((b) => Buffer.from([b])))).toEqual(whole)
      }),
      { numRuns: 200 }
    )
  })

  it("decodes each packet into a valid domain request that encodes back to the same bytes", () => {
    fc.assert(
      fc.property(validPacket, (bytes) => {
        const [decoded] = readChunks([bytes])
        expect(decoded).toBeDefined()
        expect(isRequest(decoded!.item)).toBe(true)
        // A flush's explicit zero delay and a stat's prefix-matched keys are the only lossy fields.
        if (decoded!.item._tag === "FlushAll" || decoded!.item._tag === "Stats") return
        expect(reencode(decoded!).equals(bytes)).toBe(true)
      }),
      { numRuns: 500 }
    )
  })

  it("decodes an expiry and encodes it back (below 2^31; above, held at 2^31 - 1)", () => {
    fc.assert(
      fc.property(u32n, (n) => {
        const decoded = Schema.decodeSync(WireExptime)(n)
        expect(decoded).toBe(Math.min(n, 2 ** 31 - 1))
        if (n < 2 ** 31) expect(Schema.encodeSync(WireExptime)(decoded)).toBe(n)
      })
    )
  })

  it("never throws on random bytes, with or without SASL", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), fc.boolean(), fc.array(fc.nat(), { maxLength: 8 }), (
        raw,
        sasl,
        magic,
        cuts
      ) => {
        const bytes = Buffer.from(raw)
        // Mostly a request's magic byte first, so the dispatch sees random headers.
        if (bytes.length > 0 && magic) bytes[0] = 0x80
        expect(() => readChunks(splitAt(bytes, cuts), sasl)).not.toThrow()
      }),
      { numRuns: 500 }
    )
  })

  it("never throws on mutated valid streams", () => {
    fc.assert(
      fc.property(
        fc.array(validPacket, { minLength: 1, maxLength: 6 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        (packets, mutations, sasl) => {
          const stream = Buffer.from(Buffer.concat(packets))
          for (const [at, byte] of mutations) stream[at % stream.length] = byte
          expect(() => readChunks([stream], sasl)).not.toThrow()
        }
      ),
      { numRuns: 500 }
    )
  })
})
