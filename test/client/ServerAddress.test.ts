import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { address, parseAddress, parseAddresses } from "../../src/client/ServerAddress.js"

describe("ServerAddress", () => {
  it("parses libmemcached's and twemproxy's spellings", () => {
    expect(parseAddress("cache1")).toEqual(Either.right(address({ host: "cache1" })))
    expect(parseAddress("10.0.0.1:11311:3")).toEqual(
      Either.right({ host: "10.0.0.1", port: 11311, weight: 3, name: "10.0.0.1:11311", label: "10.0.0.1:11311" })
    )
    expect(parseAddress("[::1]:11311")).toMatchObject(Either.right({ host: "::1", label: "[::1]:11311" }))
    expect(parseAddress("10.0.0.1:11211:1 cache-1")).toMatchObject(Either.right({ name: "cache-1" }))
    expect(Either.map(parseAddresses("a:1, b:2"), (list) => list.map((s) => s.label))).toEqual(
      Either.right(["a:1", "b:2"])
    )
  })

  it("hashes host alone on memcached's port and host:port on any other, as libmemcached and twemproxy do", () => {
    expect(address({ host: "10.0.0.1", port: 11211 }).name).toBe("10.0.0.1")
    expect(address({ host: "10.0.0.1", port: 11212 }).name).toBe("10.0.0.1:11212")
  })

  it("refuses what is not an address", () => {
    for (const bad of ["", "a:b", "a:70000", "a:1:0", "a b c", ","]) {
      const parsed: Either.Either<unknown, string> = bad === "," ? parseAddresses(bad) : parseAddress(bad)
      expect(Either.isLeft(parsed), bad).toBe(true)
    }
  })
})
