import { describe, expect, it } from "@effect/vitest"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import * as Report from "../../src/bench/Report.js"
import {
  type BenchReport,
  ladderSeries,
  median,
  medianOf,
  ratioToCeiling,
  ratioToMemcached,
  type StepResult
} from "../../src/bench/Results.js"
import type { ServerName } from "../../src/bench/Servers.js"
import { lineChart, niceStep, ticks } from "../../src/bench/SvgChart.js"
import type { RunResult } from "../../src/bench/Workload.js"

const run = (opsPerSec: number, p99Us: number, extra: Partial<RunResult> = {}): RunResult => ({
  opsPerSec,
  ops: opsPerSec * 5,
  gets: opsPerSec * 4,
  sets: opsPerSec,
  hits: opsPerSec * 4,
  misses: 0,
  avgUs: p99Us / 3,
  p50Us: p99Us / 2,
  p99Us,
  p999Us: p99Us * 2,
  maxUs: p99Us * 3,
  errors: 0,
  verifyErrors: 0,
  diagnostics: [],
  ...extra
})

const ladderRow = (
  server: ServerName,
  conns: number,
  runs: ReadonlyArray<RunResult>,
  rssBytes: number
): StepResult => ({
  scenario: "p1",
  step: `p1 c${conns}`,
  kind: "load",
  conns,
  depth: 1,
  server,
  runs,
  median: medianOf(runs),
  rssBytes,
  failure: undefined
})

const report: BenchReport = {
  meta: {
    date: "2026-11-21T06:00:00.000Z",
    commit: "abc1234",
    node: "v20.20.2",
    platform: "linux",
    cpus: 2,
    loadgen: "mcload",
    durationS: 5,
    runs: 3,
    memoryMb: 1024,
    verify: true,
    seed: 1,
    servers: ["effcached", "memcached"],
    notes: ["a note & <something>"]
  },
  results: [
    ladderRow("effcached", 50, [run(46_000, 3000), run(40_000, 3500), run(47_000, 2900)], 230 * 2 ** 20),
    ladderRow("memcached", 50, [run(118_000, 800), run(120_000, 820), run(110_000, 900)], 25 * 2 ** 20),
    ladderRow("effcached", 100, [
      run(44_000, 6000, { verifyErrors: 2, diagnostics: ["connection 3: verify error on key:7: wrong data"] })
    ], 240 * 2 ** 20),
    ladderRow("memcached", 100, [run(115_000, 1600)], 26 * 2 ** 20),
    {
      scenario: "memory",
      step: "memory",
      kind: "memory",
      conns: 50,
      depth: 1,
      server: "effcached",
      runs: [],
      median: undefined,
      rssBytes: 918 * 2 ** 20,
      failure: undefined
    },
    {
      ...ladderRow("memcached", 50, [], 203 * 2 ** 20),
      scenario: "memory",
      step: "memory",
      kind: "memory",
      median: undefined
    }
  ]
}

// A small XML well-formedness check: balanced, properly nested tags, quoted attributes, escaped text.
const assertWellFormedXml = (xml: string): Array<string> => {
  const stack: Array<string> = []
  const names: Array<string> = []
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/y
  let pos = 0
  while (pos < xml.length) {
    const lt = xml.indexOf("<", pos)
    const text = xml.slice(pos, lt < 0 ? xml.length : lt)
    expect(text, "text with a raw & or >").not.toMatch(/&(?!(amp|lt|gt|quot|apos);)|>/)
    if (lt < 0) break
    tag.lastIndex = lt
    const match = tag.exec(xml)
    expect(match, `malformed tag at ${xml.slice(lt, lt + 40)}`).not.toBeNull()
    const [whole, closing, name, , selfClosing] = match!
    if (closing === "/") expect(stack.pop()).toBe(name)
    else if (selfClosing !== "/") stack.push(name!)
    names.push(name!)
    pos = lt + whole.length
  }
  expect(stack).toEqual([])
  return names
}

