import { describe, expect, it } from "@effect/vitest"
import { checkValue, NO_VERSION, valueOf, writeValue } from "../../src/bench/ValuePattern.js"

const check = (data: Buffer, key: number, version: number, size = data.length, flags = 0) =>
  checkValue(data, 0, data.length, flags, key, version, size)

describe("ValuePattern", () => {
  it("writes values that start with <key.version> and differ between keys and versions", () => {
    const v = valueOf(12, 3, 100)
    expect(v.toString("latin1", 0, 6)).toBe("<12.3>")
    expect(v).toHaveLength(100)
    expect(/^[0-z]+$/.test(v.toString("latin1", 6))).toBe(true)
    expect(valueOf(12, 3, 100).equals(v)).toBe(true)
    expect(valueOf(12, 4, 100).subarray(6).equals(v.subarray(6))).toBe(false)
    expect(valueOf(13, 3, 100).subarray(6).equals(v.subarray(6))).toBe(false)
  })

  it("writes in place at an offset", () => {
    const target = Buffer.alloc(120, "-")
    writeValue(target, 10, 100, 5, 1)
    expect(target.subarray(10, 110).equals(valueOf(5, 1, 100))).toBe(true)
    expect(target.toString("latin1", 0, 10) + target.toString("latin1", 110)).toBe("-".repeat(20))
  })

  it("accepts exactly the value last written", () => {
    expect(check(valueOf(7, 2, 100), 7, 2)).toBeUndefined()
    expect(check(valueOf(7, 1, 100), 7, 2)).toMatch(/wrong data/)
    expect(check(valueOf(8, 2, 100), 7, 2)).toMatch(/wrong data/)
    expect(check(valueOf(7, 2, 99), 7, 2, 100)).toMatch(/wrong length/)
    expect(check(valueOf(7, 2, 100), 7, 2, 100, 1)).toMatch(/wrong flags/)
    const torn = valueOf(7, 2, 100)
    torn[60] = torn[60] === 48 ? 49 : 48
    expect(check(torn, 7, 2)).toMatch(/wrong data/)
  })

  it("checks a slice of a larger buffer", () => {
    const buffer = Buffer.concat([Buffer.from("VALUE key:7 0 100\r\n"), valueOf(7, 2, 100), Buffer.from("\r\nEND\r\n")])
    expect(checkValue(buffer, 19, 119, 0, 7, 2, 100)).toBeUndefined()
    expect(checkValue(buffer, 19, 118, 0, 7, 2, 100)).toMatch(/wrong length/)
  })

  it("without a known version, accepts any version written for that key, of any length", () => {
    expect(check(valueOf(7, 41, 100), 7, NO_VERSION)).toBeUndefined()
    expect(check(valueOf(7, 41, 3000), 7, NO_VERSION)).toBeUndefined()
    expect(check(valueOf(8, 41, 100), 7, NO_VERSION)).toMatch(/not a value written for this key/)
    expect(check(Buffer.from("<7.41>garbage"), 7, NO_VERSION)).toMatch(/not a value written for this key/)
    expect(check(Buffer.from("x".repeat(100)), 7, NO_VERSION)).toMatch(/not a value written for this key/)
  })

  it("checks values too short for a whole header as far as they go", () => {
    expect(check(valueOf(123, 45, 4), 123, 45)).toBeUndefined()
    expect(valueOf(123, 45, 4).toString()).toBe("<123")
    expect(check(valueOf(123, 45, 6), 123, NO_VERSION)).toBeUndefined()
    expect(check(Buffer.from("<124"), 123, NO_VERSION)).toMatch(/not a value written/)
  })
})
