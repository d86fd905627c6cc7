import { describe, expect, it } from "@effect/vitest"
import { decodeLine } from "../../src/protocol/TextCommand.js"
import { clientError, tokensOf } from "../support/commands.js"

const decode = (line: string) => decodeLine(tokensOf(line))

// Expected replies are memcached 1.6.18's, as measured (see docs/compatibility.md).
describe("TextCommand.decodeLine", () => {
  it("decodes retrievals", () => {
    expect(decode("get a b a")).toEqual({ _tag: "Get", keys: ["a", "b", "a"] })
    expect(decode("bget a")).toEqual({ _tag: "Get", keys: ["a"] })
    expect(decode("gets a")).toEqual({ _tag: "Gets", keys: ["a"] })
    expect(decode("gat 10 a b")).toEqual({ _tag: "Gat", exptime: 10, keys: ["a", "b"] })
    expect(decode("gats -1 a")).toEqual({ _tag: "Gats", exptime: -1, keys: ["a"] })
    expect(decode("gat 100")).toEqual({ _tag: "Values", hits: [], withCas: false })
    expect(decode("gat abc a")).toEqual(clientError("invalid exptime argument"))
    expect(decode("get " + "k".repeat(251) + " a")).toEqual(clientError("bad command line format"))
    expect(decode("gat abc a " + "k".repeat(251))).toEqual(clientError("invalid exptime argument"))
    expect(decode(`get ${"k".repeat(250)}`)).toMatchObject({ _tag: "Get" })
    expect(decode("get " + Array.from({ length: 40 }, (_, i) => `k${i}`).join(" "))).toMatchObject({ _tag: "Get" })
    expect(decode("get")._tag).toBe("UnknownCommand")
  })

  it("runs the lookups before a key over 250 bytes, replies dropped, then answers the error", () => {
    const long = "k".repeat(251)
    const error = clientError("bad command line format")
    expect(decode(`get a ${long}`)).toEqual({
      _tag: "LookupsThenError",
      request: { _tag: "Get", keys: ["a"], noreply: true },
      reply: error
    })
    expect(decode(`gat 100 a b ${long} c`)).toEqual({
      _tag: "LookupsThenError",
      request: { _tag: "Gat", exptime: 100, keys: ["a", "b"], noreply: true },
      reply: error
    })
    expect(decode(`gats 0 a ${long}`)).toMatchObject({ request: { _tag: "Gats", keys: ["a"], noreply: true } })
    expect(decode(`gets a ${long}`)).toMatchObject({ request: { _tag: "Gets", keys: ["a"], noreply: true } })
  })

  it("decodes storage headers with memcached's number rules", () => {
    expect(decode("set k 5 10 3")).toEqual({
      _tag: "StorageHeader",
      command: "set",
      key: "k",
      flags: 5,
      exptime: 10,
      bytes: 3,
      cas: 0n,
      noreply: false
    })
    expect(decode("cas k 0 0 1 99 noreply")).toMatchObject({ command: "cas", cas: 99n, noreply: true })
    expect(decode("set k 4294967296 0 1")).toMatchObject({ flags: 0 })
    expect(decode("set k 0 0 1 extra")).toMatchObject({ _tag: "StorageHeader", noreply: false })
    expect(decode("set k abc 0 1")).toEqual(clientError("bad command line format"))
    expect(decode("set k 0 0 -1")).toEqual(clientError("bad command line format"))
    expect(decode("set k 0 0 noreply")._tag).toBe("Silent")
    expect(decode("set k 0 0")._tag).toBe("UnknownCommand")
    expect(decode("set k 0 0 1 noreply extra")._tag).toBe("UnknownCommand")
    expect(decode("cas k 0 0 1")._tag).toBe("UnknownCommand")
    expect(decode(`set ${"k".repeat(251)} 0 0 1`)).toEqual(clientError("bad command line format"))
  })

  it("decodes keyed commands, with their own error messages", () => {
    expect(decode("incr n 5")).toEqual({ _tag: "Incr", key: "n", delta: 5n, noreply: false })
    expect(decode("decr n 18446744073709551615 noreply")).toEqual({
      _tag: "Decr",
      key: "n",
      delta: 18446744073709551615n,
      noreply: true
    })
    expect(decode("incr n -1")).toEqual(clientError("invalid numeric delta argument"))
    expect(decode("incr n abc noreply")._tag).toBe("Silent")
    expect(decode("touch k abc")).toEqual(clientError("invalid exptime argument"))
    expect(decode("touch k 10 x")).toEqual({ _tag: "Touch", key: "k", exptime: 10, noreply: false })
    expect(decode("delete k")).toEqual({ _tag: "Delete", key: "k", noreply: false })
    expect(decode("delete k 0 noreply")).toEqual({ _tag: "Delete", key: "k", noreply: true })
    expect(decode("delete k 5")).toEqual(clientError("bad command line format.  Usage: delete <key> [noreply]"))
    expect(decode("delete k 5 noreply")._tag).toBe("Silent")
  })

  it("takes noreply only where memcached's set_noreply_maybe runs for the command", () => {
    // delete looks for noreply only when it has more than a key: "delete noreply" deletes the key
    // "noreply" and answers, or a client would wait forever for its reply.
    expect(decode("delete noreply")).toEqual({ _tag: "Delete", key: "noreply", noreply: false })
    expect(decode("delete noreply noreply")).toEqual({ _tag: "Delete", key: "noreply", noreply: true })
    // The others look at their last token whatever their arity: noreply there is a flag, elsewhere a word.
    expect(decode("incr noreply 1")).toMatchObject({ _tag: "Incr", key: "noreply", noreply: false })
    expect(decode("touch noreply 1")).toMatchObject({ _tag: "Touch", key: "noreply", noreply: false })
    expect(decode("touch k noreply")._tag).toBe("Silent")
    expect(decode("get noreply")).toEqual({ _tag: "Get", keys: ["noreply"] })
    expect(decode("gat 0 k noreply")).toEqual({ _tag: "Gat", exptime: 0, keys: ["k", "noreply"] })
  })

  it("decodes server commands", () => {
    expect(decode("flush_all")).toEqual({ _tag: "FlushAll", delay: 0, noreply: false })
    expect(decode("flush_all 10 noreply")).toEqual({ _tag: "FlushAll", delay: 10, noreply: true })
    expect(decode("flush_all abc")).toEqual(clientError("invalid exptime argument"))
    expect(decode("flush_all noreply noreply")._tag).toBe("Silent")
    expect(decode("verbosity 1")).toEqual({ _tag: "Verbosity", level: 1, noreply: false })
    expect(decode("verbosity abc")).toEqual(clientError("bad command line format"))
    expect(decode("verbosity noreply")._tag).toBe("Silent")
    expect(decode("version extra tokens")).toEqual({ _tag: "Version" })
    expect(decode("stats reset")).toEqual({ _tag: "Stats", args: ["reset"] })
    expect(decode("shutdown")).toEqual({ _tag: "Shutdown", args: [] })
    expect(decode("shutdown graceful")).toEqual({ _tag: "Shutdown", args: ["graceful"] })
    expect(decode("quit")).toEqual({ _tag: "Quit" })
  })

  it("answers ERROR to unknown, short, empty and over-long commands, and hangs up on HTTP", () => {
    for (const line of ["", "x", "GET k", "foo bar", "mx k v", "MG k v", "mgx k"]) {
      expect(decode(line)._tag, line).toBe("UnknownCommand")
    }
    expect(decode("set k 0 0 1" + " x".repeat(30))._tag).toBe("UnknownCommand")
    expect(decode("GET / HTTP/1.1")._tag).toBe("Close")
    // A two-letter m command is memcached's meta namespace: unknown ones are ERROR, never a hang-up.
    expect(decode("mx / HTTP/1.1")._tag).toBe("UnknownCommand")
  })
})
