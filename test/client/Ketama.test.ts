import { describe, expect, it } from "@effect/vitest"
import { Continuum, hashKey, pointsFor } from "../../src/client/Ketama.js"

const keys = Array.from({ length: 5000 }, (_, i) => Buffer.from(`key:${i}`))
const members = (names: ReadonlyArray<string>, weights: ReadonlyArray<number> = names.map(() => 1)) =>
  names.map((name, i) => ({ name, weight: weights[i]! }))

describe("Ketama", () => {
  it("gives each server 160 points with equal weights, and shares in proportion with others", () => {
    expect(pointsFor(1, 3, 3)).toBe(160)
    expect(pointsFor(5, 5, 1)).toBe(160)
    expect([1, 2, 5].map((w) => pointsFor(w, 8, 3))).toEqual([60, 120, 300])
    expect(Continuum.make(members(["a", "b", "c"])).size).toBe(480)
  })

  it("hashes a key to the first four bytes of its MD5, little-endian", () => {
    // md5("foo") = acbd18db4cc2f85cedef654fccc4a4d8
    expect(hashKey(Buffer.from("foo"))).toBe(0xdb18bdac)
  })

  it("removing a server moves only its keys; the others stay where they were", () => {
    const before = Continuum.make(members(["s1:11211", "s2:11211", "s3:11211", "s4:11211"]))
    const after = Continuum.make(members(["s1:11211", "s2:11211", "s4:11211"]))
    const names = ["s1", "s2", "s3", "s4"]
    const remaining = ["s1", "s2", "s4"]
    let moved = 0
    for (const key of keys) {
      const was = names[before.ownerOf(key)]!
      const is = remaining[after.ownerOf(key)]!
      if (was !== "s3") expect(is).toBe(was)
      else moved++
    }
    expect(moved / keys.length).toBeGreaterThan(0.15)
    expect(moved / keys.length).toBeLessThan(0.35)
  })

  it("wraps around: a hash above every point goes to the first point's server", () => {
    const ring = Continuum.make(members(["only"]))
    expect(ring.ownerOfHash(0xffffffff)).toBe(0)
    expect(Continuum.make([]).ownerOfHash(1)).toBe(-1)
  })
})
