/**
 * The benchmark's outputs: a plain-text table for the terminal, results.json (everything, every run),
 * results.md (the table and the charts, for docs/bench) and the SVG charts of the p1 ladder.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import {
  type BenchReport,
  fillRate,
  ladderSeries,
  ratioToCeiling,
  ratioToMemcached,
  serverLabel,
  type StepResult
} from "./Results.js"
import { DESCRIPTIONS, SCENARIO_IDS } from "./Scenarios.js"
import { lineChart } from "./SvgChart.js"

/** The chart files, by name, and what they show. */
export const CHARTS = {
  throughput: "throughput.svg",
  p99: "p99.svg"
} as const

const DASH = "-"

const thousands = (n: number): string => Math.round(n).toLocaleString("en-US")
const micros = (us: number): string => (us < 10 ? us.toFixed(1) : thousands(us))
const megabytes = (bytes: number): string => thousands(bytes / (1024 * 1024))

/** The ratios of a cell: to memcached, then to the node ceiling (marked `nc`) when it ran; "" without either. */
export const ratios = (toMemcached: number | undefined, toCeiling: number | undefined): string => {
  const parts = [
    ...(toMemcached === undefined ? [] : [`${toMemcached.toFixed(2)}x`]),
    ...(toCeiling === undefined ? [] : [`${toCeiling.toFixed(2)}x nc`])
  ]
  return parts.length === 0 ? "" : ` (${parts.join(", ")})`
}

/** What the brackets mean, for under the tables. */
export const LEGEND =
  "Ratios in brackets are to memcached (`-t 1`) in the same step, and to the node ceiling (`nc`) when it ran; " +
  "a memory step's ops/s is its fill rate (pipelined sets); CPU µs/req is the server's CPU time (user + system, " +
  "every thread) over the timed window per request answered in it, measured by effload."

/** The column headers of the table. */
export const HEADERS = [
  "step",
  "server",
  "ops/s",
  "p50 µs",
  "p99 µs",
  "p99.9 µs",
  "CPU µs/req",
  "RSS MB",
  "errors",
  "verify errors"
] as const

/** The table's cells, one row per step and server; ratios to memcached of the same step in brackets. */
export const rows = (report: BenchReport): ReadonlyArray<ReadonlyArray<string>> =>
  report.results.map((row) => {
    const m = row.median
    const ratio = (figure: (row: StepResult) => number | undefined) =>
      ratios(ratioToMemcached(report, row, figure), ratioToCeiling(report, row, figure))
    const rss = row.rssBytes === undefined ? DASH : megabytes(row.rssBytes) + ratio((r) => r.rssBytes)
    if (m === undefined) {
      const rate = fillRate(row)
      return [
        row.step,
        serverLabel(row),
        rate === undefined ? DASH : thousands(rate) + ratio(fillRate),
        DASH,
        DASH,
        DASH,
        DASH,
        rss,
        row.failure === undefined ? DASH : "failed",
        DASH
      ]
    }
    return [
      row.step,
      serverLabel(row),
      thousands(m.opsPerSec) + ratio((r) => r.median?.opsPerSec),
      micros(m.p50Us),
      micros(m.p99Us) + ratio((r) => r.median?.p99Us),
      micros(m.p999Us),
      m.serverCpuUs === undefined ? DASH : m.serverCpuUs.toFixed(1) + ratio((r) => r.median?.serverCpuUs),
      rss,
      thousands(m.errors),
      m.verifyErrors === null ? "not checked" : thousands(m.verifyErrors)
    ]
  })

/** The table as aligned plain text, for the terminal. */
export const table = (report: BenchReport): string => {
  const all = [HEADERS as ReadonlyArray<string>, ...rows(report)]
  const widths = HEADERS.map((_, c) => Math.max(...all.map((cells) => cells[c]!.length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ").trimEnd()
  return [line(all[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...all.slice(1).map(line)].join("\n")
}

/** The table in Markdown. */
export const markdownTable = (report: BenchReport): string => {
  const line = (cells: ReadonlyArray<string>) => `| ${cells.map((cell) => cell.replace(/\|/g, "\\|")).join(" | ")} |`
  return [line(HEADERS), `|${HEADERS.map((_, c) => (c < 2 ? "---" : "---:")).join("|")}|`, ...rows(report).map(line)]
    .join("\n")
}

/** The charts of the p1 ladder: file name to SVG text (none without a ladder). */
export const charts = (report: BenchReport): Record<string, string> => {
  const throughput = ladderSeries(report, (m) => m.opsPerSec)
  if (throughput.length === 0) return {}
  const { meta } = report
  const subtitle =
    `p1: non-pipelined get/set 1:10, 100-byte values; ${meta.loadgen}, median of ${meta.runs} x ${meta.durationS} s; ${
      meta.date.slice(0, 10)
    }`
  return {
    [CHARTS.throughput]: lineChart({
      title: "Throughput vs connections",
      subtitle,
      xLabel: "connections",
      yLabel: "ops/s (median)",
      series: throughput
    }),
    [CHARTS.p99]: lineChart({
      title: "p99 latency vs connections",
      subtitle,
      xLabel: "connections",
      yLabel: "p99 latency, µs (median)",
      series: ladderSeries(report, (m) => m.p99Us)
    })
  }
}

/** results.md: how it was run, the table, the charts, and any problems seen. */
export const markdown = (report: BenchReport): string => {
  const { meta } = report
  const scenarios = SCENARIO_IDS.filter((id) => report.results.some((row) => row.scenario === id))
  const problems = report.results.flatMap((row) =>
    (row.failure !== undefined ? [`${row.step} on ${serverLabel(row)}: ${row.failure}`] : []).concat(
      (row.median?.diagnostics ?? []).map((d) => `${row.step} on ${serverLabel(row)}: ${d}`)
    )
  )
  const chartFiles = Object.keys(charts(report))
  return [
    "# Benchmark results",
    "",
    `${meta.date}, commit ${meta.commit ?? "unknown"}, Node ${meta.node} on ${meta.platform} (${meta.cpus} CPUs).`,
    `Load generator: ${meta.loadgen}; ${meta.runs} run(s) of ${meta.durationS} s per step and server, servers interleaved, medians shown` +
    ` (errors are totals); memory limit ${meta.memoryMb} MB; values ${meta.verify ? "verified" : "not verified"}.`,
    `${LEGEND} A memory step is one fill per server.`,
    "",
    markdownTable(report),
    "",
    ...scenarios.map((id) => `- \`${id}\`: ${DESCRIPTIONS[id]}`),
    ...(chartFiles.length > 0 ? ["", ...chartFiles.map((file) => `![${file}](${file})`)] : []),
    ...(meta.notes.length > 0 ? ["", "Notes:", "", ...meta.notes.map((note) => `- ${note}`)] : []),
    ...(problems.length > 0 ? ["", "Problems seen:", "", ...problems.map((p) => `- ${p}`)] : []),
    ""
  ].join("\n")
}

/** Writes results.json, results.md and the charts into `dir` (created if needed); returns the files written. */
export const write = (dir: string, report: BenchReport): ReadonlyArray<string> => {
  mkdirSync(dir, { recursive: true })
  const files: Record<string, string> = {
    "results.json": JSON.stringify(report, null, 2) + "\n",
    "results.md": markdown(report),
    ...charts(report)
  }
  return Object.entries(files).map(([name, text]) => {
    const file = path.join(dir, name)
    writeFileSync(file, text)
    return file
  })
}
