import { describe, expect, it } from "vitest"
import { explain, hasHangUpLine } from "../../src/fuzz/Allowlist.js"
import type { Outcome } from "../../src/fuzz/Exchange.js"

const outcome = (replies: string, end: Outcome["end"] = "closed"): Outcome => ({
  bytes: Buffer.from(replies, "latin1"),
  end,
  ms: 1
})

/** The names of the rules that accept this difference, or undefined. */
const accepted = (input: string, eff: string, mem: string, effEnd?: Outcome["end"]) =>
  explain({ input: Buffer.from(input, "latin1"), effcached: outcome(eff, effEnd), memcached: outcome(mem) })?.map((
    r
  ) => r.name)

const bad = "CLIENT_ERROR bad command line format\r\n"
const long = "k".repeat(251)

describe("Allowlist.explain", () => {
  it("accepts replies memcached dropped before a get that failed on a long key, and nothing else", () => {
    const input = `set a 0 0 1\r\n1\r\nget a ${long}\r\nmn\r\n`
    expect(accepted(input, `STORED\r\n${bad}MN\r\n`, `${bad}MN\r\n`)).toEqual(["memcached-drops-owed-replies"])
    // memcached answering something effcached did not say is a finding.
    expect(accepted(input, `${bad}MN\r\n`, `STORED\r\n${bad}MN\r\n`)).toBeUndefined()
    // effcached saying something else in place of a reply is a finding.
    expect(accepted(input, `NOT_STORED\r\n${bad}MN\r\n`, `STORED\r\n${bad}MN\r\n`)).toBeUndefined()
    // A dropped run must end at the error: an extra reply after it is a finding.
    expect(accepted(input, `${bad}STORED\r\nMN\r\n`, `${bad}MN\r\n`)).toBeUndefined()
  })

  it("accepts memcached dropping its last replies only when the input ended inside a value or has a hang-up line", () => {
    // The sentinel was swallowed as data by effcached: memcached closed with replies owed.
    expect(accepted("get a\r\nset b 0 0 100\r\nabc\r\nmn\r\n", "END\r\nEND\r\n", "END\r\n")).toEqual([
      "memcached-drops-owed-replies"
    ])
    // effcached answered the sentinel: memcached had no reason to drop the reply before it.
    expect(accepted("get a\r\nget b\r\nmn\r\n", "END\r\nEND\r\nMN\r\n", "END\r\nMN\r\n")).toBeUndefined()
  })

  it("accepts either server stopping early on a long line, but not on ordinary input", () => {
    const input = `get a\r\n${"x".repeat(3000)}\r\nget b\r\nmn\r\n`
    expect(hasHangUpLine(Buffer.from(input))).toBe(true)
    expect(accepted(input, "END\r\n", "END\r\nERROR\r\nEND\r\nMN\r\n")).toEqual(["long-line-read-boundary"])
    expect(accepted(input, "END\r\nERROR\r\nEND\r\nMN\r\n", "END\r\n")).toEqual(["long-line-read-boundary"])
    expect(accepted("get a\r\nget b\r\nmn\r\n", "END\r\n", "END\r\nEND\r\nMN\r\n", "reset")).toBeUndefined()
    expect(hasHangUpLine(Buffer.from("GET / HTTP/1.1\r\n"))).toBe(true)
    expect(hasHangUpLine(Buffer.from(`set k 0 0 1\r\n${"x".repeat(2040)}\r\n`))).toBe(false)
  })

  it("sets aside inputs whose first byte starts the binary protocol, and only those", () => {
    const binary = "\x80\x0b\x00\x00"
    expect(accepted(binary, "", "\x81\x0b")).toEqual(["binary-protocol"])
    expect(accepted(binary, "\x81\x0a", "\x81\x0b")).toEqual(["binary-protocol"])
    expect(accepted("version\r\n", "", "VERSION 1.6.18\r\n")).toBeUndefined()
  })

  it("takes statistics listings out where the input asks for them, and combines that with a shape", () => {
    expect(accepted("stats items\r\nmn\r\n", "END\r\nMN\r\n", "STAT items:1:number 1\r\nEND\r\nMN\r\n")).toEqual([
      "stats-listings"
    ])
    expect(accepted("get a\r\nmn\r\n", "END\r\nMN\r\n", "STAT x 1\r\nEND\r\nMN\r\n")).toBeUndefined()
    const input = `stats items\r\nget a ${long}\r\nmn\r\n`
    expect(accepted(input, `END\r\n${bad}MN\r\n`, `STAT items:1:number 1\r\nEND\r\n${bad}MN\r\n`)).toEqual([
      "stats-listings"
    ])
    expect(accepted(input, `END\r\nEND\r\n${bad}MN\r\n`, `STAT x 1\r\nEND\r\n${bad}MN\r\n`)).toEqual([
      "stats-listings",
      "memcached-drops-owed-replies"
    ])
  })

  it("accepts an unpadded counter after a pipelined mg, and memcached's number from a whitespace value", () => {
    const input = "set n 0 0 3\r\n100\r\nmg n v\r\ndecr n 1\r\nget n\r\nmn\r\n"
    const eff = "STORED\r\nVA 3\r\n100\r\n99\r\nVALUE n 0 3\r\n99 \r\nEND\r\nMN\r\n"
    const mem = "STORED\r\nVA 3\r\n100\r\n99\r\nVALUE n 0 2\r\n99\r\nEND\r\nMN\r\n"
    expect(accepted(input, eff, mem)).toEqual(["counter-after-pipelined-mg"])
    expect(accepted(input.replace("mg n v", "get n"), eff, mem)).toBeUndefined()
    const ws = "set w 0 0 2\r\n\r\n\r\nincr w 1\r\nget w\r\nmn\r\n"
    expect(
      accepted(
        ws,
        "STORED\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\nVALUE w 0 2\r\n\r\n\r\nEND\r\nMN\r\n",
        "STORED\r\n5679\r\nVALUE w 0 4\r\n5679\r\nEND\r\nMN\r\n"
      )
    ).toEqual(["memcached-reads-past-whitespace-value"])
    expect(
      accepted(
        ws,
        "STORED\r\n1\r\nVALUE w 0 1\r\n1\r\nEND\r\nMN\r\n",
        "STORED\r\n5679\r\nVALUE w 0 4\r\n5679\r\nEND\r\nMN\r\n"
      )
    )
      .toBeUndefined()
  })

  it("combines a matching rule with a shape: a whitespace counter and replies memcached dropped", () => {
    const input = `set w 0 0 2\r\n\r\n\r\nincr w 1\r\nget w ${long}\r\nmn\r\n`
    const nonNumeric = "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n"
    expect(accepted(input, `STORED\r\n${nonNumeric}END\r\n${bad}MN\r\n`, `STORED\r\n5679\r\n${bad}MN\r\n`)).toEqual([
      "memcached-reads-past-whitespace-value",
      "memcached-drops-owed-replies"
    ])
  })

  it("compares CAS uniques by position only once replies were dropped (a dropped one shifts the numbering)", () => {
    const input = `gets a\r\nget b ${long}\r\ngets c\r\nmn\r\n`
    expect(
      accepted(
        input,
        `VALUE a 0 1 7\r\nx\r\nEND\r\n${bad}VALUE c 0 1 9\r\ny\r\nEND\r\nMN\r\n`,
        `${bad}VALUE c 0 1 3\r\ny\r\nEND\r\nMN\r\n`
      )
    ).toEqual(["memcached-drops-owed-replies"])
  })
})
