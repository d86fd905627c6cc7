import { describe, expect, it } from "@effect/vitest"
import type { Request } from "../../src/domain/Request.js"
import { encodeRequest } from "../../src/protocol/RequestEncoder.js"
import { TextReader } from "../../src/protocol/TextReader.js"
import { comparable, encodeAll, request, requests } from "../support/arbitraries.js"

const maxItemSize = 1 << 20

/** Everything the reader yields for these bytes, pushed at once. */
const decodeAll = (bytes: Buffer): Array<unknown> => {
  const reader = new TextReader({ maxItemSize })
  reader.push(bytes)
  const out: Array<unknown> = []
  for (let item = reader.next(); item !== undefined; item = reader.next()) out.push(item)
  return out
}

describe("RequestEncoder / TextReader codec", () => {
  it.prop("decode(encode(r)) is r", [request], ([r]) => {
    const reader = new TextReader({ maxItemSize })
    reader.push(encodeRequest(r))
    expect(comparable(reader.next())).toEqual(comparable(r))
    expect(reader.next()).toBeUndefined()
    expect(reader.buffered).toBe(0)
  }, { fastCheck: { numRuns: 2000, seed: 20240601 } })

  it.prop("a concatenated sequence decodes to the same sequence", [requests(30)], ([rs]) => {
    const decoded = decodeAll(encodeAll(rs))
    expect(decoded.map(comparable)).toEqual(rs.map((r: Request) => comparable(r)))
  }, { fastCheck: { numRuns: 300, seed: 7 } })
})
