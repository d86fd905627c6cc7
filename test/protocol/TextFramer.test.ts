import { describe, expect, it } from "@effect/vitest"
import { MAX_LINE_LENGTH, TextFramer } from "../../src/protocol/TextFramer.js"

const framer = (...chunks: Array<string | Buffer>) => {
  const f = new TextFramer()
  for (const c of chunks) f.push(typeof c === "string" ? Buffer.from(c, "latin1") : c)
  return f
}

describe("TextFramer", () => {
  it("splits lines on LF or CRLF and tokens on spaces only", () => {
    const f = framer("get  a\tb  c\r\n  set k 0 0 1\nversion\r\r\n")
    expect(f.nextLine()).toBe("line")
    expect(f.tokens).toEqual(["get", "a\tb", "c"])
    expect(f.nextLine()).toBe("line")
    expect(f.tokens).toEqual(["set", "k", "0", "0", "1"])
    expect(f.nextLine()).toBe("line")
    expect(f.tokens).toEqual(["version\r"])
    expect(f.nextLine()).toBe("more")
  })

  it("ends a line at its first NUL, as memcached's strlen does", () => {
    const f = framer("get a\0junk\r\n\0get b\r\n")
    expect(f.nextLine()).toBe("line")
    expect(f.tokens).toEqual(["get", "a"])
    expect(f.nextLine()).toBe("line")
    expect(f.tokens).toEqual([])
  })

  it("keeps bytes as latin1 characters", () => {
    const f = framer(Buffer.from([0x67, 0x65, 0x74, 0x20, 0xff, 0xfe, 0x01, 0x0d, 0x0a]))
    expect(f.nextLine()).toBe("line")
    expect(f.tokens).toEqual(["get", "\xff\xfe\x01"])
  })

  it("waits for the rest of a line split across reads", () => {
    const f = framer("get a")
    expect(f.nextLine()).toBe("more")
    f.push(Buffer.from("bc\r"))
    expect(f.nextLine()).toBe("more")
    f.push(Buffer.from("\n"))
    expect(f.nextLine()).toBe("line")
    expect(f.tokens).toEqual(["get", "abc"])
  })

  it("gives up on a line over 2048 bytes without a newline, unless it is a get", () => {
    expect(framer("a".repeat(MAX_LINE_LENGTH)).nextLine()).toBe("more")
    expect(framer("a".repeat(MAX_LINE_LENGTH + 1)).nextLine()).toBe("too-long")
    expect(framer("get " + "k ".repeat(2000)).nextLine()).toBe("more")
    expect(framer("   gets " + "k ".repeat(2000)).nextLine()).toBe("more")
    expect(framer(" ".repeat(101) + "get " + "k ".repeat(2000)).nextLine()).toBe("too-long")
    expect(framer("gat 0 " + "k ".repeat(2000)).nextLine()).toBe("too-long")
    const long = framer("set " + "k".repeat(3000) + " 0 0 1\r\n")
    expect(long.nextLine()).toBe("line")
  })

  it("reads data blocks whole or across reads, checking the CRLF terminator", () => {
    const whole = framer("hello\r\nrest")
    expect(whole.readBlock(5)).toBe("block")
    expect(whole.block.toString()).toBe("hello")
    expect(whole.blockOwned).toBe(false)
    expect(whole.buffered).toBe(4)

    const split = framer("he")
    expect(split.readBlock(5)).toBe("more")
    split.push(Buffer.from("llo\r"))
    expect(split.readBlock(5)).toBe("more")
    split.push(Buffer.from("\nnext"))
    expect(split.readBlock(5)).toBe("block")
    expect(split.block.toString()).toBe("hello")
    expect(split.blockOwned).toBe(true)
    expect(split.buffered).toBe(4)

    // length + 2 bytes are consumed whatever they are; what follows is read as the next line.
    const bad = framer("abcdeget k\r\n")
    expect(bad.readBlock(3)).toBe("bad-chunk")
    expect(bad.nextLine()).toBe("line")
    expect(bad.tokens).toEqual(["get", "k"])
  })

  it("skips a block without buffering it", () => {
    const f = framer("x".repeat(10))
    expect(f.skipBlock(25)).toBe(false)
    expect(f.buffered).toBe(0)
    f.push(Buffer.from("y".repeat(15) + "get k\r\n"))
    expect(f.skipBlock(25)).toBe(true)
    expect(f.nextLine()).toBe("line")
    expect(f.tokens).toEqual(["get", "k"])
  })
})
