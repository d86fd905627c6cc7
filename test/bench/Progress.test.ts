import { describe, expect, it } from "@effect/vitest"
import { duration, Progress } from "../../src/bench/Progress.js"

const fakeStream = (isTTY: boolean) => {
  let text = ""
  return { stream: { isTTY, columns: 200, write: (s: string) => (text += s) }, text: () => text }
}

describe("Progress", () => {
  it("writes one plain line per unit and its result when not on a terminal", () => {
    const out = fakeStream(false)
    const progress = new Progress(20, 2, out.stream, () => 0)
    progress.begin("p1 c50 · effcached · run 1/1", 10)
    progress.end("46,000 ops/s")
    progress.note("note: something")
    progress.close()
    expect(out.text()).toBe("[1/2] p1 c50 · effcached · run 1/1\n  46,000 ops/s\nnote: something\n")
  })

  it("counts a running unit by its elapsed time, capped at its weight, and estimates the rest", () => {
    let now = 0
    const out = fakeStream(true)
    const progress = new Progress(20, 2, out.stream, () => now)
    progress.begin("first", 10)
    now = 5000
    expect(progress.fraction()).toBe(0.25)
    expect(progress.bar(20)).toBe("[#####---------------]  25%  [1/2] first ETA 15s")
    now = 60_000
    expect(progress.fraction()).toBe(0.5)
    progress.end("done")
    progress.begin("second", 10)
    now = 65_000
    expect(progress.fraction()).toBe(0.75)
    progress.close()
    // On a terminal the bar is redrawn in place and finished lines stay above it.
    expect(out.text()).toContain("\r\x1b[Kfirst: done\n")
    expect(out.text().endsWith("\r\x1b[K")).toBe(true)
  })

  it("formats durations", () => {
    expect([duration(4.4), duration(65), duration(3725)]).toEqual(["4s", "1m05s", "1h02m"])
  })
})
