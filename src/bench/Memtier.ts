/**
 * memtier_benchmark (Redis Ltd.'s load generator), when it is installed: a minimal adapter running its
 * memcache_text protocol with the workload's shape and reading the totals of its `--json-out-file`.
 * It does not check the values it reads (verify errors are reported as not measured) and has no
 * prefill of its own, so the built-in generator prefills the same `key:N` keys first.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import * as Command from "./Command.js"
import * as LoadGenerator from "./LoadGenerator.js"
import { KEY_PREFIX } from "./ValuePattern.js"
import {
  LoadError,
  type LoadGenerator as Loadgen,
  LoadgenUnavailable,
  type RunResult,
  type RunSettings,
  type Workload
} from "./Workload.js"

/** The memtier_benchmark binary on PATH. */
export const locate: Effect.Effect<string, LoadgenUnavailable> = Effect.suspend(() => {
  const found = Command.which("memtier_benchmark")
  return found !== undefined
    ? Effect.succeed(found)
    : Effect.fail(
      new LoadgenUnavailable({ loadgen: "memtier", reason: "memtier_benchmark is not installed (it is not on PATH)" })
    )
})

/** memtier_benchmark's command line for a workload, writing its JSON report to `jsonFile`. */
export const argsFor = (settings: RunSettings, workload: Workload, jsonFile: string): ReadonlyArray<string> => [
  "--server",
  settings.host,
  "--port",
  `${settings.port}`,
  "--protocol=memcache_text",
  "--threads=1",
  `--clients=${workload.conns}`,
  `--pipeline=${workload.depth}`,
  `--ratio=${workload.setWeight}:${workload.getWeight}`,
  `--key-prefix=${KEY_PREFIX}`,
  "--key-minimum=0",
  `--key-maximum=${workload.keys - 1}`,
  "--key-pattern=R:R",
  `--data-size=${workload.valueSize}`,
  `--test-time=${Math.max(1, Math.round(settings.durationS))}`,
  ...(workload.multiGet > 1 ? [`--multi-key-get=${workload.multiGet}`] : []),
  "--print-percentiles=50,99,99.9",
  "--hide-histogram",
  `--json-out-file=${jsonFile}`
]

type Json = { readonly [key: string]: unknown }

const objectAt = (value: unknown, ...keys: ReadonlyArray<string>): Json | undefined => {
  let at = value
  for (const key of keys) at = typeof at === "object" && at !== null ? (at as Json)[key] : undefined
  return typeof at === "object" && at !== null ? (at as Json) : undefined
}

const numberIn = (json: Json | undefined, key: string): number => {
  const value = json?.[key]
  return typeof value === "number" ? value : NaN
}

/** Reads the totals of a memtier_benchmark JSON report (latencies there are in milliseconds). */
export const parseReport = (text: string, durationS: number): RunResult | undefined => {
  let report: unknown
  try {
    report = JSON.parse(text)
  } catch {
    return undefined
  }
  const totals = objectAt(report, "ALL STATS", "Totals")
  const gets = objectAt(report, "ALL STATS", "Gets")
  const sets = objectAt(report, "ALL STATS", "Sets")
  const percentiles = objectAt(totals, "Percentile Latencies")
  const ms = (value: number) => value * 1000
  const result: RunResult = {
    opsPerSec: numberIn(totals, "Ops/sec"),
    ops: numberIn(totals, "Count"),
    gets: numberIn(gets, "Count"),
    sets: numberIn(sets, "Count"),
    hits: Math.round(numberIn(gets, "Hits/sec") * durationS),
    misses: Math.round(numberIn(gets, "Misses/sec") * durationS),
    avgUs: ms(numberIn(totals, "Average Latency")),
    p50Us: ms(numberIn(percentiles, "p50.00")),
    p99Us: ms(numberIn(percentiles, "p99.00")),
    p999Us: ms(numberIn(percentiles, "p99.90")),
    maxUs: ms(numberIn(totals, "Max Latency")),
    errors: 0,
    verifyErrors: null,
    diagnostics: []
  }
  return Number.isFinite(result.opsPerSec) && Number.isFinite(result.p99Us) ? result : undefined
}

/** A load generator running memtier_benchmark at `binary`. */
export const make = (binary: string): Loadgen => ({
  name: "memtier",
  run: (settings, workload) =>
    Effect.gen(function*() {
      const failed = (reason: string) => new LoadError({ loadgen: "memtier", reason })
      if (settings.prefill) yield* LoadGenerator.run({ ...settings, durationS: 0, verify: false }, workload)
      const durationS = Math.max(1, Math.round(settings.durationS))
      return yield* Effect.acquireUseRelease(
        Effect.sync(() => mkdtempSync(path.join(tmpdir(), "effcached-memtier-"))),
        (dir) =>
          Effect.gen(function*() {
            const jsonFile = path.join(dir, "report.json")
            const output = yield* Effect.mapError(
              Command.run(binary, argsFor(settings, workload, jsonFile)),
              (error) => failed(error.message)
            )
            const text = yield* Effect.try({
              try: () => readFileSync(jsonFile, "utf8"),
              catch: () => failed(`no report (exit ${output.status}): ${output.stderr.trim().slice(-500)}`)
            })
            return parseReport(text, durationS) ?? (yield* Effect.fail(failed("its JSON report has no totals")))
          }),
        (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
      )
    })
})
