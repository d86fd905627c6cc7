import { describe, expect, it } from "vitest"
import { family, formatValue, histogramSamples, render, single } from "../../src/metrics/Exposition.js"
import { hasPrometheusParser, parsePrometheus, sampleValue } from "../support/prometheus.js"

describe("Exposition", () => {
  it("writes HELP, TYPE and samples, leaving out families without samples", () => {
    const text = render([
      single("a_total", "counter", "As.", 3),
      family("empty", "gauge", "Nothing.", []),
      family("b", "gauge", "Bs.", [{ labels: { x: "1", y: "2" }, value: 0.5 }])
    ])
    expect(text).toBe(
      "# HELP a_total As.\n# TYPE a_total counter\na_total 3\n# HELP b Bs.\n# TYPE b gauge\nb{x=\"1\",y=\"2\"} 0.5\n"
    )
  })

  it("spells out NaN and the infinities", () => {
    expect([NaN, Infinity, -Infinity, 0, 1e21, 1.5e-7].map(formatValue)).toEqual([
      "NaN",
      "+Inf",
      "-Inf",
      "0",
      "1e+21",
      "1.5e-7"
    ])
  })

  it("makes histogram buckets cumulative, with +Inf, _sum and _count", () => {
    const samples = histogramSamples([1, 2], [3, 0, 4], 9.5, { kind: "x" })
    expect(samples.map((s) => [s.suffix, s.labels, s.value])).toEqual([
      ["_bucket", { kind: "x", le: "1" }, 3],
      ["_bucket", { kind: "x", le: "2" }, 3],
      ["_bucket", { kind: "x", le: "+Inf" }, 7],
      ["_sum", { kind: "x" }, 9.5],
      ["_count", { kind: "x" }, 7]
    ])
  })

  describe.runIf(hasPrometheusParser())("read back by Prometheus's Python parser", () => {
    it("round-trips escaped help and label values, special values and histograms", () => {
      const awkward = "back\\slash \"quoted\"\nnext line"
      const text = render([
        family("escapes", "gauge", `help with ${awkward}`, [{ labels: { v: awkward }, value: 1 }]),
        family("specials", "gauge", "Specials.", [
          { labels: { k: "nan" }, value: NaN },
          { labels: { k: "inf" }, value: Infinity },
          { labels: { k: "small" }, value: 1.5e-7 }
        ]),
        family("pauses_seconds", "histogram", "Pauses.", histogramSamples([0.1, 1], [2, 1, 1], 3.25)),
        single("things_total", "counter", "Things.", 42)
      ])
      const families = parsePrometheus(text)
      expect(families.map((f) => [f.name, f.type])).toEqual([
        ["escapes", "gauge"],
        ["specials", "gauge"],
        ["pauses_seconds", "histogram"],
        ["things", "counter"]
      ])
      expect(families[0]!.help).toBe(`help with ${awkward}`)
      expect(families[0]!.samples[0]!.labels).toEqual({ v: awkward })
      expect(sampleValue(families, "specials", { k: "nan" })).toBeNaN()
      expect(sampleValue(families, "specials", { k: "inf" })).toBe(Infinity)
      expect(sampleValue(families, "specials", { k: "small" })).toBe(1.5e-7)
      expect(sampleValue(families, "pauses_seconds_bucket", { le: "1" })).toBe(3)
      expect(sampleValue(families, "pauses_seconds_bucket", { le: "+Inf" })).toBe(4)
      expect(sampleValue(families, "pauses_seconds_count")).toBe(4)
      expect(sampleValue(families, "pauses_seconds_sum")).toBe(3.25)
      expect(sampleValue(families, "things_total")).toBe(42)
    })
  })
})
