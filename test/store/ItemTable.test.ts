import { describe, expect, it } from "@effect/vitest"
import type { Request } from "../../src/domain/Request.js"
import type { Result } from "../../src/domain/Result.js"
import { CasSequence } from "../../src/store/CasSequence.js"
import { ItemTable } from "../../src/store/ItemTable.js"

const bytes = (s: string) => Buffer.from(s, "latin1")
const table = () => new ItemTable({ cas: new CasSequence(), maxItemSize: 1024 * 1024, memoryLimit: 64 * 1024 * 1024 })
const set = (
  key: string,
  value: string,
  extra: Partial<{ flags: number; exptime: number }> = {}
): Extract<Request, { _tag: "Set" }> => ({
  _tag: "Set",
  key,
  flags: extra.flags ?? 0,
  exptime: extra.exptime ?? 0,
  value: bytes(value),
  noreply: false
})
const get = (...keys: Array<string>): Request => ({ _tag: "Get", keys: keys as [string, ...Array<string>] })
const valuesOf = (result: Result) => {
  if (result._tag !== "Values") throw new Error(`expected Values, got ${result._tag}`)
  return result.hits.map((h) => `${h.key}=${Buffer.from(h.value).toString("latin1")}/${h.flags}`)
}

describe("ItemTable", () => {
  const NOW = 1_700_000_000

  it("stores, reads in request order with repeats, and omits misses", () => {
    const t = table()
    expect(t.execute(set("a", "1", { flags: 5 }), NOW)._tag).toBe("Stored")
    expect(t.execute(set("b", "22"), NOW)._tag).toBe("Stored")
    expect(valuesOf(t.execute(get("b", "x", "a", "b"), NOW))).toEqual(["b=22/0", "a=1/5", "b=22/0"])
    expect(t.counters.snapshot()).toMatchObject({ cmd_get: 4, get_hits: 3, get_misses: 1, curr_items: 2 })
  })

  it("applies add/replace/append/prepend conditions, keeping flags on append", () => {
    const t = table()
    expect(t.execute({ ...set("k", "x"), _tag: "Replace" }, NOW)._tag).toBe("NotStored")
    expect(t.execute({ ...set("k", "x"), _tag: "Append" }, NOW)._tag).toBe("NotStored")
    expect(t.execute({ ...set("k", "mid", { flags: 7 }), _tag: "Add" }, NOW)._tag).toBe("Stored")
    expect(t.execute({ ...set("k", "other"), _tag: "Add" }, NOW)._tag).toBe("NotStored")
    expect(t.execute({ ...set("k", ">", { flags: 1 }), _tag: "Append" }, NOW)._tag).toBe("Stored")
    expect(t.execute({ ...set("k", "<", { flags: 2 }), _tag: "Prepend" }, NOW)._tag).toBe("Stored")
    expect(valuesOf(t.execute(get("k"), NOW))).toEqual(["k=<mid>/7"])
  })

  it("checks CAS uniques: NOT_FOUND, EXISTS, then STORED with a new unique", () => {
    const t = table()
    expect(t.execute({ ...set("c", "v"), _tag: "Cas", cas: 1n }, NOW)._tag).toBe("NotFound")
    t.execute(set("c", "v"), NOW)
    const first = t.execute({ _tag: "Gets", keys: ["c"] }, NOW)
    const unique = first._tag === "Values" ? first.hits[0]!.cas : -1
    expect(t.execute({ ...set("c", "w"), _tag: "Cas", cas: BigInt(unique) + 1n }, NOW)._tag).toBe("Exists")
    expect(t.execute({ ...set("c", "w"), _tag: "Cas", cas: BigInt(unique) }, NOW)._tag).toBe("Stored")
    const second = t.execute({ _tag: "Gets", keys: ["c"] }, NOW)
    expect(second._tag === "Values" && second.hits[0]!.cas).toBeGreaterThan(unique)
    expect(t.counters.snapshot()).toMatchObject({ cas_misses: 1, cas_badval: 1, cas_hits: 1 })
  })

  it("does unsigned 64-bit arithmetic: wraps on incr, stops at 0 on decr, pads in place", () => {
    const t = table()
    const incr = (key: string, delta: bigint) => t.execute({ _tag: "Incr", key, delta, noreply: false }, NOW)
    const decr = (key: string, delta: bigint) => t.execute({ _tag: "Decr", key, delta, noreply: false }, NOW)
    expect(incr("n", 1n)._tag).toBe("NotFound")
    t.execute(set("n", "18446744073709551615"), NOW)
    expect(incr("n", 2n)).toEqual({ _tag: "Counter", value: 1n })
    expect(valuesOf(t.execute(get("n"), NOW))).toEqual([`n=1${" ".repeat(19)}/0`])
    t.execute(set("m", "100", { flags: 3 }), NOW)
    expect(decr("m", 1n)).toEqual({ _tag: "Counter", value: 99n })
    expect(valuesOf(t.execute(get("m"), NOW))).toEqual(["m=99 /3"])
    expect(decr("m", 1000n)).toEqual({ _tag: "Counter", value: 0n })
    t.execute(set("g", "99"), NOW)
    expect(incr("g", 1n)).toEqual({ _tag: "Counter", value: 100n })
    expect(valuesOf(t.execute(get("g"), NOW))).toEqual(["g=100/0"])
    for (const bad of ["", "1a", "-5", "18446744073709551616", "abc"]) {
      t.execute(set("bad", bad), NOW)
      expect(incr("bad", 1n), JSON.stringify(bad)).toEqual({
        _tag: "ClientError",
        message: "cannot increment or decrement non-numeric value"
      })
    }
    for (const ok of [" 5", "+5", "5 ", "0005"]) {
      t.execute(set("ok", ok), NOW)
      expect(incr("ok", 1n), JSON.stringify(ok)).toEqual({ _tag: "Counter", value: 6n })
    }
  })

  it("expires items lazily: relative, absolute, negative and never", () => {
    const t = table()
    t.execute(set("rel", "v", { exptime: 10 }), NOW)
    t.execute(set("abs", "v", { exptime: NOW + 5 }), NOW)
    t.execute(set("neg", "v", { exptime: -1 }), NOW)
    t.execute(set("never", "v"), NOW)
    expect(valuesOf(t.execute(get("rel", "abs", "neg", "never"), NOW + 4))).toEqual(["rel=v/0", "abs=v/0", "never=v/0"])
    expect(valuesOf(t.execute(get("rel", "abs", "never"), NOW + 5))).toEqual(["rel=v/0", "never=v/0"])
    expect(valuesOf(t.execute(get("rel", "never"), NOW + 10))).toEqual(["never=v/0"])
    expect(t.counters.snapshot()).toMatchObject({ get_expired: 3, curr_items: 1 })
  })

  it("touch and gat move the expiry without changing the CAS unique", () => {
    const t = table()
    t.execute(set("t", "v", { exptime: 5 }), NOW)
    expect(t.execute({ _tag: "Touch", key: "t", exptime: 100, noreply: false }, NOW)._tag).toBe("Touched")
    expect(valuesOf(t.execute(get("t"), NOW + 50))).toEqual(["t=v/0"])
    expect(valuesOf(t.execute({ _tag: "Gat", exptime: 1, keys: ["t"] }, NOW + 50))).toEqual(["t=v/0"])
    expect(valuesOf(t.execute(get("t"), NOW + 51))).toEqual([])
    expect(t.execute({ _tag: "Touch", key: "t", exptime: 100, noreply: false }, NOW)._tag).toBe("NotFound")
  })

  it("flush_all now empties the table; a delay takes effect a second before its deadline", () => {
    const t = table()
    t.execute(set("a", "v"), NOW)
    t.execute({ _tag: "FlushAll", delay: 0, noreply: false }, NOW)
    expect(valuesOf(t.execute(get("a"), NOW))).toEqual([])
    t.execute(set("b", "v"), NOW)
    t.execute({ _tag: "FlushAll", delay: 3, noreply: false }, NOW)
    expect(valuesOf(t.execute(get("b"), NOW + 1))).toEqual(["b=v/0"])
    expect(valuesOf(t.execute(get("b"), NOW + 2))).toEqual([])
    t.execute(set("c", "v"), NOW + 3)
    expect(valuesOf(t.execute(get("c"), NOW + 4))).toEqual(["c=v/0"])
  })

  it("a too-large set drops the old value; a too-large add keeps it", () => {
    const t = table()
    t.execute(set("s", "old"), NOW)
    t.execute(set("a", "old"), NOW)
    const setTooLarge = t.execute({ _tag: "TooLarge", command: "set", key: "s", noreply: false }, NOW)
    expect(setTooLarge).toEqual({ _tag: "ServerError", message: "object too large for cache" })
    t.execute({ _tag: "TooLarge", command: "add", key: "a", noreply: false }, NOW)
    expect(valuesOf(t.execute(get("s", "a"), NOW))).toEqual(["a=old/0"])
  })

  it("sweeps a bounded slice at a time and accounts bytes", () => {
    const t = table()
    for (let i = 0; i < 100; i++) t.execute(set(`k${i}`, "value", { exptime: i % 2 === 0 ? 5 : 0 }), NOW)
    const bytesBefore = t.counters.bytes
    expect(t.sweep(30, NOW + 10)).toBe(15)
    expect(t.size).toBe(85)
    let removed = 0
    for (let i = 0; i < 10; i++) removed += t.sweep(30, NOW + 10)
    expect(removed).toBe(35)
    expect(t.size).toBe(50)
    expect(t.counters.bytes).toBe(bytesBefore / 2)
  })

  it("dumps a size class's keys, newest first, up to a limit (stats cachedump)", () => {
    const t = table()
    t.execute(set("a", "1"), NOW)
    t.execute(set("big", "x".repeat(500)), NOW)
    t.execute(set("b", "22", { exptime: 100 }), NOW)
    t.execute(set("c", "3"), NOW)
    t.execute({ _tag: "Delete", key: "c", noreply: false }, NOW)
    expect(t.dump(1, 0, NOW)).toEqual([
      { key: "b", bytes: 2, exptime: NOW + 100 },
      { key: "a", bytes: 1, exptime: 0 }
    ])
    expect(t.dump(1, 1, NOW).map((item) => item.key)).toEqual(["b"])
    expect(t.dump(9, 0, NOW).map((item) => item.key)).toEqual(["big"])
    expect(t.dump(2, 0, NOW)).toEqual([])
  })
})
