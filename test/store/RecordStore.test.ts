import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import type { Result } from "../../src/domain/Result.js"
import { SweepCursor } from "../../src/store/Sweep.js"
import { execute, filled, get, NOW, set, table as newTable, valueOf } from "../support/store.js"

const KB = 1024

const table = (memoryLimit: number, evict = true) => newTable({ maxItemSize: 1024 * KB, memoryLimit, evict })

describe("RecordStore memory limit", () => {
  it("evicts to stay within the limit; bytes never exceeds it; evictions are counted", () => {
    const limit = 256 * KB
    const t = table(limit)
    for (let i = 0; i < 2000; i++) {
      expect(execute(t, set(`k${i}`, filled(1000, `v${i}.`)), NOW)._tag).toBe("Stored")
      const { bytes, curr_items } = t.counters.snapshot()
      expect(bytes).toBeLessThanOrEqual(limit)
      expect(curr_items).toBe(t.size)
      expect(t.allocated).toBeLessThanOrEqual(limit)
    }
    const stats = t.counters.snapshot()
    expect(stats.evictions).toBe(2000 - stats.curr_items)
    expect(stats.evicted_unfetched).toBe(stats.evictions)
    // Most of the memory holds live items: evicting keeps the cache nearly full.
    expect(stats.bytes).toBeGreaterThan(limit * 0.6)
    // The newest items are there, intact.
    for (let i = 1990; i < 2000; i++) {
      expect(valueOf(execute(t, get(`k${i}`), NOW))).toBe(filled(1000, `v${i}.`).toString("latin1"))
    }
    expect(valueOf(execute(t, get("k0"), NOW))).toBeUndefined()
  })

  it("keeps the items that are read (least recently used go first)", () => {
    const t = table(256 * KB)
    const hot = Array.from({ length: 20 }, (_, i) => `hot${i}`)
    for (const key of hot) execute(t, set(key, filled(1000, key)), NOW)
    for (let i = 0; i < 3000; i++) {
      execute(t, set(`cold${i}`, filled(1000, `c${i}`)), NOW)
      if (i % 50 === 0) {
        for (const key of hot) expect(valueOf(execute(t, get(key), NOW))).toBe(filled(1000, key).toString("latin1"))
      }
    }
    for (const key of hot) expect(valueOf(execute(t, get(key), NOW))).toBe(filled(1000, key).toString("latin1"))
    const stats = t.counters.snapshot()
    expect(stats.evictions).toBeGreaterThan(2000)
    expect(stats.evicted_unfetched).toBe(stats.evictions)
  })

  it("-M refuses a store when memory is full, keeps every item, and reuses freed space", () => {
    const t = table(128 * KB, false)
    let stored = 0
    let refused: Result | undefined
    for (let i = 0; i < 1000 && refused === undefined; i++) {
      const result = execute(t, set(`k${i}`, filled(1000, `v${i}`)), NOW)
      if (result._tag === "Stored") stored++
      else refused = result
    }
    expect(refused).toEqual({ _tag: "ServerError", message: "out of memory storing object" })
    expect(t.counters.snapshot()).toMatchObject({ evictions: 0, curr_items: stored, outofmemory: 1 })
    for (let i = 0; i < stored; i++) {
      expect(valueOf(execute(t, get(`k${i}`), NOW))).toBe(filled(1000, `v${i}`).toString("latin1"))
    }
    // Freeing items makes room again: segments with dead records are compacted.
    for (let i = 0; i < stored; i += 2) execute(t, { _tag: "Delete", key: `k${i}`, noreply: false }, NOW)
    for (let i = 0; i < stored / 4; i++) {
      expect(execute(t, set(`new${i}`, filled(1000, `n${i}`)), NOW)._tag).toBe("Stored")
    }
    for (let i = 1; i < stored; i += 2) {
      expect(valueOf(execute(t, get(`k${i}`), NOW))).toBe(filled(1000, `v${i}`).toString("latin1"))
    }
  })

  it("large values get buffers of their own and are released when overwritten", () => {
    const limit = 4 * 1024 * KB
    const t = table(limit)
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 4; i++) {
        expect(execute(t, set(`big${i}`, filled(300 * KB, `${round}:${i}|`)), NOW)._tag).toBe("Stored")
      }
      expect(t.allocated).toBeLessThanOrEqual(limit)
    }
    for (let i = 0; i < 4; i++) {
      expect(valueOf(execute(t, get(`big${i}`), NOW))).toBe(filled(300 * KB, `49:${i}|`).toString("latin1"))
    }
    expect(t.counters.snapshot().evictions).toBe(0)
  })

  it("a smaller memory limit at run time evicts at once", () => {
    const t = table(1024 * KB)
    for (let i = 0; i < 800; i++) execute(t, set(`k${i}`, filled(1000, `v${i}`)), NOW)
    expect(t.allocated).toBeGreaterThan(512 * KB)
    t.setMemoryLimit(256 * KB, NOW)
    expect(t.allocated).toBeLessThanOrEqual(256 * KB)
    expect(t.counters.snapshot().bytes).toBeLessThanOrEqual(256 * KB)
    expect(valueOf(execute(t, get("k799"), NOW))).toBe(filled(1000, "v799").toString("latin1"))
  })

  it("expired items met while cleaning count as reclaimed, not evicted", () => {
    const t = table(128 * KB)
    for (let i = 0; i < 100; i++) execute(t, set(`old${i}`, filled(1000, "o"), { exptime: 10 }), NOW)
    for (let i = 0; i < 300; i++) execute(t, set(`new${i}`, filled(1000, "n")), NOW + 20)
    const stats = t.counters.snapshot()
    expect(stats.reclaimed).toBeGreaterThanOrEqual(100)
    expect(stats.expired_unfetched).toBe(stats.reclaimed)
  })

  it.prop(
    "under any sequence of commands with a tight limit, every hit is the value last stored",
    [fc.array(
      fc.record({
        op: fc.constantFrom("set", "set", "set", "get", "get", "delete", "append", "incr", "touch", "sweep"),
        key: fc.integer({ min: 0, max: 60 }),
        size: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1000, max: 40_000 })),
        seed: fc.integer({ min: 0, max: 9 })
      }),
      { maxLength: 400 }
    )],
    ([ops]) => {
      const limit = 192 * KB
      const t = table(limit)
      const sweeper = new SweepCursor(t)
      const model = new Map<string, string>()
      for (const { key: k, op, seed, size } of ops) {
        const key = `key${k}`
        switch (op) {
          case "set": {
            const value = filled(size, String(seed))
            const result = execute(t, set(key, value), NOW)
            if (result._tag === "Stored") model.set(key, value.toString("latin1"))
            else model.delete(key)
            break
          }
          case "get": {
            const value = valueOf(execute(t, get(key), NOW))
            if (value !== undefined) expect(value).toBe(model.get(key))
            break
          }
          case "delete":
            execute(t, { _tag: "Delete", key, noreply: false }, NOW)
            model.delete(key)
            break
          case "append": {
            const result = execute(t, {
              _tag: "Append",
              key,
              flags: 0,
              exptime: 0,
              value: Buffer.from(`+${seed}`),
              noreply: false
            }, NOW)
            if (result._tag === "Stored") model.set(key, model.get(key) + `+${seed}`)
            else if (result._tag === "NotStored") model.delete(key)
            break
          }
          case "incr": {
            const result = execute(t, { _tag: "Incr", key, delta: 1n, noreply: false }, NOW)
            if (result._tag === "Counter") {
              const old = model.get(key)!
              const digits = result.value.toString()
              model.set(key, digits.length <= old.length ? digits.padEnd(old.length, " ") : digits)
            } else if (result._tag === "NotFound") {
              model.delete(key)
            }
            break
          }
          case "touch":
            execute(t, { _tag: "Touch", key, exptime: 0, noreply: false }, NOW)
            break
          case "sweep":
            sweeper.sweep(50, NOW)
            break
        }
        const stats = t.counters.snapshot()
        expect(stats.bytes).toBeLessThanOrEqual(limit)
        expect(t.allocated).toBeLessThanOrEqual(limit)
        expect(stats.curr_items).toBe(t.size)
      }
      for (const [key, value] of model) {
        const found = valueOf(execute(t, get(key), NOW))
        if (found !== undefined) expect(found).toBe(value)
      }
    },
    { fastCheck: { numRuns: 150 } }
  )
})
