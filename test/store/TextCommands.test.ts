import { describe, expect, it } from "@effect/vitest"
import { execute, get, NOW, set, table, valuesOf } from "../support/store.js"

describe("TextCommands", () => {
  it("stores, reads in request order with repeats, and omits misses", () => {
    const t = table()
    expect(execute(t, set("a", "1", { flags: 5 }), NOW)._tag).toBe("Stored")
    expect(execute(t, set("b", "22"), NOW)._tag).toBe("Stored")
    expect(valuesOf(execute(t, get("b", "x", "a", "b"), NOW))).toEqual(["b=22/0", "a=1/5", "b=22/0"])
    expect(t.counters.snapshot()).toMatchObject({ cmd_get: 4, get_hits: 3, get_misses: 1, curr_items: 2 })
  })

  it("applies add/replace/append/prepend conditions, keeping flags on append", () => {
    const t = table()
    expect(execute(t, { ...set("k", "x"), _tag: "Replace" }, NOW)._tag).toBe("NotStored")
    expect(execute(t, { ...set("k", "x"), _tag: "Append" }, NOW)._tag).toBe("NotStored")
    expect(execute(t, { ...set("k", "mid", { flags: 7 }), _tag: "Add" }, NOW)._tag).toBe("Stored")
    expect(execute(t, { ...set("k", "other"), _tag: "Add" }, NOW)._tag).toBe("NotStored")
    expect(execute(t, { ...set("k", ">", { flags: 1 }), _tag: "Append" }, NOW)._tag).toBe("Stored")
    expect(execute(t, { ...set("k", "<", { flags: 2 }), _tag: "Prepend" }, NOW)._tag).toBe("Stored")
    expect(valuesOf(execute(t, get("k"), NOW))).toEqual(["k=<mid>/7"])
  })

  it("checks CAS uniques: NOT_FOUND, EXISTS, then STORED with a new unique", () => {
    const t = table()
    expect(execute(t, { ...set("c", "v"), _tag: "Cas", cas: 1n }, NOW)._tag).toBe("NotFound")
    execute(t, set("c", "v"), NOW)
    const first = execute(t, { _tag: "Gets", keys: ["c"] }, NOW)
    const unique = first._tag === "Values" ? first.hits[0]!.cas : -1
    expect(execute(t, { ...set("c", "w"), _tag: "Cas", cas: BigInt(unique) + 1n }, NOW)._tag).toBe("Exists")
    expect(execute(t, { ...set("c", "w"), _tag: "Cas", cas: BigInt(unique) }, NOW)._tag).toBe("Stored")
    const second = execute(t, { _tag: "Gets", keys: ["c"] }, NOW)
    expect(second._tag === "Values" && second.hits[0]!.cas).toBeGreaterThan(unique)
    expect(t.counters.snapshot()).toMatchObject({ cas_misses: 1, cas_badval: 1, cas_hits: 1 })
  })

  it("does unsigned 64-bit arithmetic: wraps on incr, stops at 0 on decr, pads in place", () => {
    const t = table()
    const incr = (key: string, delta: bigint) => execute(t, { _tag: "Incr", key, delta, noreply: false }, NOW)
    const decr = (key: string, delta: bigint) => execute(t, { _tag: "Decr", key, delta, noreply: false }, NOW)
    expect(incr("n", 1n)._tag).toBe("NotFound")
    execute(t, set("n", "18446744073709551615"), NOW)
    expect(incr("n", 2n)).toEqual({ _tag: "Counter", value: 1n })
    expect(valuesOf(execute(t, get("n"), NOW))).toEqual([`n=1${" ".repeat(19)}/0`])
    execute(t, set("m", "100", { flags: 3 }), NOW)
    expect(decr("m", 1n)).toEqual({ _tag: "Counter", value: 99n })
    expect(valuesOf(execute(t, get("m"), NOW))).toEqual(["m=99 /3"])
    expect(decr("m", 1000n)).toEqual({ _tag: "Counter", value: 0n })
    execute(t, set("g", "99"), NOW)
    expect(incr("g", 1n)).toEqual({ _tag: "Counter", value: 100n })
    expect(valuesOf(execute(t, get("g"), NOW))).toEqual(["g=100/0"])
    for (const bad of ["", "1a", "-5", "18446744073709551616", "abc"]) {
      execute(t, set("bad", bad), NOW)
      expect(incr("bad", 1n), JSON.stringify(bad)).toEqual({
        _tag: "ClientError",
        message: "cannot increment or decrement non-numeric value"
      })
    }
    for (const ok of [" 5", "+5", "5 ", "0005"]) {
      execute(t, set("ok", ok), NOW)
      expect(incr("ok", 1n), JSON.stringify(ok)).toEqual({ _tag: "Counter", value: 6n })
    }
  })

  it("expires items lazily: relative, absolute, negative and never", () => {
    const t = table()
    execute(t, set("rel", "v", { exptime: 10 }), NOW)
    execute(t, set("abs", "v", { exptime: NOW + 5 }), NOW)
    execute(t, set("neg", "v", { exptime: -1 }), NOW)
    execute(t, set("never", "v"), NOW)
    expect(valuesOf(execute(t, get("rel", "abs", "neg", "never"), NOW + 4))).toEqual([
      "rel=v/0",
      "abs=v/0",
      "never=v/0"
    ])
    expect(valuesOf(execute(t, get("rel", "abs", "never"), NOW + 5))).toEqual(["rel=v/0", "never=v/0"])
    expect(valuesOf(execute(t, get("rel", "never"), NOW + 10))).toEqual(["never=v/0"])
    expect(t.counters.snapshot()).toMatchObject({ get_expired: 3, curr_items: 1 })
  })

  it("touch and gat move the expiry without changing the CAS unique", () => {
    const t = table()
    execute(t, set("t", "v", { exptime: 5 }), NOW)
    expect(execute(t, { _tag: "Touch", key: "t", exptime: 100, noreply: false }, NOW)._tag).toBe("Touched")
    expect(valuesOf(execute(t, get("t"), NOW + 50))).toEqual(["t=v/0"])
    expect(valuesOf(execute(t, { _tag: "Gat", exptime: 1, keys: ["t"] }, NOW + 50))).toEqual(["t=v/0"])
    expect(valuesOf(execute(t, get("t"), NOW + 51))).toEqual([])
    expect(execute(t, { _tag: "Touch", key: "t", exptime: 100, noreply: false }, NOW)._tag).toBe("NotFound")
  })

  it("flush_all now empties the table; a delay takes effect a second before its deadline", () => {
    const t = table()
    execute(t, set("a", "v"), NOW)
    execute(t, { _tag: "FlushAll", delay: 0, noreply: false }, NOW)
    expect(valuesOf(execute(t, get("a"), NOW))).toEqual([])
    execute(t, set("b", "v"), NOW)
    execute(t, { _tag: "FlushAll", delay: 3, noreply: false }, NOW)
    expect(valuesOf(execute(t, get("b"), NOW + 1))).toEqual(["b=v/0"])
    expect(valuesOf(execute(t, get("b"), NOW + 2))).toEqual([])
    execute(t, set("c", "v"), NOW + 3)
    expect(valuesOf(execute(t, get("c"), NOW + 4))).toEqual(["c=v/0"])
  })

  it("a too-large set drops the old value; a too-large add keeps it", () => {
    const t = table()
    execute(t, set("s", "old"), NOW)
    execute(t, set("a", "old"), NOW)
    const setTooLarge = execute(t, { _tag: "TooLarge", command: "set", key: "s", noreply: false }, NOW)
    expect(setTooLarge).toEqual({ _tag: "ServerError", message: "object too large for cache" })
    execute(t, { _tag: "TooLarge", command: "add", key: "a", noreply: false }, NOW)
    expect(valuesOf(execute(t, get("s", "a"), NOW))).toEqual(["a=old/0"])
  })
})
