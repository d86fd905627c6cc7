import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc, Schema } from "effect"
import { FlaggedMetaRequest, MetaFlag, MetaGet, MetaSet } from "../../src/domain/MetaRequest.js"
import { decodeBase64Key, encodeBase64Key } from "../../src/protocol/Base64Key.js"
import { parseI32, parseU32, parseU64 } from "../../src/protocol/Numbers.js"
import { encodeRequest } from "../../src/protocol/RequestEncoder.js"
import { decodeLine } from "../../src/protocol/TextCommand.js"
import { comparable } from "../support/arbitraries.js"
import { clientError, tokensOf as lineTokens } from "../support/commands.js"
import { flaggedMetaRequest, maxFlags } from "../support/metaArbitraries.js"

const decode = (line: string) => decodeLine(lineTokens(line))
/** The tokens of a request's command line, as the framer splits them. */
const tokensOf = (bytes: Buffer) =>
  bytes.toString("latin1", 0, bytes.indexOf("\r\n")).split(" ").filter((t) => t.length > 0)

// Expected replies are memcached 1.6.18's, as measured (see docs/compatibility.md).
describe("MetaCommand: decoding meta lines", () => {
  it("decodes mg with its flags in order and typed tokens", () => {
    expect(decode("mg k s v T30 O123 q k")).toEqual({
      _tag: "MetaGet",
      key: "k",
      flags: ["s", "v", "T", "O", "q", "k"],
      base64: false,
      quiet: true,
      opaque: "123",
      returnValue: true,
      noUpdate: false,
      ttl: 30,
      vivify: undefined,
      recache: undefined
    })
    // Trailing characters after a flag without a token are ignored; tokens mg does not use are checked.
    expect(decode("mg k vjunk F5 C7 MZ")).toMatchObject({ flags: ["v", "F", "C", "M"], returnValue: true })
    expect(decode("mg Zm9v b k")).toMatchObject({ key: "foo", base64: true })
  })

  it("decodes ms as a header awaiting its data, with modes and defaults", () => {
    expect(decode("ms k 2 F5 T-1 MA C9 I c")).toMatchObject({
      _tag: "MetaSetHeader",
      bytes: 2,
      request: { _tag: "MetaSet", key: "k", clientFlags: 5, ttl: -1, mode: "A", compareCas: 9n, invalidate: true }
    })
    expect(decode("ms k +1")).toMatchObject({ bytes: 1, request: { clientFlags: 0, ttl: 0, mode: undefined } })
    expect(decode("ms k 1 F4294967296")).toMatchObject({ request: { clientFlags: 0 } })
  })

  it("decodes md, ma, mn and me", () => {
    expect(decode("md k I T30 q")).toMatchObject({ _tag: "MetaDelete", invalidate: true, ttl: 30, quiet: true })
    expect(decode("ma k")).toMatchObject({ _tag: "MetaArithmetic", initial: 0n, delta: 1n, mode: undefined })
    expect(decode("ma k N0 J5 D18446744073709551615 M-")).toMatchObject({
      vivify: 0,
      initial: 5n,
      delta: 2n ** 64n - 1n,
      mode: "-"
    })
    expect(decode("mn extra")).toEqual({ _tag: "MetaNoop" })
    expect(decode("me k junk")).toEqual({ _tag: "MetaDebug", key: "k", base64: false })
    expect(decode("me Zm9v b")).toEqual({ _tag: "MetaDebug", key: "foo", base64: true })
  })

  it("answers memcached's errors", () => {
    expect(decode("mg")._tag).toBe("UnknownCommand")
    expect(decode("mg k x")).toEqual(clientError("invalid flag"))
    expect(decode("mg k v v")).toEqual(clientError("duplicate flag"))
    expect(decode("mg k \xff")).toEqual(clientError("duplicate flag"))
    expect(decode("mg k Tx Dx")).toEqual(clientError("invalid numeric delta value"))
    expect(decode("mg k Fx")).toEqual(clientError("bad command line format"))
    expect(decode("mg k Tx Fx")).toEqual(clientError("bad token in command line format"))
    expect(decode("mg Zm8 b")).toEqual(clientError("error decoding key"))
    expect(decode("mg k MAB")).toEqual(clientError("incorrect length for M token"))
    expect(decode(`mg ${"k".repeat(251)} v`)).toEqual(clientError("bad command line format"))
    expect(decode(`mg k${" s".repeat(18)}`)).toEqual(clientError("options flags are too long"))
    expect(decode(`md k${" s".repeat(18)}`)).toEqual(clientError("options flags too long"))
    expect(decode("md k Tx")).toEqual(clientError("invalid or duplicate flag"))
    expect(decode("ma k MX")).toEqual(clientError("invalid mode for ma M token"))
    expect(decode(`md k O${"x".repeat(32)}`)).toEqual(clientError("opaque token too long"))
    // mg and ma check the opaque's length when they run, after the flags before it took effect.
    expect(decode(`mg k O${"x".repeat(32)}`)).toMatchObject({ _tag: "MetaGet", opaque: "x".repeat(32) })
    expect(decode("me")).toEqual(clientError("bad command line format"))
    expect(decode("me k b")).toEqual(clientError("bad command line format"))
  })

  it("discards an ms's data after errors found once its length is known, not before", () => {
    expect(decode("ms k 5 Z")).toEqual({ _tag: "DiscardData", bytes: 5, reply: clientError("invalid flag") })
    expect(decode(`ms k 5 O${"x".repeat(32)} MX`)).toEqual({
      _tag: "DiscardData",
      bytes: 5,
      reply: clientError("invalid mode for ms M token")
    })
    expect(decode(`ms k 5 O${"x".repeat(32)}`)).toMatchObject({ reply: clientError("opaque token too long") })
    for (const line of ["ms k", "ms k x", "ms k -1", "ms k 2147483646", "ms k x Z", `ms ${"k".repeat(251)} 1`]) {
      expect(decode(line), line).toEqual(clientError("bad command line format"))
    }
    expect(decode(`ms k 1${" s".repeat(17)}`)).toEqual(clientError("options flags too long"))
  })
})

