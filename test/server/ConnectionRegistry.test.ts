import { describe, expect, it } from "@effect/vitest"
import { formatAddress } from "../../src/server/ConnectionRegistry.js"
import { murmur3 } from "../../src/server/Murmur3.js"

describe("stats conns addresses", () => {
  it("are printed as memcached prints them (checked against memcached 1.6.18 on 127.0.0.1 and ::1)", () => {
    expect(formatAddress("127.0.0.1", 11211, "IPv4")).toBe("tcp:127.0.0.1:11211")
    expect(formatAddress("::1", 11211, "IPv6")).toBe("tcp6:[::1]:11211")
    expect(formatAddress("::1", 40000)).toBe("tcp6:[::1]:40000")
    expect(formatAddress("10.0.0.1", 40000)).toBe("tcp:10.0.0.1:40000")
  })
})

describe("murmur3", () => {
  it("matches MurmurHash3_x86_32 (seed 0) reference values", () => {
    expect(murmur3("")).toBe(0)
    expect(murmur3("a")).toBe(0x3c2569b2)
    expect(murmur3("hello")).toBe(0x248bfa47)
    expect(murmur3("The quick brown fox jumps over the lazy dog")).toBe(0x2e4ff723)
  })
})
