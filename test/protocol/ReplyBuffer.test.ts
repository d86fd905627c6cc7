import { describe, expect, it } from "vitest"
import { ReplyBuffer } from "../../src/protocol/ReplyBuffer.js"

describe("ReplyBuffer", () => {
  it("gives back exactly what was written, in order, across many blocks and batches", () => {
    const out = new ReplyBuffer()
    for (let batch = 0; batch < 20; batch++) {
      const parts: Array<Buffer> = []
      for (let i = 0; i < 200; i++) {
        const text = `VALUE key${batch}:${i} 0 ${i}\r\n`
        out.latin1(text)
        const bytes = Buffer.alloc(i * 37, 0x61 + (i % 26))
        out.bytes(bytes)
        parts.push(Buffer.from(text, "latin1"), bytes)
      }
      const taken = out.take()
      expect(Buffer.concat(taken).equals(Buffer.concat(parts))).toBe(true)
      expect(out.size).toBe(0)
    }
  })

  it("passes large values through by reference and copies small ones", () => {
    const out = new ReplyBuffer()
    const large = Buffer.alloc(20 * 1024, 0x62)
    const small = Buffer.from("small")
    out.latin1("VALUE k 0 20480\r\n")
    out.bytes(large)
    out.bytes(small)
    const taken = out.take()
    expect(taken.some((chunk) => chunk === large)).toBe(true)
    expect(taken.some((chunk) => chunk === small)).toBe(false)
  })

  it("holds no 16 KB block for a connection that answers one short reply", () => {
    const out = new ReplyBuffer()
    out.latin1("VERSION 1.6.18\r\n")
    const [chunk] = out.take()
    // A slice of Node's shared 8 KB pool, not a block of its own.
    expect(chunk!.buffer.byteLength).toBeLessThanOrEqual(Buffer.poolSize)
  })
})