describe("MetaCommand: base64 keys with memcached's decoder", () => {
  it("skips foreign characters, needs whole groups of four, stops after padding", () => {
    expect(decodeBase64Key("Zm9v")).toBe("foo")
    expect(decodeBase64Key("Z!m9v")).toBe("foo")
    expect(decodeBase64Key("Zm9=")).toBe("fo")
    expect(decodeBase64Key("Zm9v=AAA")).toBe("foo\0\0")
    expect(decodeBase64Key("Z=9vZm9v")).toBe("d\x0f")
    for (const bad of ["Zm8", "Zm9v=", "Zm9v==", "====", "A===", "!!!!"]) {
      expect(decodeBase64Key(bad), bad).toBeUndefined()
    }
  })

  it.prop("decodes what it encodes", [fc.uint8Array({ minLength: 1, maxLength: 186 })], ([bytes]) => {
    const key = Buffer.from(bytes).toString("latin1")
    expect(decodeBase64Key(encodeBase64Key(key))).toBe(key)
  })
})

/**
 * memcached's flag parser, written from its rules as measured, independently of the decoder: an unknown
 * or repeated flag (any byte from 127 up counts as repeated) stops at once; otherwise every bad token
 * sets the message and the last one wins, except a bad F, which fails with whatever message stands.
 */
const expectedFlagError = (key: string, words: ReadonlyArray<string>): string | undefined => {
  const seen: Array<string> = []
  let error: string | undefined
  let failed = false
  const check = (ok: boolean, message?: string) => {
    if (ok) return
    failed = true
    error = message ?? error
  }
  for (const word of words) {
    const flag = word[0]!
    if (seen.includes(flag) || flag.charCodeAt(0) >= 127) return "duplicate flag"
    seen.push(flag)
    if (!(MetaFlag.literals as ReadonlyArray<string>).includes(flag)) return "invalid flag"
    const token = word.slice(1)
    if (flag === "b") check(decodeBase64Key(key) !== undefined, "error decoding key")
    if ("NTR".includes(flag)) check(parseI32(token) !== undefined, "bad token in command line format")
    if (flag === "F") check(parseU32(token) !== undefined)
    if (flag === "C") check(parseU64(token) !== undefined, "bad token in command line format")
    if (flag === "M") check(token.length === 1, "incorrect length for M token")
    if (flag === "J") check(parseU64(token) !== undefined, "invalid numeric initial value")
    if (flag === "D") check(parseU64(token) !== undefined, "invalid numeric delta value")
  }
  return failed ? (error ?? "bad command line format") : undefined
}

/** Flag words: valid flags with good or bad tokens, unknown characters, high bytes, repeats. */
const flagWord = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...MetaFlag.literals) },
  {
    weight: 6,
    arbitrary: fc.tuple(
      fc.constantFrom("N", "T", "R", "F", "C", "J", "D", "M", "O"),
      fc.constantFrom(
        "",
        "0",
        "5",
        "-1",
        "+7",
        "x",
        "1x",
        "SS",
        "4294967296",
        "18446744073709551616",
        "99999999999999999999"
      )
    ).map(([flag, token]) => flag + token)
  },
  { weight: 2, arbitrary: fc.constantFrom("x", "E", "S", "W", "Z", "0", "+", "-", "\x7f", "\xff", "\x01", "xjunk") }
)

