import { describe, expect, it } from "@effect/vitest"
import { ScanCursor } from "../../src/store/Scan.js"
import { execute, filled, NOW, set, table } from "../support/store.js"

const keysOf = (items: ReadonlyArray<{ readonly key: string }>) => items.map((item) => item.key)

describe("ScanCursor", () => {
  it("lists a size class's live items, newest first, with their metadata", () => {
    const t = table()
    execute(t, set("a", "1"), NOW)
    execute(t, set("big", "x".repeat(500)), NOW)
    execute(t, set("b", "22", { exptime: 100 }), NOW)
    execute(t, set("c", "3"), NOW)
    execute(t, { _tag: "Delete", key: "c", noreply: false }, NOW)
    execute(t, set("gone", "4", { exptime: 5 }), NOW)
    const slice = new ScanCursor({ classes: [1] }).slice(t, 1000, NOW + 10)
    expect(slice.done).toBe(true)
    expect(slice.items.map(({ exptime, key, valueLength }) => ({ key, valueLength, exptime }))).toEqual([
      { key: "b", valueLength: 2, exptime: NOW + 100 },
      { key: "a", valueLength: 1, exptime: 0 }
    ])
    expect(slice.items[0]).toMatchObject({ sizeClass: 1, fetched: false, time: NOW, binaryKey: false })
    expect(keysOf(new ScanCursor({ classes: [9] }).slice(t, 1000, NOW).items)).toEqual(["big"])
    expect(new ScanCursor({ classes: [2] }).slice(t, 1000, NOW).items).toEqual([])
    expect(keysOf(new ScanCursor({}).slice(t, 1000, NOW).items)).toEqual(["gone", "b", "big", "a"])
  })

  it("walks a large partition in bounded slices that together list every item once", () => {
    // A 1 MB budget makes 128 KB segments: the 3000 items fill several.
    const t = table({ memoryLimit: 1024 * 1024 })
    for (let i = 0; i < 3000; i++) execute(t, set(`k${i}`, filled(100, `${i}`)), NOW)
    expect(t.size).toBe(3000)
    const cursor = new ScanCursor({})
    const seen: Array<string> = []
    let slices = 0
    for (let done = false; !done; slices++) {
      const slice = cursor.slice(t, 500, NOW)
      seen.push(...keysOf(slice.items))
      done = slice.done
    }
    expect(slices).toBeGreaterThan(1)
    expect(new Set(seen).size).toBe(seen.length)
    expect(seen.length).toBe(3000)
    expect(seen[0]).toBe("k2999")
  })

  it("skips segments reused since the scan began and still finishes", () => {
    const t = table({ memoryLimit: 256 * 1024 })
    for (let i = 0; i < 200; i++) execute(t, set(`a${i}`, filled(1000, "a")), NOW)
    const cursor = new ScanCursor({})
    const first = cursor.slice(t, 1, NOW)
    // Overwrite everything: the segments the scan snapshotted are cleaned and reused.
    for (let i = 0; i < 600; i++) execute(t, set(`b${i}`, filled(1000, "b")), NOW)
    const seen = keysOf(first.items)
    for (let done = first.done; !done;) {
      const slice = cursor.slice(t, 1000, NOW)
      seen.push(...keysOf(slice.items))
      done = slice.done
    }
    // Items written after the scan began landed in reused or new segments, which it does not visit.
    expect(seen.every((key) => key.startsWith("a"))).toBe(true)
    expect(new Set(seen).size).toBe(seen.length)
  })
})
