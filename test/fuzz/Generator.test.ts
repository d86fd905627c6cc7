import { describe, expect, it } from "vitest"
import { generate } from "../../src/fuzz/Generator.js"

describe("Generator.generate", () => {
  it("builds the same input from the same seed and index, and other inputs from others", () => {
    for (const index of [0, 1, 17, 5000]) {
      const a = generate(7, index)
      expect(generate(7, index)).toEqual(a)
      expect(generate(8, index).bytes.equals(a.bytes) && generate(8, index).style === a.style).toBe(false)
    }
  })

  it("re-runs an input with fresh keys: the same stream, cut the same way, in another namespace", () => {
    for (let index = 0; index < 200; index++) {
      const first = generate(3, index)
      const again = generate(3, index, 1)
      expect([again.style, again.bytes.length, again.cuts]).toEqual([first.style, first.bytes.length, first.cuts])
      const ns = `f${index.toString(36).padStart(6, "0")}`
      const before = first.bytes.toString("latin1")
      const after = again.bytes.toString("latin1")
      expect(after.includes(`${ns}a_`)).toBe(false)
      // Plain keys change namespace; base64 keys and mutated bytes may differ more, never in length.
      if (first.style === "commands" && !/ZjAw/.test(before)) {
        expect(after.replaceAll(`${ns}b_`, `${ns}a_`)).toBe(before)
      }
    }
  })

  it("makes every style of stream, keeps cuts inside the input, and marks what acts on the whole cache", () => {
    const inputs = Array.from({ length: 3000 }, (_, i) => generate(11, i))
    const styles = new Set(inputs.map((i) => i.style))
    expect([...styles].sort()).toEqual(["bytes", "commands", "framing", "meta", "mutated", "tokens"])
    for (const input of inputs) {
      expect(input.cuts.every((c, i) => c > 0 && c < input.bytes.length && (i === 0 || c > input.cuts[i - 1]!)))
        .toBe(true)
      const text = input.bytes.toString("latin1")
      if (/flush_all|cache_memlimit/.test(text) || input.style === "tokens") expect(input.exclusive).toBe(true)
    }
    // Most inputs run side by side with others.
    expect(inputs.filter((i) => i.exclusive).length).toBeLessThan(inputs.length / 5)
  })
})