describe("MetaRequest schemas", () => {
  const get = {
    _tag: "MetaGet",
    key: "k",
    flags: ["v", "T", "q"],
    base64: false,
    quiet: true,
    opaque: undefined,
    returnValue: true,
    noUpdate: false,
    ttl: 30,
    vivify: undefined,
    recache: undefined
  }

  it("accept a request whose fields agree with its flags, and reject one whose fields do not", () => {
    expect(Schema.is(MetaGet)(get)).toBe(true)
    expect(Schema.is(MetaGet)({ ...get, flags: ["v", "T", "q", "v"] })).toBe(false)
    expect(Schema.is(MetaGet)({ ...get, quiet: false })).toBe(false)
    expect(Schema.is(MetaGet)({ ...get, ttl: undefined })).toBe(false)
    expect(Schema.is(MetaGet)({ ...get, vivify: 5 })).toBe(false)
    expect(Schema.is(MetaGet)({ ...get, flags: ["v", "T", "q", "E"] })).toBe(false)
    expect(Schema.is(MetaGet)({ ...get, key: "" })).toBe(false)
    const set = {
      _tag: "MetaSet",
      key: "k \r\n\0",
      flags: ["b"],
      base64: true,
      quiet: false,
      opaque: undefined,
      value: new Uint8Array(1),
      clientFlags: 0,
      ttl: 0,
      compareCas: undefined,
      invalidate: false,
      mode: undefined
    }
    expect(Schema.is(MetaSet)(set)).toBe(true)
    // An absent token takes the command's default; anything else needs its flag.
    expect(Schema.is(MetaSet)({ ...set, ttl: 5 })).toBe(false)
    expect(Schema.is(MetaSet)({ ...set, flags: ["b", "M"], mode: "X" })).toBe(false)
    expect(Schema.is(MetaSet)({ ...set, opaque: "x".repeat(32), flags: ["b", "O"] })).toBe(false)
  })
})

describe("MetaCommand: properties over generated flag sets", () => {
  it.prop(
    "every valid request decodes from its line to itself, and the schema accepts it",
    [
      fc.constantFrom("MetaGet", "MetaSet", "MetaDelete", "MetaArithmetic").chain((tag) =>
        flaggedMetaRequest(tag as FlaggedMetaRequest["_tag"])
      )
    ],
    ([request]) => {
      expect(Schema.is(FlaggedMetaRequest)(request)).toBe(true)
      expect(request.flags.length).toBeLessThanOrEqual(maxFlags(request._tag))
      const bytes = encodeRequest(request)
      const decoded = decodeLine(tokensOf(bytes))
      const actual = decoded._tag === "MetaSetHeader"
        ? { ...decoded.request, value: request._tag === "MetaSet" ? request.value : undefined }
        : decoded
      expect(comparable(actual)).toEqual(comparable(request))
    },
    { fastCheck: { numRuns: 1000, seed: 1601 } }
  )

  it.prop(
    "any flag words get memcached's verdict: the request, or the error its parser gives",
    [fc.constantFrom("mg", "md", "ma"), fc.constantFrom("k", "Zm9v", "Zm8"), fc.array(flagWord, { maxLength: 17 })],
    ([command, key, words]) => {
      const decoded = decodeLine([command, key, ...words])
      const error = expectedFlagError(key, words)
      if (error === undefined) {
        // Only the checks that come after the flag parser may still fail.
        if (decoded._tag === "ClientError") {
          expect(["invalid mode for ma M token", "opaque token too long"]).toContain(decoded.message)
        } else {
          expect(decoded._tag).toBe({ mg: "MetaGet", md: "MetaDelete", ma: "MetaArithmetic" }[command])
        }
      } else {
        expect(decoded).toEqual(clientError(command === "mg" ? error : "invalid or duplicate flag"))
      }
    },
    { fastCheck: { numRuns: 3000, seed: 77 } }
  )

  it.prop(
    "an ms with bad flags discards its data and answers the flag parser's error",
    [fc.constantFrom("k", "Zm8"), fc.nat({ max: 100 }), fc.array(flagWord, { maxLength: 16 })],
    ([key, length, words]) => {
      const decoded = decodeLine(["ms", key, String(length), ...words])
      const error = expectedFlagError(key, words)
      if (error === undefined) expect(["MetaSetHeader", "DiscardData"]).toContain(decoded._tag)
      else expect(decoded).toEqual({ _tag: "DiscardData", bytes: length, reply: clientError(error) })
    },
    { fastCheck: { numRuns: 2000, seed: 78 } }
  )
})
