import { describe, expect, it } from "@effect/vitest"
import * as zlib from "node:zlib"
import { crc32, crc32Js } from "../../src/persistence/Crc32.js"
import {
  blockAt,
  endBlock,
  Frame,
  FRAME_HEADER,
  frameAt,
  logHeader,
  readLogHeader,
  readSnapshotHeader,
  sealBlock,
  sealFrame,
  snapshotHeader
} from "../../src/persistence/Format.js"

const frame = (type: number, payload: Buffer): Buffer => {
  const buf = Buffer.alloc(FRAME_HEADER + payload.length)
  buf[8] = type
  payload.copy(buf, FRAME_HEADER)
  sealFrame(buf, 0, payload.length)
  return buf
}

const block = (payload: Buffer, count: number): Buffer => {
  const buf = Buffer.alloc(16 + payload.length)
  payload.copy(buf, 16)
  sealBlock(buf, 0, payload.length, count)
  return buf
}

describe("Crc32", () => {
  it("the JavaScript fallback agrees with zlib's, and with the known check value", () => {
    const data = Buffer.from("123456789")
    expect(crc32Js(data, 0, data.length)).toBe(0xcbf43926)
    expect(crc32(data, 0, data.length)).toBe(0xcbf43926)
    const random = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7919) & 0xff))
    expect(crc32Js(random, 10, 900)).toBe(crc32(random, 10, 900))
    const native = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32
    if (native !== undefined) expect(crc32Js(random, 0, 1000)).toBe(native(random) >>> 0)
  })
})

describe("Format", () => {
  it("headers round-trip and a flipped byte is refused", () => {
    expect(readLogHeader(logHeader(42))).toBe(42)
    expect(readSnapshotHeader(snapshotHeader(7, 1234))).toEqual({ gen: 7, flushedUntil: 1234 })
    const header = logHeader(42)
    header[9]! ^= 1
    expect(readLogHeader(header)).toBeUndefined()
    expect(readLogHeader(Buffer.alloc(3))).toBeUndefined()
  })

  it("frames round-trip; truncation and every single-bit flip are refused", () => {
    const payload = Buffer.from("hello, world")
    const buf = frame(Frame.Removed, payload)
    const read = frameAt(buf, 0)
    expect(read).toEqual({ _tag: "Frame", type: Frame.Removed, start: FRAME_HEADER, end: buf.length })
    expect(frameAt(buf, buf.length)).toEqual({ _tag: "End" })
    for (let cut = 1; cut < buf.length; cut++) expect(frameAt(buf.subarray(0, cut), 0)._tag).toBe("Damaged")
    for (let bit = 0; bit < buf.length * 8; bit++) {
      const flipped = Buffer.from(buf)
      flipped[bit >>> 3]! ^= 1 << (bit & 7)
      expect(frameAt(flipped, 0)._tag).toBe("Damaged")
    }
  })

  it("blocks: good, bad payload (skippable), damaged header, end", () => {
    const good = block(Buffer.alloc(64, 3), 2)
    expect(blockAt(good, 0)).toEqual({ _tag: "Block", start: 16, end: 80, count: 2 })
    const bad = Buffer.from(good)
    bad[40]! ^= 0x10
    expect(blockAt(bad, 0)).toEqual({ _tag: "Bad", end: 80, count: 2 })
    const header = Buffer.from(good)
    header[1]! ^= 0x01
    expect(blockAt(header, 0)._tag).toBe("Damaged")
    expect(blockAt(endBlock(5), 0)).toEqual({ _tag: "Last", count: 5 })
    expect(blockAt(good.subarray(0, 40), 0)._tag).toBe("Damaged")
    expect(blockAt(good, good.length)).toEqual({ _tag: "Damaged", reason: "no end block (truncated)" })
  })
})
