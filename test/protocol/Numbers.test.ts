import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { parseDouble, parseI32, parseU32, parseU64 } from "../../src/protocol/Numbers.js"

// Expected values measured against memcached 1.6.18 (flags use safe_strtoul, exptime/bytes safe_strtol,
// deltas and cas uniques safe_strtoull; results truncated as C casts them).
describe("Numbers", () => {
  it("parses flags like memcached's safe_strtoul, truncated to 32 bits", () => {
    expect(parseU32("0")).toBe(0)
    expect(parseU32("+5")).toBe(5)
    expect(parseU32("010")).toBe(10)
    expect(parseU32("\t5")).toBe(5)
    expect(parseU32("5\t")).toBe(5)
    expect(parseU32("-0")).toBe(0)
    expect(parseU32("4294967295")).toBe(4294967295)
    expect(parseU32("4294967296")).toBe(0)
    expect(parseU32("4294967297")).toBe(1)
    expect(parseU32("18446744073709551615")).toBe(4294967295)
    expect(parseU32("9223372036854775808")).toBe(0)
    expect(parseU32("-18446744073709551615")).toBe(1)
    for (const bad of ["", "-1", "abc", "0x10", "5abc", "18446744073709551616", "+", "-"]) {
      expect(parseU32(bad), bad).toBeUndefined()
    }
  })

  it("parses exptimes and lengths like safe_strtol, truncated to int32", () => {
    expect(parseI32("-1")).toBe(-1)
    expect(parseI32("2147483647")).toBe(2147483647)
    expect(parseI32("4294967296")).toBe(0)
    expect(parseI32("4294967297")).toBe(1)
    expect(parseI32("99999999999")).toBe(1215752191)
    expect(parseI32("-0")).toBe(0)
    expect(Object.is(parseI32("-0"), -0)).toBe(false)
    for (const bad of ["", "abc", "1a", "9999999999999999999999", "9223372036854775808"]) {
      expect(parseI32(bad), bad).toBeUndefined()
    }
    expect(parseI32("-9223372036854775808")).toBe(0)
  })

  it("parses deltas and cas uniques like safe_strtoull", () => {
    expect(parseU64("18446744073709551615")).toBe(18446744073709551615n)
    expect(parseU64("+2")).toBe(2n)
    expect(parseU64("-0")).toBe(0n)
    expect(parseU64("-9223372036854775809")).toBe(9223372036854775807n)
    for (const bad of ["-1", "18446744073709551616", "1a", "", "abc"]) expect(parseU64(bad), bad).toBeUndefined()
    // Found by the fuzzer: whitespace may end the digits, and memcached then looks for a '-' in the
    // whole token when the value is 2^63 or more (a CR inside a line stays in its last token).
    expect(parseU64("18446744073709551615\r-1")).toBeUndefined()
    expect(parseU64("9223372036854775808\t-")).toBeUndefined()
    expect(parseU64("9223372036854775807\r-1")).toBe(9223372036854775807n)
    expect(parseU64("18446744073709551615\rx")).toBe(18446744073709551615n)
    expect(parseU32("18446744073709551615\r-1")).toBeUndefined()
  })

  it.prop("reads back any decimal it is given", [fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })], ([n]) => {
    expect(parseU64(n.toString())).toBe(n)
    expect(parseU32(n.toString())).toBe(Number(BigInt.asUintN(32, n)))
  })

  it.prop("reads back any int32", [fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })], ([n]) => {
    expect(parseI32(String(n))).toBe(n)
  })

  it("parses ratios and factors like safe_strtod: strtod's forms, then whitespace or the end", () => {
    expect(parseDouble("0.5")).toBe(0.5)
    expect(parseDouble(" +2.")).toBe(2)
    expect(parseDouble(".25e1")).toBe(2.5)
    expect(parseDouble("-1E-2")).toBe(-0.01)
    expect(parseDouble("0x1.8p1")).toBe(3)
    expect(parseDouble("INF")).toBe(Infinity)
    expect(parseDouble("nan")).toBeNaN()
    for (const bad of ["", "x", "1.5x", "0x", "1e400", "--1", "e5"]) expect(parseDouble(bad), bad).toBeUndefined()
  })

  it.prop("reads back any finite double", [fc.double({ noNaN: true, noDefaultInfinity: true })], ([n]) => {
    expect(parseDouble(String(n))).toBe(n === 0 ? 0 : n)
  })
})