describe("Results", () => {
  it("takes medians of each figure and totals of errors", () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeNaN()
    const m = medianOf([run(10, 100, { errors: 1 }), run(30, 300, { verifyErrors: 2 }), run(20, 200, { errors: 4 })])!
    expect([m.opsPerSec, m.p99Us, m.p50Us]).toEqual([20, 200, 100])
    expect([m.errors, m.verifyErrors]).toEqual([5, 2])
    expect(medianOf([run(1, 1), run(1, 1, { verifyErrors: null })])!.verifyErrors).toBeNull()
    expect(medianOf([])).toBeUndefined()
  })

  it("relates each row to memcached in the same step", () => {
    const effcached50 = report.results[0]!
    expect(ratioToMemcached(report, effcached50, (r) => r.median?.opsPerSec)).toBeCloseTo(46_000 / 118_000, 6)
    expect(ratioToMemcached(report, report.results[4]!, (r) => r.rssBytes)).toBeCloseTo(918 / 203, 6)
    expect(ratioToMemcached({ ...report, results: [effcached50] }, effcached50, (r) => r.median?.opsPerSec))
      .toBeUndefined()
  })

  it("lines up the ladder by connections, one series per server", () => {
    expect(ladderSeries(report, (m) => m.opsPerSec)).toEqual([
      { name: "effcached", points: [[50, 46_000], [100, 44_000]] },
      { name: "memcached", points: [[50, 118_000], [100, 115_000]] }
    ])
  })
})

