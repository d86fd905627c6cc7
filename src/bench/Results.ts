/**
 * A benchmark's results: one row per step and server holding every run and their medians, with the
 * settings they were measured under; and the comparisons the reports make (ratio to memcached in the
 * same step, the ladder's points for the charts).
 *
 * @module
 */
import type { ScenarioId } from "./Scenarios.js"
import type { ServerName } from "./Servers.js"
import type { Protocol, RunResult } from "./Workload.js"

/** One step on one server. */
export interface StepResult {
  readonly scenario: ScenarioId
  /** The step's label, e.g. `p1 c150`. */
  readonly step: string
  readonly kind: "load" | "memory"
  readonly conns: number
  readonly depth: number
  readonly server: ServerName
  /** The protocol the load spoke, when not text. */
  readonly protocol?: Protocol
  /** Every run, in order (none for a memory step). */
  readonly runs: ReadonlyArray<RunResult>
  /** Medians of the runs (errors are totals): undefined when no run completed. */
  readonly median: RunResult | undefined
  /** The server's resident set size at the end of the step, in bytes. */
  readonly rssBytes: number | undefined
  /** Why the step failed on this server, if it did. */
  readonly failure: string | undefined
  /** A memory step: seconds its fill took (pipelined sets of every item). */
  readonly fillSeconds?: number | undefined
  /** A memory step: the items it filled. */
  readonly items?: number | undefined
}

/** How the benchmark was run. */
export interface BenchMeta {
  /** ISO date and time of the start. */
  readonly date: string
  /** `git describe`-style commit of the project, when known. */
  readonly commit: string | undefined
  readonly node: string
  readonly platform: string
  readonly cpus: number
  readonly loadgen: string
  readonly durationS: number
  readonly runs: number
  readonly memoryMb: number
  readonly verify: boolean
  readonly seed: number
  readonly servers: ReadonlyArray<ServerName>
  /** The protocols each server was measured with (text alone when absent). */
  readonly protocols?: ReadonlyArray<Protocol>
  /** Things the reader should know: a server or load generator that was not available, and why. */
  readonly notes: ReadonlyArray<string>
}

/** Everything a benchmark measured. */
export interface BenchReport {
  readonly meta: BenchMeta
  readonly results: ReadonlyArray<StepResult>
}

/** The median of some numbers (the mean of the middle two for an even count); NaN when empty. */
export const median = (values: ReadonlyArray<number>): number => {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** The medians of several runs of one step; errors and verify errors are totals, since any one counts. */
export const medianOf = (runs: ReadonlyArray<RunResult>): RunResult | undefined => {
  if (runs.length === 0) return undefined
  const of = (figure: (run: RunResult) => number) => median(runs.map(figure))
  const verified = runs.every((run) => run.verifyErrors !== null)
  return {
    opsPerSec: of((r) => r.opsPerSec),
    ops: of((r) => r.ops),
    gets: of((r) => r.gets),
    sets: of((r) => r.sets),
    hits: of((r) => r.hits),
    misses: of((r) => r.misses),
    avgUs: of((r) => r.avgUs),
    p50Us: of((r) => r.p50Us),
    p99Us: of((r) => r.p99Us),
    p999Us: of((r) => r.p999Us),
    maxUs: of((r) => r.maxUs),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    verifyErrors: verified ? runs.reduce((sum, run) => sum + run.verifyErrors!, 0) : null,
    diagnostics: runs.flatMap((run) => run.diagnostics).slice(0, 8),
    serverCpuUs: runs.every((run) => run.serverCpuUs !== undefined) ? of((r) => r.serverCpuUs!) : undefined
  }
}

/** A row's server, with the protocol when it is not text (`effcached binary`). */
export const serverLabel = (row: Pick<StepResult, "server" | "protocol">): string =>
  row.protocol === undefined || row.protocol === "text" ? row.server : `${row.server} ${row.protocol}`

/** A row's figure divided by `server`'s in the same step: undefined without a figure of that server. */
export const ratioTo = (
  server: ServerName,
  report: BenchReport,
  row: StepResult,
  figure: (row: StepResult) => number | undefined
): number | undefined => {
  const reference = report.results.find((other) =>
    other.step === row.step && other.server === server && other.protocol === row.protocol
  )
  const mine = figure(row)
  const theirs = reference === undefined ? undefined : figure(reference)
  return mine === undefined || theirs === undefined || !(theirs > 0) || !Number.isFinite(mine)
    ? undefined
    : mine / theirs
}

/** A row's figure divided by memcached's in the same step: undefined without a memcached figure. */
export const ratioToMemcached = (
  report: BenchReport,
  row: StepResult,
  figure: (row: StepResult) => number | undefined
): number | undefined => ratioTo("memcached", report, row, figure)

/** A row's figure divided by the node ceiling's in the same step: undefined when the ceiling did not run. */
export const ratioToCeiling = (
  report: BenchReport,
  row: StepResult,
  figure: (row: StepResult) => number | undefined
): number | undefined => ratioTo("nodeceiling", report, row, figure)

/** A memory step's fill rate, items a second: undefined for load steps. */
export const fillRate = (row: StepResult): number | undefined =>
  row.kind === "memory" && row.items !== undefined && row.fillSeconds !== undefined && row.fillSeconds > 0
    ? row.items / row.fillSeconds
    : undefined

/** One server's line on a ladder chart. */
export interface Series {
  readonly name: string
  readonly points: ReadonlyArray<readonly [x: number, y: number]>
}

/** Each server's medians along the p1 ladder, x being the connection count. */
export const ladderSeries = (report: BenchReport, figure: (median: RunResult) => number): ReadonlyArray<Series> =>
  report.meta.servers
    .flatMap((server) => (report.meta.protocols ?? ["text"]).map((protocol) => ({ server, protocol })))
    .map(({ protocol, server }) => ({
      name: serverLabel({ server, protocol }),
      points: report.results
        .filter((row) =>
          row.scenario === "p1" && row.server === server && (row.protocol ?? "text") === protocol &&
          row.median !== undefined
        )
        .map((row) => [row.conns, figure(row.median!)] as const)
        .sort((a, b) => a[0] - b[0])
    }))
    .filter((series) => series.points.length > 0)
