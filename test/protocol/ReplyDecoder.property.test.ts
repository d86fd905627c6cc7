import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import type { Request } from "../../src/domain/Request.js"
import type { Result } from "../../src/domain/Result.js"
import { ReplyBuffer } from "../../src/protocol/ReplyBuffer.js"
import { type Decoded, isQuietRequest, ReplyDecoder } from "../../src/protocol/ReplyDecoder.js"
import { encodeReply } from "../../src/protocol/ReplyEncoder.js"
import { cuts, request as anyRequest, splitAt, tokenSoup } from "../support/arbitraries.js"
import { deepComparable, type Exchange, exchange, resultFor } from "../support/replyArbitraries.js"

/** The bytes a server sends for these replies, with the MN of the no-op a client sends after a quiet request. */
const encodeReplies = (exchanges: ReadonlyArray<Exchange>): Buffer => {
  const out = new ReplyBuffer()
  for (const { request, result } of exchanges) {
    encodeReply(result, out)
    if (isQuietRequest(request)) out.latin1("MN\r\n")
  }
  return Buffer.concat(out.take())
}

/** Decodes the replies to `requests` from `chunks`, pushed one at a time; what each request got. */
const decodeChunks = (requests: ReadonlyArray<Request>, chunks: ReadonlyArray<Buffer>): Array<Decoded> => {
  const decoder = new ReplyDecoder()
  const decoded: Array<Decoded> = []
  const drain = () => {
    while (decoded.length < requests.length) {
      const result = decoder.next(requests[decoded.length]!)
      if (result === undefined) return
      decoded.push(result)
      if (result._tag === "Malformed") return
    }
  }
  drain()
  for (const chunk of chunks) {
    decoder.push(chunk)
    drain()
  }
  expect(decoder.buffered).toBe(0)
  expect(decoder.midReply).toBe(false)
  return decoded
}

// Requests beyond the shared generator's: stats groups with replies of their own shape.
const statsRequest = fc
  .constantFrom<ReadonlyArray<string>>(
    ["detail", "on"],
    ["detail", "dump"],
    ["cachedump", "1", "0"],
    ["sizes_enable"],
    ["sizes_disable"],
    ["reset"]
  )
  .map((args): Request => ({ _tag: "Stats", args }))
const exchanges = fc.array(
  fc.oneof(
    { weight: 10, arbitrary: exchange },
    { weight: 1, arbitrary: statsRequest.chain((request) => resultFor(request).map((result) => ({ request, result }))) }
  ),
  { maxLength: 12 }
)

describe("ReplyDecoder", () => {
  it.prop("decoding the encoded replies gives them back, split at any bytes", [exchanges, cuts()], ([xs, at]) => {
    const bytes = encodeReplies(xs)
    const decoded = decodeChunks(xs.map((x) => x.request), splitAt(bytes, at))
    expect(decoded.map(deepComparable)).toEqual(xs.map((x) => deepComparable(x.result)))
  }, { fastCheck: { numRuns: 600, seed: 20241203 } })

  it.prop("one byte at a time", [exchanges], ([xs]) => {
    const bytes = encodeReplies(xs)
    const chunks = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1))
    const decoded = decodeChunks(xs.map((x) => x.request), chunks)
    expect(decoded.map(deepComparable)).toEqual(xs.map((x) => deepComparable(x.result)))
  }, { fastCheck: { numRuns: 150, seed: 11 } })

  it.prop("re-encoding a decoded reply gives the same bytes", [exchanges], ([xs]) => {
    const bytes = encodeReplies(xs)
    const decoded = decodeChunks(xs.map((x) => x.request), [bytes]) as Array<Result>
    expect(encodeReplies(xs.map((x, i) => ({ request: x.request, result: decoded[i]! }))).toString("latin1"))
      .toEqual(bytes.toString("latin1"))
  }, { fastCheck: { numRuns: 300, seed: 5 } })

  it.prop("any bytes decode to results, Malformed or a wait, never a throw", [
    fc.array(anyRequest, { minLength: 1, maxLength: 6 }),
    fc.oneof(tokenSoup, fc.uint8Array({ maxLength: 300 }))
  ], ([requests, bytes]) => {
    const decoder = new ReplyDecoder()
    decoder.push(Buffer.from(bytes))
    for (const request of requests) {
      const result = decoder.next(request)
      if (result === undefined || result._tag === "Malformed") break
    }
  }, { fastCheck: { numRuns: 1000, seed: 3 } })
})

