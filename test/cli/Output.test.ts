import { describe, expect, it } from "@effect/vitest"
import { printResult, printResults, showValue } from "../../src/cli/Output.js"
import type { Request } from "../../src/domain/Request.js"
import * as Res from "../../src/domain/Result.js"

const get: Request = { _tag: "Get", keys: ["a", "bb", "c"] }
const hit = (key: string, value: string) => ({ key, flags: 0, value: Buffer.from(value), cas: 0 })

describe("Output", () => {
  it("a friendly get prints values; several keys, aligned, with NOT_FOUND for misses", () => {
    const one = printResult({ _tag: "Get", keys: ["a"] }, Res.values([hit("a", "x\ny")], false), "value")
    expect(one.output.toString()).toBe("x\ny\n")
    const many = printResult(get, Res.values([hit("a", "1"), hit("c", "bin\u0001")], false), "value")
    expect(many.output.toString()).toBe("a   1\nbb  NOT_FOUND\nc   bin\\x01\n")
  })

  it("other replies in memcached's words; error replies are not ok", () => {
    expect(printResult(get, Res.results.notStored, "reply")).toEqual({ output: Buffer.from("NOT_STORED\n"), ok: true })
    const error = printResult(get, Res.ServerError.make({ message: "out of memory" }), "reply")
    expect([error.output.toString(), error.ok]).toEqual(["SERVER_ERROR out of memory\n", false])
    expect(printResult(get, Res.results.silent, "reply").output.length).toBe(0)
  })

  it("stats as a table, a column per server when there are several", () => {
    const stats = (n: string) => Res.StatsReply.make({ entries: [["pid", n], ["curr_items", "12345"]] })
    expect(printResult({ _tag: "Stats", args: [] }, stats("1"), "reply").output.toString()).toBe(
      "pid         1\ncurr_items  12345\n"
    )
    const both = printResults({ _tag: "Stats", args: [] }, [{ server: "a:1", result: stats("1") }, {
      server: "b:2",
      result: stats("22")
    }], "reply")
    expect(both.output.toString()).toBe("            a:1    b:2\npid         1      22\ncurr_items  12345  12345\n")
  })

  it("shows binary values escaped on one line", () => {
    expect(showValue(Buffer.from([0x68, 0x0a, 0xff, 0x5c]))).toBe("h\\n\\xff\\\\")
    expect(showValue(Buffer.from("plain é"))).toBe("plain é")
  })
})
