import { describe, expect, it } from "@effect/vitest"
import { murmur3 } from "../../src/server/Murmur3.js"

describe("murmur3", () => {
  it("matches MurmurHash3_x86_32 (seed 0) reference values", () => {
    expect(murmur3("")).toBe(0)
    expect(murmur3("a")).toBe(0x3c2569b2)
    expect(murmur3("hello")).toBe(0x248bfa47)
    expect(murmur3("The quick brown fox jumps over the lazy dog")).toBe(0x2e4ff723)
  })
})