describe("ReplyDecoder examples (memcached 1.6.18's bytes)", () => {
  const decodeOne = (request: Request, reply: string) => {
    const decoder = new ReplyDecoder()
    decoder.push(Buffer.from(reply, "latin1"))
    return decoder.next(request)
  }
  const mg = (flags: Array<string>, extra: Record<string, unknown> = {}): Request => ({
    _tag: "MetaGet",
    key: "foo",
    flags: flags as never,
    base64: false,
    quiet: flags.includes("q"),
    opaque: undefined,
    returnValue: flags.includes("v"),
    noUpdate: false,
    ttl: undefined,
    vivify: undefined,
    recache: undefined,
    ...extra
  })

  it("a get with hits", () => {
    const decoded = decodeOne(
      { _tag: "Gets", keys: ["a", "b"] },
      "VALUE a 5 2 17\r\nhi\r\nVALUE b 0 0 18\r\n\r\nEND\r\n"
    )
    expect(deepComparable(decoded)).toEqual({
      _tag: "Values",
      withCas: true,
      hits: [{ key: "a", flags: 5, value: "6869", cas: 17 }, { key: "b", flags: 0, value: "", cas: 18 }]
    })
  })

  it("VALUE lines the in-place reader does not take are read as strings, as before", () => {
    const get = { _tag: "Get", keys: ["a"] } as const
    // A negative flags word (older servers' signed flags) and a leading zero still decode...
    expect(deepComparable(decodeOne(get, "VALUE a -1 01\r\nx\r\nEND\r\n"))).toMatchObject({
      hits: [{ key: "a", flags: -1, value: "78" }]
    })
    // ...and odd spacing, a missing or extra field, or a non-number are malformed, with the reason.
    for (const line of ["VALUE a  0 1", "VALUE a 0", "VALUE a 0 1 5", "VALUE a 0 x"]) {
      const decoded = decodeOne(get, `${line}\r\nx\r\nEND\r\n`)
      expect(decoded?._tag, line).toBe("Malformed")
    }
    expect(decodeOne({ _tag: "Gets", keys: ["a"] }, "VALUE a 0 1\r\nx\r\nEND\r\n")?._tag).toBe("Malformed")
  })

  it("an mg hit without its value reports the size, a won recache and the opaque", () => {
    const request = mg(["s", "t", "c", "O", "N"], { opaque: "q7", vivify: 30 })
    const decoded = decodeOne(request, "HD s12 t-1 c4 Oq7 W\r\n")
    expect(decoded).toMatchObject({ status: "HD", size: 12, ttl: -1, cas: 4, won: true, tokenSent: false })
  })

  it("a reply that does not answer its request is malformed", () => {
    expect(decodeOne({ _tag: "Delete", key: "k", noreply: false }, "STORED\r\n")).toMatchObject({ _tag: "Malformed" })
    expect(decodeOne(mg(["O"], { opaque: "a" }), "HD Ob\r\n")).toMatchObject({ _tag: "Malformed" })
    expect(decodeOne(mg(["k"]), "HD kbar\r\n")).toMatchObject({ _tag: "Malformed" })
    expect(decodeOne({ _tag: "Get", keys: ["k"] }, "VALUE k 0 2\r\nabc\r\nEND\r\n")).toMatchObject({
      _tag: "Malformed"
    })
  })

  it("a quiet request's reply ends at the no-op's MN; a suppressed one is Silent", () => {
    const request = mg(["v", "q"])
    expect(decodeOne(request, "MN\r\n")).toEqual({ _tag: "Silent" })
    expect(deepComparable(decodeOne(request, "VA 1\r\nx\r\nMN\r\n"))).toMatchObject({ status: "VA", value: "78" })
    expect(decodeOne(request, "VA 1\r\nx\r\nHD\r\n")).toMatchObject({ _tag: "Malformed" })
  })

  it("a line that never ends is malformed once it is too long to be a reply", () => {
    const decoder = new ReplyDecoder()
    decoder.push(Buffer.alloc(70_000, 0x41))
    expect(decoder.next({ _tag: "Version" })).toMatchObject({ _tag: "Malformed" })
  })
})