describe("Report", () => {
  it("tabulates medians with ratios to memcached, RSS, errors and verify errors", () => {
    const text = Report.table(report)
    const lines = text.split("\n")
    expect(lines[0]).toMatch(
      /^step\s+server\s+ops\/s\s+p50 µs\s+p99 µs\s+p99\.9 µs\s+CPU µs\/req\s+RSS MB\s+errors\s+verify errors$/
    )
    expect(lines[2]).toMatch(
      /^p1 c50\s+effcached\s+46,000 \(0\.39x\)\s+1,500\s+3,000 \(3\.66x\)\s+6,000\s+-\s+230 \(9\.20x\)\s+0\s+0$/
    )
    expect(lines[4]).toMatch(/p1 c100\s+effcached.*\s2$/)
    expect(lines[6]).toMatch(/^memory\s+effcached\s+-\s+-\s+-\s+-\s+-\s+918 \(4\.52x\)\s+-\s+-$/)
    // Aligned: the server column starts at the same place on every line.
    for (const line of lines.slice(2)) expect(line.search(/effcached|memcached/)).toBe(lines[0]!.indexOf("server"))
  })

  it("writes Markdown with the table, the scenarios, the charts and the problems seen", () => {
    const md = Report.markdown(report)
    expect(md).toContain(
      "| step | server | ops/s | p50 µs | p99 µs | p99.9 µs | CPU µs/req | RSS MB | errors | verify errors |"
    )
    expect(md).toContain(
      "| p1 c50 | memcached | 118,000 (1.00x) | 410 | 820 (1.00x) | 1,640 | - | 25 (1.00x) | 0 | 0 |"
    )
    expect(md).toContain("![throughput.svg](throughput.svg)")
    expect(md).toContain("![p99.svg](p99.svg)")
    expect(md).toContain("- `p1`: non-pipelined")
    expect(md).toContain("- `memory`: RSS after 1,000,000")
    expect(md).toContain("p1 c100 on effcached: connection 3: verify error on key:7: wrong data")
    expect(md).toContain("commit abc1234")
  })

  it("draws well-formed SVG charts with a line per server", () => {
    const charts = Report.charts(report)
    expect(Object.keys(charts).sort()).toEqual(["p99.svg", "throughput.svg"])
    for (const svg of Object.values(charts)) {
      const names = assertWellFormedXml(svg)
      expect(names[0]).toBe("svg")
      expect(svg.match(/<polyline /g)).toHaveLength(2)
      expect(svg).toContain("data-name=\"effcached\"")
      expect(svg).toContain("data-name=\"memcached\"")
    }
    expect(charts["throughput.svg"]).toContain("Throughput vs connections")
    expect(Report.charts({ ...report, results: report.results.filter((r) => r.scenario !== "p1") })).toEqual({})
  })

  it("writes results.json, results.md and the charts to a folder; the JSON has every run", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "bench-report-"))
    try {
      const files = Report.write(path.join(dir, "out"), report)
      expect(files.map((f) => path.basename(f)).sort()).toEqual([
        "p99.svg",
        "results.json",
        "results.md",
        "throughput.svg"
      ])
      const json = JSON.parse(readFileSync(path.join(dir, "out", "results.json"), "utf8")) as BenchReport
      expect(json.meta).toEqual(report.meta)
      expect(json.results).toHaveLength(report.results.length)
      expect(json.results[0]!.runs).toHaveLength(3)
      expect(json.results[0]!.median!.opsPerSec).toBe(46_000)
      expect(readFileSync(path.join(dir, "out", "results.md"), "utf8")).toBe(Report.markdown(report))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("Report with the node ceiling", () => {
  const memoryRow = (server: ServerName, rssMb: number, fillSeconds: number): StepResult => ({
    ...ladderRow(server, 50, [], rssMb * 2 ** 20),
    scenario: "memory",
    step: "memory",
    kind: "memory",
    median: undefined,
    fillSeconds,
    items: 1_000_000
  })
  const withCeiling: BenchReport = {
    meta: { ...report.meta, servers: ["effcached", "memcached", "nodeceiling"] },
    results: [
      ladderRow("effcached", 50, [run(50_000, 2000, { serverCpuUs: 30 })], 230 * 2 ** 20),
      ladderRow("memcached", 50, [run(100_000, 500, { serverCpuUs: 10 })], 25 * 2 ** 20),
      ladderRow("nodeceiling", 50, [run(80_000, 1000, { serverCpuUs: 20 })], 100 * 2 ** 20),
      memoryRow("effcached", 290, 10),
      memoryRow("memcached", 200, 4),
      memoryRow("nodeceiling", 380, 5)
    ]
  }

  it("gives the ratio to the ceiling beside the ratio to memcached, and a memory step's fill rate", () => {
    const effcached = withCeiling.results[0]!
    expect(ratioToCeiling(withCeiling, effcached, (r) => r.median?.opsPerSec)).toBeCloseTo(0.625, 6)
    expect(ratioToCeiling(report, report.results[0]!, (r) => r.median?.opsPerSec)).toBeUndefined()
    const lines = Report.table(withCeiling).split("\n")
    expect(lines[2]).toMatch(
      /^p1 c50\s+effcached\s+50,000 \(0\.50x, 0\.63x nc\)\s+1,000\s+2,000 \(4\.00x, 2\.00x nc\)\s+4,000\s+30\.0 \(3\.00x, 1\.50x nc\)/
    )
    expect(lines[4]).toMatch(/^p1 c50\s+nodeceiling\s+80,000 \(0\.80x, 1\.00x nc\)/)
    expect(lines[5]).toMatch(
      /^memory\s+effcached\s+100,000 \(0\.40x, 0\.50x nc\)\s+-\s+-\s+-\s+-\s+290 \(1\.45x, 0\.76x nc\)/
    )
    expect(Report.markdown(withCeiling)).toContain(Report.LEGEND)
  })

  it("leaves brackets out where there is nothing to compare with", () => {
    expect(Report.ratios(undefined, undefined)).toBe("")
    expect(Report.ratios(undefined, 0.5)).toBe(" (0.50x nc)")
    expect(Report.ratios(1.5, undefined)).toBe(" (1.50x)")
  })
})

describe("SvgChart", () => {
  it("puts ticks at round numbers covering the data", () => {
    expect(niceStep(118_000, 5)).toBe(25_000)
    expect(niceStep(7, 5)).toBe(2)
    expect(ticks(0, 118_000, 5)).toEqual([0, 25_000, 50_000, 75_000, 100_000, 125_000])
    expect(ticks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1])
  })

  it("escapes names and titles, and copes with a single point or no data", () => {
    const svg = lineChart({
      title: "a < b & c",
      xLabel: "x",
      yLabel: "y",
      series: [{ name: "<odd>", points: [[1, 5]] }]
    })
    assertWellFormedXml(svg)
    expect(svg).toContain("a &lt; b &amp; c")
    expect(svg).toContain("&lt;odd&gt;")
    assertWellFormedXml(lineChart({ title: "empty", xLabel: "x", yLabel: "y", series: [] }))
  })
})
