import { describe, expect, it } from "@effect/vitest"
import { SweepCursor } from "../../src/store/Sweep.js"
import { execute, filled, NOW, set, table } from "../support/store.js"

describe("SweepCursor", () => {
  it("sweeps a bounded slice at a time and accounts bytes", () => {
    const t = table()
    const sweeper = new SweepCursor(t)
    for (let i = 0; i < 100; i++) execute(t, set(`k${i}`, "value", { exptime: i % 2 === 0 ? 5 : 0 }), NOW)
    const bytesBefore = t.counters.bytes
    expect(sweeper.sweep(30, NOW + 10)).toBe(15)
    expect(t.size).toBe(85)
    let removed = 0
    for (let i = 0; i < 10; i++) removed += sweeper.sweep(30, NOW + 10)
    expect(removed).toBe(35)
    expect(t.size).toBe(50)
    expect(t.counters.bytes).toBe(bytesBefore / 2)
    expect(t.counters.crawler_reclaimed).toBe(50)
  })

  it("resumes where it stopped, wraps around, and restarts on a segment reused under it", () => {
    // Small segments (a 256 KB budget makes 32 KB segments), so the cursor crosses several.
    const t = table({ memoryLimit: 256 * 1024 })
    const sweeper = new SweepCursor(t)
    for (let i = 0; i < 60; i++) execute(t, set(`a${i}`, filled(1000, "a"), { exptime: 10 }), NOW)
    // Nothing is dead yet: a full pass examines everything and removes nothing, then wraps around.
    expect(sweeper.sweep(1000, NOW)).toBe(0)
    expect(sweeper.sweep(1000, NOW)).toBe(0)
    // Overfill: the oldest segments are cleaned and reused while the cursor points into them.
    for (let i = 0; i < 400; i++) execute(t, set(`b${i}`, filled(1000, "b"), { exptime: 10 }), NOW)
    let removed = 0
    for (let i = 0; i < 100 && t.size > 0; i++) removed += sweeper.sweep(50, NOW + 20)
    expect(t.size).toBe(0)
    expect(t.counters.curr_items).toBe(0)
    expect(removed).toBe(t.counters.crawler_reclaimed)
    expect(removed).toBeGreaterThan(0)
  })

  it("after flush_all, sweeps the invalidated items as dead", () => {
    const t = table()
    const sweeper = new SweepCursor(t)
    for (let i = 0; i < 20; i++) execute(t, set(`k${i}`, "v"), NOW)
    execute(t, { _tag: "FlushAll", delay: 5, noreply: false }, NOW)
    expect(sweeper.sweep(100, NOW + 1)).toBe(0)
    expect(sweeper.sweep(100, NOW + 5)).toBe(20)
    expect(t.size).toBe(0)
  })
})
