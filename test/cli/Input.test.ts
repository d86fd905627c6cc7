import { describe, expect, it } from "@effect/vitest"
import { complete, helpText } from "../../src/cli/Commands.js"
import { type Invocation, parseLine, parseWords, toRequest } from "../../src/cli/Input.js"
import { tokenize } from "../../src/cli/Tokens.js"

/** The protocol text an invocation sends (line, then data), for comparison. */
const wire = (invocation: Invocation) =>
  invocation._tag === "Send"
    ? [invocation.line.toString("latin1"), invocation.data === "next" ? "next" : invocation.data?.toString("latin1")]
    : invocation

describe("Tokens", () => {
  it("splits on spaces, groups quotes, resolves escapes; values are UTF-8, \\x escapes bytes", () => {
    const tokens = tokenize(`set  "a b" 'c\\d' "x\\"y\\n" "\\xff" é`)
    expect(Array.isArray(tokens)).toBe(true)
    const list = tokens as Exclude<typeof tokens, string>
    expect(list.map((t) => t.text)).toEqual(["set", "a b", "c\\d", "x\"y\n", "\xff", "é"])
    expect(list.map((t) => t.quoted)).toEqual([false, true, true, true, true, false])
    expect([...list[4]!.bytes]).toEqual([0xff])
    expect([...list[5]!.bytes]).toEqual([0xc3, 0xa9])
    expect(tokenize(`get "open`)).toBe("unterminated double quote")
    expect(tokenize(`get "\\q"`)).toBe("bad escape \\q")
  })
})

describe("Input", () => {
  it("friendly storage forms become the raw protocol with a computed length", () => {
    expect(wire(parseLine("set greeting hello"))).toEqual(["set greeting 0 0 5", "hello"])
    expect(wire(parseLine("set k \"two words\" 60 7"))).toEqual(["set k 7 60 9", "two words"])
    expect(wire(parseLine("cas k v 123"))).toEqual(["cas k 0 0 1 123", "v"])
    expect(wire(parseLine("ms k héllo T60 F3"))).toEqual(["ms k 6 T60 F3", Buffer.from("héllo").toString("latin1")])
    expect(wire(parseLine("incr n"))).toEqual(["incr n 1", undefined])
  })

  it("the raw forms (numbers after the key) wait for their data block; a quoted number is a value", () => {
    expect(wire(parseLine("set k 0 0 5"))).toEqual(["set k 0 0 5", "next"])
    expect(wire(parseLine("set k 1 -1 5 noreply"))).toEqual(["set k 1 -1 5 noreply", "next"])
    expect(wire(parseLine("set k \"0\" 0 5"))).toEqual(["set k 5 0 1", "0"])
    expect(wire(parseLine("cas k 0 0 5 99"))).toEqual(["cas k 0 0 5 99", "next"])
    expect(wire(parseLine("ms k 3 T10"))).toEqual(["ms k 3 T10", "next"])
  })

  it("local commands, usage and unknown commands", () => {
    expect(parseLine("  ")).toEqual({ _tag: "Empty" })
    expect(parseLine("help stats")).toEqual({ _tag: "Help", topic: "stats" })
    expect(parseLine("exit")).toEqual({ _tag: "Quit" })
    expect(parseLine("set onlykey")).toMatchObject({
      _tag: "Invalid",
      message: expect.stringMatching(/^usage: set KEY VALUE/)
    })
    expect(parseLine("frob")).toMatchObject({ _tag: "Invalid", message: expect.stringContaining("unknown command") })
    expect(wire(parseWords(["set", "k", "hello world"]))).toEqual(["set k 0 0 11", "hello world"])
  })

  it("decodes with the server's own reader: a request, or memcached's reply to a bad line", () => {
    expect(toRequest(Buffer.from("get a b"), undefined)).toEqual({ _tag: "Get", keys: ["a", "b"] })
    expect(toRequest(Buffer.from("mg k v t"), undefined)).toMatchObject({
      _tag: "MetaGet",
      key: "k",
      returnValue: true
    })
    expect(toRequest(Buffer.from("incr k x"), undefined)).toEqual({
      _tag: "ClientError",
      message: "invalid numeric delta argument"
    })
    expect(toRequest(Buffer.from("set k 0 0 5"), Buffer.from("abc"))).toMatchObject({ _tag: "ClientError" })
  })

  it("help and completion", () => {
    expect(helpText()).toContain("get KEY [KEY...]")
    expect(helpText("cas")).toContain("cas KEY FLAGS EXPTIME BYTES CAS [noreply]")
    expect(complete("st")).toEqual([["stats"], "st"])
    expect(complete("stats s")).toEqual([["slabs", "sizes", "settings", "sizes_enable", "sizes_disable"], "s"])
    expect(complete("help me")).toEqual([["me"], "me"])
    expect(complete("get k")).toEqual([[], "k"])
  })
})
