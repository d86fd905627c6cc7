/**
 * The `clients` scenario of `npm run bench`: effcached's client against the `memcached` and
 * `memcache-client` npm packages, on the same server (memcached -t 1 when installed, which spends the
 * least CPU of the two and so leaves the most to the clients; else effcached), with the same requests
 * in flight, the same get/set mix and keys, each run in a fresh process (ClientLoad.ts), clients taking
 * turns in every round. Reports medians: throughput, latency, and the client process's CPU time per
 * request, the steadiest figure on a shared machine.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import { mkdirSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { MemcachedClient } from "../client/MemcachedClient.js"
import { CLIENT_NAMES, type ClientRun, type ClientWorkload } from "./ClientLoad.js"
import { run } from "./Command.js"
import type { Options } from "./Options.js"
import type { Progress } from "./Progress.js"
import { median } from "./Results.js"
import * as Servers from "./Servers.js"
import { KEY_PREFIX, valueOf } from "./ValuePattern.js"

/** The scenario's workload: 50 requests in flight, 1 set in 11, 100-byte values, 10,000 keys. */
export const WORKLOAD = { concurrency: 50, keys: 10_000, valueSize: 100, setEvery: 11 } as const

/** The scenario's results. */
export interface ClientReport {
  readonly server: Servers.ServerName
  readonly workload: Omit<ClientWorkload, "port" | "seed">
  readonly runs: ReadonlyArray<ClientRun>
  /** Medians per client, in CLIENT_NAMES order. */
  readonly medians: ReadonlyArray<ClientRun>
}

/** The medians of each client's runs (errors are totals). */
export const mediansOf = (runs: ReadonlyArray<ClientRun>): ReadonlyArray<ClientRun> =>
  CLIENT_NAMES.flatMap((client) => {
    const mine = runs.filter((r) => r.client === client)
    if (mine.length === 0) return []
    const of = (f: (r: ClientRun) => number) => median(mine.map(f))
    const total = (f: (r: ClientRun) => number) => mine.reduce((sum, r) => sum + f(r), 0)
    return [{
      client,
      ops: of((r) => r.ops),
      opsPerSec: of((r) => r.opsPerSec),
      p50Us: of((r) => r.p50Us),
      p99Us: of((r) => r.p99Us),
      cpuUsPerOp: of((r) => r.cpuUsPerOp),
      errors: total((r) => r.errors),
      verifyErrors: total((r) => r.verifyErrors),
      misses: total((r) => r.misses)
    }]
  })

const thousands = (n: number) => Math.round(n).toLocaleString("en-US")

/** The table of medians, with effcached's ratio to each package (throughput up, CPU per request down). */
export const table = (report: ClientReport): string => {
  const ours = report.medians.find((m) => m.client === "effcached")
  const ratio = (mine: number | undefined, theirs: number) =>
    mine === undefined || !(theirs > 0) ? "" : ` (${(mine / theirs).toFixed(2)}x)`
  const rows = [
    ["client", "ops/s", "p50 µs", "p99 µs", "CPU µs/op", "errors", "verify errors"],
    ...report.medians.map((m) => [
      m.client,
      thousands(m.opsPerSec) + (m.client === "effcached" ? "" : ratio(ours?.opsPerSec, m.opsPerSec)),
      thousands(m.p50Us),
      thousands(m.p99Us),
      m.cpuUsPerOp.toFixed(1) + (m.client === "effcached" ? "" : ratio(m.cpuUsPerOp, ours?.cpuUsPerOp ?? 0)),
      String(m.errors),
      String(m.verifyErrors)
    ])
  ]
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)))
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n")
}

/** The results as Markdown, for the results folder. */
const markdown = (report: ClientReport, options: Options): string =>
  [
    "# Client benchmark",
    "",
    `Server: ${report.server}. ${report.workload.concurrency} requests in flight, 1 set in ${report.workload.setEvery},`,
    `${report.workload.valueSize}-byte values over ${
      report.workload.keys.toLocaleString("en-US")
    } prefilled keys, every value read`,
    `checked; ${options.runs} runs of ${options.durationS} s per client, clients taking turns; medians. In brackets:`,
    "effcached's throughput over the package's, and the package's CPU time per request over effcached's.",
    "",
    "```",
    table(report),
    "```",
    ""
  ].join("\n")

/** Stores every key's value once, through effcached's client. */
const prefill = (port: number) =>
  Effect.scoped(
    Effect.flatMap(MemcachedClient.make({ servers: [`127.0.0.1:${port}`] }), (client) =>
      Effect.forEach(
        Array.from({ length: WORKLOAD.keys }, (_, key) => key),
        (key) => client.set(KEY_PREFIX + key, valueOf(key, 0, WORKLOAD.valueSize)),
        { concurrency: 100, discard: true }
      ))
  )

/** Runs the scenario: each round, each client once, in a process of its own. */
export const runClients = (
  options: Options,
  root: string,
  progress: Progress
): Effect.Effect<ClientReport, Error> =>
  Effect.scoped(Effect.gen(function*() {
    const specs = Servers.specs(root)
    const spec = specs.memcached._tag === "Available" ? specs.memcached : specs.effcached
    if (spec._tag !== "Available") {
      return yield* Effect.fail(new Error(`no server for the client scenario: ${spec.reason}`))
    }
    const server = yield* Servers.start(spec, options.memoryMb)
    yield* Effect.mapError(prefill(server.port), (error) => new Error(`prefill: ${error.message}`))
    const script = path.join(root, "dist/bench/ClientLoad.js")
    const runs: Array<ClientRun> = []
    for (let round = 0; round < options.runs; round++) {
      for (const client of CLIENT_NAMES) {
        progress.begin(`clients · ${client} · run ${round + 1}/${options.runs}`, options.durationS + 1)
        const args = [WORKLOAD.concurrency, options.durationS, WORKLOAD.keys, WORKLOAD.valueSize, options.seed + round]
        const output = yield* run(process.execPath, [script, client, String(server.port), ...args.map(String)])
        if (output.status !== 0) {
          progress.end(`failed: ${output.stderr.trim().split("\n").pop()}`)
          continue
        }
        const result = JSON.parse(output.stdout) as ClientRun
        runs.push(result)
        progress.end(`${thousands(result.opsPerSec)} ops/s, ${result.cpuUsPerOp.toFixed(1)} µs CPU/op`)
      }
    }
    const { concurrency, keys, setEvery, valueSize } = WORKLOAD
    return {
      server: spec.name,
      workload: { concurrency, keys, valueSize, setEvery, seconds: options.durationS },
      runs,
      medians: mediansOf(runs)
    }
  }))

/** Writes clients.json and clients.md into `dir`; returns the files written. */
export const write = (dir: string, report: ClientReport, options: Options): ReadonlyArray<string> => {
  mkdirSync(dir, { recursive: true })
  const files = { "clients.json": JSON.stringify(report, null, 2) + "\n", "clients.md": markdown(report, options) }
  return Object.entries(files).map(([name, text]) => {
    writeFileSync(path.join(dir, name), text)
    return path.join(dir, name)
  })
}
