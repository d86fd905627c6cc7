import { describe, expect, it } from "@effect/vitest"
import * as fc from "effect/FastCheck"
import { AsciiAuthReader, type AuthStep, MAX_LINE, MAX_TOKEN } from "../../src/auth/AsciiAuth.js"
import { AuthTable } from "../../src/auth/AuthFile.js"

const table = AuthTable.parse(Buffer.from("foo:bar\nbaaaz:quux\n")) as AuthTable
const newReader = () => new AsciiAuthReader((u, p) => table.check(u, p))

/** Every step the bytes give, fed in the given pieces, and the bytes left after authenticating. */
const run = (pieces: ReadonlyArray<string>) => {
  const reader = newReader()
  const steps: Array<AuthStep> = []
  for (const piece of pieces) {
    reader.push(Buffer.from(piece, "latin1"))
    for (let step = reader.next(); step !== undefined; step = reader.next()) {
      steps.push(step)
      if (step._tag === "Close") return { steps, rest: "", authenticated: false }
    }
  }
  return { steps, rest: reader.takeRest().toString("latin1"), authenticated: reader.authenticated }
}
const lines = (input: string) => run([input]).steps.map((s) => (s._tag === "Reply" ? s.line : "<close>"))

describe("AsciiAuth", () => {
  it("answers every command but a set with CLIENT_ERROR unauthenticated (memcached's t/ascii-auth.t)", () => {
    for (const command of ["get foo", "quit", "version", "mn", "stats", "add foo 0 0 7", "set foo 0 0", "gets"]) {
      expect(lines(`${command}\r\n`), command).toEqual(["CLIENT_ERROR unauthenticated"])
    }
    expect(lines("set foo 0 0 -1\r\n")).toEqual(["CLIENT_ERROR unauthenticated"])
    expect(lines("\x80\x0a")).toEqual(["CLIENT_ERROR unauthenticated"])
  })

  it("authenticates with set <any> <any> <any> <n> and `user password`, counting the attempt", () => {
    expect(run(["set foo 0 0 7\r\nfoo bab\r\n"]).steps).toEqual([
      { _tag: "Reply", line: "CLIENT_ERROR authentication failure", outcome: "failure" }
    ])
    const ok = run(["set a b c 10 noreply\r\nbaaaz quux\r\nget foo\r\n"])
    expect(ok.steps).toEqual([{ _tag: "Reply", line: "STORED", outcome: "success" }])
    expect(ok.authenticated).toBe(true)
    expect(ok.rest).toBe("get foo\r\n")
  })

  it("reads tokens as memcached: extra ones ignored, spaces collapsed, +N sizes, LF alone ends the line", () => {
    expect(lines("set foo 0 0 9\r\nfoo bar x\r\n")).toEqual(["STORED"])
    expect(lines("set  foo  0 0  10 \r\n foo  bar \r\n")).toEqual(["STORED"])
    expect(lines("set foo 0 0 +7\r\nfoo bar\r\n")).toEqual(["STORED"])
    expect(lines("set foo 0 0 7\nfoo bar\r\n")).toEqual(["STORED"])
    expect(lines("set foo 0 0 8\r\nfoo\0 bar\r\n")).toEqual(["CLIENT_ERROR bad authentication token format"])
  })

  it("checks the data's CRLF, then its two tokens", () => {
    expect(lines("set foo 0 0 7\r\nfoo barXY")).toEqual(["CLIENT_ERROR bad command line termination"])
    expect(lines("set foo 0 0 3\r\nfoo\r\n")).toEqual(["CLIENT_ERROR bad authentication token format"])
    expect(lines("set foo 0 0 8\r\nfoo:bar \r\n")).toEqual(["CLIENT_ERROR bad authentication token format"])
    expect(lines("set foo 0 0 8\r\nfoo bar\n\r\n")).toEqual(["CLIENT_ERROR authentication failure"])
    // A short size leaves the rest of the data to be read as the next command line.
    expect(lines("set foo 0 0 5\r\nfoo bar\r\n")).toEqual([
      "CLIENT_ERROR bad command line termination",
      "CLIENT_ERROR unauthenticated"
    ])
  })

  it("closes on a line over 2048 bytes and on a token too large to hold", () => {
    expect(lines("x".repeat(MAX_LINE))).toEqual([])
    expect(lines("x".repeat(MAX_LINE + 1))).toEqual(["<close>"])
    expect(lines(`set foo 0 0 ${MAX_TOKEN + 1}\r\n`)).toEqual(["<close>"])
    expect(lines(`set foo 0 0 ${MAX_TOKEN}\r\n`)).toEqual([])
  })

  it.prop(
    "gives the same steps however the bytes are split",
    [fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 8 })],
    ([cuts]) => {
      const input = "get foo\r\nset k 0 0 7\r\nfoo bad\r\nset foo 0 0 5\r\nfoo bar\r\n" +
        "set k 0 0 7\r\nfoo bar\r\nget k\r\n"
      const pieces: Array<string> = []
      let at = 0
      for (const cut of cuts) {
        if (at >= input.length) break
        pieces.push(input.slice(at, at + cut))
        at += cut
      }
      pieces.push(input.slice(at))
      expect(run(pieces)).toEqual(run([input]))
      expect(run([input]).rest).toBe("get k\r\n")
    }
  )
})
